//! Pieces the pages share.

mod artifact_table;
mod history;
mod signature;
mod summary;

pub use artifact_table::ArtifactTable;
pub use history::HistoryPanel;
pub use signature::{SigState, SignaturePanel, judge};
pub use summary::{ManifestFailed, VerificationSummary};

pub use vouch_core::human_bytes as fmt_bytes;
