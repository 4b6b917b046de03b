//! Pieces the pages share.

mod artifact_table;
mod claims;
pub mod gate_cells;
mod generated_table;
mod history;
mod pager;
mod signature;
mod summary;

pub use artifact_table::ArtifactTable;
pub use claims::ClaimEvidence;
pub use generated_table::GeneratedTable;
pub use history::HistoryPanel;
pub use signature::{SigState, SignaturePanel, judge};
pub use summary::{ManifestFailed, Trust, VerificationSummary};

pub use vouch_core::human_bytes as fmt_bytes;
