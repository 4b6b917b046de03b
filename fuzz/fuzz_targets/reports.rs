//! The CI report readers (JUnit, Cobertura/Clover, JaCoCo, LCOV, Go cover
//! profiles, SARIF) and hash
//! pins on hostile bytes: never a panic, counts that add up, findings
//! within their bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_audit::{Index, pins, reports};
use vouch_core::audit::FINDINGS_KEPT;

fuzz_target!(|data: &[u8]| {
    use reports::Format::*;
    for (format, name) in [
        (JUnit, "junit.xml"),
        (Cobertura, "coverage.xml"),
        (JaCoCo, "jacoco.xml"),
        (Lcov, "lcov.info"),
        (GoCover, "cover.out"),
        (Sarif, "scan.sarif"),
    ] {
        let _ = reports::sniff(name, data);
        if let Ok(d) = reports::read(format, name, "00", &mut &data[..]) {
            assert!(d.findings.len() <= FINDINGS_KEPT);
            assert!(d.findings.len() as u64 <= d.findings_total.max(d.findings.len() as u64));
            if let Some(c) = &d.coverage {
                assert!(c.line_rate.is_finite());
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let ix = Index::new([("a.txt", "00")]);
        if let Some(d) = pins::recognise_sums("SHA256SUMS", "00", text, &ix) {
            assert!(
                d.references
                    .iter()
                    .all(|r| r.pinned.as_deref().is_some_and(|h| h.len() == 64))
            );
        }
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            let _ = pins::in_json("x.json", text, &v, &ix);
        }
    }
});
