//! The one status vocabulary: status words, normalised.
//!
//! Governance documents say "passed" in many ways: `MET`, `PASSED`,
//! `COMPLETE`, `GO`, `READY`, `✅`, and, after a trip through the wrong text
//! encoding, `âœ…`. [`normalize`] maps them to four values and keeps doubt
//! as doubt: `✅ No` is not a pass, and neither is an unfilled
//! `[PASS/FAIL]` template.

pub use vouch_core::audit::Status;

pub const PASS_SIGNS: &[char] = &['✅', '✔', '☑', '✓', '🟢', '💚'];
pub const FAIL_SIGNS: &[char] = &['❌', '✗', '✘', '✖', '⛔', '🔴', '🛑', '❎', '🚫'];
pub const PENDING_SIGNS: &[char] = &[
    '⚠', '🟡', '🟠', '⏳', '⌛', '🔄', '🚧', '⏸', '☐', '⬜', '□', '🔲',
];

const PASS_WORDS: &[&str] = &[
    "met",
    "pass",
    "passed",
    "passes",
    "passing",
    "complete",
    "completed",
    "done",
    "success",
    "successful",
    "successfully",
    "succeeded",
    "go",
    "ready",
    "green",
    "ok",
    "okay",
    "yes",
    "approved",
    "verified",
    "resolved",
    "accepted",
    "satisfied",
    "achieved",
    "healthy",
    "merged",
    "deployed",
    "delivered",
    "closed",
    "signed",
    "compliant",
    "enforced",
    "retain",
    "retained",
    "promote",
    "promoted",
    "proceed",
    "released",
    "live",
    "certified",
    "confirmed",
    "clean",
    "implemented",
    "finished",
];
const FAIL_WORDS: &[&str] = &[
    "fail",
    "failed",
    "fails",
    "failing",
    "failure",
    "nogo",
    "rejected",
    "red",
    "unmet",
    "broken",
    "error",
    "errors",
    "incomplete",
    "missing",
    "regressed",
    "denied",
    "unresolved",
    "noncompliant",
    "violated",
    "violation",
    "rollback",
    "rolledback",
    "revert",
    "reverted",
    "abort",
    "aborted",
    "halt",
    "halted",
    "blocker",
    "critical",
];
const PENDING_WORDS: &[&str] = &[
    "pending",
    "progress",
    "wip",
    "todo",
    "tbd",
    "tbc",
    "planned",
    "scheduled",
    "waiting",
    "awaiting",
    "partial",
    "partially",
    "ongoing",
    "deferred",
    "draft",
    "queued",
    "running",
    "blocked",
    "started",
    "review",
    "investigating",
    "open",
    "hold",
    "onhold",
    "paused",
    "conditional",
    "provisional",
];
const SKIP_WORDS: &[&str] = &["na", "skipped", "skip", "applicable", "unknown", "unclear"];
const NEGATIONS: &[&str] = &["not", "no", "non", "never"];

/// Maps a status as written to [`Status`]. When in doubt: `Unknown`.
pub fn normalize(text: &str) -> Status {
    let fixed = demojibake(text);
    let lower = fixed.to_lowercase();
    // Unfilled templates and placeholders claim nothing.
    let squashed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    if squashed.contains("pass/fail")
        || squashed.contains("passed/failed")
        || squashed.contains("yes/no")
        || squashed.contains("go/no")
        || squashed.contains("[status]")
        || squashed.contains("<status")
        // A choice left for the writer: "[OPEN | INVESTIGATING | CLOSED]".
        || squashed.contains('|') && (squashed.contains('[') || squashed.contains('<'))
    {
        return Status::Unknown;
    }
    let has = |signs: &[char]| lower.chars().any(|c| signs.contains(&c));
    let mut pass = has(PASS_SIGNS) || squashed.contains("[x]");
    let pass_sign = pass;
    let mut fail = has(FAIL_SIGNS);
    let mut pending = has(PENDING_SIGNS) || squashed.contains("[]");
    let (mut skip, mut bare_no, mut pass_word) = (false, false, false);
    let mut pending_word = false;
    // Failure said in words ("FAILED", "not met"), not only by a sign; and
    // work said not to have begun ("not started", "not yet run").
    let (mut fail_word, mut not_started) = (false, false);

    let words: Vec<String> = lower
        .replace("n/a", " na ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        if NEGATIONS.contains(&w) {
            match next {
                Some(n) if PASS_WORDS.contains(&n) => {
                    fail = true; // "not met", "no-go", "not ready"
                    fail_word = true;
                    i += 2;
                    continue;
                }
                Some(n @ ("started" | "yet" | "run")) => {
                    pending = true; // "not started", "not yet run"
                    // "❌ Not run" may be a job skipped by a failure.
                    not_started = n != "run";
                    i += 2;
                    continue;
                }
                Some("applicable") => {
                    skip = true;
                    i += 2;
                    continue;
                }
                _ => bare_no = true,
            }
        } else if PASS_WORDS.contains(&w) {
            pass = true;
            pass_word = true;
        } else if FAIL_WORDS.contains(&w) {
            fail = true;
            fail_word = true;
        } else if PENDING_WORDS.contains(&w) {
            pending = true;
            pending_word = true;
        } else if SKIP_WORDS.contains(&w) {
            skip = true;
        }
        i += 1;
    }

    // "✅ No": a tick and a "no" contradict each other.
    if bare_no && !pass_word && !fail {
        return if pending && !pass_sign {
            Status::Pending
        } else {
            Status::Unknown
        };
    }
    match (pass, fail, pending) {
        (true, false, false) if !skip => Status::Pass,
        // "IMPLEMENTED - Pending CI validation", "Phase 1 complete, phases 2-5
        // pending": done in part, so not done. (A warning sign beside a
        // pass, "⚠️ PASSED with warnings", stays in doubt.)
        (true, false, true) if pending_word && !skip => Status::Pending,
        // "❌ NOT STARTED": what has not begun has not failed; the cross
        // says only that it is not done.
        (false, true, true) if not_started && !fail_word => Status::Pending,
        (false, true, _) => Status::Fail,
        (false, false, true) if !skip => Status::Pending,
        _ => Status::Unknown,
    }
}

/// Windows-1252's characters for bytes 0x80–0x9F, where they differ from
/// Latin-1's (undefined bytes map to the C1 control of the same value).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '•', '–', '—', '˜', '™', 'š', '›',
    'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// The byte a character stands for when UTF-8 was misread as Windows-1252
/// (or Latin-1).
fn mojibake_byte(c: char) -> Option<u8> {
    let n = c as u32;
    if n < 0x80 || (0xA0..=0xFF).contains(&n) || (0x80..0xA0).contains(&n) {
        return Some(n as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&h| h == c)
        .map(|i| 0x80 + i as u8)
}

/// Repairs UTF-8 that was decoded as Windows-1252 and saved again: `âœ…`
/// becomes `✅`, `â€“` becomes `–`. Text without such sequences is returned
/// unchanged.
pub fn demojibake(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| ('\u{C2}'..='\u{F4}').contains(&c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let lead = c as u32;
        let len = match lead {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        if len > 0 && i + len <= chars.len() {
            let bytes: Option<Vec<u8>> = chars[i..i + len]
                .iter()
                .map(|&c| mojibake_byte(c))
                .collect();
            if let Some(bytes) = bytes
                && bytes[1..].iter().all(|b| (0x80..0xC0).contains(b))
                && let Ok(fixed) = std::str::from_utf8(&bytes)
            {
                out.push_str(fixed);
                i += len;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    // ❌ is E2 9D 8C; Windows-1252 has no character for 0x9D, so it is
    // often lost on the way, leaving `âŒ`.
    if out.contains("âŒ") {
        out = out.replace("âŒ", "❌");
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{Status::*, *};

    /// Phrasings taken from real governance documents.
    #[test]
    fn real_phrasings() {
        let table: &[(&str, Status)] = &[
            ("✅ COMPLETE", Pass),
            ("✅ PASSED", Pass),
            ("✅ MET", Pass),
            ("PASSED", Pass),
            ("Passed", Pass),
            ("✅ Passed", Pass),
            ("✅ Complete", Pass),
            ("SUCCESS", Pass),
            ("GO", Pass),
            ("READY", Pass),
            ("✅", Pass),
            ("✅ YES", Pass),
            ("✅ YES (after staging verification)", Pass),
            ("✅ Resolved", Pass),
            ("✅ PASSING (10/10)", Pass),
            ("✅ GREEN", Pass),
            ("**COMPLETE**", Pass),
            ("PASSED (2/3 gates passed)", Pass),
            ("[x] done", Pass),
            ("✔ ok", Pass),
            ("âœ… COMPLETE", Pass),
            ("âœ…", Pass),
            ("❌", Fail),
            ("❌ FAILED", Fail),
            ("FAIL", Fail),
            ("NO-GO", Fail),
            ("No Go", Fail),
            ("NOT READY", Fail),
            ("Not met", Fail),
            ("INCOMPLETE", Fail),
            ("⚠️ FAILED", Fail),
            ("❌ NOT STARTED", Pending),
            ("❌ Not yet run", Pending),
            ("❌ NOT STARTED (tests failed)", Fail),
            ("✅ PARTIALLY COMPLETE", Pending),
            ("🔴 Blocked by failure", Fail),
            ("âŒ", Fail),
            ("⚠️", Pending),
            ("⚠️ PARTIAL", Pending),
            ("☐", Pending),
            ("[ ]", Pending),
            ("IN PROGRESS", Pending),
            ("🔄 In Progress", Pending),
            ("PENDING", Pending),
            ("TBD", Pending),
            ("Not started", Pending),
            ("⏳ Awaiting review", Pending),
            ("✅ No", Unknown),
            ("No", Unknown),
            ("[PASS/FAIL]", Unknown),
            ("PASS / FAIL", Unknown),
            ("✅ N/A", Unknown),
            ("N/A", Unknown),
            ("Not applicable", Unknown),
            ("", Unknown),
            ("Immediate", Unknown),
            ("~30 min", Unknown),
            ("⚠️ PASSED with warnings", Unknown),
            ("✅ PASSED ❌ FAILED", Unknown),
            ("ACCEPTED for merge", Pass),
            ("APPROVED FOR MERGE", Pass),
            ("READY FOR MERGE", Pass),
            ("🟢", Pass),
            ("🟢 GREEN", Pass),
            ("🔴", Fail),
            ("🟡", Pending),
            ("retain", Pass),
            ("rollback", Fail),
            ("NOT READY FOR MERGE", Fail),
            ("ON HOLD", Pending),
            ("[OPEN | INVESTIGATING | MITIGATED | CLOSED]", Unknown),
            ("✅ IMPLEMENTED - Pending CI Validation", Pending),
            ("Phase 1 Complete, Phases 2-5 Pending", Pending),
            ("SUCCESSFULLY IMPLEMENTED", Pass),
        ];
        let mut wrong = Vec::new();
        for (text, want) in table {
            let got = normalize(text);
            if got != *want {
                wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn repairs_mojibake() {
        assert_eq!(demojibake("âœ… done"), "✅ done");
        assert_eq!(demojibake("Stage 4 â€“ Gate"), "Stage 4 – Gate");
        assert_eq!(demojibake("ðŸš€"), "🚀");
        assert_eq!(demojibake("âœ¨"), "✨");
        // Real accented text is left alone.
        assert_eq!(demojibake("Café déjà"), "Café déjà");
        assert_eq!(demojibake("plain"), "plain");
    }
}
