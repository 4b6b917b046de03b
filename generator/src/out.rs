//! The output folder: what `build` may replace, and the lock that keeps two
//! builds into one folder from racing.
//!
//! vouch never deletes or overwrites a file it did not create. A build
//! replaces `--out` only when it is missing, empty, or provably a vouch site
//! whose every file vouch wrote: a `manifest.json` that parses as a vouch
//! manifest (with `generator.name == "vouch"`), and nothing beside the files
//! that manifest, `SHA256SUMS` and the archived snapshots account for.
//! Anything else is refused (exit 2); there is deliberately no `--force`.

use std::{
    borrow::Cow,
    collections::HashSet,
    fs::File,
    io::ErrorKind,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};
#[cfg(not(unix))]
use std::fs::OpenOptions;
use vouch_core::Manifest;

use crate::snapshot::Listing;

/// Files every vouch site may hold that its manifest does not list.
const UNLISTED: &[&str] = &[
    "manifest.json",
    "manifest.json.minisig",
    "SHA256SUMS",
    "SHA256SUMS.minisig",
    ".nojekyll",
    crate::reuse::CACHE,
];

/// How many foreign files an error names before it says "and N more".
const NAMED: usize = 10;

/// `--out` made absolute without requiring it to exist. A symbolic link is
/// written through: the site replaces the link's target folder, and the link
/// stays as it is. A dangling link, or one to something other than a folder,
/// is refused.
pub fn resolve(out: &Path) -> Result<PathBuf> {
    let abs =
        std::path::absolute(out).with_context(|| format!("bad output path {}", out.display()))?;
    let name = abs
        .file_name()
        .context("the output path has no folder name")?
        .to_owned();
    let parent = abs.parent().context("the output folder has no parent")?;
    // Resolve symlinks in the parent when it exists, so comparisons with the
    // (canonical) input folder are meaningful.
    let parent = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    let abs = parent.join(name);
    match std::fs::symlink_metadata(&abs) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::canonicalize(&abs).map_err(|e| {
                anyhow::anyhow!(
                    "--out {} is a symbolic link whose target cannot be reached ({e}); \
                     refusing to replace the link. Create the target folder, or pass a real folder.",
                    out.display()
                )
            })?;
            if !target.is_dir() {
                bail!(
                    "--out {} is a symbolic link to {}, which is not a folder; refusing to replace it",
                    out.display(),
                    target.display()
                );
            }
            Ok(target)
        }
        _ => Ok(abs),
    }
}

/// Refuses to go on unless `out` may be replaced by a new site: it does not
/// exist, is an empty folder, or is a vouch site holding only files vouch
/// wrote. The error names what makes it foreign.
pub fn ensure_replaceable(out: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", out.display())),
    };
    if meta.file_type().is_symlink() {
        bail!(
            "{} is a symbolic link; refusing to replace it (pass the folder it points to)",
            out.display()
        );
    }
    if !meta.is_dir() {
        bail!(
            "{} exists and is not a folder; refusing to replace it",
            out.display()
        );
    }
    let empty = std::fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let refuse = |why: String| -> anyhow::Error {
        anyhow::anyhow!(
            "{} is not a vouch site ({why}); refusing to replace it. vouch only replaces a \
             folder it built. Choose an empty or new folder with --out.",
            out.display()
        )
    };
    let bytes = match std::fs::read(out.join("manifest.json")) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(refuse("it has no manifest.json".into()));
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}/manifest.json", out.display()));
        }
    };
    // The header is checked as `Manifest::parse` checks it, and each entry's
    // URL or path and digest as `Manifest::validate` checks them; the lists
    // are read borrowed, and not checked for what cannot make a file
    // vouch's (an artifact's own path and page, an entry listed twice).
    // Parsed whole, twice per rebuild (here, and again just before the
    // swap), the 100,000 entries of a 50,000-file site were a tenth of its
    // time.
    let not_ours = |e: &dyn std::fmt::Display| {
        refuse(format!(
            "its manifest.json is not a vouch manifest: {}",
            first_line(&e.to_string())
        ))
    };
    let manifest = Manifest::parse_header(&bytes).map_err(|e| not_ours(&e))?;
    if manifest.generator.name != "vouch" {
        return Err(refuse(format!(
            "its manifest.json names the generator {:?}",
            manifest.generator.name
        )));
    }
    let listing = Listing::parse(&bytes).map_err(|e| not_ours(&e))?;
    if let Some(path) = listing.stray_entry() {
        return Err(not_ours(&format!(
            "{path:?} does not stay inside the site, or has no SHA-256"
        )));
    }
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap_or_default();
    let mut known = vouch_files(&listing, &sums);
    let mut foreign = foreign_files(out, &known)?;
    if !foreign.is_empty() {
        // What only an archived snapshot accounts for. Read only now: an
        // intact site's SHA256SUMS already names every archived object, and
        // 20 archived manifests as large as the current one, each hashed
        // and read, were a tenth of a rebuild. The site is listed again,
        // so that only regular files are ever vouch's.
        known.extend(archived_files(out, &listing).into_iter().map(Cow::Owned));
        foreign = foreign_files(out, &known)?;
    }
    if !foreign.is_empty() {
        let mut list = foreign
            .iter()
            .take(NAMED)
            .map(|p| format!("\n  {}", crate::term::safe(p)))
            .collect::<String>();
        if foreign.len() > NAMED {
            list.push_str(&format!("\n  … and {} more", foreign.len() - NAMED));
        }
        bail!(
            "{} is a vouch site, but holds {} file{} vouch did not write; refusing to replace it, \
             which would delete {}. Move {} elsewhere, or choose another --out:{list}",
            out.display(),
            foreign.len(),
            if foreign.len() == 1 { "" } else { "s" },
            if foreign.len() == 1 { "it" } else { "them" },
            if foreign.len() == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Every site-relative path a vouch site accounts for but the objects only
/// its archived snapshots name ([`archived_files`]): its manifest's
/// artifacts and generated files (`listing`), what its `SHA256SUMS`
/// (`sums`) names, and the few files no manifest lists. Borrowed from
/// both where it can be: a 50,000-file site names 150,000 paths.
fn vouch_files<'a>(listing: &'a Listing<'a>, sums: &'a str) -> HashSet<Cow<'a, str>> {
    let mut known: HashSet<Cow<'a, str>> = UNLISTED.iter().map(|s| Cow::Borrowed(*s)).collect();
    known.extend(listing.artifacts.iter().map(|a| Cow::Borrowed(&*a.url)));
    for (path, _) in listing.generated() {
        known.insert(Cow::Borrowed(path));
        if archived_manifest(path) {
            known.insert(Cow::Owned(format!("{path}.minisig")));
        }
    }
    known.extend(sums.lines().filter_map(sum_path));
    known
}

/// The path a `SHA256SUMS` line names: borrowed from the line unless the
/// line is escaped (`\` first), as [`vouch_core::hash::parse_sum_line`]
/// reads it.
fn sum_path(line: &str) -> Option<Cow<'_, str>> {
    if line.starts_with('\\') {
        return vouch_core::hash::parse_sum_line(line).map(|(_, p)| Cow::Owned(p));
    }
    let (_, path) = line.split_once("  ").or_else(|| line.split_once(" *"))?;
    Some(Cow::Borrowed(path))
}

/// `snapshots/<id>/manifest.json`.
fn archived_manifest(path: &str) -> bool {
    path.strip_prefix("snapshots/")
        .and_then(|rest| rest.strip_suffix("/manifest.json"))
        .is_some_and(|id| !id.contains('/'))
}

/// The objects the archived snapshots of the site at `out` name. Only an
/// archived manifest the current one (`listing`) lists, byte for byte,
/// vouches for its objects.
fn archived_files(out: &Path, listing: &Listing<'_>) -> HashSet<String> {
    let mut known = HashSet::new();
    let layout = listing.layout();
    for (path, sha256) in listing.generated().filter(|(p, _)| archived_manifest(p)) {
        if let Ok(bytes) = std::fs::read(out.join(path))
            && vouch_core::sha256_hex(&bytes) == sha256
        {
            known.extend(listed_urls(&bytes, layout));
        }
    }
    known
}

/// The artifact URLs an archived manifest lists (none if it is not JSON of
/// that shape), and where the site, in its `layout`, keeps those objects
/// now (a snapshot archived before objects were spread lists them flat).
/// Read as [`crate::snapshot::Listing`], borrowed and not checked as
/// `Manifest::parse` would: with 20 retained snapshots of 50,000 files that
/// took seconds.
fn listed_urls(bytes: &[u8], layout: crate::model::Layout) -> Vec<String> {
    Listing::parse(bytes)
        .map(|l| {
            l.artifacts
                .into_iter()
                .flat_map(|a| [layout.object_url(&a.sha256), a.url.into_owned()])
                .collect()
        })
        .unwrap_or_default()
}

/// Files (and links, and anything else that is not a folder) under `out`
/// that are not in `known`, sorted. Each top-level entry (`objects/`,
/// `pages/`, …) is listed on its own thread; nothing is followed, not even a
/// link at the top.
fn foreign_files(out: &Path, known: &HashSet<Cow<'_, str>>) -> Result<Vec<String>> {
    use rayon::prelude::*;
    let cannot_list = || format!("cannot list {}", out.display());
    let top = std::fs::read_dir(out)
        .with_context(cannot_list)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(cannot_list)?;
    let lists = top
        .par_iter()
        .with_max_len(1)
        .map(|start| -> Result<Vec<String>> {
            let mut foreign = Vec::new();
            let walk = walkdir::WalkDir::new(start)
                .follow_links(false)
                .follow_root_links(false);
            for entry in walk {
                let entry = entry.with_context(cannot_list)?;
                if entry.file_type().is_dir() {
                    continue;
                }
                let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
                let rel = match rel.to_str() {
                    Some(s) if std::path::MAIN_SEPARATOR == '/' => Cow::Borrowed(s),
                    _ => Cow::Owned(
                        rel.to_string_lossy()
                            .replace(std::path::MAIN_SEPARATOR, "/"),
                    ),
                };
                if !(entry.file_type().is_file() && known.contains(&*rel)) {
                    foreign.push(rel.into_owned());
                }
            }
            Ok(foreign)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut foreign: Vec<String> = lists.into_iter().flatten().collect();
    foreign.sort();
    Ok(foreign)
}

/// An exclusive lock on `--out`, held from before the previous snapshot is
/// read until the new site is in place, so that two builds into one folder
/// run one after the other and neither drops the other's snapshot from the
/// chain.
///
/// On Unix the lock is an advisory `flock` on the folder that holds `--out`
/// (the staging folder and the swap live there too), so no lock file is left
/// in the user's tree, or in the evidence when `--out` lies inside it. Where
/// folders cannot be locked, `.<out>.vouch-lock` beside the folder is.
pub struct OutLock {
    _file: File,
}

impl OutLock {
    /// Takes the lock, waiting (and saying so) while another build holds it.
    pub fn acquire(out: &Path, quiet: bool) -> Result<Self> {
        let parent = out.parent().context("the output folder has no parent")?;
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let (file, path) = Self::open(parent, out)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                if !quiet {
                    eprintln!(
                        "note: another vouch build into {} is running; waiting for it to finish (lock: {})",
                        out.display(),
                        path.display()
                    );
                }
                file.lock()
                    .with_context(|| format!("cannot lock {}", path.display()))?;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        Ok(Self { _file: file })
    }

    #[cfg(unix)]
    fn open(parent: &Path, _out: &Path) -> Result<(File, PathBuf)> {
        let file = File::open(parent)
            .with_context(|| format!("cannot open {} to lock it", parent.display()))?;
        Ok((file, parent.to_path_buf()))
    }

    #[cfg(not(unix))]
    fn open(parent: &Path, out: &Path) -> Result<(File, PathBuf)> {
        let name = out
            .file_name()
            .context("the output path has no folder name")?;
        let path = parent.join(format!(".{}.vouch-lock", name.to_string_lossy()));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        Ok((file, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names an archived manifest lists, as `Manifest::parse` reads
    /// them; none from bytes that are not a manifest.
    #[test]
    fn listed_urls_match_the_full_parse() {
        let json = r#"{"schema_version":1,"generator":{"name":"vouch","version":"0"},
            "built_at":"2026-01-01T00:00:00Z","artifacts":[
            {"path":"a \"q\".md","sha256":"0000000000000000000000000000000000000000000000000000000000000000","size":1,"url":"objects/0000000000000000000000000000000000000000000000000000000000000000","kind":"markdown","page":"pages/a.html","title":"A"},
            {"path":"b.md","sha256":"1111111111111111111111111111111111111111111111111111111111111111","size":1,"url":"objects\/1111111111111111111111111111111111111111111111111111111111111111","kind":"markdown","page":"pages/b.html","title":"B"}]}"#;
        use crate::model::Layout;
        let full: Vec<String> = Manifest::parse(json.as_bytes())
            .expect("manifest")
            .artifacts
            .into_iter()
            .map(|a| a.url)
            .collect();
        assert_eq!(full.len(), 2);
        // Each object where the site keeps it now, then where the archived
        // manifest says it was: a flat snapshot kept by a spread site.
        let spread = listed_urls(json.as_bytes(), Layout::Spread);
        assert_eq!(spread.len(), 4);
        assert_eq!(spread[0], format!("objects/00/{}", "0".repeat(64)));
        assert_eq!(spread[3], full[1]);
        let flat = listed_urls(json.as_bytes(), Layout::Flat);
        assert_eq!([&flat[0], &flat[2]], [&full[0], &full[1]]);
        assert!(listed_urls(b"not json", Layout::Spread).is_empty());
        assert!(listed_urls(br#"{"artifacts":"no"}"#, Layout::Spread).is_empty());
    }
}
