//! The analyser's entry points, `vouch_audit::analyse_file` and `finish`,
//! on arbitrary bytes read as a Markdown report and as a JSON export. Must
//! never panic, and what it says must hold: line numbers inside the
//! document, `present` only for files that exist, claims that index real
//! references, problems sorted and counted once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch_audit::{Config, File, Index, Rules, analyse_file, finish};
use vouch_core::{
    ArtifactKind,
    audit::{Audit, RefState, Severity},
};

const FILES: &[(&str, &str)] = &[
    ("docs/evidence/REPORT.md", "aa"),
    ("docs/evidence/STAGE1.0_PHASE0_REPORT.md", "bb"),
    ("docs/evidence/branch_protection_settings.json", "cc"),
    ("releases/r1/gate-smoke/decision.json", "dd"),
    ("scripts/check.py", "ee"),
];

fuzz_target!(|data: &[u8]| {
    let ix = Index::new(FILES.iter().copied());
    let lines = data.split(|&b| b == b'\n').count().max(1);
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for (path, kind) in [
        ("docs/evidence/REPORT.md", ArtifactKind::Markdown),
        ("releases/r1/gate-smoke/decision.json", ArtifactKind::Json),
        ("docs/evidence/notes.txt", ArtifactKind::Text),
    ] {
        let a = analyse_file(
            &File {
                path,
                sha256: "aa",
                kind,
                size: data.len() as u64,
                bytes: data,
            },
            &ix,
        );
        if let Some(d) = a.document {
            for r in &d.references {
                assert!(r.line >= 1 && r.line <= lines, "line {} of {lines}", r.line);
                if r.state == RefState::Present {
                    let p = r.path.as_deref().expect("present references have a path");
                    assert!(ix.exists(p), "{p} is not in the evidence");
                }
            }
            for g in d.gates.iter().chain(&d.phases) {
                assert!(g.line <= lines + 1);
                assert!(g.references.iter().all(|&i| i < d.references.len()));
            }
            docs.push(d);
        }
        problems.extend(a.problems);
    }
    let config = Config::parse("ignore = [\"scripts/**\"]").expect("config");
    let files: Vec<(&str, &str)> = Vec::new();
    let audit = finish(
        docs,
        problems,
        &config,
        Rules { max_age: Some(7) },
        "2026-11-21T00:00:00Z",
        &vouch_audit::drift::Files {
            files: &files,
            read: &|_| None,
        },
    );
    let s = &audit.summary;
    let count = |sev: Severity| audit.problems.iter().filter(|p| p.severity == sev).count();
    assert_eq!(
        (s.errors, s.warnings, s.notes),
        (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Note)
        )
    );
    assert!(
        audit
            .problems
            .windows(2)
            .all(|w| w[0].severity <= w[1].severity)
    );
    let mut json = Vec::new();
    audit.write_json(&mut json).expect("audit.json is written");
    let back = Audit::parse(&json).expect("audit.json round-trips");
    assert_eq!(back, audit);
    let _ = vouch_audit::timeline::matrix(&audit);
    // A cut stage lists at most its rows, and counts them all.
    let all = vouch_audit::timeline::stages(&audit, usize::MAX);
    for (cut, whole) in vouch_audit::timeline::stages(&audit, 1).iter().zip(&all) {
        assert!(cut.gates.len() <= 1 && cut.gates_count == whole.gates.len());
        assert!(cut.documents.len() <= 1 && cut.documents_count == whole.documents.len());
    }
});
