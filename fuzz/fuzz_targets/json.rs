//! The JSON recogniser: kind sniffing and bounded pretty-printing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::json::{MAX_PRETTY, Pretty, pretty};
use vouch_core::ArtifactKind;

fuzz_target!(|data: &[u8]| {
    let _ = ArtifactKind::classify("x.json", data);
    let _ = ArtifactKind::classify("no-extension", data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match pretty(text) {
        Pretty::Formatted(out) => {
            assert!(
                out.len() <= MAX_PRETTY + 64,
                "pretty output exceeded its bound"
            );
            // Re-indenting never changes what the document says.
            let a: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
            let b: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
            assert_eq!(a, b);
        }
        Pretty::AsWritten { .. } => {}
        Pretty::Invalid { line, .. } => assert!(line >= 1 || text.is_empty()),
    }
});
