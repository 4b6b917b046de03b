//! Analyses remembered from one build of an evidence folder to the next.
//!
//! A file's analysis ([`crate::analyse::file`], with [`crate::analyse::report`]
//! for a report too large to analyse from its first bytes) is a function of
//! its path, its bytes (named by their SHA-256), the folder's place in its
//! repository, the program, and the answers it got about the paths beside
//! it (references are resolved against them while files are hashed, before
//! any digest is known): which of the paths it asked about are files or
//! folders, and which files bear the names it asked about. The analyser's
//! index notes those questions ([`vouch_audit::index::recording`]).
//! A build records each text file's analysis, with its questions and their
//! answers, in this user's cache folder, under the folder's resolved path;
//! the next build of that folder, by the same program with the folder in
//! the same place ([`fingerprint`]), takes the analysis of every file whose
//! bytes are unchanged and whose every question the new paths answer as
//! before ([`vouch_audit::index::Lookup::holds`]), instead of analysing it
//! again. A file added or removed costs the analyses of the files that
//! asked about it (a report citing it), not all of them. The
//! folder as a whole (references against digests, gates against evidence,
//! `vouch.toml`, `--max-age`) is judged afresh by every build: only the
//! per-file step is remembered.
//!
//! The record lives with the page records' secret ([`crate::reuse`]), in
//! the user's own cache folder, never in the site: it is not published, it
//! does not count toward the site's size, and no one who can only edit the
//! site or the evidence can change what a later audit says. The folder is
//! the user's alone (0700), and only a record of the user's that no one
//! else can write to is read. The newest [`KEEP`] folders' records are
//! kept; older ones are removed (they are this program's own files, in its
//! own folder).
//!
//! A record is a header line (`vouch analyses 2 <program> <fingerprint>`),
//! then a line per file: its SHA-256, a space, its path as a JSON string (a
//! tab or newline in a name is escaped), a tab, and
//! its analysis as JSON (title, document, problems, and the questions it
//! asked with their answers). The previous record is
//! indexed once (path → where its analysis starts) and each analysis is
//! read back only when its file comes by, so a rebuild holds no second copy
//! of the audit in memory. `--render-all` analyses every file again (and
//! records them); `vouch check` takes them and records nothing (it writes
//! nothing anywhere); `vouch verify --rebuild`, a rollback and a build that
//! follows a remote site neither take nor record.

use std::{
    collections::HashMap,
    io::{BufRead, Read, Write},
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vouch_audit::{Index, index::Lookup};
use vouch_core::audit::{Document, Problem};

use crate::analyse::Analysed;

/// How many folders' records are kept in the cache folder.
pub const KEEP: usize = 8;

/// The first word of a record's header, and its format's version.
const HEADER: &str = "vouch analyses 2";

/// The folder, in [`crate::reuse::secret_dir`], that holds the records.
const FOLDER: &str = "analyses";

/// What a build does with remembered analyses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Neither take nor record (`vouch verify --rebuild`, a build that
    /// follows a remote site).
    Off,
    /// Analyse every file, and record them (`--render-all`).
    Record,
    /// Take what is remembered, and write nothing (`vouch check`).
    Take,
    /// Take what is remembered, and record every file.
    TakeAndRecord,
}

/// The digest every remembered analysis of one build depends on beyond the
/// file's own path and bytes, the program (named beside it in the header)
/// and the answers it got about other paths (recorded with it): the
/// folder's place in its repository.
pub fn fingerprint(root: Option<&str>) -> [u8; 32] {
    let mut h = Sha256::new();
    match root {
        Some(r) => {
            h.update([1]);
            h.update(r.as_bytes());
            h.update([0]);
        }
        None => h.update([0]),
    }
    h.finalize().into()
}

/// One file's analysis as recorded (written from borrows, read as owned).
#[derive(Serialize)]
struct Writing<'a> {
    t: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<&'a Document>,
    #[serde(skip_serializing_if = "<[Problem]>::is_empty")]
    x: &'a [Problem],
    #[serde(skip_serializing_if = "<[Lookup]>::is_empty")]
    q: &'a [Lookup],
}

#[derive(Deserialize)]
struct Reading {
    t: String,
    #[serde(default)]
    d: Option<Document>,
    #[serde(default)]
    x: Vec<Problem>,
    #[serde(default)]
    q: Vec<Lookup>,
}

/// A file's remembered analysis.
pub struct Taken {
    pub title: String,
    pub analysed: Analysed,
}

/// The previous record, indexed.
struct Previous {
    file: std::fs::File,
    /// Path → (SHA-256 of the bytes analysed, where the analysis starts in
    /// the record, its length).
    at: HashMap<Box<str>, ([u8; 32], u64, u32)>,
}

/// The record being written.
struct Next {
    tmp: tempfile::NamedTempFile,
    out: std::io::BufWriter<std::fs::File>,
    /// A write failed: the record is dropped, the build goes on.
    failed: bool,
}

/// The remembered analyses of one build.
pub struct Memo {
    previous: Option<Previous>,
    next: Option<Mutex<Next>>,
    record: PathBuf,
    taken: AtomicUsize,
}

impl Memo {
    /// The record of the evidence folder `input` (resolved), for a build by
    /// this program of a folder whose [`fingerprint`] is `fingerprint`.
    /// `None` when `how` is [`Use::Off`], or there is no cache folder or
    /// program digest; a record that cannot be read or written costs only
    /// the analyses.
    pub fn open(input: &Path, fingerprint: &[u8; 32], how: Use) -> Option<Self> {
        if how == Use::Off || !cfg!(unix) {
            return None;
        }
        let dir = crate::reuse::secret_dir()?.join(FOLDER);
        // `vouch check` makes nothing: the folder must be this user's
        // already (looked at before the program is hashed for nothing).
        let owner = match how {
            Use::Take => {
                let owner = current_user();
                let folder = std::fs::symlink_metadata(&dir).ok()?;
                if !folder.is_dir() || !trusted(&folder, owner) {
                    return None;
                }
                owner
            }
            _ => None,
        };
        let program = match how {
            Use::Take => crate::reuse::program_unrecorded()?,
            _ => crate::reuse::program()?,
        };
        let name: String =
            vouch_core::hash::to_hex(&Sha256::digest(input.as_os_str().as_encoded_bytes()))
                .chars()
                .take(32)
                .collect();
        let record = dir.join(name);
        let header = format!(
            "{HEADER} {program} {}\n",
            vouch_core::hash::to_hex(fingerprint)
        );
        if how == Use::Take {
            return Some(Self {
                previous: Previous::open(&record, &header, owner),
                next: None,
                record,
                taken: AtomicUsize::new(0),
            });
        }
        // The folder is this user's alone, and so is every record read
        // from it: the new record's own file says who that is.
        let tmp = private_folder(&dir).and_then(|()| {
            tempfile::Builder::new()
                .prefix(TEMP_PREFIX)
                .tempfile_in(&dir)
                .ok()
        })?;
        let owner = owner_of(&tmp.as_file().metadata().ok()?);
        let previous = match how {
            Use::TakeAndRecord => Previous::open(&record, &header, owner),
            _ => None,
        };
        let next = (|| {
            let file = tmp.as_file().try_clone().ok()?;
            let mut out = std::io::BufWriter::with_capacity(256 << 10, file);
            out.write_all(header.as_bytes()).ok()?;
            Some(Mutex::new(Next {
                tmp,
                out,
                failed: false,
            }))
        })();
        Some(Self {
            previous,
            next,
            record,
            taken: AtomicUsize::new(0),
        })
    }

    /// The remembered analysis of the file at `path` whose bytes have the
    /// SHA-256 `sha256` (hex), when every question it asked of the paths
    /// beside it gets the same answer from `paths`; recorded again for the
    /// next build.
    pub fn take(&self, path: &str, sha256: &str, paths: &Index) -> Option<Taken> {
        let previous = self.previous.as_ref()?;
        let (digest, offset, len) = previous.at.get(path)?;
        if crate::reuse::unhex(sha256).as_ref() != Some(digest) {
            return None;
        }
        let mut line = vec![0; *len as usize];
        read_at(&previous.file, &mut line, *offset).ok()?;
        let Reading {
            t,
            d,
            x: mut problems,
            q,
        } = serde_json::from_slice(&line).ok()?;
        if !q.iter().all(|l| l.holds(paths)) {
            return None;
        }
        // Read back as the analyser leaves them: lists sized exactly, and
        // a file's problems sharing its path.
        let document = d.map(|mut d| {
            d.shrink_to_fit();
            d
        });
        vouch_core::audit::share_paths(&mut problems);
        problems.shrink_to_fit();
        self.write_line(path, sha256, &line);
        self.taken.fetch_add(1, Ordering::Relaxed);
        Some(Taken {
            title: t,
            analysed: Analysed {
                document,
                problems,
                stream: None,
            },
        })
    }

    /// Whether analyses are recorded for the next build (not by `vouch
    /// check`).
    pub fn records(&self) -> bool {
        self.next.is_some()
    }

    /// Records the analysis of the file at `path` (`sha256`, hex) for the
    /// next build, with the questions it asked of the paths beside it
    /// (`asked`, as [`vouch_audit::index::recording`] gives them).
    pub fn record(
        &self,
        path: &str,
        sha256: &str,
        title: &str,
        analysed: &Analysed,
        asked: &[Lookup],
    ) {
        if self.next.is_none() {
            return;
        }
        // JSON does not give every float back as it was (serde_json's
        // shortest form, read without `float_roundtrip`), nor one that is
        // not finite: a coverage report's rates are recorded only when
        // they read back the same.
        if let Some(c) = analysed
            .document
            .as_ref()
            .and_then(|d| d.coverage.as_deref())
            && serde_json::to_vec(c)
                .ok()
                .and_then(|j| serde_json::from_slice::<vouch_core::audit::Coverage>(&j).ok())
                .is_none_or(|back| back != *c)
        {
            return;
        }
        let w = Writing {
            t: title,
            d: analysed.document.as_ref(),
            x: &analysed.problems,
            q: asked,
        };
        if let Ok(json) = serde_json::to_vec(&w) {
            self.write_line(path, sha256, &json);
        }
    }

    fn write_line(&self, path: &str, sha256: &str, json: &[u8]) {
        let Some(next) = &self.next else {
            return;
        };
        let Ok(name) = serde_json::to_string(path) else {
            return;
        };
        let mut next = next.lock().unwrap_or_else(|p| p.into_inner());
        if next.failed {
            return;
        }
        let ok = (|| {
            next.out.write_all(sha256.as_bytes())?;
            next.out.write_all(b" ")?;
            next.out.write_all(name.as_bytes())?;
            next.out.write_all(b"\t")?;
            next.out.write_all(json)?;
            next.out.write_all(b"\n")
        })();
        next.failed = ok.is_err();
    }

    /// Puts the new record in place of the old one (whole or not at all),
    /// and removes the records of all but the newest [`KEEP`] folders.
    /// Returns how many files' analyses were taken.
    pub fn finish(self) -> usize {
        let taken = self.taken.into_inner();
        let Some(next) = self.next else {
            return taken;
        };
        let Next {
            tmp,
            mut out,
            failed,
        } = next.into_inner().unwrap_or_else(|p| p.into_inner());
        if failed || out.flush().is_err() {
            return taken;
        }
        drop(out);
        if tmp.persist(&self.record).is_ok()
            && let Some(dir) = self.record.parent()
        {
            prune(dir, KEEP);
        }
        taken
    }
}

impl Previous {
    /// The record at `path`, indexed, when its header is `header` (the
    /// same program, the folder in the same place in its repository).
    fn open(path: &Path, header: &str, owner: Option<u32>) -> Option<Self> {
        // Not followed if a link, never opened if not a regular file (a
        // FIFO would block), and the same file once open.
        let before = std::fs::symlink_metadata(path).ok()?;
        if !before.is_file() || !trusted(&before, owner) {
            return None;
        }
        let file = std::fs::File::open(path).ok()?;
        if !same_file(&before, &file.metadata().ok()?) {
            return None;
        }
        let mut r = std::io::BufReader::with_capacity(256 << 10, file.try_clone().ok()?);
        let mut line = Vec::new();
        (&mut r)
            .take(header.len() as u64)
            .read_to_end(&mut line)
            .ok()?;
        if line != header.as_bytes() {
            return None;
        }
        let mut at = HashMap::new();
        let mut offset = line.len() as u64;
        loop {
            line.clear();
            let n = r.read_until(b'\n', &mut line).ok()?;
            if n == 0 {
                break;
            }
            // A line cut short (a full disk when it was written) ends the
            // record.
            if line.last() != Some(&b'\n') {
                break;
            }
            if let Some(Named {
                digest,
                path,
                start,
            }) = parse_line(&line[..n - 1])
                && let Ok(len) = u32::try_from(n - 1 - start)
            {
                at.insert(path, (digest, offset + start as u64, len));
            }
            offset += n as u64;
        }
        Some(Self { file, at })
    }
}

/// Makes `dir` (and the folders above it) if missing, readable and
/// writable by this user only when made here; `None` if it is not a
/// folder of this user's that no one else can write to.
fn private_folder(dir: &Path) -> Option<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
        let m = std::fs::symlink_metadata(dir).ok()?;
        // Writable by no one else. (Then it is this user's: the new
        // record, made next, could not be made in another user's.)
        (m.is_dir() && m.mode() & 0o022 == 0).then_some(())
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// The user this process runs as (Linux only: elsewhere `None`, and
/// `vouch check` takes no record).
fn current_user() -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        Some(rustix::process::geteuid().as_raw())
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Who owns a file (`None` where the system does not say).
fn owner_of(m: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        Some(std::os::unix::fs::MetadataExt::uid(m))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        None
    }
}

/// A record (or its folder) is believed only if `owner` (this process's
/// user) owns it and no one else can write to it.
fn trusted(m: &std::fs::Metadata, owner: Option<u32>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        owner.is_some_and(|o| m.uid() == o && m.mode() & 0o022 == 0)
    }
    #[cfg(not(unix))]
    {
        let _ = (m, owner);
        false
    }
}

fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        b.is_file() && a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// What a record line names: the file's SHA-256 and path, and where its
/// analysis starts in the line.
struct Named {
    digest: [u8; 32],
    path: Box<str>,
    start: usize,
}

fn parse_line(line: &[u8]) -> Option<Named> {
    let sha = std::str::from_utf8(line.get(..64)?).ok()?;
    let digest = crate::reuse::unhex(sha)?;
    if line.get(64) != Some(&b' ') {
        return None;
    }
    let rest = line.get(65..)?;
    // A JSON string holds no raw tab: the first one ends the path.
    let tab = rest.iter().position(|&b| b == b'\t')?;
    let path: String = serde_json::from_slice(&rest[..tab]).ok()?;
    Some(Named {
        digest,
        path: path.into_boxed_str(),
        start: 65 + tab + 1,
    })
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// The start of the name of a record being written.
const TEMP_PREFIX: &str = ".vouch-analyses-";

/// A record being written is older than this only if its build was
/// stopped: it is removed.
const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes all but the `keep` newest records in `dir` (files with a
/// 32-digit hex name that start as a record does), and records left
/// unfinished by a build that was stopped over a day ago. Nothing else in
/// `dir` is touched.
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut records: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Ok(m) = e.path().symlink_metadata() else {
            continue;
        };
        let Ok(modified) = m.modified() else {
            continue;
        };
        if !m.is_file() {
            continue;
        }
        if name.starts_with(TEMP_PREFIX) {
            if now.duration_since(modified).is_ok_and(|age| age > STALE) {
                let _ = std::fs::remove_file(e.path());
            }
        } else if name.len() == 32
            && name.bytes().all(|b| b.is_ascii_hexdigit())
            && starts_as_record(&e.path())
        {
            records.push((modified, e.path()));
        }
    }
    records.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (_, p) in records.into_iter().skip(keep) {
        let _ = std::fs::remove_file(p);
    }
}

/// Whether the file at `path` starts with a record's header.
fn starts_as_record(path: &Path) -> bool {
    let mut start = [0; HEADER.len()];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut start))
        .is_ok_and(|()| start == *HEADER.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_its_file_and_where_its_analysis_starts() {
        let sha = "ab".repeat(32);
        let line = format!("{sha} \"a\\tb/c.md\"\t{{\"t\":\"T\"}}");
        let named = parse_line(line.as_bytes()).expect("parsed");
        assert_eq!(vouch_core::hash::to_hex(&named.digest), sha);
        assert_eq!(&*named.path, "a\tb/c.md");
        assert_eq!(&line[named.start..], "{\"t\":\"T\"}");
        assert!(parse_line(b"not a record line").is_none());
        assert!(parse_line(format!("{sha} \"unterminated").as_bytes()).is_none());
    }

    #[test]
    fn only_the_newest_records_are_kept_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let names: Vec<String> = (0..5).map(|i| format!("{i:032x}")).collect();
        for (i, n) in names.iter().enumerate() {
            let p = dir.path().join(n);
            std::fs::write(&p, format!("{HEADER} x y\n")).expect("write");
            let t =
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i as u64);
            std::fs::File::options()
                .write(true)
                .open(&p)
                .and_then(|f| f.set_modified(t))
                .expect("mtime");
        }
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        // Named as a record, but not one.
        let other = format!("{:032x}", 99);
        std::fs::write(dir.path().join(&other), "not a record").expect("write");
        // Records being written: one of a build stopped long ago, one now.
        let (stopped, writing) = (format!("{TEMP_PREFIX}a"), format!("{TEMP_PREFIX}b"));
        for n in [&stopped, &writing] {
            std::fs::write(dir.path().join(n), HEADER).expect("write");
        }
        std::fs::File::options()
            .write(true)
            .open(dir.path().join(&stopped))
            .and_then(|f| f.set_modified(std::time::SystemTime::UNIX_EPOCH))
            .expect("mtime");
        prune(dir.path(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut want = vec![
            names[3].clone(),
            names[4].clone(),
            other,
            writing,
            "notes.txt".into(),
        ];
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn the_fingerprint_covers_the_root() {
        let a = fingerprint(Some("docs"));
        assert_ne!(a, fingerprint(None));
        assert_ne!(a, fingerprint(Some("doc")));
        assert_ne!(fingerprint(Some("")), fingerprint(None));
        assert_eq!(a, fingerprint(Some("docs")));
    }
}
