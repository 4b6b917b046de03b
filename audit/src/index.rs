//! The one index of what exists in a snapshot: every evidence path with its
//! SHA-256 and page, every folder, and file names for bare mentions. The
//! extractor resolves references with it; the renderer rewrites links with it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use smallvec::SmallVec;

/// One evidence file as the index knows it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Shared with every reference that resolves to the file.
    pub sha256: std::sync::Arc<str>,
    /// Its page, relative to the site root.
    pub page: String,
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
    /// From `(path, sha256)` pairs; pages are named by [`page_path`].
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
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
            ix.files.insert(
                shared,
                Entry {
                    sha256: sha.into(),
                    page: page_path(path),
                },
            );
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

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }

    pub fn sha256(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(|e| &*e.sha256)
    }

    /// [`Index::sha256`], shared: a reference holds the index's own copy.
    pub fn digest(&self, path: &str) -> Option<std::sync::Arc<str>> {
        self.files.get(path).map(|e| e.sha256.clone())
    }

    pub fn is_folder(&self, path: &str) -> bool {
        self.folders.contains(path)
    }

    /// A file or a folder.
    pub fn exists(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.folders.contains(path)
    }

    /// The one file with this name, if exactly one exists.
    pub fn unique_by_name(&self, name: &str) -> Option<&str> {
        match self.names.get(name).map(|paths| paths.as_slice()) {
            Some([one]) => Some(one),
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
        self.names
            .get(name)?
            .iter()
            .max_by_key(|p| (shared(p), std::cmp::Reverse(p.len())))
            .map(|p| &**p)
    }

    pub fn folders(&self) -> impl Iterator<Item = &str> {
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
