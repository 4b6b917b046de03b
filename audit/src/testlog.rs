//! Test-runner output saved as a log: the closing summary line that every
//! runner prints, read as counts, so a report that cites a failing log as
//! evidence for a pass is caught.
//!
//! Recognised closing lines (the last one in the file counts):
//! - pytest: `===== 2 failed, 40 passed, 1 skipped in 3.2s =====`
//! - cargo test: `test result: FAILED. 40 passed; 2 failed; 1 ignored; …`
//! - Jest / Vitest: `Tests:  2 failed, 40 passed, 42 total`
//! - Go: `--- FAIL: TestX` lines, then `FAIL` / `ok` per package
//! - the plain line `40 passed, 2 failed` (`, 1 skipped` may follow)
//!
//! Without a closing line, per-test lines are counted: `[PASS] name`,
//! `FAIL: name`, `SKIPPED name` (a gate runner's `tests.txt`), and pytest's
//! verbose `tests/test_a.py::test_x PASSED`. Only upper-case verdicts count,
//! so prose ("we passed the audit") never does.

use vouch_core::audit::{Counts, DocKind, Document, Status};

/// How much of a log's end is read for its summary.
const TAIL: usize = 64 * 1024;

/// `Some(document)` when `text` ends with a test summary vouch recognises.
pub fn recognise(path: &str, sha256: &str, text: &str) -> Option<Document> {
    let mut start = text.len().saturating_sub(TAIL);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let tail = &text[start..];
    let mut found: Option<(Counts, usize)> = None;
    let mut go_fail = 0u64;
    let mut go_ok = 0u64;
    let mut per_test = Counts::default();
    let line_base = text[..start].matches('\n').count();
    for (i, raw) in tail.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("--- FAIL:") {
            go_fail += 1;
        } else if line.starts_with("--- PASS:") || line.starts_with("ok ") && line.contains('\t') {
            go_ok += 1;
        }
        match verdict_line(line) {
            Some(Status::Pass) => per_test.pass += 1,
            Some(Status::Fail) => per_test.fail += 1,
            Some(_) => per_test.skip += 1,
            None => {}
        }
        if let Some(c) = summary_line(line) {
            found = Some((c, line_base + i + 1));
        }
    }
    let (counts, line) = match found {
        Some(f) => f,
        None if go_fail + go_ok > 0 => (
            Counts {
                pass: go_ok,
                fail: go_fail,
                skip: 0,
            },
            1,
        ),
        None if per_test.pass + per_test.fail > 0 => (per_test, 1),
        None => return None,
    };
    let status = counts.status();
    Some(Document {
        path: path.to_owned(),
        sha256: sha256.into(),
        kind: DocKind::GateSummary,
        title: Some("Test log".into()),
        status,
        status_text: Some(counts.phrase()),
        status_line: Some(line),
        counts: Some(counts),
        ..Document::default()
    })
}

/// Counts in a Markdown page that has no status of its own: a GitHub
/// Actions job summary (`$GITHUB_STEP_SUMMARY`) saved as Markdown. A table
/// whose header names passed and failed columns (its rows summed), else a
/// closing line ("**Result:** 40 passed, 2 failed"). Returns the counts and
/// their line.
pub fn markdown_counts(text: &str) -> Option<(Counts, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        // Every line of every report comes here: a table row first.
        if !l.trim_start().starts_with('|') {
            continue;
        }
        let lower = l.to_lowercase();
        if !(lower.contains("pass") && lower.contains("fail")) {
            continue;
        }
        let cells = |row: &str| -> Vec<String> {
            row.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_lowercase())
                .collect()
        };
        let head = cells(l);
        let col = |w: &str| head.iter().position(|h| h.contains(w));
        let (Some(pass), Some(fail)) = (col("pass"), col("fail")) else {
            continue;
        };
        let skip = col("skip");
        let num = |c: Option<&String>| -> Option<u64> {
            let d: String = c?.chars().filter(char::is_ascii_digit).collect();
            d.parse().ok()
        };
        let mut c = Counts::default();
        let mut any = false;
        for row in lines.iter().skip(i + 2) {
            if !row.trim_start().starts_with('|') {
                break;
            }
            let r = cells(row);
            let (Some(p), Some(f)) = (num(r.get(pass)), num(r.get(fail))) else {
                continue;
            };
            c.pass += p;
            c.fail += f;
            c.skip += skip.and_then(|k| num(r.get(k))).unwrap_or(0);
            any = true;
        }
        if any {
            return Some((c, i + 1));
        }
    }
    // A closing line states a count: a line with no digit is passed over.
    lines.iter().enumerate().rev().find_map(|(i, l)| {
        if !l.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let plain: String = l
            .chars()
            .filter(|c| !matches!(c, '*' | '_' | '`'))
            .collect();
        summary_line(plain.trim()).map(|c| (c, i + 1))
    })
}

/// A per-test verdict line: `[PASS] name`, `FAIL: name`, `name ... PASSED`.
fn verdict_line(line: &str) -> Option<Status> {
    let word = |w: &str| match w {
        "PASS" | "PASSED" | "OK" => Some(Status::Pass),
        "FAIL" | "FAILED" | "ERROR" => Some(Status::Fail),
        "SKIP" | "SKIPPED" | "XFAIL" => Some(Status::Pending),
        _ => None,
    };
    let first = line.split_whitespace().next()?;
    let lead = first.trim_start_matches('[').trim_end_matches([']', ':']);
    if first != lead && word(lead).is_some() && line.len() > first.len() {
        return word(lead);
    }
    // pytest -v: `tests/test_a.py::test_x PASSED      [ 50%]`
    if first.contains("::") {
        return line.split_whitespace().skip(1).find_map(word);
    }
    None
}

/// Counts from one closing line, when it is one.
fn summary_line(line: &str) -> Option<Counts> {
    let lower = line.to_ascii_lowercase();
    let body = lower
        .trim_matches(|c: char| c == '=' || c == '-' || c.is_whitespace())
        .trim_start_matches("tests:")
        .trim_start_matches("test result: ok.")
        .trim_start_matches("test result: failed.")
        .trim();
    let has_result = lower.starts_with("test result:")
        || lower.starts_with("tests:")
        || lower.starts_with('=')
        || lower.contains(" passed") && lower.contains(" failed");
    if !has_result {
        return None;
    }
    let mut c = Counts::default();
    let mut any = false;
    for part in body.split([',', ';']) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| w.parse::<u64>().is_ok()) else {
            continue;
        };
        let (Ok(n), Some(what)) = (words[at].parse::<u64>(), words.get(at + 1)) else {
            continue;
        };
        match what.trim_end_matches(['.', ',']) {
            "passed" | "pass" => c.pass += n,
            "failed" | "fail" | "error" | "errors" | "errored" => c.fail += n,
            "skipped" | "ignored" | "xfailed" | "deselected" | "todo" => c.skip += n,
            _ => continue,
        }
        any = true;
    }
    (any && (c.pass > 0 || c.fail > 0)).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(text: &str) -> Option<(u64, u64, u64)> {
        recognise("x.log", "00", text)
            .and_then(|d| d.counts)
            .map(|c| (c.pass, c.fail, c.skip))
    }

    #[test]
    fn runners() {
        assert_eq!(
            counts("collected 43\n...\n===== 2 failed, 40 passed, 1 skipped in 3.2s =====\n"),
            Some((40, 2, 1))
        );
        assert_eq!(
            counts(
                "test result: FAILED. 40 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.3s\n"
            ),
            Some((40, 2, 1))
        );
        assert_eq!(
            counts("Tests:       2 failed, 40 passed, 42 total\n"),
            Some((40, 2, 0))
        );
        assert_eq!(
            counts("=== RUN TestA\n--- FAIL: TestA (0.00s)\nFAIL\n"),
            Some((0, 1, 0))
        );
        assert_eq!(counts("build: 12 passed, 0 failed\n"), Some((12, 0, 0)));
        assert_eq!(counts("deploy finished\nall good\n"), None);
        assert_eq!(
            counts(
                "Stage 4 run\n[PASS] health_contract: 200\n[FAIL] canary_p95: 412ms\nSKIP: provider_config (mock)\n"
            ),
            Some((1, 1, 1))
        );
        assert_eq!(
            counts(
                "tests/test_a.py::test_x PASSED     [ 50%]\ntests/test_a.py::test_y FAILED  [100%]\n"
            ),
            Some((1, 1, 0))
        );
        assert_eq!(counts("PASS\nOK then\n"), None);
    }

    #[test]
    fn job_summaries() {
        let t = "# Unit tests\n\n| Tests | Passed ✅ | Failed ❌ | Skipped ⏭️ |\n|--:|--:|--:|--:|\n| 42 | 40 | 2 | 0 |\n| 5 | 5 | 0 | 1 |\n";
        let (c, line) = markdown_counts(t).expect("table");
        assert_eq!((c.pass, c.fail, c.skip, line), (45, 2, 1, 3));
        let t = "## Lint\n\n✅ ruff\n\n**Result:** 2 passed, 0 failed\n";
        let (c, line) = markdown_counts(t).expect("line");
        assert_eq!((c.pass, c.fail, line), (2, 0, 5));
        assert!(markdown_counts("# Notes\n\nWe passed the review and failed nothing.\n").is_none());
        assert_eq!(counts("we passed the audit and failed nothing\n"), None);
    }
}
