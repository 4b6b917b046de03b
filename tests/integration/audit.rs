//! The audit trail (issue 3): `vouch check`, `audit.json`, the dashboard,
//! timeline and problems pages, on a fixture that reproduces the quirks of
//! real governance documents (both bold spellings, non-ISO dates, CRLF,
//! mojibake, "✅ No", an unfilled "[PASS/FAIL]", tables with empty headers,
//! two H1s, a file without a heading).

use serde_json::Value;

use crate::common::{
    audit_doc as doc, audit_json, build, fixture, manifest, sha256sum, stdout_of, vouch,
};

fn gate<'a>(d: &'a Value, name_start: &str) -> &'a Value {
    d["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .find(|g| {
            g["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(name_start))
        })
        .unwrap_or_else(|| panic!("no gate {name_start} in {d}"))
}

#[test]
fn check_prints_one_compiler_style_line_per_problem_and_exits_1() {
    let out = vouch()
        .arg("check")
        .arg(fixture("audit"))
        .output()
        .expect("run vouch check");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = stdout_of(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            r#"docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md:30: missing-evidence: "../../logs/restore-drill.log" is cited as evidence but is not in the evidence folder"#,
            r#"docs/evidence/STAGE1.0_PHASE0_REPORT.md:10: contradiction: "Gate 0" says passed ("✅ MET") but its evidence "branch_protection_settings.json" says failed (7 of 8 rules hold)"#,
            r#"docs/evidence/STAGE1.0_PHASE1_REPORT.md:11: missing-evidence: "docs/evidence/missing_depth_report.md" is cited as evidence but is not in the evidence folder"#,
            r#"docs/evidence/STAGE1.0_PHASE1_REPORT.md:19: gate-without-evidence: "Gate 5: Size budget" is marked passed ("PASSED") but cites no evidence, and none is cited in its section, phase or the report's header"#,
            r#"docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md:35: broken-link: link to "./ROLLBACK_PLAN.md" which is not in the evidence folder"#,
            r#"docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md:36: broken-link: link to "../../../../etc/shadow" points outside the evidence folder"#,
        ],
        "{stdout}"
    );
    // The exact shape other tools parse: <path>:<line>: <kind>: <message>.
    for l in &lines {
        let parts: Vec<&str> = l.splitn(4, ": ").collect();
        let (loc, kind) = (parts[0], parts[1]);
        let (path, line) = loc.rsplit_once(':').expect("path:line");
        assert!(fixture("audit").join(path).is_file(), "{path}");
        assert!(line.parse::<usize>().is_ok_and(|n| n > 0), "{l}");
        assert!(
            [
                "missing-evidence",
                "gate-without-evidence",
                "contradiction",
                "placeholder-evidence",
                "stale",
                "broken-link",
            ]
            .contains(&kind),
            "{l}"
        );
    }
}

#[test]
fn check_exits_0_without_problems_and_2_on_bad_input() {
    let out = vouch()
        .arg("check")
        .arg(fixture("basic"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_of(&out), "");
    let out = vouch()
        .args(["check", "/nonexistent/evidence"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/evidence"));
}

#[test]
fn max_age_flags_evidence_by_its_declared_date() {
    // 2026-03-14: the Phase 0 report ("January 2, 2026") is 71 days old.
    let run = |args: &[&str]| {
        let out = vouch()
            .env("SOURCE_DATE_EPOCH", "1773500000")
            .arg("check")
            .arg(fixture("audit"))
            .args(args)
            .output()
            .expect("run");
        stdout_of(&out)
    };
    let stale: Vec<String> = run(&["--max-age", "30"])
        .lines()
        .filter(|l| l.contains(": stale: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        stale,
        [
            r#"docs/adrs/ADR-0001-ingest-limits.md:4: stale: evidence dated 2025-12-01 is 103 days old (--max-age 30); declared as "2025-12-01""#,
            r#"docs/evidence/STAGE1.0_PHASE0_REPORT.md:3: stale: evidence dated 2026-01-02 is 71 days old (--max-age 30); declared as "January 2, 2026""#,
            r#"docs/evidence/branch_protection_settings.json:3: stale: evidence dated 2026-01-02 is 71 days old (--max-age 30); declared as "2026-01-02T09:00:00Z""#,
            r#"docs/runbooks/RESTORE.md:3: stale: evidence dated 2026-01-15 is 58 days old (--max-age 30); declared as "2026-01-15""#,
        ]
    );
    assert!(!run(&["--max-age", "365"]).contains(": stale: "));
    assert!(!run(&[]).contains(": stale: "));
}

#[test]
fn audit_json_is_signed_off_by_the_manifest_and_extracts_every_variant() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let entry = m["generated"]
        .as_array()
        .expect("generated")
        .iter()
        .find(|g| g["path"] == "audit.json")
        .expect("audit.json is recorded in manifest.json");
    assert_eq!(entry["sha256"], sha256sum(&b.site.join("audit.json")));
    let a = audit_json(&b.site);
    assert_eq!(a["schema_version"], 2);
    assert_eq!(
        (&a["summary"]["errors"], &a["summary"]["warnings"]),
        (&serde_json::json!(4), &serde_json::json!(2))
    );
    let notes = a["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["severity"] == "note")
        .count();
    assert_eq!(a["summary"]["notes"], notes);

    let kind = |p: &str| doc(&a, p)["kind"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        kind("docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md"),
        "acceptance-pack"
    );
    assert_eq!(
        kind("docs/evidence/STAGE1.0_PHASE0_REPORT.md"),
        "phase-report"
    );
    assert_eq!(
        kind("docs/evidence/STAGE1.1_CLOSEOUT_SUMMARY.md"),
        "closeout-summary"
    );
    assert_eq!(kind("docs/runbooks/RESTORE.md"), "runbook");
    assert_eq!(kind("docs/adrs/ADR-0001-ingest-limits.md"), "adr");
    assert_eq!(kind("docs/evidence/notes.md"), "other");
    assert_eq!(
        kind("docs/evidence/branch_protection_settings.json"),
        "branch-protection"
    );
    assert_eq!(kind("docs/evidence/gate_summary.json"), "gate-summary");
    assert!(
        a["documents"]
            .as_array()
            .expect("docs")
            .iter()
            .all(|d| d["path"] != "docs/evidence/other.json"),
        "unrecognised JSON is not a document"
    );

    // Acceptance pack: stage, date, status, gates from headings with their
    // Status/Evidence fields, CI runs (with job), PRs, a commit.
    let pack = doc(&a, "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md");
    assert_eq!(pack["stage"], "1.0");
    assert_eq!(pack["date"], "2026-03-02");
    assert_eq!(
        (pack["status"].as_str(), pack["status_text"].as_str()),
        (Some("pass"), Some("✅ COMPLETE"))
    );
    let g0 = gate(pack, "Gate 0");
    assert_eq!(g0["status"], "pass");
    assert_eq!(
        g0["evidence"][0],
        "CI run 8812345678 and docs/evidence/gate_summary.json"
    );
    assert_eq!(
        g0["ci_runs"][0],
        "https://github.com/acme/ledger/actions/runs/8812345678"
    );
    assert_eq!(gate(pack, "Gate 2")["status"], "pending");
    let runs: Vec<(&str, Option<&str>)> = pack["ci_runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| {
            (
                r["run_id"].as_str().unwrap_or_default(),
                r["job_id"].as_str(),
            )
        })
        .collect();
    assert!(runs.contains(&("8812349999", Some("24011"))), "{runs:?}");
    assert_eq!(pack["pull_requests"][0]["number"], 41);
    assert_eq!(
        pack["pull_requests"][0]["url"],
        "https://github.com/acme/ledger/pull/41"
    );
    assert_eq!(
        pack["commits"][0]["sha"],
        "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    );
    assert_eq!(pack["phases"].as_array().map(Vec::len), Some(2));

    // References and their states, with the artifact's hash when present.
    let refs = pack["references"].as_array().expect("refs");
    let state = |t: &str| {
        refs.iter()
            .find(|r| r["target"] == t)
            .unwrap_or_else(|| panic!("no reference {t}: {refs:?}"))
    };
    let p0 = state("./STAGE1.0_PHASE0_REPORT.md");
    assert_eq!(
        (p0["state"].as_str(), p0["path"].as_str()),
        (
            Some("present"),
            Some("docs/evidence/STAGE1.0_PHASE0_REPORT.md")
        )
    );
    assert_eq!(
        p0["sha256"],
        sha256sum(&fixture("audit").join("docs/evidence/STAGE1.0_PHASE0_REPORT.md"))
    );
    assert_eq!(state("./ROLLBACK_PLAN.md")["state"], "missing");
    assert_eq!(state("../../../../etc/shadow")["state"], "outside-root");
    // A link to a pull request is that citation (above), not also a link out.
    assert!(
        !refs
            .iter()
            .any(|r| r["target"] == "https://github.com/acme/ledger/pull/41"),
        "{refs:?}"
    );
    let rooted = state("docs/evidence/gate_summary.json");
    assert_eq!(
        (rooted["state"].as_str(), rooted["via"].as_str()),
        (Some("present"), Some("code"))
    );

    // Phase 0: `**Date:**` with a non-ISO date; a `:line` suffix; the header
    // gate backed by the report's own evidence.
    let p0 = doc(&a, "docs/evidence/STAGE1.0_PHASE0_REPORT.md");
    assert_eq!(
        (p0["date"].as_str(), p0["date_text"].as_str()),
        (Some("2026-01-02"), Some("January 2, 2026"))
    );
    assert_eq!(p0["phase"], "0");
    let check = p0["references"]
        .as_array()
        .expect("refs")
        .iter()
        .find(|r| r["target"] == "scripts/check_protection.py")
        .expect("validator");
    assert_eq!(
        (check["state"].as_str(), check["lines"].as_str()),
        (Some("present"), Some("42"))
    );

    // Phase 1: CRLF, plain `Date:`, mojibake status, gate tables with "✅ No"
    // and "[PASS/FAIL]", a criteria table backing the Gate 1 section, a
    // table with empty headers.
    let p1 = doc(&a, "docs/evidence/STAGE1.0_PHASE1_REPORT.md");
    assert_eq!(
        (
            p1["date"].as_str(),
            p1["status"].as_str(),
            p1["status_text"].as_str()
        ),
        (Some("2026-02-20"), Some("pass"), Some("✅ PASSED"))
    );
    assert_eq!(gate(p1, "Gate 3")["status"], "unknown");
    assert_eq!(gate(p1, "Gate 3")["status_text"], "✅ No");
    assert_eq!(gate(p1, "Gate 4")["status"], "unknown");
    assert_eq!(gate(p1, "Gate 5")["status"], "pass");
    assert_eq!(
        gate(p1, "Gate 1")["evidence"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(
        p1["notes"].to_string().contains("empty headers"),
        "{}",
        p1["notes"]
    );

    // Closeout: a Phase/Status/Evidence table whose rows are phases and
    // gates; "PR #N" in text; two H1s noted.
    let c = doc(&a, "docs/evidence/STAGE1.1_CLOSEOUT_SUMMARY.md");
    assert_eq!(c["stage"], "1.1");
    assert_eq!(gate(c, "Gate 0")["status"], "pass");
    assert_eq!(gate(c, "Gate 1")["status"], "pending");
    assert_eq!(c["phases"][0]["name"], "Phase 0: Rehearsal Script");
    assert_eq!(c["pull_requests"][0]["number"], 44);
    assert!(c["notes"].to_string().contains("2 top-level headings"));

    // Stage ids that are not numbers; failing gates; no heading at all.
    let d1 = doc(&a, "docs/evidence/STAGE_D1_PHASE2_REPORT.md");
    assert_eq!(
        (d1["stage"].as_str(), d1["status"].as_str()),
        (Some("D1"), Some("fail"))
    );
    assert_eq!(gate(d1, "Gate 2")["status"], "fail");
    let notes = doc(&a, "docs/evidence/notes.md");
    assert!(notes.get("title").is_none() && notes["notes"].to_string().contains("no heading"));
    assert_eq!(notes["references"][0]["path"], "docs/runbooks/RESTORE.md");

    // JSON evidence: the protection rules, and summary counts.
    let bp = doc(&a, "docs/evidence/branch_protection_settings.json");
    assert_eq!(bp["status"], "fail");
    let failing: Vec<&str> = bp["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "fail")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(failing, ["No force pushes"]);
    let gs = doc(&a, "docs/evidence/gate_summary.json");
    assert_eq!(
        gs["counts"],
        serde_json::json!({"pass": 212, "fail": 0, "skip": 3})
    );
    assert_eq!(gs["status"], "pass");
}

#[test]
fn dashboard_timeline_and_problems_are_static_html() {
    let b = build(&fixture("audit"));
    let index = std::fs::read_to_string(b.site.join("index.html")).expect("index");
    let start = index
        .find(r#"<table id="gate-matrix""#)
        .expect("#gate-matrix in the static index");
    let matrix = &index[start..start + index[start..].find("</table>").expect("end")];
    // Stages in order, each a row; gate columns 0..5.
    let s10 = matrix.find(r#"data-stage="1.0""#).expect("stage 1.0");
    let s11 = matrix.find(r#"data-stage="1.1""#).expect("stage 1.1");
    let sd1 = matrix.find(r#"data-stage="D1""#).expect("stage D1");
    assert!(s10 < s11 && s11 < sd1);
    for g in 0..=5 {
        assert!(
            matrix.contains(&format!("<th scope=\"col\">Gate {g}</th>")),
            "gate {g}"
        );
    }
    assert!(
        matrix.contains(r#"data-gate-cell data-gate="2" data-status="fail""#),
        "{matrix}"
    );
    assert!(
        index.contains(r#"data-count="problems"><a href="problems.html">4 errors, 2 warnings</a>"#),
        "{index}"
    );
    // Two failing gates (D1's Gate 2, and the branch-protection export's own
    // gate): the two documents that declare or show failure are each listed,
    // and not counted a second time.
    assert!(index.contains(r#"<dd data-count="fail">2</dd>"#), "{index}");
    for failed in [
        "docs/evidence/STAGE_D1_PHASE2_REPORT.md",
        "docs/evidence/branch_protection_settings.json",
    ] {
        assert!(
            index.contains(&format!(r#"<li data-path="{failed}">"#)),
            "{failed} in #failed-evidence"
        );
    }
    assert!(index.contains("2026-03-10"), "latest date shown");

    let timeline = std::fs::read_to_string(b.site.join("timeline.html")).expect("timeline");
    let order: Vec<usize> = ["stage-1-0", "stage-1-1", "stage-D1", "stage-none"]
        .iter()
        .map(|s| {
            timeline
                .find(&format!("id=\"{s}\""))
                .unwrap_or_else(|| panic!("{s}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(timeline.contains(r#"href="https://github.com/acme/ledger/actions/runs/8812345678""#));

    let problems = std::fs::read_to_string(b.site.join("problems.html")).expect("problems");
    let errors_and_warnings = problems.matches("<li data-problem").count()
        - problems
            .matches(r#"data-problem data-kind="document-note""#)
            .count()
        - problems
            .matches(r#"data-problem data-kind="mention-not-in-evidence""#)
            .count();
    assert_eq!(errors_and_warnings, 6, "{problems}");
    assert!(problems.contains(
        r#"data-problem data-kind="contradiction" data-path="docs/evidence/STAGE1.0_PHASE0_REPORT.md""#
    ));

    // A report's page lists its claims and each reference's state.
    let m = manifest(&b.site);
    let page = m["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["path"] == "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md")
        .expect("pack")["page"]
        .as_str()
        .expect("page")
        .to_owned();
    let html = std::fs::read_to_string(b.site.join(page)).expect("page");
    assert!(html.contains(r#"id="claims""#));
    assert!(
        html.contains(
            r#"data-reference="./ROLLBACK_PLAN.md" data-role="link" data-state="missing""#
        ),
        "{html}"
    );
    assert!(html.contains(r#"data-reference="./STAGE1.0_PHASE0_REPORT.md" data-role="evidence" data-state="present" data-path="docs/evidence/STAGE1.0_PHASE0_REPORT.md""#), "{html}");
}

#[test]
fn strict_build_refuses_on_problems_and_leaves_the_site() {
    let b = build(&fixture("basic"));
    let before = std::fs::read(b.site.join("manifest.json")).expect("manifest");
    let out = vouch()
        .args(["build", "--strict"])
        .arg(fixture("audit"))
        .arg("--out")
        .arg(&b.site)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: 1 contradiction")
            && stderr.contains("  docs/evidence/STAGE1.0_PHASE0_REPORT.md:10: contradiction:"),
        "{stderr}"
    );
    assert!(stderr.contains("--strict"), "{stderr}");
    assert_eq!(
        std::fs::read(b.site.join("manifest.json")).expect("manifest"),
        before
    );
}

/// Each report's page lists its own errors and warnings, in the audit
/// trail's order, and no other file's. The acceptance pack's are not
/// together in that order (its error comes first, its warnings after other
/// files' errors), so the page must gather them by path.
#[test]
fn a_page_lists_its_own_problems() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let lines_on = |path: &str| -> Vec<String> {
        let page = crate::common::artifact_page(&m, path);
        let html = std::fs::read_to_string(b.site.join(page)).expect("page");
        let list = html
            .split(r#"<ul class="problems">"#)
            .nth(1)
            .and_then(|s| s.split("</ul>").next())
            .unwrap_or_default();
        list.split("<li ")
            .skip(1)
            .map(|li| {
                li.split_once(">line ")
                    .and_then(|(_, rest)| rest.split_once(':'))
                    .map_or("?", |(n, _)| n)
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        lines_on("docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md"),
        ["30", "35", "36"]
    );
    assert_eq!(
        lines_on("docs/evidence/STAGE1.0_PHASE1_REPORT.md"),
        ["11", "19"]
    );
    assert_eq!(lines_on("docs/evidence/STAGE1.0_PHASE0_REPORT.md"), ["10"]);
    assert!(lines_on("docs/evidence/branch_protection_settings.json").is_empty());
}

/// An email autolink (`<me@example.org>`) is a mailto link, as the page
/// shows it: not a path missing from the evidence.
#[test]
fn email_autolinks_are_mail_not_missing_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("REPORT.md"),
        "# Report\n\nStatus: PASS\n\nQuestions to <owner@example.org>; see [x](./GONE.md).\n",
    )
    .expect("write");
    let out = vouch()
        .arg("check")
        .arg(tmp.path())
        .output()
        .expect("run vouch check");
    let stdout = stdout_of(&out);
    assert!(!stdout.contains("owner@example.org"), "{stdout}");
    assert!(stdout.contains(r#"link to "./GONE.md""#), "{stdout}");
}
