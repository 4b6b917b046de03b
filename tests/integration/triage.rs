//! The audit trail on evidence as real teams write it (issue 9):
//! `tests/fixtures/triage` holds every gate form (headings, tables, bold
//! labels, `key: value` lines, checklists, JSON summaries, gate folders of a
//! release), prose and emoji statuses, source mentions that are not
//! evidence, contradictions and placeholders. Hand labels in
//! `triage_labels.txt` say which lines are problems; the test measures
//! precision and recall against them, and pins the extraction with insta.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::{audit_doc as doc, audit_json as audit, build, fixture, stdout_of, vouch};

type Key = (String, usize);

fn labels() -> (BTreeMap<Key, String>, BTreeSet<Key>) {
    let text = include_str!("triage_labels.txt");
    let (mut positive, mut negative) = (BTreeMap::new(), BTreeSet::new());
    for l in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (loc, kind) = l.rsplit_once(": ").expect("path:line: kind");
        let (path, line) = loc.rsplit_once(':').expect("path:line");
        let key = (path.to_owned(), line.parse().expect("line number"));
        assert!(
            fixture("triage").join(path).is_file(),
            "label names a missing file: {l}"
        );
        if kind == "-" {
            negative.insert(key);
        } else {
            positive.insert(key, kind.to_owned());
        }
    }
    (positive, negative)
}

fn check_json(args: &[&str]) -> Value {
    let out = vouch()
        .arg("check")
        .arg(fixture("triage"))
        .args(["--format", "json"])
        .args(args)
        .output()
        .expect("run vouch check");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout_of(&out)).expect("--format json is JSON")
}

#[test]
fn problems_match_the_hand_labels_with_measured_precision_and_recall() {
    let (positive, negative) = labels();
    let report = check_json(&[]);
    let reported: BTreeMap<Key, String> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            assert_ne!(p["severity"], "note", "notes only with --all");
            (
                (
                    p["path"].as_str().expect("path").to_owned(),
                    p["line"].as_u64().expect("line") as usize,
                ),
                p["kind"].as_str().expect("kind").to_owned(),
            )
        })
        .collect();
    // Per kind: true positives, false positives, false negatives.
    let mut table: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for (key, kind) in &reported {
        let row = table.entry(kind.clone()).or_default();
        if positive.get(key) == Some(kind) {
            row.0 += 1;
        } else {
            row.1 += 1;
        }
    }
    for (key, kind) in &positive {
        if reported.get(key) != Some(kind) {
            table.entry(kind.clone()).or_default().2 += 1;
        }
    }
    let mut lines = vec![format!(
        "{:<24} {:>3} {:>3} {:>3} {:>9} {:>6}",
        "kind", "tp", "fp", "fn", "precision", "recall"
    )];
    let (mut tp, mut fp, mut fns) = (0, 0, 0);
    for (kind, (t, f, n)) in &table {
        let p = *t as f64 / (t + f).max(1) as f64;
        let r = *t as f64 / (t + n).max(1) as f64;
        lines.push(format!("{kind:<24} {t:>3} {f:>3} {n:>3} {p:>9.2} {r:>6.2}"));
        (tp, fp, fns) = (tp + t, fp + f, fns + n);
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fns).max(1) as f64;
    lines.push(format!(
        "{:<24} {tp:>3} {fp:>3} {fns:>3} {precision:>9.2} {recall:>6.2}",
        "all"
    ));
    let table_text = lines.join("\n");
    eprintln!("{table_text}");
    let unexpected: Vec<_> = reported
        .iter()
        .filter(|(k, kind)| positive.get(*k) != Some(*kind))
        .collect();
    let missed: Vec<_> = positive
        .iter()
        .filter(|(k, kind)| reported.get(*k) != Some(*kind))
        .collect();
    assert!(
        precision >= 0.9,
        "precision {precision:.2} < 0.90\n{table_text}\nunexpected: {unexpected:#?}"
    );
    assert!(
        recall >= 0.9,
        "recall {recall:.2} < 0.90\n{table_text}\nmissed: {missed:#?}"
    );
    let (bt, _, bn) = table.get("broken-link").copied().unwrap_or_default();
    assert!(
        bt > 0 && bn == 0,
        "broken-link recall must stay 100%\n{table_text}"
    );
    for key in &negative {
        assert!(
            !reported.contains_key(key),
            "{}:{} is labelled as no problem, but vouch reports {:?}",
            key.0,
            key.1,
            reported.get(key)
        );
    }
    // The summary counts what was printed.
    let s = &report["summary"];
    assert_eq!(
        s["errors"].as_u64().unwrap_or(0) + s["warnings"].as_u64().unwrap_or(0),
        reported.len() as u64
    );
}

#[test]
fn notes_keep_mentions_that_are_not_evidence() {
    let all = check_json(&["--all"]);
    let notes: Vec<String> = all["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["severity"] == "note")
        .map(|p| {
            format!(
                "{}:{}: {}",
                p["path"].as_str().unwrap_or(""),
                p["line"],
                p["kind"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        notes.contains(
            &"docs/evidence/STAGE2.1_ACCEPTANCE_PACK.md:50: mention-not-in-evidence".to_owned()
        ),
        "{notes:#?}"
    );
    // Templates and globs are not even notes; out-of-scope paths are
    // "ignored", not missing.
    assert!(
        !notes.iter().any(|n| n.starts_with("docs/PLAN.md:5:")),
        "{notes:#?}"
    );
    assert!(!notes.iter().any(|n| n.contains("stage-3.1")), "{notes:#?}");
}

#[test]
fn every_stage_and_release_has_a_matrix_row_with_the_right_statuses() {
    let b = build(&fixture("triage"));
    let a = audit(&b.site);
    // Statuses as a person reads them.
    for (path, status) in [
        ("docs/evidence/STAGE2.1_ACCEPTANCE_PACK.md", "pass"), // READY FOR MERGE
        ("docs/evidence/STAGE2.0_ACCEPTANCE_PACK.md", "pass"), // ✅ **APPROVED FOR MERGE**
        ("docs/evidence/STAGE2.2_PHASE1_REPORT.md", "pass"),   // 🟢
        ("docs/evidence/STAGE2.3_CLOSEOUT_SUMMARY.md", "pass"), // ACCEPTED for merge
        ("docs/evidence/STAGE2.1_PHASE0_REPORT.md", "pass"),   // under its phase heading
        ("docs/evidence/STAGE_D1.1_ACCEPTANCE_PACK.md", "pass"),
        ("docs/evidence/STAGE12_ACCEPTANCE_PACK.md", "unknown"),
        ("docs/evidence/staging_smoke_results.json", "fail"),
        ("releases/2026.04/gate-smoke/decision.json", "fail"), // rollback
        ("releases/2026.04/gate-smoke/approvals.json", "pending"),
        ("releases/2026.03/gate-smoke/decision.json", "pass"), // retain
    ] {
        assert_eq!(doc(&a, path)["status"], status, "{path}");
    }
    assert_eq!(
        doc(&a, "docs/evidence/STAGE12_ACCEPTANCE_PACK.md")["status_reason"],
        "no status line found"
    );
    assert_eq!(
        doc(&a, "docs/evidence/STAGE2.1_PHASE0_REPORT.md")["date"],
        "2026-02-09"
    );

    let index = std::fs::read_to_string(b.site.join("index.html")).expect("index");
    let start = index.find(r#"<table id="gate-matrix""#).expect("matrix");
    let matrix = &index[start..start + index[start..].find("</table>").expect("end")];
    let rows: Vec<&str> = matrix
        .split(r#"<tr data-stage=""#)
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .collect();
    assert_eq!(
        rows,
        [
            "2.0", "2.1", "2.2", "2.3", "3.0.1", "3.1", "10", "12", "2026.03", "2026.04", "D1.1"
        ],
        "every stage and release with a document has a row"
    );
    // "1a" and "1A" are one column; no empty columns.
    let head = &matrix[..matrix.find("</thead>").expect("thead")];
    assert_eq!(head.matches("Gate 1A<").count(), 1, "{head}");
    assert!(!head.contains("Gate 1a<"), "{head}");
    let cell = |stage: &str, gate: &str| {
        let row = matrix
            .split(&format!(r#"<tr data-stage="{stage}""#))
            .nth(1)
            .and_then(|r| r.split("</tr>").next())
            .unwrap_or_else(|| panic!("row {stage}"));
        row.split(&format!(
            r#"data-gate-cell data-gate="{gate}" data-status=""#
        ))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_owned)
    };
    assert_eq!(cell("2026.03", "SMOKE").as_deref(), Some("pass"));
    assert_eq!(cell("2026.03", "HARDENING").as_deref(), Some("fail"));
    assert_eq!(cell("2026.04", "SMOKE").as_deref(), Some("fail"));
    assert_eq!(cell("2.2", "2").as_deref(), Some("pass"));
    assert_eq!(cell("2.2", "3").as_deref(), Some("pending"));
    assert_eq!(cell("2.0", "1A").as_deref(), Some("pass"));
    // An unknown stage says why.
    assert!(
        matrix.contains("STAGE12_ACCEPTANCE_PACK.md: no status line found"),
        "{matrix}"
    );
    // Every column has at least one cell.
    let gates: Vec<&str> = head
        .split(r#"<th scope="col">Gate "#)
        .skip(1)
        .filter_map(|h| h.split('<').next())
        .collect();
    for g in &gates {
        assert!(
            matrix.contains(&format!(r#"data-gate="{g}""#)),
            "column {g} is empty"
        );
    }
    // Failing evidence documents are listed and counted.
    for failed in [
        "docs/evidence/staging_smoke_results.json",
        "releases/2026.04/gate-smoke/decision.json",
    ] {
        assert!(
            index.contains(&format!(r#"<li data-path="{failed}">"#)),
            "{failed} not in #failed-evidence"
        );
    }
    let distinct_fail = a["summary"]["gates"]["fail"].as_u64().expect("fail");
    // Documents that fail with a failing gate of their own are counted once,
    // by their gate.
    let failed_docs = a["summary"]["failed_documents"]
        .as_array()
        .expect("docs")
        .iter()
        .filter(|p| {
            let d = crate::common::audit_doc(&a, p.as_str().expect("path"));
            !d["gates"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| g["status"] == "fail"))
        })
        .count() as u64;
    assert!(index.contains(&format!(
        r#"<dd data-count="fail">{}</dd>"#,
        distinct_fail + failed_docs
    )));
}

#[test]
fn extraction_is_pinned() {
    let b = build(&fixture("triage"));
    let a = audit(&b.site);
    insta::assert_json_snapshot!("triage_audit", a);
    let b = build(&fixture("audit"));
    insta::assert_json_snapshot!("audit_fixture_audit", audit(&b.site));
}
