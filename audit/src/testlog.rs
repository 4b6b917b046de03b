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
    let line_base = text[..start].matches('\n').count();
    for (i, raw) in tail.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("--- FAIL:") {
            go_fail += 1;
        } else if line.starts_with("--- PASS:") || line.starts_with("ok ") && line.contains('\t') {
            go_ok += 1;
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
        None => return None,
    };
    let status = if counts.fail > 0 {
        Status::Fail
    } else if counts.pass > 0 {
        Status::Pass
    } else {
        Status::Unknown
    };
    Some(Document {
        path: path.to_owned(),
        sha256: sha256.to_owned(),
        kind: DocKind::GateSummary,
        title: Some("Test log".into()),
        status,
        status_text: Some(format!(
            "{} passed, {} failed, {} skipped",
            counts.pass, counts.fail, counts.skip
        )),
        status_line: Some(line),
        counts: Some(counts),
        ..Document::default()
    })
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
        assert_eq!(counts("we passed the audit and failed nothing\n"), None);
    }
}
