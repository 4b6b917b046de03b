//! The one index of what exists in a snapshot: every evidence path with its
//! SHA-256, every folder, and file names for bare mentions. The
//! extractor resolves references with it; the renderer rewrites links with it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// One evidence file as the index knows it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Shared with every reference that resolves to the file.
    pub sha256: std::sync::Arc<str>,
}

/// One question the index answered, as [`recording`] notes it: every
/// answer an analysis got about which paths exist is one of these, so an
/// analysis remembered from an earlier build holds for a new set of paths
/// when each of its questions gets the same answer ([`Lookup::holds`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lookup {
    /// Is this path a file, and its digest if so.
    #[serde(rename = "f")]
    File(String, Option<String>),
    /// Is this path a folder.
    #[serde(rename = "d")]
    Folder(String, bool),
    /// The files with this name, in the index's order.
    #[serde(rename = "n")]
    Name(String, Vec<String>),
    /// Every folder was listed: nothing short of the same paths answers
    /// that, so it never holds.
    #[serde(rename = "all")]
    Folders,
}

impl Lookup {
    /// Whether `ix` answers this question as it was answered when noted.
    pub fn holds(&self, ix: &Index) -> bool {
        match self {
            Lookup::File(p, digest) => ix.file_entry(p).map(|e| &*e.sha256) == digest.as_deref(),
            Lookup::Folder(p, is) => ix.has_folder(p) == *is,
            Lookup::Name(name, paths) => {
                let now = ix.with_name(name);
                now.len() == paths.len() && now.iter().zip(paths).all(|(a, b)| **a == **b)
            }
            Lookup::Folders => false,
        }
    }
}

std::thread_local! {
    static LOOKUPS: std::cell::RefCell<Option<Vec<Lookup>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, noting every question it asks of any [`Index`] on this
/// thread, and returns them with its result (sorted, each once). An
/// analysis is a function of its file and these answers (and of the root,
/// which the caller keys by).
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Lookup>) {
    /// Puts back the recording this one interrupted (none, usually), even
    /// if `f` panics, so no later question on this thread is noted in a
    /// list no one reads.
    struct Restore(Option<Vec<Lookup>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            LOOKUPS.with(|l| *l.borrow_mut() = outer);
        }
    }
    let mut outer = Restore(LOOKUPS.with(|l| l.borrow_mut().replace(Vec::new())));
    let out = f();
    let mut noted = LOOKUPS.with(|l| l.borrow_mut().take()).unwrap_or_default();
    // A recording around this one asked these questions too.
    if let Some(o) = outer.0.as_mut() {
        o.extend(noted.iter().cloned());
    }
    drop(outer);
    noted.sort_unstable();
    noted.dedup();
    (out, noted)
}

/// Notes a question, when [`recording`].
fn note(lookup: impl FnOnce() -> Lookup) {
    LOOKUPS.with(|l| {
        if let Some(noted) = l.borrow_mut().as_mut() {
            noted.push(lookup());
        }
    });
}

/// What exists in the evidence folder.
#[derive(Debug, Default)]
pub struct Index {
    files: HashMap<Arc<str>, Entry>,
    folders: BTreeSet<String>,
    /// File name → paths with that name (the keys of `files`, shared; most
    /// names have one path, held inline).
    names: HashMap<Box<str>, SmallVec<[Arc<str>; 1]>>,
    /// Where the evidence folder sits in its repository (`docs/evidence`),
    /// when known, else its own name (`evidence`): reports often cite
    /// evidence by its repository path.
    root: Option<String>,
}

impl Index {
    /// From `(path, sha256)` pairs. A file's page is [`page_path`] of its
    /// path; the renderer reads each artifact's own `page`, so the index
    /// holds none.
    /// A digest given as an `Arc<str>` is shared, not copied.
    pub fn new<'a, D: Into<Arc<str>>>(files: impl IntoIterator<Item = (&'a str, D)>) -> Self {
        let mut ix = Index::default();
        for (path, sha) in files {
            let mut p = path;
            while let Some(i) = p.rfind('/') {
                p = &p[..i];
                ix.folders.insert(p.to_owned());
            }
            let name = path.rsplit('/').next().unwrap_or(path);
            let shared: Arc<str> = path.into();
            ix.names
                .entry(name.into())
                .or_default()
                .push(shared.clone());
            ix.files.insert(shared, Entry { sha256: sha.into() });
        }
        ix
    }

    /// Sets where the evidence folder sits in its repository: its path from
    /// the repository root (`docs/evidence`), or just its own name.
    pub fn with_root(mut self, root: Option<String>) -> Self {
        self.root = root.filter(|r| !r.is_empty());
        self
    }

    /// `path` as written in a report, made relative to the evidence folder
    /// when it is written from the repository root (`docs/evidence/X.md`
    /// for `X.md`), if that exists.
    pub fn from_repository(&self, path: &str) -> Option<String> {
        let root = self.root.as_deref()?;
        let path = path.trim_start_matches("./").trim_start_matches('/');
        let rest = path
            .strip_prefix(root)
            .and_then(|r| r.strip_prefix('/'))
            .or_else(|| {
                // Only the folder's own name is known: `…/evidence/X.md`.
                let needle = format!("{root}/");
                path.match_indices(&needle)
                    .filter(|(i, _)| *i == 0 || path[..*i].ends_with('/'))
                    .last()
                    .map(|(i, _)| &path[i + needle.len()..])
            })?;
        let rest = rest.trim_end_matches('/');
        self.exists(rest).then(|| rest.to_owned())
    }

    /// The three questions every other is asked through, not noted: the
    /// file at `path`, whether `path` is a folder, the files named `name`.
    fn file_entry(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }

    fn has_folder(&self, path: &str) -> bool {
        self.folders.contains(path)
    }

    fn with_name(&self, name: &str) -> &[Arc<str>] {
        self.names.get(name).map_or(&[][..], |v| v.as_slice())
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        let entry = self.file_entry(path);
        note(|| Lookup::File(path.to_owned(), entry.map(|e| e.sha256.to_string())));
        entry
    }

    pub fn sha256(&self, path: &str) -> Option<&str> {
        self.get(path).map(|e| &*e.sha256)
    }

    /// [`Index::sha256`], shared: a reference holds the index's own copy.
    pub fn digest(&self, path: &str) -> Option<std::sync::Arc<str>> {
        self.get(path).map(|e| e.sha256.clone())
    }

    /// The file at `path` as the index holds it: its path (the key of its
    /// entry, to share rather than copy) and its digest; `None` when no
    /// file is there. Not noted: for the build, after analysis.
    pub fn held(&self, path: &str) -> Option<(Arc<str>, Arc<str>)> {
        let (path, e) = self.files.get_key_value(path)?;
        Some((path.clone(), e.sha256.clone()))
    }

    pub fn is_folder(&self, path: &str) -> bool {
        let is = self.has_folder(path);
        note(|| Lookup::Folder(path.to_owned(), is));
        is
    }

    /// A file or a folder.
    pub fn exists(&self, path: &str) -> bool {
        self.get(path).is_some() || self.is_folder(path)
    }

    /// The files named `name`, in the order they were given.
    fn named(&self, name: &str) -> &[Arc<str>] {
        let paths = self.with_name(name);
        note(|| {
            Lookup::Name(
                name.to_owned(),
                paths.iter().map(|p| p.to_string()).collect(),
            )
        });
        paths
    }

    /// The one file with this name, if exactly one exists.
    pub fn unique_by_name(&self, name: &str) -> Option<&str> {
        match self.named(name) {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The file with this name nearest to `from` (a document's path): the
    /// one sharing the most leading folders with it, then the shortest.
    /// A bare name a report mentions means a file that exists, even when
    /// several share the name.
    pub fn nearest_by_name(&self, name: &str, from: &str) -> Option<&str> {
        let folders: Vec<&str> = from.split('/').collect();
        let shared = |p: &str| {
            p.split('/')
                .zip(&folders)
                .take_while(|(a, b)| a == *b)
                .count()
        };
        self.named(name)
            .iter()
            .max_by_key(|p| (shared(p), std::cmp::Reverse(p.len())))
            .map(|p| &**p)
    }

    pub fn folders(&self) -> impl Iterator<Item = &str> {
        note(|| Lookup::Folders);
        self.folders.iter().map(String::as_str)
    }
}

/// `docs/STAGE 1.0 Report.md` → `pages/docs-stage-1-0-report-md-1a2b3c4d5e.html`:
/// lowercase, safe in URLs and on every file system, and distinct for every
/// path (a hash of the exact path is part of the name, so paths that differ
/// only in case cannot collide).
pub fn page_path(path: &str) -> String {
    named_page("pages", path)
}

/// The page of a folder of the evidence (`docs/evidence`): its files and
/// subfolders, by the same naming rule as [`page_path`].
pub fn folder_page_path(folder: &str) -> String {
    named_page("folders", folder)
}

/// The page of one stage's reports, phases and gates, where the timeline is
/// too long for one page (`None`: the documents of no stage), by the same
/// naming rule as [`page_path`].
pub fn stage_page_path(stage: Option<&str>) -> String {
    match stage {
        Some(id) => named_page("timeline", &format!("stage {id}")),
        None => named_page("timeline", "no stage"),
    }
}

/// The print pack of an acceptance pack: the pack and the evidence it cites,
/// on one page, by the same naming rule as [`page_path`].
pub fn print_page_path(path: &str) -> String {
    named_page("print", path)
}

/// The most characters of a path a page's name keeps.
const SLUG_CHARS: usize = 48;

fn named_page(dir: &str, path: &str) -> String {
    let mut slug = String::new();
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    // The end of a path tells files apart (`…/phase-2/acceptance-pack.md`);
    // its start is what they share. Keep the end, cut at a word: a page's
    // name is written in every link to it (tree, lists, search), and deep
    // paths' 80-character names were a tenth of a site.
    let slug = slug.trim_matches('-');
    let slug = match slug.char_indices().nth_back(SLUG_CHARS - 1) {
        Some((0, _)) | None => slug,
        Some((at, _)) => {
            let tail = &slug[at..];
            match tail.find('-') {
                Some(word) if !slug[..at].ends_with('-') && word + 1 < tail.len() => {
                    &tail[word + 1..]
                }
                _ => tail.trim_start_matches('-'),
            }
        }
    };
    let id = &vouch_core::sha256_hex(path.as_bytes())[..10];
    if slug.is_empty() {
        format!("{dir}/{id}.html")
    } else {
        format!("{dir}/{slug}-{id}.html")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_are_safe_and_distinct() {
        let a = page_path("docs/STAGE 1.0 Report.md");
        assert!(a.starts_with("pages/docs-stage-1-0-report-md-"), "{a}");
        assert!(a.ends_with(".html"));
        assert_ne!(page_path("A.md"), page_path("a.md"));
        assert_eq!(page_path("A.md").to_lowercase(), page_path("A.md"));
        assert!(page_path("✅✅").starts_with("pages/"));
        assert!(vouch_core::url::is_site_relative(&page_path("x #?%/ü.md")));
    }

    #[test]
    fn deep_paths_keep_their_end() {
        let p = page_path("docs/releases/2026/q3/evidence/phase-2/ci/acceptance-pack.md");
        assert_eq!(
            p.strip_prefix("pages/")
                .and_then(|p| p.rsplit_once('-'))
                .map(|(s, _)| s),
            Some("2026-q3-evidence-phase-2-ci-acceptance-pack-md"),
            "{p}"
        );
        // Cut inside a word: the partial word goes.
        let p = page_path("abcdefghijklmnopqrstuvwxyz/0123456789abcdef/ghijklmnopqrstuvwxyz/ab.md");
        assert!(
            p.starts_with("pages/0123456789abcdef-ghijklmnopqrstuvwxyz-ab-md-"),
            "{p}"
        );
        // A name longer than the limit keeps its last characters.
        let long = "x".repeat(100);
        let p = page_path(&long);
        assert!(
            p.starts_with(&format!("pages/{}-", "x".repeat(SLUG_CHARS))),
            "{p}"
        );
        assert_eq!(
            page_path("short.md").len(),
            "pages/short-md-".len() + 10 + ".html".len()
        );
    }

    /// Every question asked of one index, replayed on another: when each
    /// noted answer holds there, every question gets the answer it got (so
    /// an analysis taken on that ground is the one made afresh). On the
    /// index they were asked of, they all hold.
    #[test]
    fn questions_whose_noted_answers_hold_get_the_same_answers() {
        use proptest::prelude::*;
        let path = prop::sample::select(vec![
            "a.md", "b.md", "x/a.md", "x/b.md", "x/y/a.md", "y/a.md", "x", "x/y", "y",
        ]);
        let paths = prop::collection::btree_set(path.clone(), 0..6);
        let question = (0..6u8, path.clone(), path);
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &(paths.clone(), paths, prop::collection::vec(question, 1..8)),
                |(before, after, questions)| {
                    let index = |set: &std::collections::BTreeSet<&str>| {
                        // A folder path given as a file is left out: the
                        // index is of files.
                        let files: Vec<&str> =
                            set.iter().copied().filter(|p| p.ends_with(".md")).collect();
                        Index::new(files.iter().map(|p| (*p, ""))).with_root(Some("x".into()))
                    };
                    let (old, new) = (index(&before), index(&after));
                    let ask = |ix: &Index| -> Vec<String> {
                        questions
                            .iter()
                            .map(|(kind, p, from)| {
                                let name = p.rsplit('/').next().unwrap_or(p);
                                match kind {
                                    0 => format!("{}", ix.exists(p)),
                                    1 => format!("{}", ix.is_folder(p)),
                                    2 => format!("{:?}", ix.digest(p)),
                                    3 => format!("{:?}", ix.unique_by_name(name)),
                                    4 => format!("{:?}", ix.nearest_by_name(name, from)),
                                    _ => format!("{:?}", ix.from_repository(p)),
                                }
                            })
                            .collect()
                    };
                    let (answers, noted) = recording(|| ask(&old));
                    prop_assert!(noted.iter().all(|l| l.holds(&old)));
                    let holds = noted.iter().all(|l| l.holds(&new));
                    let again = ask(&new);
                    if holds {
                        prop_assert_eq!(&again, &answers);
                    }
                    // Noted once each, and not outside a recording.
                    let mut sorted = noted.clone();
                    sorted.dedup();
                    prop_assert_eq!(sorted.len(), noted.len());
                    let ((), outside) = recording(|| ());
                    prop_assert!(outside.is_empty());
                    Ok(())
                },
            )
            .expect("lookups replay");
    }

    /// A recording inside another notes its questions in both; listing
    /// every folder never holds.
    #[test]
    fn nested_recordings_and_folder_listings() {
        let ix = Index::new([("a/b.md", "")]);
        let (((), inner), outer) = recording(|| {
            recording(|| {
                ix.exists("a/c.md");
            })
        });
        assert_eq!(
            inner,
            vec![
                Lookup::File("a/c.md".into(), None),
                Lookup::Folder("a/c.md".into(), false)
            ]
        );
        assert_eq!(outer, inner);
        let ((), listed) = recording(|| {
            let _ = ix.folders().count();
        });
        assert_eq!(listed, vec![Lookup::Folders]);
        assert!(!listed[0].holds(&ix));
        // A panic inside a recording ends it: nothing asked afterwards is
        // noted anywhere.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            recording(|| {
                ix.exists("a/b.md");
                panic!("analysis failed");
            })
        }));
        assert!(caught.is_err());
        assert!(LOOKUPS.with(|l| l.borrow().is_none()), "still recording");
    }

    /// A file's path and digest are handed out as the index holds them,
    /// not copied; a folder is not a file.
    #[test]
    fn a_file_is_handed_out_as_held() {
        let ix = Index::new([("logs/ci.log", "ab")]);
        let key = ix
            .files
            .get_key_value("logs/ci.log")
            .map(|(k, _)| k.clone());
        let (path, sha256) = ix.held("logs/ci.log").expect("a file");
        assert!(key.is_some_and(|k| Arc::ptr_eq(&path, &k)));
        assert_eq!(&*sha256, "ab");
        assert!(
            ix.digest("logs/ci.log")
                .is_some_and(|d| Arc::ptr_eq(&d, &sha256))
        );
        assert!(ix.held("logs").is_none());
    }

    #[test]
    fn folders_and_names() {
        let ix = Index::new([("a/b/c.md", "11"), ("a/d.md", "22"), ("e/d.md", "33")]);
        assert!(ix.is_folder("a/b") && ix.is_folder("a") && !ix.is_folder("a/b/c.md"));
        assert_eq!(ix.unique_by_name("c.md"), Some("a/b/c.md"));
        assert_eq!(ix.unique_by_name("d.md"), None);
        assert_eq!(ix.sha256("a/d.md"), Some("22"));
        let ix = ix.with_root(Some("docs/evidence".into()));
        assert_eq!(
            ix.from_repository("docs/evidence/a/d.md").as_deref(),
            Some("a/d.md")
        );
        assert_eq!(ix.from_repository("/docs/evidence/a").as_deref(), Some("a"));
        assert_eq!(ix.from_repository("docs/evidence/nope.md"), None);
        assert_eq!(ix.from_repository("other/a/d.md"), None);
        let ix = Index::new([("x.md", "1")]).with_root(Some("evidence".into()));
        assert_eq!(
            ix.from_repository("docs/evidence/x.md").as_deref(),
            Some("x.md")
        );
        assert_eq!(ix.from_repository("docs/myevidence/x.md"), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::page_path;

    proptest! {
        /// Page names are safe URLs and file names, and never collide, even
        /// for paths that differ only in case.
        #[test]
        fn page_paths_are_safe_and_injective(a in "[a-zA-Z0-9 #?%./✅_-]{1,40}", b in "[a-zA-Z0-9 #?%./✅_-]{1,40}") {
            let (pa, pb) = (page_path(&a), page_path(&b));
            prop_assert!(vouch_core::url::is_site_relative(&pa), "{pa}");
            prop_assert_eq!(pa.to_lowercase(), pa.clone());
            if a != b {
                prop_assert_ne!(pa, pb);
            }
        }
    }
}
