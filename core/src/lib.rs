//! The model vouch's generator and viewer share.
//!
//! This crate is deliberately small and does **no I/O**: it holds the
//! `manifest.json` schema, the SHA-256 hashing both sides use, the verdicts
//! they reach, and the pure rules (URL safety, artifact kinds) they must agree
//! on. It builds natively and for `wasm32-unknown-unknown`, so the schema is
//! defined exactly once.

pub mod audit;
pub mod diff;
pub mod hash;
pub mod history;
pub mod kind;
pub mod manifest;
pub mod monitor;
pub mod signature;
pub mod time;
pub mod url;
pub mod verdict;

pub use hash::{Sha256Hasher, sha256_hex};
pub use kind::ArtifactKind;
pub use manifest::{Artifact, Generator, MANIFEST_SCHEMA, Manifest, ManifestError, ManifestReader};
pub use verdict::{Summary, Verdict};

/// `1536` → `"1.5 KiB"`: sizes as both the pages and the viewer show them.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_bytes() {
        assert_eq!(super::human_bytes(0), "0 B");
        assert_eq!(super::human_bytes(1023), "1023 B");
        assert_eq!(super::human_bytes(1536), "1.5 KiB");
        assert_eq!(super::human_bytes(5 << 30), "5.0 GiB");
    }
}
