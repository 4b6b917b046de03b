//! Analyses remembered from one build of an evidence folder to the next.
//!
//! A file's analysis ([`crate::analyse::file`], with [`crate::analyse::report`]
//! for a report too large to analyse from its first bytes) is a function of
//! its path, its bytes (named by their SHA-256), every path beside it
//! (references are resolved against them while files are hashed, before any
//! digest is known), the folder's place in its repository, and the program.
//! A build records each text file's analysis in this user's cache folder,
//! under the folder's resolved path; the next build of that folder, by the
//! same program over the same paths ([`fingerprint`]), takes the analysis of
//! every file whose bytes are unchanged instead of analysing it again. The
//! folder as a whole (references against digests, gates against evidence,
//! `vouch.toml`, `--max-age`) is judged afresh by every build: only the
//! per-file step is remembered.
//!
//! The record lives with the page records' secret ([`crate::reuse`]), in
//! the user's own cache folder, never in the site: it is not published, it
//! does not count toward the site's size, and no one who can only edit the
//! site or the evidence can change what a later audit says. The newest
//! [`KEEP`] folders' records are kept; older ones are removed (they are
//! this program's own files, in its own folder).
//!
//! A record is a header line (`vouch analyses 1 <program> <fingerprint>`),
//! then a line per file: its SHA-256, its path as a JSON string, a tab, and
//! its analysis as JSON (title, document, problems). The previous record is
//! indexed once (path → where its analysis starts) and each analysis is
//! read back only when its file comes by, so a rebuild holds no second copy
//! of the audit in memory. `--render-all` analyses every file again (and
//! records them); `vouch verify --rebuild` and a build that follows a remote
//! site neither take nor record.

use std::{
    collections::HashMap,
    io::{BufRead, Write},
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vouch_core::audit::{Document, Problem};

use crate::analyse::Analysed;

/// How many folders' records are kept in the cache folder.
pub const KEEP: usize = 8;

/// The first word of a record's header, and its format's version.
const HEADER: &str = "vouch analyses 1";

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
    /// Take what is remembered, and record every file.
    TakeAndRecord,
}

/// The digest every remembered analysis of one build depends on beyond the
/// file's own path and bytes: the program, the folder's place in its
/// repository, and every path in it, in the order they were found.
pub fn fingerprint<'a>(root: Option<&str>, paths: impl Iterator<Item = &'a str>) -> [u8; 32] {
    let mut h = Sha256::new();
    match root {
        Some(r) => {
            h.update([1]);
            h.update(r.as_bytes());
            h.update([0]);
        }
        None => h.update([0]),
    }
    for p in paths {
        h.update(p.as_bytes());
        h.update([0]);
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
}

#[derive(Deserialize)]
struct Reading {
    t: String,
    #[serde(default)]
    d: Option<Document>,
    #[serde(default)]
    x: Vec<Problem>,
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
    /// this program over paths whose [`fingerprint`] is `fingerprint`.
    /// `None` when `how` is [`Use::Off`], or there is no cache folder or
    /// program digest; a record that cannot be read or written costs only
    /// the analyses.
    pub fn open(input: &Path, fingerprint: &[u8; 32], how: Use) -> Option<Self> {
        if how == Use::Off || !cfg!(unix) {
            return None;
        }
        let program = crate::reuse::program()?;
        let dir = crate::reuse::secret_dir()?.join(FOLDER);
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
        let previous = match how {
            Use::TakeAndRecord => Previous::open(&record, &header),
            _ => None,
        };
        let next = std::fs::create_dir_all(&dir)
            .ok()
            .and_then(|()| tempfile::NamedTempFile::new_in(&dir).ok())
            .and_then(|tmp| {
                let file = tmp.as_file().try_clone().ok()?;
                let mut out = std::io::BufWriter::with_capacity(256 << 10, file);
                out.write_all(header.as_bytes()).ok()?;
                Some(Mutex::new(Next {
                    tmp,
                    out,
                    failed: false,
                }))
            });
        Some(Self {
            previous,
            next,
            record,
            taken: AtomicUsize::new(0),
        })
    }

    /// The remembered analysis of the file at `path` whose bytes have the
    /// SHA-256 `sha256` (hex), recorded again for the next build.
    pub fn take(&self, path: &str, sha256: &str) -> Option<Taken> {
        let previous = self.previous.as_ref()?;
        let (digest, offset, len) = previous.at.get(path)?;
        if vouch_core::hash::to_hex(digest) != sha256 {
            return None;
        }
        let mut line = vec![0; *len as usize];
        read_at(&previous.file, &mut line, *offset).ok()?;
        let Reading {
            t,
            d,
            x: mut problems,
        } = serde_json::from_slice(&line).ok()?;
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

    /// Records the analysis of the file at `path` (`sha256`, hex) for the
    /// next build.
    pub fn record(&self, path: &str, sha256: &str, title: &str, analysed: &Analysed) {
        if self.next.is_none() {
            return;
        }
        let w = Writing {
            t: title,
            d: analysed.document.as_ref(),
            x: &analysed.problems,
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

    /// How many files' analyses were taken.
    pub fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }

    /// Puts the new record in place of the old one (whole or not at all),
    /// and removes the records of all but the newest [`KEEP`] folders.
    pub fn finish(self) {
        let Some(next) = self.next else {
            return;
        };
        let Next {
            tmp,
            mut out,
            failed,
        } = next.into_inner().unwrap_or_else(|p| p.into_inner());
        if failed || out.flush().is_err() {
            return;
        }
        drop(out);
        if tmp.persist(&self.record).is_err() {
            return;
        }
        if let Some(dir) = self.record.parent() {
            prune(dir, KEEP);
        }
    }
}

impl Previous {
    /// The record at `path`, indexed, when its header is `header` (the
    /// same program, over the same paths).
    fn open(path: &Path, header: &str) -> Option<Self> {
        let file = std::fs::File::open(path).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut r = std::io::BufReader::with_capacity(256 << 10, file.try_clone().ok()?);
        let mut line = Vec::new();
        r.read_until(b'\n', &mut line).ok()?;
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
            {
                let len = u32::try_from(n - 1 - start).ok()?;
                at.insert(path, (digest, offset + start as u64, len));
            }
            offset += n as u64;
        }
        Some(Self { file, at })
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

/// Removes all but the `keep` newest records in `dir` (files with a
/// 32-digit hex name, the only ones this program writes there).
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut records: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            m.is_file().then(|| (m.modified().ok(), e.path()))
        })
        .filter_map(|(t, p)| Some((t?, p)))
        .collect();
    records.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (_, p) in records.into_iter().skip(keep) {
        let _ = std::fs::remove_file(p);
    }
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
            std::fs::write(&p, "x").expect("write");
            let t =
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i as u64);
            std::fs::File::options()
                .write(true)
                .open(&p)
                .and_then(|f| f.set_modified(t))
                .expect("mtime");
        }
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        prune(dir.path(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [names[3].clone(), names[4].clone(), "notes.txt".into()]
        );
    }

    #[test]
    fn the_fingerprint_covers_every_path_and_the_root() {
        let a = fingerprint(Some("docs"), ["a.md", "b.md"].into_iter());
        assert_ne!(a, fingerprint(Some("docs"), ["a.md"].into_iter()));
        assert_ne!(a, fingerprint(None, ["a.md", "b.md"].into_iter()));
        assert_ne!(a, fingerprint(Some("docs"), ["a.mdb.md"].into_iter()));
        assert_eq!(a, fingerprint(Some("docs"), ["a.md", "b.md"].into_iter()));
    }
}
