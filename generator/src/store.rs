//! The object store of a build: the staging folder a site is assembled in,
//! beside the output, and the one routine that copies bytes into it while
//! hashing them.
//!
//! A build that fails or is killed never touches the previous site: until the
//! final swap, all work happens in `.<out>.vouch-staging-<pid>`.

use std::{
    fs::File,
    io::{Read, Write},
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
};

use anyhow::{Context, Result};
use vouch_core::{Sha256Hasher, manifest::GeneratedFile, sha256_hex};

/// Read and write buffers.
pub const BUF: usize = 256 * 1024;

/// Streams `src` through SHA-256, into `dst` when there is one, handing each
/// chunk to `on_chunk` (for progress, or to keep the start for analysis).
/// Returns the hex digest and the byte count. `what` names the source in
/// errors.
pub fn copy_hashing(
    src: &mut dyn Read,
    mut dst: Option<&mut dyn Write>,
    what: &dyn std::fmt::Display,
    mut on_chunk: impl FnMut(&[u8]),
) -> Result<(String, u64)> {
    let mut hasher = Sha256Hasher::new();
    let mut buf = vec![0u8; BUF];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {what}")),
        };
        let chunk = &buf[..n];
        hasher.update(chunk);
        if let Some(d) = dst.as_mut() {
            d.write_all(chunk)
                .with_context(|| format!("cannot store {what}"))?;
        }
        on_chunk(chunk);
    }
    let size = hasher.len();
    Ok((hasher.finish_hex(), size))
}

/// A site under construction.
pub struct Staging {
    dir: PathBuf,
    committed: bool,
    /// Names temporary files while they are stored.
    tmp_ids: AtomicUsize,
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
            tmp_ids: AtomicUsize::new(0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn objects_dir(&self) -> PathBuf {
        self.dir.join("objects")
    }

    /// Stores `src` as `objects/<sha256>` (the one copy-while-hashing
    /// routine), handing each chunk to `on_chunk`. Returns the digest and
    /// size. Identical content is stored once.
    pub fn store(
        &self,
        src: &mut dyn Read,
        what: &dyn std::fmt::Display,
        on_chunk: impl FnMut(&[u8]),
    ) -> Result<(String, u64)> {
        let tmp = self.objects_dir().join(format!(
            ".tmp-{}",
            self.tmp_ids.fetch_add(1, Ordering::Relaxed)
        ));
        let file =
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out = std::io::BufWriter::with_capacity(BUF, file);
        let stored = copy_hashing(src, Some(&mut out), what, on_chunk).and_then(|r| {
            out.into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            Ok(r)
        });
        let (sha256, size) = match stored {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let object = self.objects_dir().join(&sha256);
        std::fs::rename(&tmp, &object)
            .with_context(|| format!("cannot move {} into place", tmp.display()))?;
        Ok((sha256, size))
    }

    /// Removes a stored object (one that proved to be the wrong content).
    pub fn discard(&self, sha256: &str) {
        let _ = std::fs::remove_file(self.objects_dir().join(sha256));
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
