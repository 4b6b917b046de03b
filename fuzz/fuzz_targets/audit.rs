//! The audit-trail extractor: reports, JSON evidence, status words, dates.
//! Must never panic, and what it says must hold: line numbers inside the
//! document, `present` only for files that exist, statuses from the four.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_core::audit::{
    Audit, AUDIT_SCHEMA, EvidenceIndex, RefState, date, json, normalize, problems, report,
    status::demojibake,
};

const FILES: &[(&str, &str)] = &[
    ("docs/evidence/REPORT.md", "aa"),
    ("docs/evidence/STAGE1.0_PHASE0_REPORT.md", "bb"),
    ("docs/evidence/branch_protection_settings.json", "cc"),
    ("scripts/check.py", "dd"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = normalize(text);
    let _ = demojibake(text);
    let _ = date::find_date(text);
    let ix = EvidenceIndex::new(FILES.iter().copied());
    let mut docs = Vec::new();
    if vouch::markdown::too_complex(text).is_none() {
        let d = report::extract("docs/evidence/REPORT.md", "aa", text, &ix);
        let lines = text.split('\n').count().max(1);
        for r in &d.references {
            assert!(r.line >= 1 && r.line <= lines, "line {} of {lines}", r.line);
            if r.state == RefState::Present {
                let p = r.path.as_deref().expect("present references have a path");
                assert!(
                    ix.sha256(p).is_some() || ix.is_folder(p),
                    "{p} is not in the evidence"
                );
            }
        }
        for g in d.gates.iter().chain(&d.phases) {
            assert!(g.line <= lines + 1);
            assert!(g.references.iter().all(|&i| i < d.references.len()));
        }
        docs.push(d);
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
        && let Some(d) = json::recognise("docs/evidence/branch_protection_settings.json", "cc", text, &v)
    {
        docs.push(d);
    }
    let audit = Audit {
        schema_version: AUDIT_SCHEMA,
        documents: docs,
        ..Audit::default()
    };
    let _ = problems::find(&audit, date::Date::new(2026, 11, 21), Some(7));
    let back = Audit::parse(audit.to_json_pretty().as_bytes()).expect("audit.json round-trips");
    assert_eq!(back, audit);
});
