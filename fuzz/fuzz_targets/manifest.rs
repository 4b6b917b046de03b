//! The manifest parser: untrusted input to every verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_core::{Manifest, ManifestReader, url::is_site_relative};

fuzz_target!(|data: &[u8]| {
    let parsed = Manifest::parse(data);
    // The reader walks the top level by hand: it must accept what serde's
    // whole-document parse plus validation accepts, with the same result
    // (serde also takes a struct written as an array; the reader does not),
    // and read the same in slices of one entry.
    let whole = serde_json::from_slice::<Manifest>(data)
        .ok()
        .filter(|m| m.validate().is_ok());
    let object = data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if object || parsed.is_ok() {
        assert_eq!(
            parsed.as_ref().ok(),
            whole.as_ref(),
            "reader and serde disagree"
        );
    }
    let mut reader = ManifestReader::new(data);
    let sliced = loop {
        match reader.step(1) {
            Ok(Some(m)) => break Ok(m),
            Ok(None) => {}
            Err(e) => break Err(e),
        }
    };
    assert_eq!(sliced.ok(), parsed.as_ref().ok().cloned());
    if let Ok(m) = parsed {
        for a in &m.artifacts {
            assert!(is_site_relative(&a.url) && !a.url.split('/').any(|s| s == ".." || s == "."));
        }
        // What parses, re-serialises to something that parses the same.
        let again = Manifest::parse(m.to_json_pretty().as_bytes()).expect("round trip");
        assert_eq!(again, m);
    }
});
