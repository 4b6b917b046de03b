//! Stage 1: find every evidence file and ingest it.
//!
//! Each file is read exactly once here: its bytes stream through SHA-256 and
//! into the staging object store at the same time, so what is hashed is
//! exactly what is published, even if the input changes during the build.
//! The same read hands the file's first bytes (up to the analysis limit) to
//! the analyser ([`crate::analyse::file`]); binary files are never read again.
//! `vouch check` loads without a staging store: it reads INPUT in place and
//! writes nothing.

use std::{
    fs::File,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use vouch_audit::{Index, TEXT_LIMIT, analysed_kind};
use vouch_core::{
    ArtifactKind,
    audit::{Document, Problem, ProblemKind},
};
use walkdir::WalkDir;

use crate::{
    analyse,
    memo::{self, Memo},
    model::{Entry, Site},
    store::{self, Staging},
};

/// Bytes kept from the start of each file for sniffing its kind.
const HEAD: usize = 8 * 1024;

struct Found {
    abs: PathBuf,
    rel: String,
    size: u64,
}

/// What loading found: the site's artifacts, each file's analysis, and
/// the problems found on the way (files left out, files unreadable).
pub struct Loaded {
    pub site: Site,
    pub documents: Vec<Document>,
    pub problems: Vec<Problem>,
    /// `vouch.toml` at the root of the input, as stored.
    pub config: Option<Vec<u8>>,
    /// Files whose analysis was taken from the previous build's
    /// ([`crate::memo`]).
    pub analyses_taken: usize,
}

/// Walks `input` and ingests every regular file into `staging`'s object
/// store (or, without one, only hashes it). Paths in `exclude` (the output
/// and staging folders, when they sit inside the input) are skipped.
pub fn load(
    input: &Path,
    exclude: &[PathBuf],
    staging: Option<&Staging>,
    show_progress: bool,
    remembered: memo::Use,
) -> Result<Loaded> {
    let mut problems = Vec::new();
    let found = walk(input, exclude, &mut problems)?;
    // Paths are known before any file is read, so references can be
    // resolved while the files are hashed (digests are filled in later).
    let root = repository_root_of(input);
    let paths = Index::new(found.iter().map(|f| (f.rel.as_str(), ""))).with_root(root.clone());
    let memo = Memo::open(input, &memo::fingerprint(root.as_deref()), remembered);

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

    // Written in place, a slot per file, the documents apart from the rest:
    // rayon collects a `Result` of a `Vec` through a list of chunks, then
    // copies them (35 MB more resident at 50,000 reports), and one list of
    // whole results, moved into the lists kept, was held beside them at the
    // end of loading (37 MB more). Each list below becomes the one kept
    // where it lies. After a failure the files found after it are skipped;
    // the failure of the first file in the order they were found is
    // reported.
    let failure: std::sync::Mutex<Option<(usize, anyhow::Error)>> = std::sync::Mutex::new(None);
    // The first failing file so far, in the order found: later files are
    // skipped, earlier ones still read (one of them may fail first).
    let failed = std::sync::atomic::AtomicUsize::new(usize::MAX);
    let texts = Texts::default();
    let mut documents: Vec<Option<Document>> = Vec::new();
    documents.resize_with(found.len(), || None);
    let mut rest: Vec<Option<Ingested>> = Vec::new();
    rest.resize_with(found.len(), || None);
    found
        .par_iter()
        .zip(documents.par_iter_mut())
        .zip(rest.par_iter_mut())
        .enumerate()
        .for_each(|(n, ((f, document), rest))| {
            if n > failed.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            match ingest(f, staging, &bar, &paths, memo.as_ref(), &texts) {
                Ok((i, d)) => {
                    *rest = Some(i);
                    *document = d;
                }
                Err(e) => {
                    failed.fetch_min(n, std::sync::atomic::Ordering::Relaxed);
                    let mut first = failure.lock().unwrap_or_else(|p| p.into_inner());
                    if first.as_ref().is_none_or(|(m, _)| n < *m) {
                        *first = Some((n, e));
                    }
                }
            }
        });
    // The documents hold what they share; the set's table goes now, not
    // with the lists and the index made below.
    drop(texts);
    bar.finish_and_clear();
    if let Some((_, e)) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let analyses_taken = memo.map_or(0, Memo::finish);
    // Sized exactly: these are held to the end of the build, and grown by
    // doubling they would keep up to as much again unused.
    problems.reserve_exact(rest.iter().flatten().map(|i| i.problems.len()).sum());
    let mut config = None;
    // `filter_map` over a list's own `into_iter` is collected in place.
    let mut artifacts: Vec<Entry> = rest
        .into_iter()
        .filter_map(|i| {
            let i = i?;
            problems.extend(i.problems);
            if i.config.is_some() {
                config = i.config;
            }
            Some(i.entry)
        })
        .collect();
    artifacts.shrink_to_fit();
    #[expect(
        clippy::filter_map_identity,
        reason = "`flatten` is not collected in place"
    )]
    let mut documents: Vec<Document> = documents.into_iter().filter_map(|d| d).collect();
    documents.shrink_to_fit();
    let mut loaded = Loaded {
        site: Site {
            input: input.to_path_buf(),
            artifacts,
            ..Site::default()
        },
        documents,
        problems,
        config,
        analyses_taken,
    };
    loaded.site.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    loaded.site.index = Index::new(
        loaded
            .site
            .artifacts
            .iter()
            .map(|e| (e.path.as_str(), e.sha256.clone())),
    )
    .with_root(root);
    Ok(loaded)
}

/// Where `input` sits in its repository (`docs/evidence`), found by the
/// nearest `.git` above it; else the folder's own name. Reports cite
/// evidence by its repository path.
fn repository_root_of(input: &Path) -> Option<String> {
    let name = input.file_name()?.to_str()?.to_owned();
    for dir in input.ancestors().skip(1) {
        if dir.join(".git").exists() {
            let rel = input.strip_prefix(dir).ok()?;
            let parts: Option<Vec<&str>> =
                rel.components().map(|c| c.as_os_str().to_str()).collect();
            return Some(parts?.join("/"));
        }
    }
    Some(name)
}

fn skipped(path: String, message: String) -> Problem {
    Problem::new(&path, 1, ProblemKind::SkippedFile, message)
}

fn walk(input: &Path, exclude: &[PathBuf], diags: &mut Vec<Problem>) -> Result<Vec<Found>> {
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
                diags.push(skipped(
                    abs.to_string_lossy().into_owned(),
                    "file name is not valid UTF-8; not included".into(),
                ));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(&abs)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            diags.push(skipped(
                rel,
                format!("symlink (to {target}) not followed; not included"),
            ));
        } else if ft.is_file() {
            let size = entry
                .metadata()
                .with_context(|| format!("cannot stat {}", abs.display()))?
                .len();
            found.push(Found { abs, rel, size });
        } else if !ft.is_dir() {
            diags.push(skipped(
                rel,
                "not a regular file (device, FIFO or socket); not included".into(),
            ));
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

/// The texts the documents loaded so far share ([`Document::share_text`]):
/// a gate's name, a status, a check recur in report after report, and are
/// held once (50,000 reports: 150,000 gates under 6 names). Dropped when
/// loading ends; the documents keep what they share.
#[derive(Default)]
struct Texts(std::sync::Mutex<vouch_audit::shared::Shared>);

impl Texts {
    fn share(&self, d: &mut Document) {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        d.share_text(&mut |t| held.share(t));
    }
}

/// A file ingested, but for its document, which is kept apart.
struct Ingested {
    entry: Entry,
    problems: Vec<Problem>,
    /// The bytes of `vouch.toml`, kept for the configuration.
    config: Option<Vec<u8>>,
}

fn ingest(
    f: &Found,
    staging: Option<&Staging>,
    bar: &ProgressBar,
    paths: &Index,
    memo: Option<&Memo>,
    texts: &Texts,
) -> Result<(Ingested, Option<Document>)> {
    let mut src = File::open(&f.abs).with_context(|| format!("cannot open {}", f.abs.display()))?;
    // The first bytes, for the analyser (and the first of those for
    // sniffing the kind).
    let keep = TEXT_LIMIT + 1;
    let mut text = Vec::with_capacity((f.size as usize).min(keep));
    let on_chunk = |chunk: &[u8]| {
        if text.len() < keep {
            text.extend_from_slice(&chunk[..chunk.len().min(keep - text.len())]);
        }
        bar.inc(chunk.len() as u64);
    };
    let what = f.abs.display();
    let (sha256, size) = match staging {
        Some(s) => s.store(&mut src, &what, on_chunk)?,
        None => store::copy_hashing(&mut src, None, &what, on_chunk)?,
    };
    if f.rel.is_empty() {
        bail!("internal error: empty path for {}", f.abs.display());
    }
    let mut entry = Entry {
        path: f.rel.clone(),
        sha256: sha256.into(),
        size,
        head: text[..text.len().min(HEAD)].to_vec(),
        kind: ArtifactKind::Binary,
        title: String::new(),
        page: String::new(),
        image: None,
    };
    analyse::classify(&mut entry);
    entry.head = Vec::new();
    // Only text files are analysed, so only theirs are remembered.
    let memo = memo.filter(|_| analysed_kind(entry.kind));
    let remembered = memo.and_then(|m| m.take(&entry.path, &entry.sha256, paths));
    let mut analysed = match remembered {
        Some(taken) => {
            entry.title = taken.title;
            taken.analysed
        }
        None => {
            // With a record to keep, the questions the analysis asks of
            // the other paths are noted: they decide whether a later build
            // over other paths may take it.
            let (mut analysed, asked) = if memo.is_some_and(Memo::records) {
                vouch_audit::index::recording(|| analyse::file(&mut entry, &text, paths))
            } else {
                (analyse::file(&mut entry, &text, paths), Vec::new())
            };
            if let Some(format) = analysed.stream.take() {
                let stored = match staging {
                    Some(s) => s.object_path(&entry.sha256),
                    None => f.abs.clone(),
                };
                analyse::report(&mut entry, &mut analysed, format, &stored)?;
            }
            if let Some(memo) = memo {
                memo.record(&entry.path, &entry.sha256, &entry.title, &analysed, &asked);
            }
            analysed
        }
    };
    // Made or taken, the document's digest is the entry's own: one `Arc`,
    // which the path index shares too; and its recurring texts are the
    // ones the documents before it hold.
    if let Some(d) = analysed.document.as_mut() {
        if *d.sha256 == *entry.sha256 {
            d.sha256 = entry.sha256.clone();
        }
        texts.share(d);
    }
    let config = (entry.path == analyse::CONFIG_PATH).then_some(text);
    let ingested = Ingested {
        entry,
        problems: analysed.problems,
        config,
    };
    Ok((ingested, analysed.document))
}
