//! The object store of a build: the staging folder a site is assembled in,
//! beside the output, and the one routine that copies bytes into it while
//! hashing them.
//!
//! A build that fails or is killed never touches the previous site: until the
//! final swap, all work happens in `.<out>.vouch-staging-<pid>`.

use std::{
    collections::HashSet,
    fs::File,
    io::{Read, Write},
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use anyhow::{Context, Result};
use vouch_core::{Sha256Hasher, manifest::GeneratedFile, sha256_hex};

/// Read and write buffers.
pub const BUF: usize = 256 * 1024;

/// Objects up to this size are held in memory while they are hashed, then
/// written once under their final name (or linked from the previous site);
/// larger ones stream through a temporary file.
const SMALL: usize = 1024 * 1024;

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
    with_read_buffer(|buf| {
        let mut hasher = Sha256Hasher::new();
        loop {
            let n = match src.read(buf) {
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
    })
}

/// Hard-links `src` at `dst`; true if what was linked is a regular file of
/// `size` bytes (link(2) does not follow a symlink swapped in meanwhile),
/// else nothing is left at `dst`.
fn link_checked(src: &Path, dst: &Path, size: u64) -> bool {
    if std::fs::hard_link(src, dst).is_err() {
        return false;
    }
    match std::fs::symlink_metadata(dst) {
        Ok(m) if m.is_file() && m.len() == size => true,
        _ => {
            let _ = std::fs::remove_file(dst);
            false
        }
    }
}

/// Whether what is left to read of `file` is exactly `bytes`, read a
/// buffer at a time (an archived manifest of a large site is tens of MB;
/// reading it whole to compare would double it in memory).
fn same_bytes(file: &mut File, bytes: &[u8]) -> bool {
    with_read_buffer(|buf| {
        let mut rest = bytes;
        loop {
            match file.read(buf) {
                Ok(0) => return rest.is_empty(),
                Ok(n) => match rest.strip_prefix(&buf[..n]) {
                    Some(r) => rest = r,
                    None => return false,
                },
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    })
}

/// Calls `f` with a [`BUF`]-byte read buffer, this thread's own, kept from
/// one file to the next: a fresh zeroed 256 KiB per file costs page
/// faults on every file of a large site.
pub fn with_read_buffer<R>(f: impl FnOnce(&mut [u8]) -> R) -> R {
    thread_local! {
        static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    READ_BUF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < BUF {
                buf.resize(BUF, 0);
            }
            f(&mut buf[..BUF])
        }
        // Already lent out further up this thread's stack.
        Err(_) => f(&mut vec![0; BUF]),
    })
}

/// A site under construction.
pub struct Staging {
    dir: PathBuf,
    committed: bool,
    /// Names temporary files while they are stored.
    tmp_ids: AtomicUsize,
    /// The site being replaced, whose identical files are hard-linked
    /// rather than written again (see [`Staging::reuse_from`]).
    reuse: Option<PathBuf>,
    /// Folders made (or found) so far: a site writes thousands of files
    /// into a few folders, and `create_dir_all` on one that exists costs two
    /// system calls (`mkdir`, then a `stat`) per file.
    made: Mutex<HashSet<PathBuf>>,
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
            made: Mutex::new(HashSet::from([dir.join("objects")])),
            dir,
            committed: false,
            tmp_ids: AtomicUsize::new(0),
            reuse: None,
        })
    }

    /// Lets this build hard-link files from the vouch site at `site` (the
    /// one being replaced, or the local previous snapshot) instead of
    /// writing them again, when their bytes are identical. A rebuild then
    /// creates few new files: creating files, not hashing them, is what
    /// costs most at scale. Only regular files whose bytes are compared
    /// equal are linked, so a damaged or tampered previous site cannot leak
    /// into the new one.
    pub fn reuse_from(&mut self, site: &Path) {
        self.reuse = site.is_dir().then(|| site.to_path_buf());
    }

    /// Hard-links `rel` from the reused site when that file holds exactly
    /// `bytes`. False when it cannot (no such file, different bytes,
    /// another file system), and the caller writes the file itself.
    fn link_identical(&self, rel: &str, bytes: &[u8]) -> bool {
        let Some(root) = &self.reuse else {
            return false;
        };
        let src = root.join(rel);
        match std::fs::symlink_metadata(&src) {
            Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {}
            _ => return false,
        }
        // Its size was just measured: compared without another `stat`.
        if !File::open(&src).is_ok_and(|mut f| same_bytes(&mut f, bytes)) {
            return false;
        }
        link_checked(&src, &self.dir.join(rel), bytes.len() as u64)
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The site files are linked from when unchanged, if any.
    pub fn reused_site(&self) -> Option<&Path> {
        self.reuse.as_deref()
    }

    pub fn objects_dir(&self) -> PathBuf {
        self.dir.join("objects")
    }

    /// Where object `sha256` is stored (see [`crate::model::object_url`]).
    pub fn object_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(crate::model::object_url(sha256))
    }

    /// Makes the folder `path` goes in, once per folder per build. Nothing
    /// removes a folder from the staging folder while it is built.
    fn make_parent(&self, path: &Path) -> Result<()> {
        let Some(parent) = path.parent() else {
            return Ok(());
        };
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if !made.contains(parent) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
            made.insert(parent.to_path_buf());
        }
        Ok(())
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
        let mut spill = Spill {
            mem: Vec::new(),
            file: None,
            tmp: &tmp,
        };
        let mut spilled = false;
        let stored = copy_hashing(src, Some(&mut spill), what, on_chunk).and_then(|r| {
            if let Some(out) = spill.file.take() {
                spilled = true;
                out.into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
            }
            Ok(r)
        });
        let (sha256, size) = match stored {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if !spilled {
            // Small: written once, under its final name.
            self.place(&sha256, &spill.mem)?;
            return Ok((sha256, size));
        }
        let object = self.object_path(&sha256);
        self.make_parent(&object)?;
        std::fs::rename(&tmp, &object)
            .with_context(|| format!("cannot move {} into place", tmp.display()))?;
        Ok((sha256, size))
    }

    /// Puts a small object in place: nothing to do if it is already there,
    /// a link if the reused site holds the same bytes, else one write.
    fn place(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        let object = self.object_path(sha256);
        self.make_parent(&object)?;
        // No `stat` first: linking onto an existing object fails, and
        // `create_new` below then finds it.
        if self.link_identical(&crate::model::object_url(sha256), bytes) {
            return Ok(());
        }
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&object)
        {
            Ok(f) => f,
            // Another thread is storing the same content.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", object.display()));
            }
        };
        file.write_all(bytes).map_err(|e| {
            let _ = std::fs::remove_file(&object);
            anyhow::Error::new(e).context(format!("cannot write {}", object.display()))
        })
    }

    /// Removes a stored object (one that proved to be the wrong content).
    pub fn discard(&self, sha256: &str) {
        let _ = std::fs::remove_file(self.object_path(sha256));
    }

    /// The first `limit` bytes of the stored object `sha256`, of `size`
    /// bytes: the size measured read in one go (reading to the end reads
    /// 8 KiB at a time, and a 4 KB file in eight calls, its buffer grown from
    /// 32 bytes), then whatever follows it up to `limit`: usually one call
    /// that finds the end.
    pub fn read_object_prefix(&self, sha256: &str, size: u64, limit: u64) -> Result<Vec<u8>> {
        let path = self.object_path(sha256);
        let read = || -> std::io::Result<Vec<u8>> {
            let mut f = File::open(&path)?;
            let mut buf = vec![0; size.min(limit) as usize];
            let mut got = 0;
            while got < buf.len() {
                match f.read(&mut buf[got..]) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            buf.truncate(got);
            if (got as u64) < limit && got as u64 == size {
                f.take(limit - got as u64).read_to_end(&mut buf)?;
            }
            Ok(buf)
        };
        read().with_context(|| format!("cannot read {}", path.display()))
    }

    /// A stored test report read once, whole: its first `limit` bytes (for
    /// its page) and its cases (for the paged list).
    pub fn read_report_cases(
        &self,
        e: &crate::model::Entry,
        limit: u64,
    ) -> Result<(Vec<u8>, crate::render::CaseList)> {
        let path = self.object_path(&e.sha256);
        let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut tee = vouch_audit::reports::Watch::keeping(
            std::io::BufReader::with_capacity(256 << 10, f),
            limit as usize,
        );
        let mut list = crate::render::CaseList::new(crate::render::CASES_LISTED);
        // A report that does not parse was reported by the analyser; its
        // page shows it as text, and the rest of it is still read for that.
        let _ = vouch_audit::reports::junit::list(&e.path, &mut tee, &mut |f| list.push(f));
        std::io::copy(&mut tee, &mut std::io::sink())
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok((tee.kept, list))
    }

    /// Writes a generated file and returns its manifest entry.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<GeneratedFile> {
        self.write_file(rel, bytes, false, None)
    }

    /// Writes a generated file that `fill` streams out (hashed on the way),
    /// so a large one (`audit.json`) is never held in memory whole.
    pub fn write_streaming(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<GeneratedFile> {
        let path = self.dir.join(rel);
        self.make_parent(&path)?;
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        // Buffered before the hash, not after it: serialisers write a few
        // bytes at a time, and hashing each piece as it came cost a third of
        // writing `audit.json` (114 MB at 50,000 reports).
        let mut out = std::io::BufWriter::with_capacity(
            BUF,
            HashingWriter {
                inner: file,
                hasher: Sha256Hasher::new(),
            },
        );
        fill(&mut out)
            .and_then(|()| out.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
        let hasher = out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?
            .hasher;
        Ok(GeneratedFile {
            path: rel.to_owned(),
            size: hasher.len(),
            sha256: hasher.finish_hex(),
        })
    }

    /// Removes `rel`, a file this build wrote into the staging folder.
    pub fn remove(&self, rel: &str) -> Result<()> {
        let path = self.dir.join(rel);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("cannot remove {}", path.display()))
            }
            _ => Ok(()),
        }
    }

    /// [`Staging::write`] for a file that is often unchanged between builds
    /// (an artifact's page): linked from the reused site when identical.
    pub fn write_reusing(&self, rel: &str, bytes: &[u8]) -> Result<GeneratedFile> {
        self.write_file(rel, bytes, true, None)
    }

    /// [`Staging::write_reusing`] for bytes whose SHA-256 the caller has
    /// just checked (a retained snapshot's manifest: its id): not hashed
    /// again.
    pub fn write_reusing_hashed(
        &self,
        rel: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<GeneratedFile> {
        self.write_file(rel, bytes, true, Some(sha256))
    }

    /// Hard-links `src`, a regular file of `size` bytes, at `rel`: what was
    /// linked is then checked to be one (a link is made to a symbolic link
    /// itself, never followed). False when it cannot (not such a file;
    /// another file system, say), and the caller copies it.
    pub fn link_from(&self, src: &Path, rel: &str, size: u64) -> Result<bool> {
        let path = self.dir.join(rel);
        self.make_parent(&path)?;
        Ok(link_checked(src, &path, size))
    }

    fn write_file(
        &self,
        rel: &str,
        bytes: &[u8],
        reuse: bool,
        sha256: Option<&str>,
    ) -> Result<GeneratedFile> {
        let path = self.dir.join(rel);
        self.make_parent(&path)?;
        if !(reuse && self.link_identical(rel, bytes)) {
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(GeneratedFile {
            path: rel.to_owned(),
            sha256: sha256.map_or_else(|| sha256_hex(bytes), str::to_owned),
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
            remove_site(&self.dir).with_context(|| {
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

/// Removes the site at `dir` (vouch's own: a previous site swapped out),
/// its top-level entries side by side. A large site is mostly two flat
/// folders, `objects/` and `pages/`; one thread unlinking them one after
/// the other was most of a 50,000-report rebuild's swap, and two threads in
/// two folders do not contend for one directory's lock.
fn remove_site(dir: &Path) -> std::io::Result<()> {
    use rayon::prelude::*;
    let entries = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.par_iter().with_max_len(1).try_for_each(|path| {
        // Not followed: a link is removed, never what it points to.
        if std::fs::symlink_metadata(path)?.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        }
    })?;
    std::fs::remove_dir_all(dir)
}

/// Hashes what passes through to `inner`.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256Hasher,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A writer that holds up to [`SMALL`] bytes in memory and spills to a
/// temporary file beyond that.
struct Spill<'a> {
    mem: Vec<u8>,
    file: Option<std::io::BufWriter<File>>,
    tmp: &'a Path,
}

impl Write for Spill<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.file.is_none() && self.mem.len() + buf.len() > SMALL {
            let mut out = std::io::BufWriter::with_capacity(BUF, File::create(self.tmp)?);
            out.write_all(&self.mem)?;
            self.mem = Vec::new();
            self.file = Some(out);
        }
        match &mut self.file {
            Some(f) => f.write(buf),
            None => {
                self.mem.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_compares_whole_files() {
        let same_bytes = |path: &Path, bytes: &[u8]| {
            File::open(path).is_ok_and(|mut f| super::same_bytes(&mut f, bytes))
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        let big: Vec<u8> = (0..(3 * BUF + 17)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &big).expect("write");
        assert!(same_bytes(&path, &big));
        assert!(!same_bytes(&path, &big[..big.len() - 1]), "a prefix");
        let mut longer = big.clone();
        longer.push(0);
        assert!(!same_bytes(&path, &longer), "longer");
        let mut changed = big.clone();
        changed[2 * BUF + 5] ^= 1;
        assert!(!same_bytes(&path, &changed), "one bit");
        std::fs::write(&path, b"").expect("write");
        assert!(same_bytes(&path, b""));
        assert!(!same_bytes(&path, b"x"));
        assert!(!same_bytes(&dir.path().join("absent"), b""));
    }

    /// A previous site goes whole, folders and files alike; a link in it
    /// goes, not what it leads to.
    #[cfg(unix)]
    #[test]
    fn remove_site_removes_the_site_and_nothing_a_link_leads_to() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).expect("mkdir");
        std::fs::write(outside.join("keep.md"), b"user file").expect("write");
        let site = dir.path().join("site");
        for sub in ["objects", "pages", "search", "snapshots/abc"] {
            std::fs::create_dir_all(site.join(sub)).expect("mkdir");
            for n in 0..50 {
                std::fs::write(site.join(sub).join(format!("f{n}")), b"x").expect("write");
            }
        }
        std::fs::write(site.join("index.html"), b"<p>").expect("write");
        std::os::unix::fs::symlink(&outside, site.join("linked-dir")).expect("symlink");
        std::os::unix::fs::symlink(outside.join("keep.md"), site.join("pages/linked-file"))
            .expect("symlink");
        remove_site(&site).expect("removed");
        assert!(!site.exists());
        assert_eq!(
            std::fs::read(outside.join("keep.md")).expect("kept"),
            b"user file"
        );
        assert!(remove_site(&site).is_err(), "nothing left to remove");
    }

    /// Files go in nested folders made once each; an object's prefix is
    /// its first `limit` bytes, however its recorded size compares (the
    /// size only sizes the buffer).
    #[test]
    fn staging_writes_nested_files_and_reads_prefixes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("site");
        let staging = Staging::create(&out).expect("staging");
        for rel in ["a/b/c.html", "a/b/d.html", "a/e.html", "f.html"] {
            let written = staging.write(rel, rel.as_bytes()).expect("write");
            assert_eq!(written.size, rel.len() as u64);
            assert_eq!(
                std::fs::read(staging.path().join(rel)).expect("read"),
                rel.as_bytes()
            );
        }
        let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let (sha256, size) = staging
            .store(&mut &body[..], &"body", |_| {})
            .expect("store");
        assert_eq!(size, 5000);
        for (recorded, limit, want) in [
            (5000, 10_000, 5000),
            (5000, 100, 100),
            (10, 10_000, 5000),
            (1 << 40, 4096, 4096),
            (0, 0, 0),
        ] {
            let got = staging
                .read_object_prefix(&sha256, recorded, limit)
                .expect("prefix");
            assert_eq!(got, body[..want], "size {recorded}, limit {limit}");
        }
    }

    /// The buffer is this thread's, reused; a nested call gets one of its
    /// own rather than a second borrow of it.
    #[test]
    fn read_buffer_is_reused_and_nests() {
        let first = with_read_buffer(|b| {
            b[0] = 7;
            b.as_ptr() as usize
        });
        let (again, kept, inner) = with_read_buffer(|outer| {
            let inner = with_read_buffer(|b| (b.len(), b[0], b.as_ptr() as usize));
            (outer.as_ptr() as usize, outer[0], inner)
        });
        assert_eq!((again, kept), (first, 7));
        assert_eq!(inner.0, BUF);
        assert_eq!(inner.1, 0, "a fresh buffer");
        assert_ne!(inner.2, first);
    }
}
