//! Pages not rendered again. An artifact's page is a function of its
//! template context (every value the template reads: the artifact, its
//! audit document, its tree, neighbours, citations and problems), of the
//! file's bytes (named by their SHA-256, in that context), of where each of
//! its links leads, and of the program that renders it. A digest of all of
//! these is the page's *key*.
//!
//! A build computes each page's key and records it in the new site's
//! [`CACHE`] file beside the page's SHA-256, under a MAC keyed with a
//! secret of the user's own ([`secret`]): the file lives in the site, which
//! may have been edited since, so only records this user wrote are
//! believed. The next build over that site (in `--out`, else a local
//! `--previous DIR`) links the previous page into place, instead of
//! rendering it, when the key is the same and the linked bytes still hash
//! to what was recorded (a page edited since is rendered again). A new site
//! that follows a remote one (CI's, `--previous URL`) computes no keys and
//! pays nothing; `vouch verify --rebuild` neither. The published bytes
//! never depend on keys.
//!
//! The program is named by the SHA-256 of its own executable (remembered
//! for that file as it is, [`remembered`]), so a page
//! rendered by any other build of vouch is never taken for one this build
//! would render. A page with a link to a target its audit document does not
//! name (the targets a key covers) gets no key and is always rendered.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use vouch_core::manifest::GeneratedFile;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::{markdown::Resolved, store::Staging};

/// The record of each page's key, in the site's root. Not part of the
/// snapshot: the manifest does not list it (`out.rs` knows it as vouch's),
/// and a host may publish it or not; it names only pages and hashes.
pub const CACHE: &str = ".vouch-pages";

/// The first line of [`CACHE`].
const CACHE_HEADER: &str = "vouch page keys 2\n";

/// Around the rendered Markdown on an artifact's page, so a reused page
/// gives the search index the text it showed. (Rendered Markdown holds no
/// comments: the sanitiser removes them.)
pub const CONTENT_START: &str = "<!--vouch:content-->";
pub const CONTENT_END: &str = "<!--/vouch:content-->";

/// Pages larger than this are not read back to be reused.
const PAGE_LIMIT: u64 = 16 << 20;

/// The SHA-256 of this program's executable, once per run; `None` when it
/// cannot be read (then no page is reused). On Linux the running image
/// itself, even if the file was replaced since it started. Remembered in
/// [`secret_dir`] for the file it was computed from ([`remembered`]): the
/// executable is larger than many evidence folders, and hashing it was a
/// tenth of building 1,000 files.
pub(crate) fn program() -> Option<&'static str> {
    static PROGRAM: OnceLock<Option<String>> = OnceLock::new();
    PROGRAM.get_or_init(|| program_digest(true)).as_deref()
}

/// [`program`], for a command that writes nothing (`vouch check`): the
/// remembered digest while it is still this file's, else computed and not
/// recorded.
pub(crate) fn program_unrecorded() -> Option<&'static str> {
    static PROGRAM: OnceLock<Option<String>> = OnceLock::new();
    PROGRAM.get_or_init(|| program_digest(false)).as_deref()
}

/// This program's SHA-256, taken from the remembered digest when it is
/// this file's, else computed (and, with `record`, remembered).
fn program_digest(record: bool) -> Option<String> {
    let exe = if cfg!(target_os = "linux") {
        PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().ok()?
    };
    match secret_dir() {
        // A stamp never settled is never recorded.
        Some(dir) if !record => {
            remembered_after(&exe, &dir.join(PROGRAM_FILE), std::time::Duration::MAX)
        }
        Some(dir) => remembered(&exe, &dir.join(PROGRAM_FILE)),
        None => sha256_of(&exe),
    }
}

/// The file in [`secret_dir`] that remembers [`program`]'s digest.
const PROGRAM_FILE: &str = "program.sha256";

fn sha256_of(path: &std::path::Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let (sha256, _) = crate::store::copy_hashing(&mut file, None, &path.display(), |_| {}).ok()?;
    Some(sha256)
}

/// `path`'s SHA-256, taken from `record` when it was written for this very
/// file as it is now: the same device, inode, size, modification time and
/// status-change time (which no user can set back: any change to the file
/// or its metadata moves it). Otherwise computed, and recorded when the
/// file did not change while it was read and last changed at least
/// [`SETTLED`] ago: on a filesystem with coarse timestamps a file rewritten
/// within the same tick keeps its stamp (Git's "racy" index entries), so
/// a stamp is trusted only once its tick has passed. A record this cannot
/// read or write costs only the hashing.
fn remembered(path: &std::path::Path, record: &std::path::Path) -> Option<String> {
    remembered_after(path, record, SETTLED)
}

/// How long ago a file must have last changed for its stamp to be
/// recorded: more than any filesystem's timestamp tick (FAT's is 2 s).
const SETTLED: std::time::Duration = std::time::Duration::from_secs(3);

fn remembered_after(
    path: &std::path::Path,
    record: &std::path::Path,
    settled: std::time::Duration,
) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let stamp = |m: std::fs::Metadata| {
            format!(
                "{} {} {} {}.{:09} {}.{:09}",
                m.dev(),
                m.ino(),
                m.len(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec()
            )
        };
        let before = stamp(std::fs::metadata(path).ok()?);
        if let Some(bytes) = read_bounded(record, 4096)
            && let Ok(text) = String::from_utf8(bytes)
            && let Some((was, sha256)) = text.trim_end().rsplit_once(' ')
            && was == before
            && unhex(sha256).is_some()
        {
            return Some(sha256.to_owned());
        }
        let sha256 = sha256_of(path)?;
        let after = std::fs::metadata(path).ok()?;
        let changed = std::time::UNIX_EPOCH
            + std::time::Duration::new(
                u64::try_from(after.ctime()).unwrap_or(0),
                u32::try_from(after.ctime_nsec()).unwrap_or(0),
            );
        let settles = std::time::SystemTime::now()
            .duration_since(changed)
            .is_ok_and(|ago| ago >= settled);
        if settles
            && stamp(after) == before
            && let Some(dir) = record.parent()
            && std::fs::create_dir_all(dir).is_ok()
            && let Ok(tmp) = tempfile::NamedTempFile::new_in(dir)
            && tmp
                .as_file()
                .write_all(format!("{before} {sha256}\n").as_bytes())
                .is_ok()
        {
            // Whole or not at all: another build may read it meanwhile.
            let _ = tmp.persist(record);
        }
        Some(sha256)
    }
    #[cfg(not(unix))]
    {
        let _ = (record, settled);
        sha256_of(path)
    }
}

/// Where this user's secret for [`CACHE`] records is kept:
/// `$XDG_CACHE_HOME/vouch`, else the platform's cache folder.
pub(crate) fn secret_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(d) = var("XDG_CACHE_HOME") {
        return Some(d.join("vouch"));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("vouch"));
    }
    let home = var("HOME")?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Caches/vouch")
    } else {
        home.join(".cache/vouch")
    })
}

/// This user's secret for [`CACHE`] records (32 random bytes, made on
/// first use, readable by the user only); `None` when there is none and
/// none can be made (then no page is reused).
fn secret() -> Option<&'static Digest32> {
    static SECRET: OnceLock<Option<Digest32>> = OnceLock::new();
    SECRET
        .get_or_init(|| {
            let path = secret_dir()?.join(SECRET_FILE);
            let read = |p: &std::path::Path| -> Option<Digest32> {
                match std::fs::symlink_metadata(p) {
                    Ok(m) if m.is_file() && m.len() == 32 => std::fs::read(p).ok()?.try_into().ok(),
                    _ => None,
                }
            };
            if let Some(s) = read(&path) {
                return Some(s);
            }
            let dir = path.parent()?;
            std::fs::create_dir_all(dir).ok()?;
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).ok()?;
            // Written whole under a name of its own, then linked into place:
            // a build that starts meanwhile finds no file, or all of it.
            let tmp = tempfile::NamedTempFile::new_in(dir).ok()?;
            #[cfg(unix)]
            std::fs::set_permissions(
                tmp.path(),
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .ok()?;
            tmp.as_file().write_all(&secret).ok()?;
            tmp.as_file().sync_all().ok()?;
            match std::fs::hard_link(tmp.path(), &path) {
                Ok(()) => Some(secret),
                // Another build made it first.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
                Err(_) => None,
            }
        })
        .as_ref()
}

/// The file in [`secret_dir`] that holds [`secret`].
const SECRET_FILE: &str = "page-records.key";

/// The MAC of one [`CACHE`] record under `secret`.
fn mac(secret: &Digest32, page: &str, key: &Digest32, sha256: &Digest32, kind: &str) -> Digest32 {
    use blake2::digest::{KeyInit, Mac};
    let Ok(mut m) = <blake2::Blake2sMac256 as KeyInit>::new_from_slice(secret) else {
        return [0; 32];
    };
    for part in [page.as_bytes(), b"\0", key, sha256, kind.as_bytes()] {
        m.update(part);
    }
    m.finalize().into_bytes().into()
}

/// The key of a page rendered by `program` whose template context is
/// `common` (the same for every page, as JSON) and `page`, and whose links
/// go where `answers` say (each candidate target, in order, and what it
/// resolves to).
fn key<'a>(
    program: &str,
    common: &str,
    page: &impl serde::Serialize,
    answers: impl Iterator<Item = (&'a str, Option<Resolved>)>,
) -> Result<Digest32> {
    let mut h = Sha256::new();
    h.update(program.as_bytes());
    h.update(b"\0");
    h.update(common.as_bytes());
    h.update(b"\0");
    {
        // Buffered: the serialiser writes a few bytes at a time.
        let mut w = std::io::BufWriter::with_capacity(8 << 10, Hasher(&mut h));
        serde_json::to_writer(&mut w, page)
            .context("internal error: a page context is not JSON")?;
        w.flush()
            .context("internal error: a page context is not JSON")?;
    }
    for (target, answer) in answers {
        h.update(b"\0");
        h.update(target.as_bytes());
        match answer {
            Some(Resolved::Artifact { page, object }) => {
                h.update(b"\0a\0");
                h.update(page.as_bytes());
                h.update(b"\0");
                h.update(object.as_bytes());
            }
            Some(Resolved::Folder) => h.update(b"\0f"),
            None => h.update(b"\0n"),
        }
    }
    Ok(h.finalize().into())
}

struct Hasher<'h>(&'h mut Sha256);

impl Write for Hasher<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The rendered Markdown an artifact's page shows.
pub fn shown_html(page: &str) -> Option<&str> {
    let start = page.find(CONTENT_START)? + CONTENT_START.len();
    let len = page[start..].find(CONTENT_END)?;
    Some(&page[start..start + len])
}

/// A page's key, or a page's SHA-256.
pub type Digest32 = [u8; 32];

/// The kinds of content a page shows, as [`crate::render::Content`] names
/// them.
const KINDS: [&str; 4] = ["markdown", "json", "text", "binary"];

/// What [`CACHE`] records of one page. (50,000 of them at 50,000 files:
/// kept small.)
struct Recorded {
    page: Box<str>,
    key: Digest32,
    sha256: Digest32,
    kind: &'static str,
}

/// The previous site's pages, and their keys.
pub struct Reuse {
    program: &'static str,
    secret: &'static Digest32,
    /// The previous site's folder, resolved (`None`: there is none).
    root: Option<PathBuf>,
    /// Take recorded pages (false: record keys only, `--render-all`).
    take: bool,
    /// In page order.
    recorded: Vec<Recorded>,
    /// Each folder of the previous site pages were taken from, resolved
    /// (`None`: not inside it). Resolving every page's path instead cost a
    /// `readlink` and a `stat` per folder of it, per page.
    folders: std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
}

impl Reuse {
    /// The pages of the local site at `root` (none without one). `None`
    /// when this program cannot name itself or has no secret to sign its
    /// records with (then no key is computed).
    pub fn new(root: Option<&std::path::Path>, take: bool) -> Option<Self> {
        let program = program()?;
        let secret = secret()?;
        let root = root.and_then(|r| std::fs::canonicalize(r).ok());
        let recorded = root
            .as_ref()
            .and_then(|r| read_bounded(&r.join(CACHE), CACHE_LIMIT))
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(|text| parse(&text, secret))
            .unwrap_or_default();
        Some(Self {
            program,
            secret,
            root,
            take,
            recorded,
            folders: std::sync::Mutex::default(),
        })
    }

    /// The key of a page (see [`key`]).
    pub fn key<'a>(
        &self,
        common: &str,
        page: &impl serde::Serialize,
        answers: impl Iterator<Item = (&'a str, Option<Resolved>)>,
    ) -> Result<Digest32> {
        key(self.program, common, page, answers)
    }

    /// Puts the previous page at `page` into `staging`, when it was
    /// rendered under `key` and still holds the bytes recorded then. It is
    /// linked first and its linked bytes are checked, so a file swapped in
    /// meanwhile is never taken.
    pub fn page(&self, page: &str, key: &Digest32, staging: &Staging) -> Result<Option<Reused>> {
        let (Some(root), true) = (&self.root, self.take) else {
            return Ok(None);
        };
        let Ok(at) = self.recorded.binary_search_by(|r| (*r.page).cmp(page)) else {
            return Ok(None);
        };
        let r = &self.recorded[at];
        if r.key != *key {
            return Ok(None);
        }
        // Inside the previous site, whatever links its folders hold: the
        // folder resolved (once), the file itself no link.
        let Some(src) = self.inside(root, page) else {
            return Ok(None);
        };
        let Ok(meta) = std::fs::symlink_metadata(&src) else {
            return Ok(None);
        };
        if !meta.is_file() || meta.len() > PAGE_LIMIT {
            return Ok(None);
        }
        let linked = staging.link_from(&src, page, meta.len())?;
        let from = if linked {
            staging.path().join(page)
        } else {
            src
        };
        let bytes = read_bounded(&from, PAGE_LIMIT);
        let sha256 = bytes.as_deref().map(vouch_core::sha256_hex);
        let text = match (bytes, &sha256) {
            (Some(b), Some(sha)) if *sha == vouch_core::hash::to_hex(&r.sha256) => {
                String::from_utf8(b).ok()
            }
            _ => None,
        };
        let Some(text) = text else {
            if linked {
                staging.remove(page)?;
            }
            return Ok(None);
        };
        let file = if linked {
            GeneratedFile {
                path: page.to_owned(),
                sha256: sha256.unwrap_or_default(),
                size: text.len() as u64,
            }
        } else {
            staging.write(page, text.as_bytes())?
        };
        Ok(Some(Reused {
            text,
            kind: r.kind,
            file,
        }))
    }

    /// `page` in the previous site at `root` (resolved), by its folder
    /// resolved: `None` when that folder is not inside `root`, or `page`
    /// names no file in one.
    fn inside(&self, root: &Path, page: &str) -> Option<PathBuf> {
        let at = root.join(page);
        // No name for a path that ends in `..`.
        let (folder, name) = (at.parent()?, at.file_name()?);
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        let resolved = folders
            .entry(folder.to_path_buf())
            .or_insert_with(|| {
                std::fs::canonicalize(folder)
                    .ok()
                    .filter(|f| f.starts_with(root))
            })
            .as_ref()?;
        Some(resolved.join(name))
    }

    /// Writes [`CACHE`]: for each record, the page (`page_of` names it), its
    /// key, its SHA-256, its content's kind and their MAC, a line each in
    /// page order.
    pub fn write_cache<'a>(
        &self,
        out: &mut dyn Write,
        mut records: Vec<Record>,
        page_of: impl Fn(usize) -> &'a str,
    ) -> std::io::Result<()> {
        records.sort_unstable_by(|a, b| page_of(a.artifact).cmp(page_of(b.artifact)));
        let mut out = std::io::BufWriter::with_capacity(64 << 10, out);
        out.write_all(CACHE_HEADER.as_bytes())?;
        for r in &records {
            let page = page_of(r.artifact);
            writeln!(
                out,
                "{page}\t{}\t{}\t{}\t{}",
                vouch_core::hash::to_hex(&r.key),
                vouch_core::hash::to_hex(&r.sha256),
                r.kind,
                vouch_core::hash::to_hex(&mac(self.secret, page, &r.key, &r.sha256, r.kind)),
            )?;
        }
        out.flush()
    }
}

/// At most `limit` bytes of the regular file at `path`; `None` if it is
/// not one, or is larger.
fn read_bounded(path: &Path, limit: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    // Never opened unless a regular file (opening a FIFO would wait).
    if !std::fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > limit {
        return None;
    }
    // In one read of the size measured (reading to the end reads a page
    // 8 KiB at a time), then one that must find the end: a file that grew
    // meanwhile is not the one measured.
    let mut bytes = vec![0; usize::try_from(meta.len()).ok()?];
    file.read_exact(&mut bytes).ok()?;
    (file.read(&mut [0; 1]).ok()? == 0).then_some(bytes)
}

/// [`CACHE`] is read only up to this (about 250 bytes a page).
const CACHE_LIMIT: u64 = 256 << 20;

/// A page of the previous site, put in place as it is.
pub struct Reused {
    pub text: String,
    /// Its content's kind (`markdown`, `json`, `text`, `binary`).
    pub kind: &'static str,
    /// It, as the manifest lists it.
    pub file: GeneratedFile,
}

/// What a build records of one page for [`CACHE`].
pub struct Record {
    /// Which artifact's page (its index in the site).
    pub artifact: usize,
    pub key: Digest32,
    pub sha256: Digest32,
    pub kind: &'static str,
}

impl Record {
    /// `sha256` is the page's, in hex; `None` if it is not a SHA-256.
    pub fn new(artifact: usize, key: Digest32, sha256: &str, kind: &'static str) -> Option<Self> {
        Some(Self {
            artifact,
            key,
            sha256: unhex(sha256)?,
            kind,
        })
    }
}

/// 64 hex digits as bytes.
pub(crate) fn unhex(s: &str) -> Option<Digest32> {
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks_exact(2).enumerate() {
        out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

/// The pages a [`CACHE`] file records, in page order: only lines whose MAC
/// is this user's (see [`secret`]), none from any other file, and no page
/// recorded twice.
fn parse(text: &str, secret: &Digest32) -> Vec<Recorded> {
    let Some(body) = text.strip_prefix(CACHE_HEADER) else {
        return Vec::new();
    };
    let mut out: Vec<Recorded> = body
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (page, key, sha256, kind, tag) =
                (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
            if f.next().is_some() {
                return None;
            }
            let (key, sha256) = (unhex(key)?, unhex(sha256)?);
            let kind = KINDS.iter().find(|k| **k == kind)?;
            (unhex(tag)? == mac(secret, page, &key, &sha256, kind)).then(|| Recorded {
                page: page.into(),
                key,
                sha256,
                kind,
            })
        })
        .collect();
    out.sort_unstable_by(|a, b| a.page.cmp(&b.page));
    let twice: Vec<bool> = (0..out.len())
        .map(|i| {
            (i > 0 && out[i - 1].page == out[i].page)
                || out.get(i + 1).is_some_and(|n| n.page == out[i].page)
        })
        .collect();
    let mut i = 0;
    out.retain(|_| {
        i += 1;
        !twice[i - 1]
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reuse(secret: &'static Digest32) -> Reuse {
        Reuse {
            program: "p",
            secret,
            root: None,
            take: true,
            recorded: Vec::new(),
            folders: std::sync::Mutex::default(),
        }
    }

    fn cache_text(r: &Reuse, records: Vec<Record>, pages: &[&str]) -> String {
        let mut bytes = Vec::new();
        r.write_cache(&mut bytes, records, |i| pages[i])
            .expect("write");
        String::from_utf8(bytes).expect("UTF-8")
    }

    /// Records read back only under the secret that wrote them, whole, and
    /// once: a line edited, signed by another user, or repeated is dropped.
    #[test]
    fn cache_files_read_back_only_as_written() {
        static SECRET: Digest32 = [1; 32];
        static OTHER: Digest32 = [2; 32];
        let (k, sha) = ([7u8; 32], "cd".repeat(32));
        let pages = ["pages/b.html", "pages/a.html"];
        let records = || {
            vec![
                Record::new(0, k, &sha, "text").expect("record"),
                Record::new(1, k, &sha, "markdown").expect("record"),
            ]
        };
        let text = cache_text(&reuse(&SECRET), records(), &pages);
        assert!(text.starts_with(CACHE_HEADER));
        assert!(text.find("pages/a.html") < text.find("pages/b.html"));
        let r = parse(&text, &SECRET);
        assert_eq!(r.len(), 2);
        assert_eq!((&*r[0].page, r[0].kind), ("pages/a.html", "markdown"));
        assert_eq!(r[1].key, k);
        assert_eq!(vouch_core::hash::to_hex(&r[1].sha256), sha);

        assert!(parse(&text, &OTHER).is_empty(), "another user's records");
        let line_a = text.lines().nth(1).expect("a line");
        let line_b = text.lines().nth(2).expect("a line");
        for forged in [
            line_a.replacen(&"07".repeat(32), &"08".repeat(32), 1),
            line_a.replacen(&sha, &"ce".repeat(32), 1),
            line_a.replacen("markdown", "text", 1),
            line_a.replacen("pages/a.html", "pages/c.html", 1),
        ] {
            assert_ne!(forged, line_a);
            let t = format!("{CACHE_HEADER}{forged}\n{line_b}\n");
            let r = parse(&t, &SECRET);
            assert_eq!(r.len(), 1, "{forged}");
            assert_eq!(&*r[0].page, "pages/b.html");
        }
        let twice = format!("{CACHE_HEADER}{line_a}\n{line_a}\n{line_b}\n");
        assert_eq!(parse(&twice, &SECRET).len(), 1);
        assert!(parse("pages/a.html\tx\ty\tz\tw\n", &SECRET).is_empty());
        assert!(Record::new(0, k, "not hex", "text").is_none());
        assert_eq!(unhex(&"0f".repeat(32)), Some([15u8; 32]));
        assert_eq!(unhex(&"g0".repeat(32)), None);
    }

    #[test]
    fn shown_html_is_between_the_markers() {
        let page = format!("<p>a</p>{CONTENT_START}<h1>T</h1>{CONTENT_END}<p>b</p>");
        assert_eq!(shown_html(&page), Some("<h1>T</h1>"));
        assert_eq!(shown_html("<p>none</p>"), None);
    }

    /// A page is found in a folder that resolves inside the previous site,
    /// never above it.
    #[cfg(unix)]
    #[test]
    fn a_page_is_inside_the_previous_site_or_nowhere() {
        static SECRET: Digest32 = [7; 32];
        let dir = tempfile::tempdir().expect("tempdir");
        let root = std::fs::canonicalize(dir.path())
            .expect("root")
            .join("site");
        std::fs::create_dir_all(root.join("pages")).expect("mkdir");
        std::fs::create_dir(dir.path().join("outside")).expect("mkdir");
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("away")).expect("link");
        let r = reuse(&SECRET);
        assert_eq!(
            r.inside(&root, "pages/a.html"),
            Some(root.join("pages/a.html"))
        );
        assert_eq!(r.inside(&root, "pages/.."), None);
        assert_eq!(
            r.inside(&root, "away/a.html"),
            None,
            "a folder that links out"
        );
        assert_eq!(
            r.inside(&root, "../site/pages/a.html"),
            Some(root.join("pages/a.html"))
        );
        assert_eq!(r.inside(&root, "../a.html"), None, "above the site");
    }

    /// The digest is read back only for the same file, unchanged.
    #[cfg(unix)]
    #[test]
    fn a_remembered_digest_is_for_that_file_as_it_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        let exe = dir.path().join("exe");
        let record = dir.path().join("cache/program.sha256");
        std::fs::write(&exe, b"one").expect("write");
        let one = vouch_core::hash::sha256_hex(b"one");
        // A file that changed just now is hashed, not recorded: its stamp
        // may not have settled.
        assert_eq!(remembered(&exe, &record).as_deref(), Some(one.as_str()));
        assert!(!record.exists());
        let remembered = |exe: &std::path::Path, record: &std::path::Path| {
            remembered_after(exe, record, std::time::Duration::ZERO)
        };
        assert_eq!(remembered(&exe, &record).as_deref(), Some(one.as_str()));
        let text = std::fs::read_to_string(&record).expect("recorded");
        assert!(text.trim_end().ends_with(&one), "{text}");
        // Read back, not computed again: a record naming another digest
        // for the same stamp is believed…
        let other = "0".repeat(64);
        std::fs::write(&record, text.replace(&one, &other)).expect("write");
        assert_eq!(remembered(&exe, &record).as_deref(), Some(other.as_str()));
        // …but not once the file changed, even to the same size (after
        // a tick of the kernel's coarse file clock).
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::write(&exe, b"two").expect("write");
        let two = vouch_core::hash::sha256_hex(b"two");
        assert_eq!(remembered(&exe, &record).as_deref(), Some(two.as_str()));
        // Nor a record that is not one.
        std::fs::write(&record, "junk").expect("write");
        assert_eq!(remembered(&exe, &record).as_deref(), Some(two.as_str()));
    }

    #[test]
    fn the_program_names_itself() {
        let p = program().expect("the test binary can be read");
        assert_eq!(p.len(), 64);
        assert_eq!(Some(p), program());
    }

    /// Every part of a key changes it: the program, the common and the
    /// page's context, a target, and what a target resolves to.
    #[test]
    fn keys_cover_program_context_and_links() {
        let ctx = serde_json::json!({ "a": "x", "n": 1 });
        let art = |page: &str, object: &str| {
            Some(Resolved::Artifact {
                page: page.into(),
                object: object.into(),
            })
        };
        let k = |program: &str, ctx: &serde_json::Value, answers: Vec<(&str, Option<Resolved>)>| {
            key(program, "{}", ctx, answers.into_iter()).expect("key")
        };
        let base = k("p", &ctx, vec![("b.md", art("pages/b.html", "objects/1"))]);
        assert_eq!(
            base,
            k("p", &ctx, vec![("b.md", art("pages/b.html", "objects/1"))])
        );
        let others = [
            k("q", &ctx, vec![("b.md", art("pages/b.html", "objects/1"))]),
            k(
                "p",
                &serde_json::json!({ "a": "y", "n": 1 }),
                vec![("b.md", art("pages/b.html", "objects/1"))],
            ),
            k("p", &ctx, vec![("c.md", art("pages/b.html", "objects/1"))]),
            k("p", &ctx, vec![("b.md", art("pages/b.html", "objects/2"))]),
            k("p", &ctx, vec![("b.md", art("pages/c.html", "objects/1"))]),
            k("p", &ctx, vec![("b.md", Some(Resolved::Folder))]),
            k("p", &ctx, vec![("b.md", None)]),
            k("p", &ctx, vec![]),
            key(
                "p",
                "{\"signed\":true}",
                &ctx,
                vec![("b.md", art("pages/b.html", "objects/1"))].into_iter(),
            )
            .expect("key"),
        ];
        for (i, o) in others.iter().enumerate() {
            assert_ne!(&base, o, "variant {i}");
            for o2 in &others[i + 1..] {
                assert_ne!(o, o2);
            }
        }
    }
}
