//! Pieces the pages share.

mod artifact_table;
mod summary;

pub use artifact_table::ArtifactTable;
pub use summary::{ManifestFailed, VerificationSummary};

pub use vouch_core::human_bytes as fmt_bytes;
