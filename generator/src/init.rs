//! `vouch init`: a commented `vouch.toml` in the evidence folder and a CI
//! workflow that publishes the site (GitHub Pages through vouch's action,
//! or GitLab Pages). Never overwrites: a file that exists is left as it is,
//! and the command refuses (exit 2) naming it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Where vouch's GitHub Action and release binaries are published, as
/// `owner/repo`. `vouch init --action` names another (a fork, a mirror).
pub const HOME: &str = "vouch-dev/vouch";

const CONFIG: &str = include_str!("../init/vouch.toml");
const GITHUB: &str = include_str!("../init/github-workflow.yml");
const GITLAB: &str = include_str!("../init/gitlab-ci.yml");

/// Which CI the workflow is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ci {
    GitHub,
    GitLab,
}

pub struct Options {
    /// The repository's root.
    pub repo: PathBuf,
    /// The evidence folder, relative to the repository root.
    pub evidence: String,
    pub ci: Ci,
    /// `owner/repo@ref` of the action (GitHub).
    pub action: Option<String>,
}

/// The files `init` writes, as (path relative to the repository, contents).
pub fn files(o: &Options) -> Result<Vec<(PathBuf, String)>> {
    let evidence = o.evidence.trim_matches('/');
    if evidence.is_empty()
        || Path::new(evidence).is_absolute()
        || evidence.split('/').any(|s| s == ".." || s.is_empty())
        || evidence.contains(['"', '\'', '$', '`', '\n', ' ', '#', ':'])
    {
        bail!(
            "--evidence {:?} must be a plain folder path inside the repository",
            o.evidence
        );
    }
    let version = env!("CARGO_PKG_VERSION");
    let tag = format!("v{version}");
    let action = o.action.clone().unwrap_or_else(|| format!("{HOME}@{tag}"));
    if !action.contains('@') || action.contains(char::is_whitespace) {
        bail!("--action {action:?} must be owner/repo@ref");
    }
    let fill = |t: &str| {
        t.replace("{{EVIDENCE}}", evidence)
            .replace("{{ACTION}}", &action)
            .replace("{{GIT_URL}}", &format!("https://github.com/{HOME}.git"))
            .replace("{{TAG}}", &tag)
    };
    let workflow = match o.ci {
        Ci::GitHub => (PathBuf::from(".github/workflows/vouch.yml"), fill(GITHUB)),
        Ci::GitLab => (PathBuf::from(".gitlab-ci.yml"), fill(GITLAB)),
    };
    Ok(vec![
        (Path::new(evidence).join("vouch.toml"), CONFIG.to_owned()),
        workflow,
    ])
}

/// Writes the files; refuses, writing nothing, if any exists.
pub fn run(o: &Options) -> Result<Vec<PathBuf>> {
    if !o.repo.is_dir() {
        bail!("{} is not a folder", o.repo.display());
    }
    let files = files(o)?;
    let existing: Vec<String> = files
        .iter()
        .map(|(p, _)| o.repo.join(p))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        bail!(
            "{} already exist{}; vouch init never overwrites a file. Remove or rename {}, or merge by hand from docs/ci.md",
            existing.join(" and "),
            if existing.len() == 1 { "s" } else { "" },
            if existing.len() == 1 { "it" } else { "them" }
        );
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = o.repo.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // create_new: a file that appeared since the check is not touched.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        f.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(rel);
    }
    Ok(written)
}
