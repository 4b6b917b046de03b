//! `vouch build`: the four stages, in order, over one model.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use vouch_audit::Rules;
use vouch_core::{
    audit::{Problem, Severity},
    history::Source,
};

use crate::{
    analyse,
    assets::Assets,
    load, memo, out,
    sign::{self, KeySigner},
    snapshot::{self, Previous, Store},
    store::Staging,
    term::Verbosity,
    timings::Timings,
    write::{self, Publish},
};

/// What `vouch build` was asked to do (built by `cli.rs` from its flags).
#[derive(Clone, Debug)]
pub struct Options {
    pub input: PathBuf,
    pub out: PathBuf,
    pub strict: bool,
    pub sign: Option<PathBuf>,
    /// `--previous DIR|URL`, or `none`.
    pub previous: Option<String>,
    pub retain: usize,
    pub max_age: Option<u32>,
    /// `--expires-in DAYS`: the snapshot expires this long after its build.
    pub expires_in: Option<u32>,
    /// Keys (files or `RW…` keys) whose signature on the previous snapshot
    /// is accepted besides the signing key's own; `unsigned` accepts an
    /// unsigned previous snapshot.
    pub trust_previous_keys: Vec<String>,
    pub verbosity: Verbosity,
    /// `--title`: the site's name (else `title` in `vouch.toml`).
    pub title: Option<String>,
    /// `vouch rollback`: the snapshot whose evidence `input` holds.
    pub rollback_of: Option<String>,
    /// `--render-all`: render every page, even those unchanged since the
    /// previous snapshot.
    pub render_all: bool,
    /// `--timings`: print each stage's time and the peak memory.
    pub timings: bool,
}

/// Everything a build needs, decided before it starts.
pub struct Plan {
    pub input: PathBuf,
    pub out: PathBuf,
    pub built_at: String,
    pub source: Option<Source>,
    pub previous: Option<Previous>,
    pub retain: usize,
    pub signer: Option<KeySigner>,
    /// `vouch.pub` for a rebuild without the signing key.
    pub public_key: Option<String>,
    pub strict: bool,
    pub show_progress: bool,
    pub rules: Rules,
    /// The manifest's `expires_at`.
    pub expires_at: Option<String>,
    /// `--title`, which wins over the config file's.
    pub title: Option<String>,
    /// The manifest's `rollback_of`.
    pub rollback_of: Option<String>,
    /// Record each page's key, and take the pages of a local previous site
    /// whose key is unchanged (see [`crate::reuse`]); false renders every
    /// page and records nothing (`vouch verify --rebuild`).
    pub page_keys: bool,
    /// `--render-all`: record keys, take no page.
    pub render_all: bool,
}

pub struct Outcome {
    /// False when `--strict` refused to publish.
    pub published: bool,
    pub snapshot_id: String,
    /// The audit trail's errors and warnings (`vouch check` prints the same).
    pub problems: Vec<Problem>,
    pub artifacts: usize,
    pub bytes: u64,
    /// Artifact pages taken unchanged from the previous snapshot.
    pub pages_reused: usize,
    /// Files whose analysis was taken from the previous build's
    /// ([`crate::memo`]).
    pub analyses_taken: usize,
    /// What the build left out, and why (printed as warnings, not with `-q`).
    pub warnings: Vec<String>,
    /// The site's size on disk, in bytes (signatures aside).
    pub site_bytes: u64,
}

/// Runs a build from the command line. `Ok(false)` when `--strict` refused.
pub fn run(args: &Options) -> Result<bool> {
    let verbosity = args.verbosity;
    let quiet = verbosity == Verbosity::Quiet;
    let timings = Timings::new();
    if args.retain == 0 {
        bail!("--retain must be at least 1 (the new snapshot itself)");
    }
    // Refused as in vouch.toml, before anything is fetched or written.
    if let Some(why) = args
        .title
        .as_deref()
        .and_then(vouch_audit::config::unprintable_title)
    {
        bail!("--title {why}");
    }
    let out = out::resolve(&args.out)?;
    // Held until the new site is in place: a second build into the same
    // folder waits, then chains onto this one's snapshot.
    let _lock = out::OutLock::acquire(&out, quiet)?;
    // Refuse early, before any work, if --out holds anything vouch did not
    // write (checked again just before the swap).
    out::ensure_replaceable(&out)?;
    // `--previous none` starts a new history on purpose (for example after
    // a broken chain was reported and investigated).
    let previous = match args.previous.as_deref() {
        Some("none") => None,
        spec => {
            let store = match spec {
                Some(spec) => Store::open(spec)?,
                None => Store::Dir(out.clone()),
            };
            let described = store.describe();
            let previous = Previous::load(store)?;
            if spec.is_some() && previous.is_none() && !quiet {
                eprintln!("note: no published site at {described}; starting a new history");
            }
            previous
        }
    };
    timings.end("previous site");
    let signer = sign::signing_key(args.sign.as_deref())?;
    if args.expires_in.is_some() && signer.is_none() {
        bail!(
            "--expires-in needs --sign: an expiry only means something under a signature \
             (anyone who can write to the host could edit it otherwise)"
        );
    }
    if let (Some(signer), Some(previous)) = (&signer, &previous) {
        sign::check_previous(previous, signer, &args.trust_previous_keys)?;
    }
    if signer.is_some() {
        timings.end("signing key");
    }
    let built_at = build_time()?;
    let expires_at = match args.expires_in {
        Some(days) => {
            let t = vouch_core::time::parse_rfc3339(&built_at)
                .context("internal error: the build time is not RFC 3339")?;
            Some(vouch_core::time::format_rfc3339(
                t + i64::from(days) * 86_400,
            ))
        }
        None => None,
    };
    let plan = Plan {
        input: args.input.clone(),
        out,
        built_at,
        expires_at,
        source: snapshot::source_from_env(),
        previous,
        retain: args.retain,
        signer,
        public_key: None,
        strict: args.strict,
        show_progress: !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        rules: Rules {
            max_age: args.max_age,
        },
        title: args.title.clone(),
        rollback_of: args.rollback_of.clone(),
        page_keys: true,
        render_all: args.render_all,
    };
    let signed = plan.signer.as_ref().map(KeySigner::key_id);
    let input = plan.input.clone();
    let o = execute(plan, &timings)?;
    if !quiet {
        for w in &o.warnings {
            eprintln!("warning: {}", crate::term::safe(w));
        }
    }
    report_problems(&o.problems, verbosity, &input);
    let n = o.problems.len();
    if !o.published {
        eprintln!(
            "error: --strict: {}; {} was left as it was",
            analyse::count_phrase(&o.problems),
            args.out.display()
        );
        if args.timings {
            eprintln!("{}", timings.report());
        }
        return Ok(false);
    }
    eprintln!(
        "Built {} artifact{} ({}) into {} in {:.2}s{}{}\nSnapshot {}{}{}",
        o.artifacts,
        if o.artifacts == 1 { "" } else { "s" },
        vouch_core::human_bytes(o.bytes),
        args.out.display(),
        timings.elapsed().as_secs_f64(),
        match o.pages_reused {
            0 => String::new(),
            1 => " (1 page unchanged, not rendered again)".into(),
            n => format!(" ({n} pages unchanged, not rendered again)"),
        },
        match n {
            0 => String::new(),
            _ => format!(", {}", analyse::count_phrase(&o.problems)),
        },
        o.snapshot_id,
        match &args.rollback_of {
            Some(id) => format!(" (a rollback to snapshot {id})"),
            None => String::new(),
        },
        match signed {
            Some(id) => format!(", signed by key {id}"),
            None => ", unsigned".into(),
        }
    );
    if args.timings {
        eprintln!(
            "{}\n  site size {} ({} bytes)\n  analyses remembered from the last build {}",
            timings.report(),
            vouch_core::human_bytes(o.site_bytes),
            o.site_bytes,
            o.analyses_taken
        );
    }
    Ok(true)
}

/// The audit trail's problems on stderr: a summary by default (counts by
/// kind and the first few of each), every line with `-v`, only errors
/// with `-q`.
fn report_problems(problems: &[Problem], verbosity: Verbosity, input: &Path) {
    const FIRST: usize = 3;
    if verbosity == Verbosity::Verbose {
        for p in problems {
            eprintln!(
                "{}: {}",
                p.severity.as_str(),
                crate::term::safe(&p.to_string())
            );
        }
        return;
    }
    let mut kinds: Vec<(Severity, vouch_core::audit::ProblemKind, Vec<&Problem>)> = Vec::new();
    for p in problems {
        if verbosity == Verbosity::Quiet && p.severity != Severity::Error {
            continue;
        }
        match kinds.iter_mut().find(|(_, k, _)| *k == p.kind) {
            Some((_, _, list)) => list.push(p),
            None => kinds.push((p.severity, p.kind, vec![p])),
        }
    }
    kinds.sort_by_key(|(s, k, _)| (*s, *k));
    for (severity, kind, list) in &kinds {
        eprintln!(
            "{}: {} {} ({})",
            severity.as_str(),
            list.len(),
            kind.as_str(),
            kind.label().to_lowercase()
        );
        for p in list.iter().take(FIRST) {
            eprintln!("  {}", crate::term::safe(&p.to_string()));
        }
        if list.len() > FIRST {
            eprintln!("  … and {} more", list.len() - FIRST);
        }
    }
    if !kinds.is_empty() {
        eprintln!(
            "see `vouch check {}` for every line (`-v` prints them here)",
            crate::term::safe(&input.display().to_string())
        );
    }
}

/// The stages, in order: load, extract, render and write, then commit,
/// each ended on `timings`.
pub fn execute(plan: Plan, timings: &Timings) -> Result<Outcome> {
    let input = std::fs::canonicalize(&plan.input)
        .with_context(|| format!("evidence folder {} not found", plan.input.display()))?;
    if !input.is_dir() {
        bail!("{} is not a folder", plan.input.display());
    }
    let out = &plan.out;
    if out == &input || input.starts_with(out) {
        bail!(
            "the output folder {} would contain the evidence folder {}; choose another --out",
            out.display(),
            plan.input.display()
        );
    }
    let mut staging = Staging::create(out)?;
    // Files identical to the site being replaced (or the local previous
    // snapshot) are linked, not written again.
    match &plan.previous {
        _ if out.is_dir() => staging.reuse_from(out),
        Some(Previous {
            store: Store::Dir(dir),
            ..
        }) => staging.reuse_from(dir),
        _ => {}
    }
    let exclude = [out.clone(), staging.path().to_path_buf()];
    // Remembered analyses go with page keys: not for a new site that
    // follows a remote one (CI's), nor for `vouch verify --rebuild`; nor
    // for a rollback, whose input is a scratch folder never built again.
    let remote = plan
        .previous
        .as_ref()
        .is_some_and(|p| !matches!(p.store, Store::Dir(_)));
    let remembered = match () {
        _ if !plan.page_keys
            || plan.rollback_of.is_some()
            || (remote && staging.reused_site().is_none()) =>
        {
            memo::Use::Off
        }
        _ if plan.render_all => memo::Use::Record,
        _ => memo::Use::TakeAndRecord,
    };
    let loaded = load::load(
        &input,
        &exclude,
        Some(&staging),
        plan.show_progress,
        remembered,
    )?;
    timings.end("load");
    let analyses_taken = loaded.analyses_taken;
    let config = analyse::config(loaded.config.as_deref())?;
    let mut site = loaded.site;
    site.built_at = plan.built_at.clone();
    site.title = plan
        .title
        .clone()
        .or_else(|| config.title.clone())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    analyse::finish(
        &mut site,
        loaded.documents,
        loaded.problems,
        &config,
        plan.rules,
        &|e| {
            staging
                .read_object_prefix(&e.sha256, e.size, vouch_audit::TEXT_LIMIT as u64 + 1)
                .ok()
        },
    );
    timings.end("audit");
    let assets = Assets::new();
    let public_key = match &plan.signer {
        Some(s) => Some(s.public_key_file()?),
        None => plan.public_key.clone(),
    };
    let publish = Publish {
        previous: plan.previous.as_ref(),
        retain: plan.retain,
        signer: plan.signer.as_ref(),
        public_key,
        source: plan.source.clone(),
        expires_at: plan.expires_at.clone(),
        rollback_of: plan.rollback_of.clone(),
        page_keys: plan.page_keys,
        render_all: plan.render_all,
    };
    // Counted now: the artifacts move into the manifest as it is written.
    let artifacts = site.artifacts.len();
    let bytes = site.artifacts.iter().map(|e| e.size).sum();
    let written = write::write_site(&staging, &mut site, &assets, &publish, timings)?;
    let problems: Vec<Problem> = site
        .audit
        .problems
        .iter()
        .filter(|p| p.severity.is_problem())
        .cloned()
        .collect();
    let published = !plan.strict || problems.is_empty();
    // The audit trail and the previous snapshot go before the swap, whose
    // last check of --out reads the old site's lists: held together, they
    // were the peak of a rebuild (50,000 reports: 469 MB of heap).
    drop(publish);
    drop(site);
    drop(plan.previous);
    if published {
        staging.commit(out)?;
    }
    timings.end("swap");
    let mut warnings = written.warnings;
    warnings.extend(too_large_for_pages(written.site_bytes));
    Ok(Outcome {
        published,
        snapshot_id: written.snapshot_id,
        problems,
        artifacts,
        bytes,
        pages_reused: written.pages_reused,
        analyses_taken,
        warnings,
        site_bytes: written.site_bytes,
    })
}

/// GitHub Pages' documented limit: "Published GitHub Pages sites may be no
/// larger than 1 GB". Its deploy action holds the uploaded artifact (the
/// site, tarred and compressed) to it, and warns, then may fail, past it.
pub const GITHUB_PAGES_LIMIT: u64 = 1_000_000_000;

/// A warning for a site larger on disk than [`GITHUB_PAGES_LIMIT`], at
/// build time rather than when its deploy fails. How well it compresses
/// is not known here, so this says "may".
fn too_large_for_pages(site_bytes: u64) -> Option<String> {
    (site_bytes > GITHUB_PAGES_LIMIT).then(|| {
        format!(
            "the site is {} ({site_bytes} bytes), over GitHub Pages' documented 1 GB limit; \
             its deploy there may fail, depending on how well the upload compresses \
             (a smaller --retain keeps fewer old objects)",
            vouch_core::human_bytes(site_bytes)
        )
    })
}

/// The build time: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
pub fn build_time() -> Result<String> {
    let t = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => {
            let secs: i64 = v.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH={v:?} is not a whole number of seconds")
            })?;
            OffsetDateTime::from_unix_timestamp(secs)
                .with_context(|| format!("SOURCE_DATE_EPOCH={v:?} is out of range"))?
        }
        _ => OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| OffsetDateTime::now_utc()),
    };
    t.format(&Rfc3339).context("formatting the build time")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past GitHub Pages' limit, and only past it, the build warns, with
    /// the size in bytes as well as in words.
    #[test]
    fn a_site_over_the_pages_limit_is_warned_of() {
        assert_eq!(too_large_for_pages(GITHUB_PAGES_LIMIT), None);
        assert_eq!(too_large_for_pages(3 << 20), None);
        let w = too_large_for_pages(GITHUB_PAGES_LIMIT + 1).expect("warning");
        assert!(
            w.starts_with(
                "the site is 953.7 MiB (1000000001 bytes), over GitHub Pages' documented 1 GB"
            ),
            "{w}"
        );
        assert!(w.contains("--retain"), "{w}");
    }
}
