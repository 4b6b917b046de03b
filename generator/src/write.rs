//! Stage 4: write the site into a staging folder beside the output, then
//! swap it into place in one step.
//!
//! A build that fails or is killed never touches the previous site: until the
//! final rename, all work happens in `.<out>.vouch-staging-<pid>`.

use std::{
    collections::{BTreeSet, HashSet},
    fs::File,
    io::Read,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use rayon::prelude::*;
use vouch_core::{
    Artifact, MANIFEST_SCHEMA, Manifest,
    history::{History, Source, snapshot_id},
    manifest::GeneratedFile,
    sha256_hex,
};

use crate::{
    assets::Assets,
    model::Site,
    render::{Renderer, TEXT_LIMIT},
    sign::KeySigner,
    snapshot::Previous,
};

/// A site under construction.
pub struct Staging {
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Creates an empty staging folder beside `out` (same file system, so the
    /// final rename is atomic).
    pub fn create(out: &Path) -> Result<Self> {
        let parent = out.parent().context("the output folder has no parent")?;
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = out
            .file_name()
            .context("the output path has no folder name")?;
        let prefix = format!(".{}.vouch-staging-", name.to_string_lossy());
        remove_abandoned(parent, &prefix);
        let dir = parent.join(format!("{prefix}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear stale {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir.join("objects"))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self {
            dir,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn objects_dir(&self) -> PathBuf {
        self.dir.join("objects")
    }

    /// Up to `limit` bytes from the start of a stored object.
    pub fn read_object_prefix(&self, sha256: &str, limit: u64) -> Result<Vec<u8>> {
        let path = self.objects_dir().join(sha256);
        let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut buf = Vec::new();
        f.take(limit)
            .read_to_end(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(buf)
    }

    /// Writes a generated file and returns its manifest entry.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<GeneratedFile> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(GeneratedFile {
            path: rel.to_owned(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        })
    }

    /// Moves the finished site to `out`, replacing what was there in one
    /// atomic step where the platform allows it.
    pub fn commit(mut self, out: &Path) -> Result<()> {
        if out.exists() {
            // Checked again at the last moment: nothing foreign may have
            // appeared since the build began.
            crate::out::ensure_replaceable(out)?;
            swap(&self.dir, out)?;
            // The staging path now holds the previous site.
            std::fs::remove_dir_all(&self.dir).with_context(|| {
                format!("cannot remove the previous site at {}", self.dir.display())
            })?;
        } else {
            std::fs::rename(&self.dir, out)
                .with_context(|| format!("cannot move the new site to {}", out.display()))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes staging folders that builds killed mid-way left behind: those
/// whose process no longer runs. (Only where that can be told: Linux.)
fn remove_abandoned(parent: &Path, prefix: &str) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let pid = rest.split('.').next().unwrap_or_default();
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(target_os = "linux")]
fn swap(staging: &Path, out: &Path) -> Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, staging, CWD, out, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // Some file systems cannot exchange; fall back to two renames.
        Err(_) => swap_two_step(staging, out),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(staging: &Path, out: &Path) -> Result<()> {
    swap_two_step(staging, out)
}

/// Old site aside, new site in, old site to the staging path. Not atomic: a
/// crash between the renames leaves the old site complete beside `out`.
fn swap_two_step(staging: &Path, out: &Path) -> Result<()> {
    let aside = staging.with_extension("previous");
    std::fs::rename(out, &aside).with_context(|| format!("cannot move {} aside", out.display()))?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&aside, out);
        return Err(e).with_context(|| format!("cannot move the new site to {}", out.display()));
    }
    std::fs::rename(&aside, staging)
        .with_context(|| format!("cannot move {} back", aside.display()))?;
    Ok(())
}

/// What a build publishes besides the evidence: its place in the snapshot
/// chain, and its signature.
pub struct Publish<'a> {
    pub previous: Option<&'a Previous>,
    pub retain: usize,
    pub signer: Option<&'a KeySigner>,
    /// `vouch.pub` to publish: the signer's public key, or, when rebuilding
    /// a signed site without its key, the key that site published.
    pub public_key: Option<String>,
    pub source: Option<Source>,
}

pub struct Written {
    pub snapshot_id: String,
}

/// Writes everything but the current objects (which `load` already stored):
/// assets, one page per artifact, the index, the retained snapshots (their
/// archived manifests and carried-forward objects), `history.json`,
/// `statement.intoto.json`, `manifest.json` and its signature, `SHA256SUMS`.
pub fn write_site(
    staging: &Staging,
    site: &Site,
    assets: &Assets,
    publish: &Publish<'_>,
) -> Result<Written> {
    let renderer = Renderer::new(
        site,
        assets,
        publish.signer.is_some() || publish.public_key.is_some(),
    )?;
    let mut generated = Vec::new();
    for (name, bytes) in &assets.files {
        generated.push(staging.write(&format!("assets/{name}"), bytes)?);
    }

    let pages = site
        .artifacts
        .par_iter()
        .map(|e| {
            // Binary files were read once, to hash them; their pages need
            // no bytes.
            let bytes = if e.kind == vouch_core::ArtifactKind::Binary {
                Vec::new()
            } else {
                staging.read_object_prefix(&e.sha256, TEXT_LIMIT as u64 + 1)?
            };
            let complete = (bytes.len() as u64) == e.size;
            let html = renderer.artifact(e, &bytes, complete)?;
            staging.write(&e.page, html.as_bytes())
        })
        .collect::<Result<Vec<_>>>()?;
    generated.extend(pages);
    let history = match publish.previous {
        Some(p) => p.next_history(publish.retain),
        None => History::empty(publish.retain),
    };
    generated.push(staging.write("index.html", renderer.index(&history)?.as_bytes())?);
    generated.push(staging.write("timeline.html", renderer.timeline()?.as_bytes())?);
    generated.push(staging.write("problems.html", renderer.problems()?.as_bytes())?);
    generated.push(staging.write("audit.json", site.audit.to_json_pretty().as_bytes())?);

    // The snapshot chain: earlier retained snapshots, archived, with the
    // objects they need, and a page each.
    if let Some(p) = publish.previous {
        for (path, bytes) in p.carry(&history, staging)? {
            generated.push(staging.write(&path, &bytes)?);
        }
    }
    for s in &history.snapshots {
        let bytes = std::fs::read(staging.path().join(&s.manifest))
            .with_context(|| format!("reading the archived {}", s.manifest))?;
        let m = Manifest::parse(&bytes)?;
        let page = format!("snapshots/{}/index.html", s.id);
        generated.push(staging.write(&page, renderer.snapshot(s, &m)?.as_bytes())?);
    }
    generated.push(staging.write("history.json", history.to_json_pretty().as_bytes())?);
    if let Some(key) = &publish.public_key {
        // The publisher's key, as a claim: readers must pin their own.
        generated.push(staging.write("vouch.pub", key.as_bytes())?);
    }
    let artifacts: Vec<Artifact> = site
        .artifacts
        .iter()
        .map(|e| Artifact {
            path: e.path.clone(),
            sha256: e.sha256.clone(),
            size: e.size,
            url: e.object_url(),
            kind: e.kind,
            page: e.page.clone(),
            title: e.title.clone(),
        })
        .collect();
    let previous_id = publish.previous.map(|p| p.id.clone());
    let statement = intoto_statement(
        &artifacts,
        &site.built_at,
        previous_id.as_deref(),
        publish.source.as_ref(),
    );
    generated.push(staging.write("statement.intoto.json", statement.as_bytes())?);
    generated.sort_by(|a, b| a.path.cmp(&b.path));

    let manifest = Manifest {
        schema_version: MANIFEST_SCHEMA,
        generator: vouch_core::Generator {
            name: "vouch".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        built_at: site.built_at.clone(),
        previous: previous_id,
        source: publish.source.clone(),
        artifacts,
        generated,
    };
    manifest
        .validate()
        .context("internal error: the manifest this build produced is invalid")?;
    let manifest_bytes = manifest.to_json_pretty().into_bytes();
    let snapshot_id = snapshot_id(&manifest_bytes);
    staging.write("manifest.json", &manifest_bytes)?;
    if let Some(signer) = publish.signer {
        let comment = vouch_core::signature::trusted_comment(&snapshot_id, &site.built_at);
        staging.write(
            "manifest.json.minisig",
            signer.sign(&manifest_bytes, &comment).as_bytes(),
        )?;
    }
    let retained = crate::snapshot::retained_objects(publish.previous, &history);
    staging.write("SHA256SUMS", sha256sums(&manifest, &retained).as_bytes())?;
    // GitHub Pages' Jekyll would hide nothing of ours, but skip it anyway.
    staging.write(".nojekyll", b"")?;
    Ok(Written { snapshot_id })
}

/// An in-toto Statement v1 naming every artifact, so CI can attest the
/// snapshot with existing tools (GitHub artifact attestations, cosign).
/// It cannot name the snapshot id (the manifest records this file's hash),
/// so its predicate carries what the id is computed from.
pub fn intoto_statement(
    artifacts: &[Artifact],
    built_at: &str,
    previous: Option<&str>,
    source: Option<&Source>,
) -> String {
    let subject: Vec<serde_json::Value> = artifacts
        .iter()
        .map(|a| serde_json::json!({ "name": a.path, "digest": { "sha256": a.sha256 } }))
        .collect();
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subject,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "generator": { "name": "vouch", "version": env!("CARGO_PKG_VERSION") },
            "builtAt": built_at,
            "previousSnapshot": previous,
            "source": source,
        },
    });
    let mut s = serde_json::to_string_pretty(&statement).unwrap_or_default();
    s.push('\n');
    s
}

/// The predicate type of vouch's in-toto statements.
pub const PREDICATE_TYPE: &str = "urn:vouch:snapshot:v1";

/// GNU coreutils format (`<hex>  <path>`): every artifact's raw bytes, the
/// objects earlier retained snapshots need, then every generated file, so
/// `sha256sum -c SHA256SUMS` in the site root checks the whole site with no
/// vouch installed.
pub fn sha256sums(m: &Manifest, retained: &BTreeSet<String>) -> String {
    let mut out = String::new();
    for a in &m.artifacts {
        out.push_str(&format!("{}  {}\n", a.sha256, a.url));
    }
    let current: HashSet<&str> = m.artifacts.iter().map(|a| a.sha256.as_str()).collect();
    for sha in retained.iter().filter(|s| !current.contains(s.as_str())) {
        out.push_str(&format!("{sha}  {}\n", crate::model::object_url(sha)));
    }
    for g in &m.generated {
        out.push_str(&format!("{}  {}\n", g.sha256, g.path));
    }
    out
}
