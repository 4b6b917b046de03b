//! The in-memory model every build stage reads and extends.

use std::path::PathBuf;

use vouch_audit::Index;
use vouch_core::{ArtifactKind, audit::Audit};

/// One build's view of the evidence.
#[derive(Debug, Default)]
pub struct Site {
    /// The evidence folder as given.
    pub input: PathBuf,
    /// RFC 3339 UTC build time.
    pub built_at: String,
    /// The site's name, when one was given (`--title`, `vouch.toml`).
    pub title: Option<String>,
    /// One entry per regular input file, sorted by `path`.
    pub artifacts: Vec<Entry>,
    /// The one index of paths, digests, pages and folders.
    pub index: Index,
    /// The audit trail: what the reports claim, and every problem found
    /// (files left out or unreadable included).
    pub audit: Audit,
}

/// One evidence file. `load` fills the identity fields; `analyse` the rest.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Relative to the input folder, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the bytes copied into the object store;
    /// the path index and the audit document share it.
    pub sha256: std::sync::Arc<str>,
    pub size: u64,
    /// The first bytes, enough to sniff the kind (emptied once it is known).
    pub head: Vec<u8>,
    pub kind: ArtifactKind,
    pub title: String,
    /// The artifact's page, relative to the site root.
    pub page: String,
    /// An image format browsers show (`png`, `jpeg`, `gif`, `webp`), from
    /// the file's first bytes: its page shows it.
    pub image: Option<&'static str>,
}

impl Entry {
    /// Where the raw bytes are served, relative to the site root. Objects are
    /// content-addressed, so identical files are stored once, and the name is
    /// safe on every host: no dot files, no spaces, no case collisions.
    pub fn object_url(&self) -> String {
        object_url(&self.sha256)
    }

    /// The file name alone.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// `objects/<first two hex digits>/<sha256>`: spread over 256 folders, as
/// git spreads its objects, so that no folder holds tens of thousands of
/// files. Threads creating files in one folder contend for its lock (two
/// processes writing 50,000 small files on ext4 took 0.44 to 1.7 s in one
/// folder, 0.3 s spread), and a site published as a git branch rewrites a
/// folder's whole tree object for every file changed in it.
pub fn object_url(sha256: &str) -> String {
    Layout::Spread.object_url(sha256)
}

/// Where a site keeps its objects. Earlier sites kept them in one folder
/// (`objects/<sha256>`). A site says which layout it has through its
/// manifest's artifact URLs, so its retained snapshots' objects are looked
/// for, and listed in `SHA256SUMS`, beside its artifacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `objects/ab/ab…`.
    Spread,
    /// `objects/ab…`.
    Flat,
}

impl Layout {
    /// Every layout, the current one first.
    pub const ALL: [Layout; 2] = [Layout::Spread, Layout::Flat];

    /// The layout `m`'s artifacts are stored in (spread when it has none).
    pub fn of(m: &vouch_core::Manifest) -> Self {
        Self::of_first(m.artifacts.first().map(|a| (&*a.url, &*a.sha256)))
    }

    /// The layout of a manifest whose first artifact has this URL and
    /// SHA-256 (spread when it has none).
    pub fn of_first(first: Option<(&str, &str)>) -> Self {
        let flat = first.is_some_and(|(url, sha256)| url.strip_prefix("objects/") == Some(sha256));
        if flat { Layout::Flat } else { Layout::Spread }
    }

    pub fn object_url(self, sha256: &str) -> String {
        match self {
            Layout::Spread => format!("objects/{}/{sha256}", sha256.get(..2).unwrap_or("00")),
            Layout::Flat => format!("objects/{sha256}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site's layout is read off its artifacts' URLs: flat only where
    /// they name the object directly under `objects/`.
    #[test]
    fn layout_is_read_from_the_manifest() {
        let sha = "ab".repeat(32);
        assert_eq!(object_url(&sha), format!("objects/ab/{sha}"));
        assert_eq!(Layout::Flat.object_url(&sha), format!("objects/{sha}"));
        let with = |url: &str| {
            let json = format!(
                r#"{{"schema_version":1,"generator":{{"name":"vouch","version":"0"}},
                "built_at":"2026-01-01T00:00:00Z","artifacts":[{{"path":"a.md","sha256":"{sha}",
                "size":1,"url":"{url}","kind":"markdown","page":"pages/a.html","title":"A"}}]}}"#
            );
            Layout::of(&vouch_core::Manifest::parse(json.as_bytes()).expect("manifest"))
        };
        assert_eq!(with(&format!("objects/{sha}")), Layout::Flat);
        assert_eq!(with(&format!("objects/ab/{sha}")), Layout::Spread);
        let none = r#"{"schema_version":1,"generator":{"name":"vouch","version":"0"},
            "built_at":"2026-01-01T00:00:00Z","artifacts":[]}"#;
        let none = vouch_core::Manifest::parse(none.as_bytes()).expect("manifest");
        assert_eq!(Layout::of(&none), Layout::Spread);
    }
}
