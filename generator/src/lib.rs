//! vouch's generator: turns an evidence folder into a content-hashed static
//! site, and checks such sites.
//!
//! A build runs in stages over one in-memory [`model::Site`]:
//! [`load`] (walk the input, hash every file while copying it into a staging
//! object store, handing each file's bytes to the analyser) → [`analyse`]
//! (kinds, pages, titles and the audit trail, by the `vouch-audit` crate) →
//! [`render`] (minijinja templates embedded in the binary) → [`write`]
//! (pages, assets, `manifest.json`, `SHA256SUMS`, then an atomic swap into place).
//! See `docs/ARCHITECTURE.md`.

pub mod analyse;
pub mod assets;
pub mod build;
pub mod check;
pub mod cli;
pub mod init;
pub mod json;
pub mod load;
pub mod markdown;
pub mod memo;
pub mod model;
pub mod out;
pub mod render;
pub mod reuse;
pub mod rollback;
pub mod search;
pub mod serve;
pub mod sign;
pub mod snapshot;
pub mod store;
pub mod term;
pub mod timings;
pub mod verifier;
pub mod verify;
pub mod write;
