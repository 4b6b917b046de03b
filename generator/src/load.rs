//! Stage 1: find every evidence file and ingest it.
//!
//! Each file is read exactly once: its bytes stream through SHA-256 and into
//! the staging object store at the same time, so what is hashed is exactly
//! what is published, even if the input changes during the build.

use std::{
    fs::File,
    io::{Read, Write},
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use vouch_core::{ArtifactKind, Sha256Hasher};
use walkdir::WalkDir;

use crate::{
    model::{Diagnostic, Entry, Site},
    write::Staging,
};

/// Bytes kept from the start of each file for sniffing its kind.
const HEAD: usize = 8 * 1024;
const BUF: usize = 256 * 1024;

struct Found {
    abs: PathBuf,
    rel: String,
    size: u64,
}

/// Walks `input` and ingests every regular file into `staging`'s object
/// store. Paths in `exclude` (the output and staging folders, when they sit
/// inside the input) are skipped.
pub fn load(
    input: &Path,
    exclude: &[PathBuf],
    staging: &Staging,
    show_progress: bool,
) -> Result<Site> {
    let mut site = Site {
        input: input.to_path_buf(),
        ..Site::default()
    };
    let found = walk(input, exclude, &mut site.diagnostics)?;

    let total: u64 = found.iter().map(|f| f.size).sum();
    let bar = if show_progress {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message("hashing");
        bar
    } else {
        ProgressBar::hidden()
    };

    let tmp_ids = AtomicUsize::new(0);
    let mut artifacts = found
        .par_iter()
        .map(|f| ingest(f, staging, &tmp_ids, &bar))
        .collect::<Result<Vec<_>>>()?;
    bar.finish_and_clear();
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    site.artifacts = artifacts;
    Ok(site)
}

fn walk(input: &Path, exclude: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    let walker = WalkDir::new(input)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let git = e.depth() > 0 && e.file_type().is_dir() && e.file_name() == ".git";
            !git && !exclude.iter().any(|x| e.path() == x)
        });
    for entry in walker {
        let entry = entry
            .with_context(|| format!("cannot read the evidence folder {}", input.display()))?;
        if entry.depth() == 0 {
            continue;
        }
        let abs = entry.path().to_path_buf();
        let rel = match relative(input, &abs) {
            Some(rel) => rel,
            None => {
                diags.push(Diagnostic {
                    path: abs.to_string_lossy().into_owned(),
                    line: None,
                    message: "file name is not valid UTF-8; skipped".into(),
                });
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(&abs)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            diags.push(Diagnostic {
                path: rel,
                line: None,
                message: format!("symlink (to {target}) not followed; not included"),
            });
        } else if ft.is_file() {
            let size = entry
                .metadata()
                .with_context(|| format!("cannot stat {}", abs.display()))?
                .len();
            found.push(Found { abs, rel, size });
        } else if !ft.is_dir() {
            diags.push(Diagnostic {
                path: rel,
                line: None,
                message: "not a regular file (device, FIFO or socket); not included".into(),
            });
        }
    }
    Ok(found)
}

/// `input`-relative path with `/` separators, or `None` if not UTF-8.
fn relative(input: &Path, abs: &Path) -> Option<String> {
    let rel = abs.strip_prefix(input).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

fn ingest(f: &Found, staging: &Staging, ids: &AtomicUsize, bar: &ProgressBar) -> Result<Entry> {
    let mut src = File::open(&f.abs).with_context(|| format!("cannot open {}", f.abs.display()))?;
    let tmp = staging
        .objects_dir()
        .join(format!(".ingest-{}", ids.fetch_add(1, Ordering::Relaxed)));
    let mut dst = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut hasher = Sha256Hasher::new();
    let mut head = Vec::new();
    let mut buf = vec![0u8; BUF];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", f.abs.display())),
        };
        let chunk = &buf[..n];
        hasher.update(chunk);
        if head.len() < HEAD {
            head.extend_from_slice(&chunk[..n.min(HEAD - head.len())]);
        }
        dst.write_all(chunk)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        bar.inc(n as u64);
    }
    drop(dst);
    let size = hasher.len();
    let sha256 = hasher.finish_hex();
    let object = staging.objects_dir().join(&sha256);
    std::fs::rename(&tmp, &object)
        .with_context(|| format!("cannot move {} into place", tmp.display()))?;
    if f.rel.is_empty() {
        bail!("internal error: empty path for {}", f.abs.display());
    }
    Ok(Entry {
        path: f.rel.clone(),
        sha256,
        size,
        head,
        kind: ArtifactKind::Binary,
        title: String::new(),
        page: String::new(),
    })
}
