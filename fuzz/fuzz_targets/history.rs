//! The history parser and chain checker: untrusted input to every verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_core::{
    Manifest,
    history::{History, check_chain},
};

fuzz_target!(|data: &[u8]| {
    let Ok(h) = History::parse(data) else { return };
    // What parses, round-trips.
    assert_eq!(
        History::parse(h.to_json_pretty().as_bytes()).expect("round trip"),
        h
    );
    for s in &h.snapshots {
        assert!(vouch_core::url::is_site_relative(&s.manifest));
    }
    // The chain check never panics, whatever the archive holds.
    let current: Manifest = serde_json::from_str(
        r#"{"schema_version":1,"generator":{"name":"vouch","version":"0"},"built_at":"x","artifacts":[]}"#,
    )
    .expect("manifest");
    let _ = check_chain(&"0".repeat(64), &current, &h, &mut |u| {
        (u.len() % 2 == 0).then(|| data.to_vec())
    });
});
