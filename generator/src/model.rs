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
    /// Lowercase hex SHA-256 of the bytes copied into the object store.
    pub sha256: String,
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

pub fn object_url(sha256: &str) -> String {
    format!("objects/{sha256}")
}
