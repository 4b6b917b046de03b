//! The in-memory model every build stage reads and extends.

use std::path::PathBuf;

use vouch_core::{ArtifactKind, audit::Audit};

/// One build's view of the evidence.
#[derive(Debug, Default)]
pub struct Site {
    /// The evidence folder as given.
    pub input: PathBuf,
    /// RFC 3339 UTC build time.
    pub built_at: String,
    /// One entry per regular input file, sorted by `path`.
    pub artifacts: Vec<Entry>,
    /// Things worth telling the user that did not stop the build.
    pub diagnostics: Vec<Diagnostic>,
    /// The audit trail: what the reports claim, and the problems found.
    pub audit: Audit,
}

/// One evidence file. `load` fills the identity fields; `extract` the rest.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Relative to the input folder, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the bytes copied into the object store.
    pub sha256: String,
    pub size: u64,
    /// The first bytes, enough to sniff the kind.
    pub head: Vec<u8>,
    pub kind: ArtifactKind,
    pub title: String,
    /// The artifact's page, relative to the site root.
    pub page: String,
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

/// A non-fatal finding about one input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The input path it concerns (relative to the input folder).
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}
