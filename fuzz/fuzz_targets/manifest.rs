//! The manifest parser: untrusted input to every verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_core::{Manifest, url::is_site_relative};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::parse(data) {
        for a in &m.artifacts {
            assert!(is_site_relative(&a.url) && !a.url.split('/').any(|s| s == ".." || s == "."));
        }
        // What parses, re-serialises to something that parses the same.
        let again = Manifest::parse(m.to_json_pretty().as_bytes()).expect("round trip");
        assert_eq!(again, m);
    }
});
