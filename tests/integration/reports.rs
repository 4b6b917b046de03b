//! CI's own output as evidence (issue 13): JUnit, SARIF, Cobertura and LCOV
//! reports read as gates; hash pins checked against the files they name;
//! the drift rules of `vouch.toml`. The `ci` fixture is a repository's
//! evidence as a pipeline leaves it: a phase report whose gates cite a
//! JUnit report with a failing test, a GitHub Actions job summary saved as
//! Markdown with two failures, a SARIF scan, a coverage report under
//! the stated threshold, a `SHA256SUMS` written before one file changed, a
//! branch-protection export that records the CI workflow's hash, and two
//! broken reports.

use std::path::Path;

use serde_json::Value;

use crate::common::{
    artifact_page, audit_doc, audit_json, copy_dir, fixture, fixture_copy, manifest, stdout_of,
    vouch,
};

/// 2026-11-30T00:00:00Z: four days after the fixture's branch-protection
/// export.
const NOV_30: &str = "1795996800";
/// 2026-12-10: fourteen days after it.
const DEC_10: &str = "1796860800";

fn check(input: &Path, epoch: &str) -> (i32, Vec<String>) {
    let out = vouch()
        .env("SOURCE_DATE_EPOCH", epoch)
        .args(["check", "--all"])
        .arg(input)
        .output()
        .expect("vouch check");
    let lines = stdout_of(&out).lines().map(str::to_owned).collect();
    (out.status.code().unwrap_or(-1), lines)
}

/// Builds `input` into `site` on 2026-11-30, asserting success.
fn build_ok(input: &Path, site: &Path) {
    let out = build_at(input, site, NOV_30, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn build_at(input: &Path, site: &Path, epoch: &str, args: &[&str]) -> std::process::Output {
    vouch()
        .env("SOURCE_DATE_EPOCH", epoch)
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(site)
        .args(args)
        .output()
        .expect("vouch build")
}

#[test]
fn reports_become_gates_and_contradictions_are_found() {
    let (code, lines) = check(&fixture("ci"), NOV_30);
    assert_eq!(code, 1, "{lines:#?}");
    assert_eq!(
        lines,
        [
            r#"docs/evidence/STAGE3.0_PHASE1_REPORT.md:14: contradiction: "Gate 1: Unit tests" says passed ("✅ PASSED") but its evidence "qa/stage3/junit.xml" says failed (5 passed, 1 failed, 1 skipped)"#,
            r#"docs/evidence/STAGE3.0_PHASE1_REPORT.md:16: contradiction: "Gate 3: Coverage ≥ 85" says passed ("✅ PASSED") and states 85% coverage, but its evidence "qa/stage3/coverage.xml" shows 82.1% of lines (1757 of 2140), 71.79% of branches"#,
            r#"docs/evidence/STAGE3.0_PHASE1_REPORT.md:17: contradiction: "Gate 4: Release artifacts pinned" says passed ("✅ PASSED") but its evidence "release/SHA256SUMS" says failed (2 of 3 pins confirmed, 1 differ)"#,
            r#"docs/evidence/STAGE3.0_PHASE1_REPORT.md:19: contradiction: "Gate 6: Integration tests" says passed ("✅ PASSED") but its evidence "../../ci/runs/8120455107/job-summary.md" says failed (77 passed, 2 failed, 0 skipped)"#,
            r#"release/SHA256SUMS:2: contradiction: pins "NOTES.txt" to SHA-256 790e83656843e73b… but the file in the site has ff8650906791fecd…"#,
            r#"broken/invalid-junit.xml:3: unreadable-file: not a valid JUnit XML report: ill-formed document: expected `</failure>`, but `</testcase>` was found (near line 3)"#,
            r#"broken/truncated.sarif:21: unreadable-file: not a valid SARIF report: EOF while parsing a value at line 21 column 46"#,
        ]
    );
}

/// The `ci` fixture built on 2026-11-30, in a temporary folder.
fn built_fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let site = tmp.path().join("site");
    build_ok(&fixture("ci"), &site);
    (tmp, site)
}

#[test]
fn extraction_of_reports_is_pinned() {
    let (_tmp, site) = built_fixture();
    let a = audit_json(&site);
    let docs: Vec<&Value> = a["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter(|d| d["path"] != "docs/evidence/STAGE3.0_PHASE1_REPORT.md")
        .collect();
    insta::assert_json_snapshot!("ci_reports", docs);
}

#[test]
fn the_matrix_shows_each_report_as_a_gate() {
    let (_tmp, site) = built_fixture();
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    let start = index.find(r#"<table id="gate-matrix""#).expect("matrix");
    let matrix = &index[start..start + index[start..].find("</table>").expect("end")];
    for (gate, status) in [
        ("TESTS", "fail"),
        ("SCAN", "pass"),
        ("COVERAGE", "pass"),
        ("HASH PINS", "fail"),
        ("BRANCH PROTECTION", "pass"),
    ] {
        assert!(
            matrix.contains(&format!(
                r#"data-gate-cell data-gate="{gate}" data-status="{status}""#
            )),
            "{gate} {status} in {matrix}"
        );
    }
    for heading in [
        "<th scope=\"col\">Tests</th>",
        "<th scope=\"col\">Hash pins</th>",
        "<th scope=\"col\">Gate 3</th>",
    ] {
        assert!(matrix.contains(heading), "{heading}");
    }
    // Evidence in no stage (a release folder) has its own row.
    assert!(matrix.contains(r#"<tr data-stage="">"#), "{matrix}");

    // Each report's page: the summary, then what failed.
    let m = manifest(&site);
    let junit = std::fs::read_to_string(site.join(artifact_page(&m, "qa/stage3/junit.xml")))
        .expect("junit page");
    assert!(junit.contains("Test report"), "{junit}");
    assert!(
        junit.contains(r#"data-finding="tests.unit › tests.unit.test_export › test_export_redacts_pii" data-level="failure""#),
        "{junit}"
    );
    let sarif = std::fs::read_to_string(site.join(artifact_page(&m, "qa/stage3/semgrep.sarif")))
        .expect("sarif page");
    assert!(sarif.contains("Rules that fired"), "{sarif}");
    assert!(
        sarif.contains("<code>scripts/rotate_keys.py:41</code>"),
        "{sarif}"
    );
    let cov = std::fs::read_to_string(site.join(artifact_page(&m, "qa/stage3/coverage.xml")))
        .expect("coverage page");
    assert!(cov.contains(r#"data-coverage="82.1""#), "{cov}");

    // A pin is shown on both pages: confirmed, or not.
    let sums = std::fs::read_to_string(site.join(artifact_page(&m, "release/SHA256SUMS")))
        .expect("sums page");
    assert_eq!(sums.matches(r#"data-pin="confirmed""#).count(), 2, "{sums}");
    assert_eq!(sums.matches(r#"data-pin="differs""#).count(), 1, "{sums}");
    let tarball =
        std::fs::read_to_string(site.join(artifact_page(&m, "release/ledgerline-0.3.0.tar.gz")))
            .expect("tarball page");
    assert!(
        tarball.contains(r#"<li data-cited-by="release/SHA256SUMS" data-pin="confirmed">"#),
        "{tarball}"
    );
    let notes = std::fs::read_to_string(site.join(artifact_page(&m, "release/NOTES.txt")))
        .expect("notes page");
    assert!(
        notes.contains(r#"<li data-cited-by="release/SHA256SUMS" data-pin="differs">"#),
        "{notes}"
    );
}

#[test]
fn a_changed_pinned_file_is_reported() {
    let (_tmp, input, _site) = fixture_copy("ci");
    let clean = check(&input, NOV_30).1;
    assert!(!clean.iter().any(|l| l.contains("ledgerline-0.3.0.tar.gz")));
    std::fs::write(input.join("release/ledgerline-0.3.0.tar.gz"), b"rebuilt").expect("write");
    let lines = check(&input, NOV_30).1;
    assert!(
        lines.iter().any(|l| l.starts_with(
            r#"release/SHA256SUMS:1: contradiction: pins "ledgerline-0.3.0.tar.gz" to SHA-256"#
        )),
        "{lines:#?}"
    );
    std::fs::remove_file(input.join("release/ledgerline-0.3.0.tar.gz")).expect("rm");
    let lines = check(&input, NOV_30).1;
    assert!(
        lines.iter().any(|l| l.starts_with(
            r#"release/SHA256SUMS:1: missing-evidence: pins "ledgerline-0.3.0.tar.gz""#
        ) && l.ends_with("but it is not in the evidence folder")),
        "{lines:#?}"
    );
}

#[test]
fn drift_rules_feed_check_and_strict() {
    let (_tmp, input, site) = fixture_copy("ci");
    // Fourteen days after the export: the 7-day rule fails.
    let lines = check(&input, DEC_10).1;
    let drift: Vec<&String> = lines.iter().filter(|l| l.contains(": drift: ")).collect();
    assert_eq!(
        drift,
        [
            r#"docs/evidence/branch_protection_settings.json:3: drift: dated 2026-11-26, 14 days before the build (2026-12-10); drift.fresh "docs/evidence/branch_protection_*.json" allows 7 days"#
        ],
    );
    // The workflow changes after the export: its recorded hash no longer holds.
    let ci = input.join(".github/workflows/ci.yml");
    let mut text = std::fs::read_to_string(&ci).expect("ci.yml");
    text.push_str("  deploy:\n    runs-on: ubuntu-latest\n");
    std::fs::write(&ci, text).expect("write");
    let lines = check(&input, NOV_30).1;
    let drift: Vec<&String> = lines.iter().filter(|l| l.contains(": drift: ")).collect();
    assert_eq!(drift.len(), 1, "{lines:#?}");
    // The export's own pin of the workflow says the same: reported once.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("contradiction: pins \".github/workflows/ci.yml\"")),
        "{lines:#?}"
    );
    assert!(
        drift[0].starts_with(
            "docs/evidence/branch_protection_settings.json:5: drift: records workflow_hash = "
        ) && drift[0].contains("but .github/workflows/ci.yml has SHA-256"),
        "{drift:?}"
    );
    // `--strict` refuses to publish, and says why.
    let out = build_at(&input, &site, NOV_30, &["--strict"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!site.join("index.html").exists());
    assert!(String::from_utf8_lossy(&out.stderr).contains("drift"));
}

/// A JUnit report of 100,000 cases (about 7 MB, past the analysis limit,
/// so it is streamed): exact counts, the failures kept up to the bound, and
/// a page that does not grow with the report.
#[test]
fn a_junit_report_of_100000_cases_is_counted_and_bounded() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(input.join("reports")).expect("mkdir");
    let mut x = String::from("<?xml version=\"1.0\"?>\n<testsuites name=\"nightly\">\n");
    for s in 0..100 {
        x.push_str(&format!("<testsuite name=\"suite{s}\" tests=\"1000\">\n"));
        for c in 0..1000 {
            if (s * 1000 + c) % 50 == 0 {
                x.push_str(&format!("  <testcase classname=\"pkg.Suite{s}\" name=\"case{c}\" time=\"0.001\"><failure message=\"expected {c} got {}\">stack</failure></testcase>\n", c + 1));
            } else if c % 97 == 0 {
                x.push_str(&format!("  <testcase classname=\"pkg.Suite{s}\" name=\"case{c}\"><skipped/></testcase>\n"));
            } else {
                x.push_str(&format!(
                    "  <testcase classname=\"pkg.Suite{s}\" name=\"case{c}\" time=\"0.001\"/>\n"
                ));
            }
        }
        x.push_str("</testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    assert!(x.len() > 4 << 20, "{} bytes", x.len());
    std::fs::write(input.join("reports/junit.xml"), &x).expect("write");
    let site = tmp.path().join("site");
    build_ok(&input, &site);
    let a = audit_json(&site);
    let d = audit_doc(&a, "reports/junit.xml");
    assert_eq!(d["kind"], "test-report");
    let failed = 100_000 / 50;
    let skipped: u64 = (0..100u64)
        .map(|s| {
            (0..1000u64)
                .filter(|c| (s * 1000 + c) % 50 != 0 && c % 97 == 0)
                .count() as u64
        })
        .sum();
    assert_eq!(d["counts"]["fail"], failed);
    assert_eq!(d["counts"]["skip"], skipped);
    assert_eq!(d["counts"]["pass"], 100_000 - failed - skipped);
    assert_eq!(d["findings_total"], failed);
    assert_eq!(d["findings"].as_array().expect("findings").len(), 1000);
    assert_eq!(d["checks"].as_array().expect("suites").len(), 100);
    let page = site.join(artifact_page(&manifest(&site), "reports/junit.xml"));
    let size = std::fs::metadata(&page).expect("page").len();
    assert!(size < 1 << 20, "the page of a 7 MB report is {size} bytes");
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(
        html.contains("the first 1000 of 2000 (all are in the raw file)"),
        "{}",
        &html[..2000]
    );
    // Then the whole list, paged: 500 cases a page, up to 20,000.
    assert!(html.contains(
        "All 100000 test cases</a>, in pages of 500 (the first 20000; the rest are in the raw file)"
    ));
    let stem = page
        .to_str()
        .expect("utf8")
        .trim_end_matches(".html")
        .to_owned();
    let case_page = |n: usize| std::path::PathBuf::from(format!("{stem}-cases-{n}.html"));
    let first = std::fs::read_to_string(case_page(1)).expect("cases 1");
    assert_eq!(first.matches("data-case=").count(), 500);
    assert!(first.contains(r#"data-case="suite0 › pkg.Suite0 › case0" data-level="failure""#));
    assert!(first.contains(r#"data-case="suite0 › pkg.Suite0 › case1" data-level="passed""#));
    let last = std::fs::read_to_string(case_page(40)).expect("cases 40");
    assert!(
        last.contains("cases 19501–20000 of 100000"),
        "{}",
        &last[..3000]
    );
    assert!(!case_page(41).exists());
    // The pages are listed (so verified) like any generated file.
    let listed = manifest(&site)["generated"]
        .as_array()
        .expect("generated")
        .iter()
        .filter(|g| g["path"].as_str().is_some_and(|p| p.contains("-cases-")))
        .count();
    assert_eq!(listed, 40);
}

/// Broken reports name the file and line, and lose nothing: the site is
/// still built, with the file served as written.
#[test]
fn broken_reports_are_named_and_still_published() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("ci").join("broken"), &input);
    std::fs::write(input.join("lcov.info"), "TN:\nSF:src/a.js\nDA:1,1\n").expect("write");
    std::fs::write(
        input.join("coverage.xml"),
        "<?xml version=\"1.0\"?><coverage line-rate=\"0.9\"><packages><package",
    )
    .expect("write");
    let (code, lines) = check(&input, NOV_30);
    assert_eq!(code, 1);
    let mut got: Vec<&str> = lines
        .iter()
        .map(|l| l.split(": not a valid").next().unwrap_or(""))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "coverage.xml:1: unreadable-file",
            "invalid-junit.xml:3: unreadable-file",
            "lcov.info:3: unreadable-file",
            "truncated.sarif:21: unreadable-file",
        ],
        "{lines:#?}"
    );
    let site = tmp.path().join("site");
    build_ok(&input, &site);
    assert_eq!(
        std::fs::read(input.join("truncated.sarif")).expect("input"),
        std::fs::read(
            site.join(
                manifest(&site)["artifacts"]
                    .as_array()
                    .expect("a")
                    .iter()
                    .find(|a| a["path"] == "truncated.sarif")
                    .expect("entry")["url"]
                    .as_str()
                    .expect("url")
            )
        )
        .expect("object"),
    );
}
