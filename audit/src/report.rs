//! Markdown reports: what they claim, and what they cite.
//!
//! Extraction never fails. Whatever a report does not say (no heading, no
//! date, a table with empty headers) is recorded in the document's `notes`.
//!
//! Gates and phases are read in every form teams write them:
//! - headings (`### Gate 0: Drift Prevention ✅`), with `Status:` and
//!   `Evidence:` fields in their section;
//! - bold labels and `key: value` lines (`**Gate 2**: ✅ MET`, `Gate 3: PASS`);
//! - task-list checklists (`- [x] **Gate 2:** CI green`; unchecked is pending);
//! - tables with a Gate (or Phase) column, or Gate/Phase rows.
//!
//! A document's status comes from every signal it gives: header fields,
//! status headings, sign-off sections, verdict lines ("**READY FOR MERGE**").

use std::collections::{BTreeMap, HashSet};

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
use vouch_core::audit::{
    Check, CiRun, Claim, ClaimForm, Commit, DocKind, Document, Problem, ProblemKind, PullRequest,
    RefRole, RefState, RefVia, Reference, Status,
};

use crate::{
    Index,
    date::find_date,
    layout,
    status::{FAIL_SIGNS, PASS_SIGNS, PENDING_SIGNS, demojibake, normalize},
    text::{self, Label, Target},
};

/// Field keys recognised even without bold (`Date: …`).
const PLAIN_KEYS: &[&str] = &[
    "date",
    "status",
    "stage",
    "phase",
    "evidence",
    "pr",
    "owner",
    "completion date",
    "last updated",
    "overall status",
    "final status",
    "result",
    "verdict",
    "decision",
    "ci run",
];
const STATUS_KEYS: &[&str] = &[
    "status",
    "overall status",
    "final status",
    "implementation status",
    "stage status",
    "phase status",
    "gate status",
    "overall",
    "result",
    "outcome",
    "decision",
    "verdict",
    "final verdict",
    "final decision",
    "current status",
    "release status",
    "recommendation",
    "conclusion",
    "merge status",
    "merge readiness",
    "ready for merge",
    "acceptance",
    "sign-off",
    "signoff",
    "approval",
    "go/no-go",
    "go no go",
];
const EVIDENCE_KEYS: &[&str] = &[
    "evidence",
    "proof",
    "ci run",
    "ci evidence",
    "latest ci run",
    "ci",
    "ci link",
    "run",
    "workflow run",
    "artifact",
    "artifacts",
    "verification evidence",
    "evidence link",
    "evidence links",
    "log",
    "logs",
    "screenshot",
    "screenshots",
    "report",
    "test report",
    "pr",
    "pull request",
];
/// Section headings under which fields speak for the whole document.
const VERDICT_SECTIONS: &[&str] = &[
    "sign-off",
    "sign off",
    "signoff",
    "final",
    "verdict",
    "decision",
    "conclusion",
    "approval",
    "status",
    "summary",
    "recommendation",
    "outcome",
    "readiness",
];
/// Sections whose tables and lists are results: a failing row there
/// contradicts a passing verdict.
const RESULT_SECTIONS: &[&str] = &[
    "ci",
    "test",
    "check",
    "result",
    "verification",
    "validation",
    "gate",
    "status",
    "evidence",
    "acceptance",
    "criteria",
    "job",
    "quality",
    "compliance",
    "smoke",
    "summary",
    "pipeline",
];
/// Sections whose lists are runs ("- ❌ Integration Tests").
const RUN_SECTIONS: &[&str] = &["ci", "test", "check", "job", "pipeline", "build", "result"];
/// …unless the section is about what went wrong and was dealt with.
const NOT_RESULT_SECTIONS: &[&str] = &[
    "issue",
    "risk",
    "known",
    "lesson",
    "troubleshoot",
    "rollback",
    "before",
    "problem",
    "bug",
    "incident",
    "failure mode",
    "anti-pattern",
    "don't",
    "do not",
    "history",
    "previous",
    "fixed",
    "resolved",
];

struct Heading {
    level: HeadingLevel,
    text: String,
    line: usize,
}

struct Table {
    header: Vec<String>,
    /// `(line, cells)`; each cell's text and the links inside it.
    rows: Vec<(usize, Vec<String>)>,
}

struct Item {
    line: usize,
    /// The last line of the item, nested items included.
    end: usize,
    checked: Option<bool>,
    text: String,
}

/// Everything pulldown-cmark tells us, with line numbers.
#[derive(Default)]
struct Parsed {
    headings: Vec<Heading>,
    tables: Vec<Table>,
    /// `(dest, line, image)`.
    links: Vec<(String, usize, bool)>,
    /// Inline code spans: `(text, line)`.
    code: Vec<(String, usize)>,
    /// Plain text outside links and code: `(text, line)`.
    words: Vec<(String, usize)>,
    /// 1-based line ranges of fenced or indented code blocks.
    code_lines: Vec<(usize, usize)>,
    items: Vec<Item>,
    /// `(line, text)` of paragraphs whose whole text is strong emphasis.
    bold_lines: Vec<(usize, String)>,
    /// `(line, text, leading strong text)` of every paragraph outside
    /// lists and tables.
    paras: Vec<(usize, String, Option<String>)>,
}

fn parse(md: &str) -> Parsed {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(md.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset);
    let mut p = Parsed::default();
    let (mut in_link, mut in_code_block) = (0usize, false);
    let mut heading: Option<(HeadingLevel, String, usize)> = None;
    let mut table: Option<Table> = None;
    let mut row: Option<(usize, Vec<String>)> = None;
    let mut cell: Option<String> = None;
    // Open list items: index into `p.items`.
    let mut items: Vec<usize> = Vec::new();
    // A paragraph: (line, its text, words outside strong emphasis).
    let mut para: Option<(usize, String, usize)> = None;
    // The strong text a paragraph starts with, while it is being read.
    let mut lead: Option<String> = None;
    let mut lead_open = false;
    let mut strong = 0usize;
    for (ev, range) in crate::markdown::parser(md).into_offset_iter() {
        let line = line_of(range.start);
        let is_code = matches!(ev, Event::Code(_));
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level, String::new(), line))
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = heading.take() {
                    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    p.headings.push(Heading { level, text, line });
                }
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code_block = true;
                p.code_lines
                    .push((line, line_of(range.end.saturating_sub(1))));
            }
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Start(Tag::Link {
                dest_url,
                link_type,
                ..
            }) => {
                in_link += 1;
                p.links
                    .push((crate::markdown::email_or(link_type, dest_url), line, false));
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                in_link += 1;
                p.links.push((dest_url.into_string(), line, true));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => in_link = in_link.saturating_sub(1),
            Event::Start(Tag::Table(_)) => {
                table = Some(Table {
                    header: Vec::new(),
                    rows: Vec::new(),
                })
            }
            Event::End(TagEnd::Table) => p.tables.extend(table.take()),
            Event::Start(Tag::TableHead | Tag::TableRow) => row = Some((line, Vec::new())),
            Event::End(TagEnd::TableHead) => {
                if let (Some(t), Some((_, cells))) = (table.as_mut(), row.take()) {
                    t.header = cells;
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let (Some(t), Some(r)) = (table.as_mut(), row.take()) {
                    t.rows.push(r);
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(r), Some(c)) = (row.as_mut(), cell.take()) {
                    r.1.push(c.trim().to_owned());
                }
            }
            Event::Start(Tag::Item) => {
                p.items.push(Item {
                    line,
                    end: line_of(range.end.saturating_sub(1)),
                    checked: None,
                    text: String::new(),
                });
                items.push(p.items.len() - 1);
            }
            Event::End(TagEnd::Item) => {
                items.pop();
            }
            Event::TaskListMarker(done) => {
                if let Some(&i) = items.last() {
                    p.items[i].checked = Some(done);
                }
            }
            Event::Start(Tag::Paragraph) if items.is_empty() && cell.is_none() => {
                para = Some((line, String::new(), 0));
                lead = None;
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((line, text, outside)) = para.take() {
                    let t = text.trim();
                    if !t.is_empty() && outside == 0 {
                        p.bold_lines.push((line, t.to_owned()));
                    }
                    if !t.is_empty() {
                        p.paras.push((line, t.to_owned(), lead.take()));
                    }
                }
                lead_open = false;
            }
            Event::Start(Tag::Strong) => {
                strong += 1;
                // Strong text that opens a paragraph: "**RR-CUJ gate: COMPLETE** via …".
                if let Some(pa) = para.as_ref()
                    && pa.1.trim().is_empty()
                    && lead.is_none()
                {
                    lead = Some(String::new());
                    lead_open = true;
                }
            }
            Event::End(TagEnd::Strong) => {
                strong = strong.saturating_sub(1);
                lead_open = false;
            }
            Event::Text(_) | Event::Code(_) if in_code_block => {}
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.1.push_str(&t);
                }
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                }
                if let Some(&i) = items.last()
                    && p.items[i].line == line
                {
                    // Only the item's own first line names it.
                    p.items[i].text.push_str(&t);
                }
                if lead_open && let Some(l) = lead.as_mut() {
                    l.push_str(&t);
                }
                if let Some(pa) = para.as_mut() {
                    pa.1.push_str(&t);
                    // Signs and punctuation outside the bold don't count.
                    if strong == 0 && t.chars().any(char::is_alphanumeric) {
                        pa.2 += 1;
                    }
                }
                if in_link == 0 {
                    let spans = if is_code { &mut p.code } else { &mut p.words };
                    spans.push((t.into_string(), line));
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = heading.as_mut() {
                    h.1.push(' ');
                }
                if let Some(pa) = para.as_mut() {
                    // A verdict is one line; a bold paragraph of many is prose.
                    pa.2 += 1;
                }
            }
            _ => {}
        }
    }
    p
}

/// The kind of report, from its path and title.
pub fn doc_kind(path: &str, title: Option<&str>) -> DocKind {
    let norm = |s: &str| {
        s.to_lowercase()
            .replace(['_', '-', '.', '/'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let name = norm(path.rsplit('/').next().unwrap_or(path));
    let title = norm(title.unwrap_or(""));
    let folder = path.to_lowercase();
    let both = format!("{name} | {title}");
    if both.contains("acceptance pack") || both.contains("acceptancepack") {
        DocKind::AcceptancePack
    } else if both.contains("closeout") || both.contains("close out") {
        DocKind::CloseoutSummary
    } else if folder.contains("/adr")
        || folder.starts_with("adr")
        || name.starts_with("adr ")
        || title.starts_with("adr ")
    {
        DocKind::Adr
    } else if folder.contains("runbook") || both.contains("runbook") || both.contains("playbook") {
        DocKind::Runbook
    } else if (both.contains("phase") && (both.contains("report") || both.contains("completion")))
        || name.contains("phase") && name.ends_with("report md")
    {
        DocKind::PhaseReport
    } else {
        DocKind::Other
    }
}

/// The phase after the word "Phase": `Phase 2 - …` → `2`, `PHASE0` → `0`.
fn phase_after_word(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for (i, _) in lower.match_indices("phase") {
        if lower[..i].ends_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let rest = text[i + 5..].trim_start_matches([' ', '_', '-', ':', '#']);
        let id: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if id.starts_with(|c: char| c.is_ascii_digit()) && id.len() <= 4 {
            return Some(text::gate_id(&id));
        }
    }
    None
}

fn is_sign(c: char) -> bool {
    PASS_SIGNS.contains(&c) || FAIL_SIGNS.contains(&c) || PENDING_SIGNS.contains(&c)
}

/// Status signs (emoji) in `s`, normalised; words in headings are names,
/// not statuses ("Release Rehearsal Passing").
fn sign_status(s: &str) -> Option<(Status, String)> {
    let fixed = demojibake(s);
    let signs: String = fixed.chars().filter(|c| is_sign(*c)).collect();
    (!signs.is_empty()).then(|| (normalize(&signs), signs))
}

/// A short text that is nothing but a status: "PASSED", "✅ GO",
/// "READY FOR MERGE", "🟢".
fn pure_status(s: &str) -> Option<Status> {
    // "✅ PASS (Documentation Complete)": the remark is not the status.
    let mut t = strip_md(s);
    while let (Some(a), Some(b)) = (t.find('('), t.rfind(')')) {
        if a >= b {
            break;
        }
        t.replace_range(a..=b, " ");
    }
    let words = words(&t).count();
    if words > 4 || t.contains(['(', '[']) && words > 2 {
        return None;
    }
    let st = normalize(&t);
    (st != Status::Unknown).then_some(st)
}

/// Where a heading's status starts: after the separator whose part (up to
/// the next separator) is the plainest status, with the fewest words, the
/// last on a tie. "PASS" in "Gate 1: Unit tests — PASS" and in "Gate 2:
/// Rollback drill — PASS" (gates named "Gate 1: Unit tests" and "Gate 2:
/// Rollback drill"); "PASS — all 12 tests green" in "Gate 3: PASS — all 12
/// tests green".
fn status_tail(heading: &str) -> Option<(usize, &str)> {
    let mut best: Option<(usize, usize, &str)> = None;
    let mut seps = heading.match_indices([':', '—', '–', '|']).peekable();
    while let Some((i, sep)) = seps.next() {
        let from = i + sep.len();
        let part = seps
            .peek()
            .map_or(&heading[from..], |&(j, _)| &heading[from..j]);
        // "Runtime Error Envelope Completeness" names a phase: its
        // "Error" says nothing of how it went.
        let title = sign_status(part).is_none() && title_case(part);
        let n = words(part).count();
        if !title && pure_status(part).is_some() && best.is_none_or(|(least, _, _)| n <= least) {
            best = Some((n, from, part));
        }
    }
    best.map(|(_, from, part)| (from, part))
}

/// Two or more words in title case, naming something: every word of four
/// letters or more capitalised, at least one of them not a status word, and
/// no status word in capitals. "Release Rehearsal Passing", "Runtime Error
/// Envelope Completeness"; not "Deployed to staging", "Not Met", "In
/// Progress", "Tests PASSED".
fn title_case(s: &str) -> bool {
    let words: Vec<&str> = words(s).collect();
    let long: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let capitalised = |w: &str| {
        w.chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(char::is_uppercase)
    };
    let shouted =
        |w: &str| w.chars().count() > 1 && w == w.to_uppercase() && normalize(w) != Status::Unknown;
    words.len() > 1
        && long.iter().all(|w| capitalised(w))
        && long.iter().any(|w| normalize(w) == Status::Unknown)
        && !words.iter().any(|w| shouted(w))
}

/// Words beside a sign that are not a status of their own, or read as a
/// name: "Governance Evidence Hardening ✅", "GOVERNANCE HARDENING ✅",
/// "Release Rehearsal Passing ✅"; not "✅ PASSED", "✅ Complete".
fn names_beside_sign(part: &str) -> bool {
    let bare = unsigned(part);
    words(&bare).next().is_some() && (pure_status(&bare).is_none() || reads_as_name(part))
}

/// A heading cut at its first status sign, when the sign and the words
/// after it are a status: ("Phase 3: Envelope Expansion", "✅ PARTIALLY
/// COMPLETE").
fn sign_tail(heading: &str) -> Option<(&str, &str)> {
    let at = heading.find(is_sign)?;
    let (name, tail) = heading.split_at(at);
    let tail = tail.trim();
    (name.chars().any(char::is_alphanumeric) && pure_status(tail).is_some()).then_some((name, tail))
}

/// Two or more words, not all capitals, signs aside: "Release Rehearsal
/// Passing", "Governance Evidence Hardening ✅"; not "PASSED", "✅ NOT MET",
/// "✅ Complete".
fn reads_as_name(s: &str) -> bool {
    let bare = unsigned(s);
    words(&bare).count() > 1 && bare != bare.to_uppercase()
}

/// The words of `s`: runs between whitespace holding a letter or digit, so
/// a dash or a sign standing alone is not a word.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
}

/// `s` with mojibake repaired and its status signs left out.
fn unsigned(s: &str) -> String {
    demojibake(s).chars().filter(|c| !is_sign(*c)).collect()
}

fn strip_signs(s: &str) -> String {
    let fixed = demojibake(s);
    fixed
        .trim_matches(|c: char| !c.is_alphanumeric() && !")]".contains(c))
        .to_owned()
}

/// Markdown emphasis and code marks removed, for display and matching.
pub fn strip_md(s: &str) -> String {
    let fixed = demojibake(s);
    let mut out = String::with_capacity(fixed.len());
    let mut rest: &str = &fixed;
    while let Some(i) = rest.find('[') {
        // `[text](target)` → `text`.
        if let Some(close) = rest[i..].find("](")
            && let Some(end) = rest[i + close..].find(')')
        {
            out.push_str(&rest[..i]);
            out.push_str(&rest[i + 1..i + close]);
            rest = &rest[i + close + end + 1..];
            continue;
        }
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.replace(['*', '`'], "")
        .replace("__", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_empty_evidence(s: &str) -> bool {
    let t = s
        .trim()
        .trim_matches(|c: char| "*_`".contains(c))
        .to_lowercase();
    matches!(
        t.as_str(),
        "" | "-" | "—" | "–" | "n/a" | "na" | "none" | "?"
    )
}

/// Placeholder evidence, as teams leave it: `[TO_BE_UPDATED]`, "TBD",
/// "Linked after PR creation", `(URL)`, `…/actions/runs/[id]`.
pub fn placeholder(s: &str) -> Option<String> {
    /// The needles, in the order they are tried: the first that occurs
    /// names the placeholder.
    const NEEDLES: &[&str] = &[
        "to_be_updated",
        "to be updated",
        "to_be_added",
        "to be added",
        "to be linked",
        "to be provided",
        "to be confirmed",
        "linked after",
        "link after",
        "added after",
        "will be linked",
        "will be added",
        "pending link",
        "link pending",
        "link tbd",
        "coming soon",
        "placeholder",
        "[insert",
        "<insert",
        "(url)",
        "[url]",
        "<url>",
        "<link>",
        "[link]",
        "(link)",
        "runs/[",
        "runs/<",
        "runs/xxx",
        "runs/{",
        "pull/[",
        "pull/<",
        "pull/xxx",
        "#tbd",
        "#xxx",
    ];
    /// One pass over the text for every needle (called for each gate's
    /// evidence and each link target: hundreds of thousands of times at
    /// scale), not a search set up per needle.
    static FINDER: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(NEEDLES)
                .expect("a few short needles are within aho-corasick's limits")
        });
    // The needles are ASCII, so on ASCII text an ASCII-case-insensitive
    // match is a match in the lower-cased text; other text is lower-cased
    // first (Unicode case rules can turn a character into ASCII).
    let lower = if s.is_ascii() {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    };
    if let Some(i) = FINDER
        .find_overlapping_iter(&*lower)
        .map(|m| m.pattern().as_usize())
        .min()
    {
        return Some(NEEDLES[i].to_owned());
    }
    // A lone word: "TBD", "todo", "pending".
    let mut words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    match (words.next(), words.next()) {
        (Some(w), None) => ["tbd", "todo", "tbc", "xxx", "pending"]
            .into_iter()
            .find(|t| w.eq_ignore_ascii_case(t))
            .map(str::to_owned),
        _ => None,
    }
}

fn section_matches(title: &str, words: &[&str]) -> bool {
    let t = title.to_lowercase();
    words.iter().any(|w| {
        t.match_indices(w)
            .any(|(i, _)| !t[..i].ends_with(|c: char| c.is_alphanumeric()))
    })
}

/// How a path mentioned in prose is taken.
fn source_like(path: &str) -> bool {
    const SOURCE: &[&str] = &[
        "py",
        "rs",
        "go",
        "ts",
        "tsx",
        "js",
        "jsx",
        "mjs",
        "cjs",
        "java",
        "kt",
        "rb",
        "php",
        "cs",
        "c",
        "h",
        "cpp",
        "hpp",
        "sh",
        "bash",
        "ps1",
        "sql",
        "toml",
        "ini",
        "cfg",
        "conf",
        "env",
        "lock",
        "yml",
        "yaml",
        "tf",
        "mdc",
        "vue",
        "svelte",
        "css",
        "scss",
        "gradle",
        "xml",
        "properties",
        "dockerfile",
        "mod",
        "sum",
    ];
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    if path.ends_with('/') {
        return true; // folders are places, not evidence
    }
    let lower = name.to_ascii_lowercase();
    lower.starts_with('.')
        || lower.starts_with("dockerfile")
        || lower.starts_with("makefile")
        || lower
            .rsplit_once('.')
            .is_some_and(|(_, e)| SOURCE.contains(&e))
}

/// Files nobody writes by hand: screenshots, logs, scan and test output.
fn evidence_like(path: &str) -> bool {
    const EVIDENCE: &[&str] = &[
        "png", "jpg", "jpeg", "gif", "webp", "pdf", "log", "sarif", "har", "out", "junit", "lcov",
        "sha256",
    ];
    // Test, scan and coverage reports, and checksum files, by name.
    const REPORT_NAMES: &[&str] = &[
        "junit",
        "test-results",
        "test_results",
        "testresults",
        "results",
        "report",
        "coverage",
        "cobertura",
        "jacoco",
        "lcov",
        "sarif",
        "sha256sums",
        "checksums",
    ];
    // Code that reads like a file name: `console.log`, `logger.log`.
    const IDENTIFIERS: &[&str] = &[
        "console", "logger", "logging", "log", "window", "document", "process", "self", "this",
        "os", "sys", "res", "req", "response", "request", "app", "std",
    ];
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if !path.contains('/')
        && name
            .rsplit_once('.')
            .is_some_and(|(stem, _)| IDENTIFIERS.contains(&stem))
    {
        return false;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    let report_name = REPORT_NAMES.iter().any(|r| name.contains(r))
        && matches!(ext, None | Some("xml" | "json" | "info" | "txt"));
    ext.is_some_and(|e| EVIDENCE.contains(&e))
        || report_name
        || lower
            .split('/')
            .rev()
            .skip(1)
            .any(|seg| matches!(seg, "evidence" | "artifacts" | "screenshots" | "logs"))
            && !source_like(path)
}

/// What [`extract`] finds: the document, and the problems that one document
/// shows on its own (a passing verdict over a failing results table,
/// placeholder evidence). Problems that need other files (missing
/// evidence, failing cited evidence) are found later, across documents.
pub struct Extracted {
    pub doc: Document,
    pub problems: Vec<Problem>,
}

/// A claim being built, with the line span it speaks for.
struct Pending {
    label: Label,
    claim: Claim,
    start: usize,
    end: usize,
    /// Fields in its span set its status (headings); a table row or a
    /// checklist item has its status already.
    takes_fields: bool,
}

/// Extracts a Markdown report. `ix` says what exists in the evidence folder.
pub fn extract(path: &str, sha256: &str, md: &str, ix: &Index) -> Extracted {
    let md = md.strip_prefix('\u{feff}').unwrap_or(md);
    let parsed = parse(md);
    let in_code = |line: usize| {
        parsed
            .code_lines
            .iter()
            .any(|&(a, b)| (a..=b).contains(&line))
    };
    let lines: Vec<&str> = md.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let last = lines.len() + 1;
    let repo = text::github_repo(md);
    let mut doc = Document {
        path: path.to_owned(),
        sha256: sha256.into(),
        ..Document::default()
    };
    let mut problems = Vec::new();

    // Title: the first H1, else the first heading (the one title rule).
    let h1s = parsed
        .headings
        .iter()
        .filter(|h| h.level == HeadingLevel::H1)
        .count();
    doc.title = parsed
        .headings
        .iter()
        .find(|h| h.level == HeadingLevel::H1)
        .or(parsed.headings.first())
        .map(|h| demojibake(&h.text).trim().to_owned())
        .filter(|t| !t.is_empty());
    if parsed.headings.is_empty() {
        doc.notes.push("no heading".into());
    }
    if h1s > 1 {
        doc.notes
            .push(format!("{h1s} top-level headings; the first is the title"));
    }
    doc.kind = doc_kind(path, doc.title.as_deref());

    // Each heading's section: up to the next heading of the same or a higher level.
    let section_end = |i: usize| {
        let h = &parsed.headings[i];
        parsed.headings[i + 1..]
            .iter()
            .find(|n| n.level <= h.level)
            .map_or(last, |n| n.line)
    };
    // The innermost heading whose section holds `line`.
    let innermost =
        |line: usize| -> Option<usize> { parsed.headings.iter().rposition(|h| h.line <= line) };
    // The header: everything before the first heading below H1.
    let header_end = parsed
        .headings
        .iter()
        .find(|h| h.level > HeadingLevel::H1)
        .map_or(last, |h| h.line);

    // 1. Heading claims.
    let mut claims: Vec<Pending> = Vec::new();
    // Beside each heading claim: its whole heading, when the status was read
    // from words that may name the gate instead ("Gate 5: Deployed to
    // staging"). A status field under it says they did.
    let mut worded: Vec<Option<String>> = Vec::new();
    for (i, h) in parsed.headings.iter().enumerate() {
        if h.level == HeadingLevel::H1 {
            continue;
        }
        let fixed = demojibake(&h.text).trim().to_owned();
        let Some((label, id)) = text::claim_label(&fixed) else {
            continue;
        };
        // ASCII lowercasing keeps byte offsets valid for slicing the text.
        let lower = fixed.to_ascii_lowercase();
        let said = ["status:", "result:", "status -", "result -"]
            .iter()
            .find_map(|k| lower.find(k).map(|i| (i, k.len())));
        let mut whole = None;
        let (name, status, status_text) = match said {
            // "Gate 3 Status: PASSED ✅"
            Some((i, len)) => {
                let value = strip_md(fixed[i + len..].trim());
                (strip_signs(&fixed[..i]), normalize(&value), Some(value))
            }
            None => {
                // "Gate 1: PASSED", "Gate 1 🟢", "Gate 2 — ✅ Complete",
                // "Gate 1: Unit tests — PASS" (named "Gate 1: Unit tests").
                // Beside a sign, words that read as a name are the name:
                // "Phase 0: Evidence Hardening ✅" is "Phase 0: Evidence
                // Hardening", status ✅.
                let tail = status_tail(&fixed)
                    .filter(|(_, part)| sign_status(part).is_none() || !names_beside_sign(part));
                match (tail, sign_status(&fixed)) {
                    (Some((from, part)), _) => {
                        // Without a sign, words such as "Deployed to
                        // staging" may be the name or the status: a status
                        // field under the heading decides.
                        if reads_as_name(part) {
                            whole = Some(strip_md(&strip_signs(&fixed)));
                        }
                        let r = fixed[from..].trim();
                        let name = strip_signs(&fixed[..from])
                            .trim_end_matches([':', '—', '–', '|', ' '])
                            .to_owned();
                        (name, normalize(r), Some(strip_md(r)))
                    }
                    (None, Some((s, t))) => match sign_tail(&fixed) {
                        // "Phase 2: Restore ❌ NOT STARTED": the words after
                        // the sign say it with the sign.
                        Some((name, tail)) => {
                            (strip_signs(name), normalize(tail), Some(strip_md(tail)))
                        }
                        None => (strip_signs(&fixed), s, Some(t)),
                    },
                    (None, None) => (strip_signs(&fixed), Status::Unknown, None),
                }
            }
        };
        claims.push(Pending {
            label,
            claim: Claim {
                id: Some(id.into()),
                name: strip_md(&name).into(),
                form: ClaimForm::Heading,
                status,
                status_text: status_text.map(Into::into),
                line: h.line,
                ..Claim::default()
            },
            start: h.line,
            end: section_end(i),
            takes_fields: true,
        });
        worded.push(whole);
    }
    // The innermost heading claim whose section holds `line`.
    let claim_of = |line: usize, claims: &[Pending]| {
        claims
            .iter()
            .enumerate()
            .filter(|(_, c)| c.takes_fields && (c.start..c.end).contains(&line))
            .max_by_key(|(_, c)| c.start)
            .map(|(i, _)| i)
    };

    // 2. Fields, line by line, outside code blocks; `Gate N:` lines are
    // claims of their own.
    let mut fields: Vec<(String, String, usize)> = Vec::new();
    let mut field_claims: Vec<Pending> = Vec::new();
    let item_at = |line: usize| parsed.items.iter().find(|it| it.line == line);
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        if in_code(line) {
            continue;
        }
        let is_task = item_at(line).is_some_and(|it| it.checked.is_some());
        let parsed_field = text::field(l, PLAIN_KEYS).or_else(|| gate_line(l));
        let Some((key, value)) = parsed_field else {
            continue;
        };
        let value = value.trim_end_matches(['\\']).trim().to_owned();
        if let Some((label, id)) = text::claim_label(&key) {
            if is_task {
                continue; // read as a checklist item below
            }
            // `**Gate 2**: ✅ MET`, `Gate 3: PASS` declare a claim of their own.
            let status = normalize(&value);
            let name = match label {
                Label::Gate => format!("Gate {id}"),
                Label::Phase => format!("Phase {id}"),
            };
            // "Gate 1: Release Rehearsal" names a gate and says nothing of it.
            let own_status = pure_status(&value).is_some() || sign_status(&value).is_some();
            let in_header = line < header_end;
            field_claims.push(Pending {
                label,
                claim: Claim {
                    id: Some(id.into()),
                    name: if own_status {
                        name.into()
                    } else {
                        format!("{name}: {}", strip_md(&value)).into()
                    },
                    form: ClaimForm::Field,
                    status: if own_status { status } else { Status::Unknown },
                    status_text: own_status.then(|| strip_md(&value).into()),
                    line,
                    ..Claim::default()
                },
                // In the header, a gate speaks for the whole report: the
                // report is its evidence.
                start: if in_header { 1 } else { line },
                end: if in_header { last } else { line + 1 },
                takes_fields: !in_header && !own_status,
            });
            continue;
        }
        fields.push((key, value, line));
    }

    // 3. Task-list checklists that name a gate or phase.
    let mut checklist: Vec<Pending> = Vec::new();
    for it in &parsed.items {
        let Some(done) = it.checked else { continue };
        let plain = strip_md(&it.text);
        let Some((label, id)) = text::claim_label(&plain) else {
            continue;
        };
        let (status, said) = if done {
            (Status::Pass, "[x]")
        } else {
            (Status::Pending, "[ ]")
        };
        checklist.push(Pending {
            label,
            claim: Claim {
                id: Some(id.into()),
                name: plain.trim_end_matches(['.', ' ']).into(),
                form: ClaimForm::Checklist,
                status,
                status_text: Some(said.into()),
                line: it.line,
                ..Claim::default()
            },
            start: it.line,
            end: it.end + 1,
            takes_fields: false,
        });
    }

    // Key/value tables are fields too: `| **Status** | 🟡 REQUIRES FIXES |`.
    for t in &parsed.tables {
        for (line, cells) in &t.rows {
            let [key, value, ..] = cells.as_slice() else {
                continue;
            };
            let key = strip_md(key).to_lowercase();
            let key = key.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
            if (STATUS_KEYS.contains(&key.as_str()) || key == "date" || key == "stage")
                && !fields.iter().any(|(_, _, l)| l == line)
            {
                fields.push((key, value.clone(), *line));
            }
        }
    }
    fields.sort_by_key(|(_, _, l)| *l);

    // Field values go to the claim whose section holds them, else to the
    // document.
    let mut doc_fields: Vec<(String, String, usize)> = Vec::new();
    for (key, value, line) in &fields {
        let owner = claim_of(*line, &claims)
            .map(|c| (true, c))
            .or_else(|| claim_of(*line, &field_claims).map(|c| (false, c)));
        match owner {
            Some((heading, c)) => {
                let claim = if heading {
                    &mut claims[c].claim
                } else {
                    &mut field_claims[c].claim
                };
                if STATUS_KEYS.contains(&key.as_str()) && claim.status_text.is_none()
                    || key == "status"
                {
                    if let Some(whole) =
                        worded.get_mut(c).filter(|_| heading).and_then(Option::take)
                    {
                        claim.name = whole.into();
                    }
                    claim.status = normalize(value);
                    claim.status_text = Some(strip_md(value).into());
                } else if EVIDENCE_KEYS.contains(&key.as_str()) && !is_empty_evidence(value) {
                    claim.evidence.push(strip_md(value).into());
                }
                // The report's own status and date, written under a heading
                // that names its phase ("## Phase 2 – Runbooks" in a phase
                // report), still speak for the report.
                let own_phase = heading
                    && claims[c].label == Label::Phase
                    && claims[c].start <= first_content_heading(&parsed);
                if own_phase {
                    doc_fields.push((key.clone(), value.clone(), *line));
                }
            }
            None => doc_fields.push((key.clone(), value.clone(), *line)),
        }
    }

    // 4. Document fields: date, stage, phase, status.
    let first = |pred: &dyn Fn(&str) -> bool| doc_fields.iter().find(|(k, _, _)| pred(k));
    let in_verdict_section = |line: usize| {
        innermost(line).is_some_and(|h| {
            parsed.headings[h].level > HeadingLevel::H1
                && section_matches(&parsed.headings[h].text, VERDICT_SECTIONS)
        })
    };
    status_of_document(
        &mut doc,
        &parsed,
        &doc_fields,
        header_end,
        &in_verdict_section,
    );

    let date_field =
        first(&|k| k.contains("date") || k == "last updated" || k == "completed" || k == "updated");
    let date = date_field
        .and_then(|(_, v, line)| find_date(v).map(|d| (d, v.clone(), *line)))
        .or_else(|| {
            let name = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .replace(['_', '.'], " ");
            let title = doc.title.clone().unwrap_or_default();
            find_date(&title)
                .map(|d| (d, title.clone(), 1))
                .or_else(|| find_date(&name).map(|d| (d, name.clone(), 1)))
        });
    match (date, date_field) {
        (Some((d, text, line)), _) => {
            doc.date = Some(d.iso());
            doc.date_text = Some(text);
            doc.date_line = Some(line);
        }
        (None, Some((_, v, line))) => {
            doc.date_text = Some(v.clone());
            doc.date_line = Some(*line);
            doc.notes
                .push(format!("date {v:?} is not a date vouch can read"));
        }
        (None, None) => doc.notes.push("no declared date".into()),
    }
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let place = layout::place(path);
    let stage = first(&|k| k == "stage")
        .and_then(|(_, v, _)| {
            let v = v.trim_start_matches(|c: char| !c.is_alphanumeric());
            text::stage_id(v)
                .or_else(|| text::stage_after_word(v))
                .map(|s| (s, "field"))
        })
        .or_else(|| {
            doc.title
                .as_deref()
                .and_then(text::stage_after_word)
                .map(|s| (s, "title"))
        })
        .or_else(|| text::stage_after_word(file_name).map(|s| (s, "file-name")))
        .or_else(|| place.stage.clone().map(|s| (s, "folder")));
    if let Some((s, from)) = stage {
        doc.stage = Some(s);
        doc.stage_source = Some(from.into());
    }
    doc.phase = first(&|k| k == "phase")
        .and_then(|(_, v, _)| phase_after_word(v).or_else(|| text::stage_id(v)))
        .or_else(|| doc.title.as_deref().and_then(phase_after_word))
        .or_else(|| phase_after_word(file_name));

    // 5. References, in document order, each with its role.
    let evidence_field_lines: Vec<usize> = doc_fields
        .iter()
        .chain(&fields)
        .filter(|(k, _, _)| EVIDENCE_KEYS.contains(&k.as_str()))
        .map(|(_, _, l)| *l)
        .collect();
    // Lines that are a gate's own: its field line, checklist item, or table row.
    let mut slot_lines: Vec<(usize, usize)> = Vec::new();
    for c in field_claims.iter().chain(&checklist) {
        // A header gate's own line, not the whole report it speaks for.
        let end = if c.start == 1 && c.end == last {
            c.claim.line + 1
        } else {
            c.end
        };
        slot_lines.push((c.claim.line, end));
    }
    for l in &evidence_field_lines {
        slot_lines.push((*l, l + 1));
    }
    // Table cells in evidence columns, and whole gate rows.
    let mut table_slots: Vec<(usize, String)> = Vec::new();
    for t in &parsed.tables {
        let header: Vec<String> = t.header.iter().map(|h| h.to_lowercase()).collect();
        let evidence_col = header.iter().position(|h| {
            [
                "evidence", "proof", "artifact", "ci run", "link", "report", "log",
            ]
            .iter()
            .any(|w| h.contains(w))
        });
        for (line, cells) in &t.rows {
            if let Some(c) = evidence_col.and_then(|c| cells.get(c)) {
                table_slots.push((*line, c.clone()));
            }
        }
    }
    let heading_gate_section = |line: usize| {
        claims
            .iter()
            .any(|c| c.label == Label::Gate && (c.start..c.end).contains(&line))
    };
    let in_slot = |line: usize, target: &str| {
        slot_lines.iter().any(|(a, b)| (*a..*b).contains(&line))
            || table_slots
                .iter()
                .any(|(l, cell)| *l == line && cell.contains(target))
    };
    let mut refs: Vec<Reference> = Vec::new();
    let mut seen: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let mut add = |mut r: Reference, refs: &mut Vec<Reference>| {
        let key = (r.line, r.path.as_deref().unwrap_or(&r.target).to_owned());
        if let std::collections::btree_map::Entry::Vacant(e) = seen.entry(key) {
            e.insert(refs.len());
            if r.state == RefState::External {
                r.role = RefRole::Link;
            }
            refs.push(r);
        }
    };
    for (dest, line, image) in &parsed.links {
        let role = if *image || in_slot(*line, dest) || heading_gate_section(*line) {
            RefRole::Evidence
        } else {
            RefRole::Link
        };
        match text::classify(dest, path) {
            Target::External => {
                if dest.starts_with("http://") || dest.starts_with("https://") {
                    add(
                        Reference {
                            target: dest.as_str().into(),
                            line: *line,
                            state: RefState::External,
                            via: RefVia::Link,
                            role,
                            ..Reference::default()
                        },
                        &mut refs,
                    );
                }
            }
            Target::Outside => add(
                Reference {
                    target: dest.as_str().into(),
                    line: *line,
                    state: RefState::OutsideRoot,
                    via: RefVia::Link,
                    role,
                    ..Reference::default()
                },
                &mut refs,
            ),
            Target::Local(p, _) => {
                // `/docs/evidence/X.md`: rooted at the repository, not INPUT.
                let p = if ix.exists(&p) {
                    p
                } else {
                    ix.from_repository(&p).unwrap_or(p)
                };
                let mut r = resolved(dest, *line, RefVia::Link, Some(p), ix);
                r.role = role;
                add(r, &mut refs);
            }
        }
    }
    // Each code span, then each word of prose (a nested loop: the chained,
    // flattened iterator cost more than the words' own tests).
    let mut mention = |word: &str, line: usize, via: RefVia| {
        if via == RefVia::Code && word.contains(char::is_whitespace) {
            return;
        }
        // Bare URLs are references too (CommonMark does not link them).
        if via == RefVia::Text && (word.starts_with("https://") || word.starts_with("http://")) {
            add(
                Reference {
                    target: word.trim_end_matches(['.', ',', ';', ':', ')', '*']).into(),
                    line,
                    state: RefState::External,
                    via,
                    ..Reference::default()
                },
                &mut refs,
            );
            return;
        }
        let Some((target, line_suffix)) = text::path_like(word) else {
            return;
        };
        let slot = (in_slot(line, target) || heading_gate_section(line)) && !source_like(target);
        let role = if slot || evidence_like(target) {
            RefRole::Evidence
        } else {
            RefRole::Mention
        };
        let mut r = match resolve_mention(target, path, ix) {
            Mention::Outside => Reference {
                target: target.into(),
                line,
                state: RefState::OutsideRoot,
                via,
                ..Reference::default()
            },
            Mention::Path(p) => resolved(target, line, via, Some(p), ix),
            Mention::NotFound => resolved(target, line, via, None, ix),
        };
        r.role = role;
        r.lines = line_suffix.map(Into::into);
        add(r, &mut refs);
    };
    for (t, l) in &parsed.code {
        mention(t, *l, RefVia::Code);
    }
    for (t, l) in &parsed.words {
        for w in text::words(t) {
            mention(w, *l, RefVia::Text);
        }
    }
    refs.sort_by_key(|r| r.line);
    doc.references = refs;

    // 6. CI runs, pull requests and commits, line by line.
    let mut line_mentions: Vec<(usize, text::Mentions)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if in_code(i + 1) {
            continue;
        }
        let m = text::mentions(l, repo.as_deref());
        if !(m.runs.is_empty() && m.pulls.is_empty() && m.commits.is_empty()) {
            line_mentions.push((i + 1, m));
        }
    }
    for (line, m) in &line_mentions {
        for (run, job, url) in &m.runs {
            if !doc
                .ci_runs
                .iter()
                .any(|r| *r.run_id == **run && r.job_id.as_deref() == job.as_deref())
            {
                doc.ci_runs.push(CiRun {
                    run_id: run.as_str().into(),
                    job_id: job.as_deref().map(Into::into),
                    url: url.as_deref().map(Into::into),
                    line: *line,
                });
            }
        }
        for (n, url) in &m.pulls {
            if !doc.pull_requests.iter().any(|p| p.number == *n) {
                doc.pull_requests.push(PullRequest {
                    number: *n,
                    url: url.clone(),
                    line: *line,
                });
            }
        }
        for (sha, url) in &m.commits {
            if !doc.commits.iter().any(|c| &c.sha == sha) {
                doc.commits.push(Commit {
                    sha: sha.clone(),
                    url: url.clone(),
                    line: *line,
                });
            }
        }
    }
    // A link to a CI run, pull request or commit is recorded once, as that
    // citation (with its line), not again as a link out: in a changelog
    // these were 6,155 of 9,668 links out and 0.75 MB of a 2.1 MB audit.json.
    if !line_mentions.is_empty() {
        let cited: HashSet<&str> = line_mentions
            .iter()
            .flat_map(|(_, m)| {
                let runs = m.runs.iter().filter_map(|(_, _, u)| u.as_deref());
                let pulls = m.pulls.iter().filter_map(|(_, u)| u.as_deref());
                let commits = m.commits.iter().filter_map(|(_, u)| u.as_deref());
                runs.chain(pulls).chain(commits)
            })
            .collect();
        doc.references
            .retain(|r| r.state != RefState::External || !cited.contains(&*r.target));
    }

    // 7. Tables: rows that are gates or phases, results rows (checks), and
    // evidence for the section they sit in.
    let mut table_claims: Vec<Pending> = Vec::new();
    for t in &parsed.tables {
        let header: Vec<String> = t.header.iter().map(|h| h.to_lowercase()).collect();
        let table_line = t.rows.first().map_or(0, |r| r.0.saturating_sub(2));
        if header.iter().all(String::is_empty) && !t.header.is_empty() {
            doc.notes
                .push(format!("table at line {table_line} has empty headers"));
        }
        let col = |words: &[&str]| {
            header
                .iter()
                .position(|h| words.iter().any(|w| h.contains(w)))
        };
        let gate_table = header.iter().position(|h| {
            h.trim_start_matches(|c: char| !c.is_alphanumeric())
                .starts_with("gate")
        });
        let name_col = gate_table.or(col(&["phase"])).unwrap_or(0);
        let status_col = col(&[
            "status",
            "result",
            "outcome",
            "state",
            "verdict",
            "conclusion",
        ]);
        let evidence_col = col(&[
            "evidence",
            "proof",
            "reference",
            "link",
            "artifact",
            "ci run",
            "report",
            "log",
        ]);
        let results_table = innermost(t.rows.first().map_or(0, |r| r.0))
            .map(|h| parsed.headings[h].text.as_str())
            .is_none_or(|s| {
                section_matches(s, RESULT_SECTIONS) && !section_matches(s, NOT_RESULT_SECTIONS)
            });
        for (line, cells) in &t.rows {
            let name = cells
                .get(name_col)
                .map(|c| strip_md(c.trim()))
                .unwrap_or_default();
            let status_text = status_col.and_then(|c| cells.get(c)).map(|c| strip_md(c));
            let evidence = evidence_col
                .and_then(|c| cells.get(c))
                .filter(|e| !is_empty_evidence(e))
                .map(|e| strip_md(e));
            // A "gate" cell that is itself a status ("✅ PASSED") names nothing.
            let status_like = normalize(&name) != Status::Unknown || sign_status(&name).is_some();
            let label = text::claim_label(&name).or_else(|| {
                gate_table
                    .filter(|_| !name.is_empty() && !status_like)
                    .map(|_| {
                        // A bare id in the Gate column: "1", "1a", "A".
                        let bare = name.len() <= 4
                            && name.chars().all(|c| c.is_ascii_alphanumeric())
                            && (name.starts_with(|c: char| c.is_ascii_digit()) || name.len() == 1);
                        let id = bare.then(|| text::gate_id(&name));
                        (Label::Gate, id.unwrap_or_default())
                    })
            });
            let (status, status_text) = match &status_text {
                Some(s) => (normalize(s), Some(strip_md(s))),
                None => match sign_status(&cells.join(" ")) {
                    Some((s, t)) => (s, Some(t)),
                    None => (Status::Unknown, None),
                },
            };
            match label {
                Some((label, id)) => {
                    let name = if name.chars().all(|c| c.is_ascii_alphanumeric())
                        && label == Label::Gate
                        && !id.is_empty()
                    {
                        format!("Gate {name}")
                    } else {
                        name
                    };
                    table_claims.push(Pending {
                        label,
                        claim: Claim {
                            id: (!id.is_empty()).then(|| id.into()),
                            name: strip_signs(&name).into(),
                            form: ClaimForm::Table,
                            status,
                            status_text: status_text.map(Into::into),
                            line: *line,
                            evidence: evidence.into_iter().map(Into::into).collect(),
                            ..Claim::default()
                        },
                        start: *line,
                        end: line + 1,
                        takes_fields: false,
                    });
                }
                None => {
                    // A criteria table inside a gate's section backs that gate.
                    if let (Some(c), Some(e)) = (claim_of(*line, &claims), evidence.clone()) {
                        claims[c].claim.evidence.push(e.into());
                    }
                    // A results row: what a verdict above it must agree with.
                    // A failing cell must read as a failed run ("❌ FAIL"),
                    // not a setting ("❌ Disabled") or prose ("Missing
                    // request timeout").
                    if status_col.is_some() && results_table && !name.is_empty() {
                        let cell = status_text.clone().unwrap_or_default();
                        let status = match status {
                            Status::Fail if !failed_result(&cell) => Status::Unknown,
                            s => s,
                        };
                        doc.checks.push(Check {
                            name: strip_signs(&name).into(),
                            status,
                            detail: format!("{cell} (line {line})").into(),
                        });
                    }
                }
            }
        }
    }
    // Results lists: "- ❌ Integration Tests" under a CI or checks heading.
    for it in &parsed.items {
        if it.checked.is_some() || in_code(it.line) {
            continue;
        }
        let Some(h) = innermost(it.line) else {
            continue;
        };
        let heading = &parsed.headings[h].text;
        if !section_matches(heading, RUN_SECTIONS) || section_matches(heading, NOT_RESULT_SECTIONS)
        {
            continue;
        }
        let fixed = demojibake(&it.text);
        let starts_with_sign = fixed.trim_start().starts_with(is_sign);
        if !starts_with_sign {
            continue;
        }
        if let Some((s, t)) = sign_status(&fixed)
            && s == Status::Fail
        {
            doc.checks.push(Check {
                name: strip_signs(&it.text).into(),
                status: s,
                detail: format!("{t} (line {})", it.line).into(),
            });
        }
    }

    // 8. Attach references, runs and PRs by line span, then merge by id. A
    // table row or a `**Gate N**:` line also takes the CI runs and pull
    // requests cited in its section ("### CI checks (PR #9)" over a table).
    let section = |line: usize| {
        let start = parsed
            .headings
            .iter()
            .rev()
            .find(|h| h.line <= line)
            .map_or(1, |h| h.line);
        let end = parsed
            .headings
            .iter()
            .find(|h| h.line > line)
            .map_or(last, |h| h.line);
        (start, end)
    };
    let mut all: Vec<Pending> = claims;
    for mut p in field_claims.into_iter().chain(table_claims) {
        if p.start >= header_end {
            let (s, e) = section(p.start);
            for (line, m) in &line_mentions {
                if (s..e).contains(line) && !(p.start..p.end).contains(line) {
                    cite(&mut p.claim, m);
                }
            }
        }
        all.push(p);
    }
    all.extend(checklist);
    for p in &mut all {
        // A field claim in the header speaks for the document; its own line
        // is its evidence span.
        for (i, r) in doc.references.iter().enumerate() {
            if (p.start..p.end).contains(&r.line) && r.state != RefState::External
                || (p.start..p.end).contains(&r.line) && r.role != RefRole::Mention
            {
                p.claim.references.push(i);
            }
        }
        for (line, m) in &line_mentions {
            if (p.start..p.end).contains(line) {
                cite(&mut p.claim, m);
            }
        }
    }

    // 9. Evidence in scope, for claims that cite nothing themselves: the
    // section around them, the phase they sit in, the document's header.
    // Lines that are some claim's own (a table row, a checklist item, a
    // `Gate N:` line): their evidence is that claim's, never a neighbour's.
    // `owner[line]`: the first line of the claim that owns it, if any (one
    // lookup per line, however many claims a report has).
    let mut owner: Vec<Option<usize>> = vec![None; last + 1];
    for p in all
        .iter()
        .filter(|p| !(p.takes_fields || p.start == 1 && p.end == last))
    {
        for slot in owner.iter_mut().take(p.end.min(last + 1)).skip(p.start) {
            slot.get_or_insert(p.start);
        }
    }
    let scope_has_evidence = |a: usize, b: usize, strict: bool, me: usize, doc: &Document| {
        let counts = |l: usize| {
            (a..b).contains(&l) && owner.get(l).copied().flatten().is_none_or(|s| s == me)
        };
        let fields = doc_fields.iter().chain(&fields).any(|(k, v, l)| {
            counts(*l)
                && EVIDENCE_KEYS.contains(&k.as_str())
                && !is_empty_evidence(v)
                && placeholder(v).is_none()
                && (!strict || k != "pr")
        });
        let runs = line_mentions
            .iter()
            .any(|(l, m)| counts(*l) && (!m.runs.is_empty() || !strict && !m.pulls.is_empty()));
        let refs = doc
            .references
            .iter()
            .any(|r| counts(r.line) && r.role == RefRole::Evidence && r.state == RefState::Present);
        fields || runs || refs
    };
    let phase_spans: Vec<(usize, usize)> = all
        .iter()
        .filter(|p| p.label == Label::Phase && p.takes_fields)
        .map(|p| (p.start, p.end))
        .collect();
    for p in &mut all {
        if p.label != Label::Gate || p.claim.has_evidence() {
            continue;
        }
        // A checklist item is one line of a list of gates: what its
        // neighbours or the report's pull request cite is not its evidence.
        let strict = p.claim.form == ClaimForm::Checklist;
        let (s, e) = section(p.start);
        let own = if p.takes_fields || strict {
            (p.start, p.end)
        } else {
            (s, e)
        };
        let scope = if scope_has_evidence(own.0, own.1, strict, p.start, &doc) {
            Some("section")
        } else if phase_spans.iter().any(|(a, b)| {
            (*a..*b).contains(&p.start) && scope_has_evidence(*a, *b, strict, p.start, &doc)
        }) {
            Some("phase")
        } else if scope_has_evidence(1, header_end, strict, p.start, &doc) {
            Some("header")
        } else if p.takes_fields
            && doc.phase.is_some()
            && scope_has_evidence(1, last, strict, p.start, &doc)
        {
            // A report about one phase is that phase's section, for a gate
            // that has a section of its own. (A row or a checklist item has
            // an evidence slot of its own.)
            Some("phase")
        } else {
            None
        };
        p.claim.evidence_scope = scope.map(Into::into);
    }

    all.sort_by_key(|p| p.claim.line);
    for p in all {
        let list = match p.label {
            Label::Gate => &mut doc.gates,
            Label::Phase => &mut doc.phases,
        };
        let same = p
            .claim
            .id
            .as_ref()
            .and_then(|id| list.iter_mut().find(|c| c.id.as_ref() == Some(id)));
        match same {
            Some(c) => merge(c, p.claim),
            None => list.push(p.claim),
        }
    }

    // A document inside a gate folder with no gate of its own is that
    // gate's record (its results table).
    if let Some((gid, gname)) = &place.gate
        && doc.gates.is_empty()
    {
        let failing = doc
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .count();
        let passing = doc
            .checks
            .iter()
            .filter(|c| c.status == Status::Pass)
            .count();
        let (status, text) = match (doc.status, failing, passing) {
            (s, _, _) if s != Status::Unknown => (s, doc.status_text.clone()),
            (_, f, _) if f > 0 => (Status::Fail, Some(format!("{f} failing results"))),
            (_, 0, p) if p > 0 => (Status::Pass, Some(format!("{p} results pass"))),
            _ => (Status::Unknown, None),
        };
        doc.gates.push(Claim {
            id: Some(gid.as_str().into()),
            name: gname.as_str().into(),
            form: ClaimForm::Folder,
            status,
            status_text: text.map(Into::into),
            line: 1,
            references: (0..doc.references.len()).collect(),
            ..Claim::default()
        });
    }

    // Runbooks, ADRs, templates, checklists and policies tell people what
    // to do and what files to produce; they claim nothing. A path they name
    // is evidence only where one of their own gates cites it.
    if instructional(&doc) {
        let cited: std::collections::BTreeSet<usize> = doc
            .gates
            .iter()
            .chain(&doc.phases)
            .flat_map(|c| c.references.iter().copied())
            .collect();
        for (i, r) in doc.references.iter_mut().enumerate() {
            if r.role == RefRole::Evidence && r.via != RefVia::Link && !cited.contains(&i) {
                r.role = RefRole::Mention;
            }
        }
    }

    // 10. What this one document shows on its own.
    contradictions_within(&doc, &mut problems);
    placeholders(&doc, &doc_fields, &mut problems);
    Extracted { doc, problems }
}

/// A document that instructs rather than reports.
fn instructional(doc: &Document) -> bool {
    if matches!(doc.kind, DocKind::Runbook | DocKind::Adr) {
        return true;
    }
    let name = doc
        .path
        .rsplit('/')
        .next()
        .unwrap_or(&doc.path)
        .to_lowercase();
    let title = doc.title.as_deref().unwrap_or("").to_lowercase();
    [
        "template",
        "checklist",
        "policy",
        "guide",
        "how-to",
        "howto",
        "instructions",
    ]
    .iter()
    .any(|w| name.contains(w) || title.contains(w))
}

/// The line of the first heading below the title (its phase heading, in a
/// phase report that starts with one).
fn first_content_heading(parsed: &Parsed) -> usize {
    parsed
        .headings
        .iter()
        .find(|h| h.level > HeadingLevel::H1)
        .map_or(0, |h| h.line)
}

/// `Gate 3: PASS`, `GATE 1A - ✅`: a plain gate line, as a field.
fn gate_line(line: &str) -> Option<(String, &str)> {
    let mut l = line.trim_start();
    for marker in ["- ", "* ", "+ ", "> "] {
        if let Some(rest) = l.strip_prefix(marker) {
            l = rest.trim_start();
        }
    }
    let (key, value) = l.split_once(':').or_else(|| l.split_once(" - "))?;
    let key = key.trim();
    if key.len() > 20 || text::claim_label(key).is_none_or(|(_, id)| id.is_empty()) {
        return None;
    }
    // The whole key must be the label ("Gate 3", not "Gate 3 was late").
    let words = key.split_whitespace().count();
    (words <= 2).then(|| (key.to_lowercase(), value.trim()))
}

/// The document's status from every signal it gives, strongest first:
/// header fields; a status heading ("## ✅ Status: COMPLETE"); fields in a
/// sign-off or verdict section; the title; a verdict line on its own
/// ("**READY FOR MERGE**"). `unknown` only when nothing is declared, with
/// the reason.
fn status_of_document(
    doc: &mut Document,
    parsed: &Parsed,
    doc_fields: &[(String, String, usize)],
    header_end: usize,
    in_verdict_section: &dyn Fn(usize) -> bool,
) {
    // "Stage Status", "Overall Status": the document's. "CI Status", "Gate 1
    // Status": something else's.
    const OWN: &[&str] = &[
        "stage",
        "overall",
        "final",
        "release",
        "current",
        "document",
        "pack",
        "acceptance",
        "implementation",
        "delivery",
        "project",
        "completion",
        "merge",
        "deployment",
        "report",
        "closeout",
        "phase",
    ];
    let status_key = |k: &str| {
        STATUS_KEYS.contains(&k)
            || k.strip_suffix(" status")
                .is_some_and(|head| OWN.contains(&head.split_whitespace().next().unwrap_or("")))
    };
    let set = |doc: &mut Document, text: &str, line: usize| -> bool {
        let s = normalize(text);
        if s == Status::Unknown && doc.status_text.is_some() {
            return false;
        }
        doc.status = s;
        doc.status_text = Some(strip_md(text));
        doc.status_line = Some(line);
        s != Status::Unknown
    };
    // Header fields (and the report's own phase section).
    if let Some((_, v, line)) = doc_fields
        .iter()
        .find(|(k, _, l)| status_key(k) && (*l < header_end || !in_verdict_section(*l)))
        && set(doc, v, *line)
    {
        return;
    }
    // "## ✅ Implementation Status: **COMPLETE**", "## Status: GO".
    for h in &parsed.headings {
        let lower = h.text.to_ascii_lowercase();
        if text::claim_label(&demojibake(&h.text)).is_some() {
            continue;
        }
        if let Some(i) = lower.find("status:").or_else(|| lower.find("verdict:")) {
            let at = i + lower[i..].find(':').unwrap_or(0) + 1;
            if set(doc, &h.text[at..], h.line) {
                return;
            }
        }
    }
    // A status section: "## Status\n**SUCCESSFULLY IMPLEMENTED**", "## Gate
    // verdict\n**RR-CUJ gate: COMPLETE** via …", "## Outcome\n- Deployment
    // completed and verified."
    for (i, h) in parsed.headings.iter().enumerate() {
        if h.level == HeadingLevel::H1 || !status_heading(&h.text) {
            continue;
        }
        let end = parsed.headings.get(i + 1).map_or(usize::MAX, |n| n.line);
        let first_para = parsed
            .paras
            .iter()
            .find(|(l, _, _)| *l > h.line && *l < end)
            .map(|(l, t, lead)| (*l, lead.clone().unwrap_or_else(|| t.clone())));
        let first_item = parsed
            .items
            .iter()
            .find(|it| it.line > h.line && it.line < end)
            .map(|it| (it.line, it.text.clone()));
        let first = match (first_para, first_item) {
            (Some(p), Some(it)) => Some(if p.0 < it.0 { p } else { it }),
            (p, it) => p.or(it),
        };
        if let Some((line, text)) = first {
            let value = text.rsplit_once(": ").map_or(text.as_str(), |(_, v)| v);
            if value.split_whitespace().count() <= 12 && set(doc, value, line) {
                return;
            }
            // A list of ticked lines ("✅ All endpoints documented ✅ …").
            if let Some((st, signs)) = sign_status(&text)
                && st != Status::Unknown
                && set(doc, &signs, line)
            {
                return;
            }
        }
    }
    // Sign-off and verdict sections: "**Stage 1.1**: ✅ COMPLETE",
    // "**Recommendation**: APPROVED FOR MERGE".
    if let Some((_, v, line)) = doc_fields.iter().find(|(k, v, l)| {
        in_verdict_section(*l)
            && (status_key(k) || k.starts_with("stage") || k == "overall" || k == "all gates")
            && normalize(v) != Status::Unknown
    }) && set(doc, v, *line)
    {
        return;
    }
    // The title: "# Stage 3.1 ✅ COMPLETE".
    if let Some(h) = parsed.headings.iter().find(|h| h.level == HeadingLevel::H1) {
        let fixed = demojibake(&h.text);
        let tail = fixed
            .rsplit_once([':', '—', '–', '|', '-'])
            .map(|(_, r)| r.trim())
            .filter(|r| pure_status(r).is_some());
        let signs = sign_status(&fixed).filter(|(s, _)| *s != Status::Unknown);
        match (tail, signs) {
            (Some(t), _) if set(doc, t, h.line) => return,
            (None, Some((_, t))) if set(doc, &t, h.line) => return,
            _ => {}
        }
    }
    // A verdict on a line of its own: "**READY FOR MERGE**", "✅ **ACCEPTED
    // for merge**". The last one speaks (conclusions come last).
    let verdict = parsed.bold_lines.iter().rev().find(|(_, t)| {
        let words = t.split_whitespace().count();
        words <= 8 && pure_verdict(t)
    });
    if let Some((line, t)) = verdict
        && set(doc, t, *line)
    {
        return;
    }
    // A conclusion that says it in a sentence: "All gates for Stage 1.3 have
    // been met", "Stage 3.0 has been successfully completed".
    for (i, h) in parsed.headings.iter().enumerate() {
        if !section_matches(
            &h.text,
            &["conclusion", "sign-off", "signoff", "final", "summary"],
        ) {
            continue;
        }
        let end = parsed.headings.get(i + 1).map_or(usize::MAX, |n| n.line);
        let Some((line, text, _)) = parsed
            .paras
            .iter()
            .find(|(l, _, _)| *l > h.line && *l < end)
        else {
            continue;
        };
        let sentence = text.split(". ").next().unwrap_or(text);
        if concluding(sentence) && set(doc, sentence, *line) {
            return;
        }
    }
    if doc.status_text.is_none() {
        doc.status_reason = Some("no status line found".into());
        doc.notes.push("no declared status".into());
    } else {
        doc.status_reason = Some(format!(
            "the status {:?} is not one vouch can read as pass, fail or pending",
            doc.status_text.as_deref().unwrap_or("")
        ));
    }
}

/// A heading that introduces the report's status: "Status", "3. Gate
/// verdict", "Outcome", "Final Decision".
fn status_heading(text: &str) -> bool {
    let t = strip_md(text).to_lowercase();
    let t = t.trim_start_matches(|c: char| !c.is_alphabetic());
    let t = t.trim_end_matches(|c: char| !c.is_alphanumeric());
    // "Verification Status", "Release Decision", "Merge Verdict".
    let words: Vec<&str> = t.split_whitespace().collect();
    if let [first, last] = words.as_slice()
        && ["status", "verdict", "decision", "outcome"].contains(last)
        && [
            "verification",
            "final",
            "overall",
            "release",
            "merge",
            "stage",
            "gate",
            "current",
            "deployment",
            "acceptance",
            "review",
            "test",
            "validation",
            "readiness",
        ]
        .contains(first)
    {
        return true;
    }
    [
        "status",
        "outcome",
        "verdict",
        "result",
        "decision",
        "final status",
        "overall status",
        "final verdict",
        "final decision",
        "gate verdict",
        "gate decision",
        "release decision",
        "go/no-go",
        "go / no-go",
        "recommendation",
    ]
    .contains(&t)
}

/// A concluding sentence that declares the outcome.
fn concluding(sentence: &str) -> bool {
    const PHRASES: &[&str] = &[
        "have been met",
        "has been met",
        "were met",
        "are met",
        "successfully completed",
        "completed successfully",
        "is complete",
        "are complete",
        "is now complete",
        "ready for merge",
        "ready to merge",
        "approved for merge",
        "have passed",
        "all gates passed",
        "not met",
        "has failed",
        "was blocked",
    ];
    let lower = sentence.to_lowercase();
    PHRASES.iter().any(|p| lower.contains(p)) && normalize(sentence) != Status::Unknown
}

/// A bold line that is a verdict: a status word with nothing but verdict
/// words around it ("READY FOR MERGE", "APPROVED", "GO ✅").
fn pure_verdict(t: &str) -> bool {
    const FILLER: &[&str] = &[
        "for",
        "merge",
        "to",
        "production",
        "release",
        "the",
        "and",
        "is",
        "stage",
        "phase",
        "status",
        "final",
        "verdict",
        "decision",
        "overall",
        "all",
        "gates",
        "with",
        "now",
    ];
    if normalize(t) == Status::Unknown {
        return false;
    }
    let lower = strip_md(t).to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .filter(|w| !w.is_empty())
        .all(|w| {
            FILLER.contains(&w)
                || normalize(w) != Status::Unknown
                || matches!(w, "not" | "no")
                || text::stage_id(w).is_some()
        })
}

/// A results cell that says a run failed: a fail sign alone, or fail words
/// only ("❌ FAIL", "FAILED", "✗ 2 errors", "red"); not a setting
/// ("❌ Disabled") or prose ("Missing request timeout + slow backend").
fn failed_result(cell: &str) -> bool {
    const RESULT: &[&str] = &[
        "fail",
        "failed",
        "fails",
        "failing",
        "failure",
        "failures",
        "error",
        "errors",
        "errored",
        "red",
        "broken",
        "regressed",
        "crashed",
        "timeout",
        "timed",
        "out",
        "not",
        "passing",
        "green",
        "job",
        "tests",
        "test",
        "check",
        "checks",
    ];
    if normalize(cell) != Status::Fail {
        return false;
    }
    let text = strip_md(cell).to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    words.len() <= 4 && words.iter().all(|w| RESULT.contains(w))
}

/// A passing verdict over the document's own failing results (a ❌ row in
/// its CI table), or over one of its own gates that failed.
fn contradictions_within(doc: &Document, out: &mut Vec<Problem>) {
    if doc.status != Status::Pass {
        return;
    }
    let said = doc.status_text.clone().unwrap_or_default();
    let line = doc.status_line.unwrap_or(1);
    for c in doc.checks.iter().filter(|c| c.status == Status::Fail) {
        out.push(Problem::new(
            &doc.path,
            line,
            ProblemKind::Contradiction,
            format!(
                "the report says {said:?}, but its own results show {:?} failing: {}",
                c.name, c.detail
            ),
        ));
    }
    for g in doc.gates.iter().filter(|g| g.status == Status::Fail) {
        out.push(Problem::new(
            &doc.path,
            line,
            ProblemKind::Contradiction,
            format!(
                "the report says {said:?}, but {:?} is declared failed ({:?}, line {})",
                g.name,
                g.status_text.as_deref().unwrap_or(""),
                g.line
            ),
        ));
    }
}

/// Passed claims whose evidence is a placeholder.
fn placeholders(doc: &Document, doc_fields: &[(String, String, usize)], out: &mut Vec<Problem>) {
    for g in doc.gates.iter().chain(&doc.phases) {
        if g.status != Status::Pass {
            continue;
        }
        let found = g
            .evidence
            .iter()
            .find_map(|e| placeholder(e).map(|p| (e.clone(), p)))
            .or_else(|| {
                g.references
                    .iter()
                    .filter_map(|&i| doc.references.get(i))
                    .find_map(|r| placeholder(&r.target).map(|p| (r.target.clone(), p)))
            });
        if let Some((as_written, _)) = found {
            out.push(Problem::new(
                &doc.path,
                g.line,
                ProblemKind::PlaceholderEvidence,
                format!(
                    "{:?} is marked passed ({:?}) but its evidence is a placeholder: {as_written:?}",
                    g.name,
                    g.status_text.as_deref().unwrap_or("")
                ),
            ));
        }
    }
    if doc.status == Status::Pass {
        for (k, v, line) in doc_fields {
            if EVIDENCE_KEYS.contains(&k.as_str())
                && let Some(_) = placeholder(v)
                && !doc.gates.iter().chain(&doc.phases).any(|g| g.line == *line)
                && !out.iter().any(|p| p.line == *line)
            {
                out.push(Problem::new(
                    &doc.path,
                    *line,
                    ProblemKind::PlaceholderEvidence,
                    format!(
                        "the report says {:?} but its {k} is a placeholder: {:?}",
                        doc.status_text.as_deref().unwrap_or(""),
                        strip_md(v)
                    ),
                ));
            }
        }
    }
}

/// Adds the CI runs and pull requests one line mentions to `claim`.
fn cite(claim: &mut Claim, m: &text::Mentions) {
    for (run, _, url) in &m.runs {
        let r = url.clone().unwrap_or_else(|| run.clone());
        if !claim.ci_runs.contains(&r) {
            claim.ci_runs.push(r);
        }
    }
    for (n, _) in &m.pulls {
        if !claim.pull_requests.contains(n) {
            claim.pull_requests.push(*n);
        }
    }
}

/// Folds a later mention of the same gate into the first.
fn merge(into: &mut Claim, other: Claim) {
    if into.status == Status::Unknown && other.status != Status::Unknown
        || into.status_text.is_none() && other.status_text.is_some()
    {
        into.status = other.status;
        into.status_text = other.status_text;
    }
    if other.name.len() > into.name.len() {
        into.name = other.name;
    }
    for e in other.evidence {
        if !into.evidence.contains(&e) {
            into.evidence.push(e);
        }
    }
    for r in other.references {
        if !into.references.contains(&r) {
            into.references.push(r);
        }
    }
    for r in other.ci_runs {
        if !into.ci_runs.contains(&r) {
            into.ci_runs.push(r);
        }
    }
    for p in other.pull_requests {
        if !into.pull_requests.contains(&p) {
            into.pull_requests.push(p);
        }
    }
    if into.evidence_scope.is_none() {
        into.evidence_scope = other.evidence_scope;
    }
}

enum Mention {
    Path(String),
    NotFound,
    Outside,
}

/// A path mentioned in text: against the document's folder, then the
/// evidence root, then (for a bare file name) the one file of that name.
fn resolve_mention(target: &str, doc_path: &str, ix: &Index) -> Mention {
    let clean = target.trim_end_matches('/');
    match text::classify(clean, doc_path) {
        Target::Outside => return Mention::Outside,
        Target::Local(p, _) if ix.exists(&p) => return Mention::Path(p),
        _ => {}
    }
    if !clean.starts_with("./")
        && !clean.starts_with("../")
        && let Target::Local(p, _) = text::classify(&format!("/{clean}"), doc_path)
        && ix.exists(&p)
    {
        return Mention::Path(p);
    }
    // A repository-rooted path while the evidence folder is a sub-folder of
    // the repository: `docs/evidence/X.md` from inside `docs/evidence/`.
    if let Some(p) = ix
        .from_repository(clean)
        .or_else(|| suffix_match(clean, ix))
    {
        return Mention::Path(p);
    }
    if !clean.contains('/')
        && let Some(p) = ix.nearest_by_name(clean, doc_path)
    {
        return Mention::Path(p.to_owned());
    }
    Mention::NotFound
}

/// `docs/evidence/a/b.md` when the index holds `a/b.md`: the longest
/// suffix of the path (after dropping leading folders) that exists.
fn suffix_match(path: &str, ix: &Index) -> Option<String> {
    let mut rest = path.trim_start_matches("./");
    while let Some((_, tail)) = rest.split_once('/') {
        if ix.exists(tail) && tail.contains('/') {
            return Some(tail.to_owned());
        }
        rest = tail;
    }
    None
}

fn resolved(target: &str, line: usize, via: RefVia, path: Option<String>, ix: &Index) -> Reference {
    match path {
        Some(p) if ix.sha256(&p).is_some() => Reference {
            target: target.into(),
            line,
            state: RefState::Present,
            sha256: ix.digest(&p),
            path: Some(p.into()),
            via,
            ..Reference::default()
        },
        Some(p) if ix.is_folder(&p) => Reference {
            target: target.into(),
            line,
            state: RefState::Present,
            path: Some(p.into()),
            via,
            ..Reference::default()
        },
        _ => Reference {
            target: target.into(),
            line,
            state: RefState::Missing,
            via,
            ..Reference::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(md: &str) -> Extracted {
        extract("docs/evidence/r.md", "00", md, &Index::default())
    }

    /// A claim's form is written as its word, as it was when it was a
    /// string: `audit.json`, page keys and the templates read that word.
    #[test]
    fn claim_forms_are_written_as_their_words() {
        use ClaimForm::*;
        // Every form: a new one does not build until its word is here.
        let word = |f: ClaimForm| match f {
            Unstated => "",
            Heading => "heading",
            Field => "field",
            Checklist => "checklist",
            Table => "table",
            Folder => "folder",
            Record => "record",
            Report => "report",
            Summary => "summary",
            Json => "json",
        };
        let forms = [
            Heading, Field, Checklist, Table, Folder, Record, Report, Summary, Json,
        ];
        assert_eq!(word(Unstated), Unstated.as_str());
        for (form, word) in forms.into_iter().map(|f| (f, word(f))) {
            let json = serde_json::to_string(&form).expect("serialises");
            assert_eq!(json, format!("\"{word}\""));
            assert_eq!(form.as_str(), word);
            assert_eq!(serde_json::from_str::<ClaimForm>(&json).ok(), Some(form));
        }
        // Unstated: not written at all, and read back when absent.
        let plain = serde_json::to_value(Claim::default()).expect("serialises");
        assert!(plain.get("form").is_none(), "{plain}");
        let back: Claim =
            serde_json::from_str(r#"{"name":"Gate 1","status":"pass","line":3}"#).expect("reads");
        assert_eq!(back.form, Unstated);
        assert!(serde_json::from_str::<ClaimForm>(r#""sideways""#).is_err());
        // As extraction makes them.
        let d = ex("# R\n\n| Gate | Status |\n|---|---|\n| Gate 1 | PASS |\n");
        let g = serde_json::to_value(&d.doc.gates[0]).expect("serialises");
        assert_eq!(g["form"], "table", "{g}");
    }

    /// Lowercasing can change a string's byte length ("İ" is 2 bytes, "i̇" 3),
    /// so offsets found in a lowercased copy must not slice the original.
    #[test]
    fn headings_whose_lowercase_is_longer_do_not_panic() {
        let md = "# R\n\n## İİİİ Status: PASSED\n\n## Gate 1 İİİİ Status: ✅ PASSED\n";
        let d = ex(md).doc;
        assert_eq!(d.status, Status::Pass);
        assert_eq!(d.gates[0].status, Status::Pass);
        assert_eq!(&*d.gates[0].name, "Gate 1 İİİİ");
    }

    /// Status and evidence text is shown as plain words, never as raw
    /// Markdown (`**SUCCESS**`, `[log](./x.log)`).
    #[test]
    fn table_status_and_evidence_text_is_plain() {
        let md = "# Stage 2 Pack\n\n| Gate | Result | Evidence |\n|---|---|---|\n\
                  | Gate 1: tests | **SUCCESS** | [the `log`](./ci.log) |\n";
        let d = ex(md).doc;
        let g = &d.gates[0];
        assert_eq!(g.status, Status::Pass);
        assert_eq!(g.status_text.as_deref(), Some("SUCCESS"));
        assert!(
            g.evidence.iter().all(|e| !e.contains(['*', '`', '[', ']'])),
            "{:?}",
            g.evidence
        );
    }

    #[test]
    fn prose_and_emoji_statuses() {
        for (md, want) in [
            (
                "# Pack\n\nSome text.\n\n**READY FOR MERGE**\n",
                Status::Pass,
            ),
            (
                "# Pack\n\n## Verdict\n\n✅ **ACCEPTED for merge**\n",
                Status::Pass,
            ),
            (
                "# Pack\n\n**Recommendation**: APPROVED FOR MERGE\n",
                Status::Pass,
            ),
            ("# Pack\n\n**Status**: 🟢\n", Status::Pass),
            ("# Stage 3.1 — ✅ COMPLETE\n\ntext\n", Status::Pass),
            (
                "# Pack\n\n## ✅ Implementation Status: **COMPLETE**\n",
                Status::Pass,
            ),
            (
                "# Pack\n\n## Final Sign-Off\n\n**Stage 1.1**: ✅ COMPLETE\n",
                Status::Pass,
            ),
            (
                "# Pack\n\n## Decision\n\n**Decision**: NO-GO\n",
                Status::Fail,
            ),
            (
                "# Pack\n\nJust prose about passing tests.\n",
                Status::Unknown,
            ),
        ] {
            let d = ex(md).doc;
            assert_eq!(d.status, want, "{md}");
            if want == Status::Unknown {
                assert_eq!(d.status_reason.as_deref(), Some("no status line found"));
            }
        }
    }

    #[test]
    fn phase_heading_does_not_swallow_the_report_status() {
        let md = "# Stage 2 Phase 1 Report\n\n## Phase 1 - Scaffolding\n\n**Date**: 2026-01-04\n**Status**: ✅ COMPLETE\n\n## Details\n\ntext\n";
        let d = ex(md).doc;
        assert_eq!(d.status, Status::Pass);
        assert_eq!(d.date.as_deref(), Some("2026-01-04"));
    }

    #[test]
    fn gates_in_every_form() {
        let md = "# Pack\n\n## Gate 1 🟢\n\nEvidence: CI run 12345678\n\nGate 2: PASS\n\n- [x] **Gate 3:** CI green — verified locally\n- [ ] Gate 4: security review\n\n**Gate 5**: ✅ MET\n\n| Gate | Status |\n|---|---|\n| 1a | ✅ |\n| G6 | ❌ FAIL |\n";
        let d = ex(md).doc;
        let got: Vec<(String, Status, &str)> = d
            .gates
            .iter()
            .map(|g| {
                (
                    g.id.as_deref().unwrap_or_default().to_owned(),
                    g.status,
                    g.form.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("1".into(), Status::Pass, "heading"),
                ("2".into(), Status::Pass, "field"),
                ("3".into(), Status::Pass, "checklist"),
                ("4".into(), Status::Pending, "checklist"),
                ("5".into(), Status::Pass, "field"),
                ("1A".into(), Status::Pass, "table"),
                ("6".into(), Status::Fail, "table"),
            ]
        );
    }

    #[test]
    fn a_gate_headings_name_keeps_what_comes_before_its_status() {
        let cases = [
            (
                "## Gate 1: Unit tests — PASS",
                "Gate 1: Unit tests",
                Status::Pass,
                Some("PASS"),
            ),
            (
                "## Gate 2: Rollback drill — ✅ PASSED",
                "Gate 2: Rollback drill",
                Status::Pass,
                Some("✅ PASSED"),
            ),
            (
                "## Gate 3 — Security review: FAILED",
                "Gate 3 — Security review",
                Status::Fail,
                Some("FAILED"),
            ),
            (
                "## Gate 4: PASS — all 12 tests green",
                "Gate 4",
                Status::Pass,
                Some("PASS — all 12 tests green"),
            ),
            ("## Gate 5: PASSED", "Gate 5", Status::Pass, Some("PASSED")),
            (
                "## Gate 6 | Staging deploy | PENDING",
                "Gate 6 | Staging deploy",
                Status::Pending,
                Some("PENDING"),
            ),
            (
                "## Gate 7: Drift Prevention in CI",
                "Gate 7: Drift Prevention in CI",
                Status::Unknown,
                None,
            ),
            (
                "### Phase 0: Governance Evidence Hardening ✅",
                "Phase 0: Governance Evidence Hardening",
                Status::Pass,
                Some("✅"),
            ),
            (
                "### Gate 9: Restore Drill ❌",
                "Gate 9: Restore Drill",
                Status::Fail,
                Some("❌"),
            ),
            (
                "### Gate 10: Smoke tests — ❌ NOT MET",
                "Gate 10: Smoke tests",
                Status::Fail,
                Some("❌ NOT MET"),
            ),
            (
                "### Phase 2: 409 Conflict (Duplicate reference_number) + Unskip ❌ NOT STARTED",
                "Phase 2: 409 Conflict (Duplicate reference_number) + Unskip",
                Status::Pending,
                Some("❌ NOT STARTED"),
            ),
            (
                "### Phase 3: Error Envelope Expansion (403/404/409) ✅ PARTIALLY COMPLETE",
                "Phase 3: Error Envelope Expansion (403/404/409)",
                Status::Pending,
                Some("✅ PARTIALLY COMPLETE"),
            ),
            (
                "### Phase 1: RBAC Deny-Path Contract Tests ✅ COMPLETE",
                "Phase 1: RBAC Deny-Path Contract Tests",
                Status::Pass,
                Some("✅ COMPLETE"),
            ),
            (
                "## Gate 8: Release Rehearsal Passing",
                "Gate 8: Release Rehearsal Passing",
                Status::Unknown,
                None,
            ),
            (
                "### Phase 3: Runtime Error Envelope Completeness",
                "Phase 3: Runtime Error Envelope Completeness",
                Status::Unknown,
                None,
            ),
            (
                "## Gate 11: Deployed to staging",
                "Gate 11",
                Status::Pass,
                Some("Deployed to staging"),
            ),
            (
                "## Gate 12: Not Met",
                "Gate 12",
                Status::Fail,
                Some("Not Met"),
            ),
            (
                "## Gate 13: In Progress",
                "Gate 13",
                Status::Pending,
                Some("In Progress"),
            ),
            (
                "## Gate 14: Tests PASSED",
                "Gate 14",
                Status::Pass,
                Some("Tests PASSED"),
            ),
            (
                "### PHASE 4: GOVERNANCE EVIDENCE HARDENING ✅",
                "PHASE 4: GOVERNANCE EVIDENCE HARDENING",
                Status::Pass,
                Some("✅"),
            ),
            (
                "## Gate 15: 🟢 GO\u{2028}",
                "Gate 15",
                Status::Pass,
                Some("🟢 GO"),
            ),
        ];
        for (heading, name, status, text) in cases {
            let d = ex(&format!("# Pack\n\n{heading}\n\nSome words.\n")).doc;
            let g = d.gates.iter().chain(&d.phases).next().expect(heading);
            assert_eq!(
                (&*g.name, g.status, g.status_text.as_deref()),
                (name, status, text),
                "{heading}"
            );
        }
        // A status field under the heading says its words were a name.
        let cases = [
            (
                "## Gate 1: Release Rehearsal Passing",
                "Gate 1: Release Rehearsal Passing",
                Status::Fail,
            ),
            (
                "## Gate 2: Unit tests — PASS",
                "Gate 2: Unit tests",
                Status::Fail,
            ),
            ("## Gate 3: PASSED", "Gate 3", Status::Fail),
            (
                "## Gate 4: Deployed to staging",
                "Gate 4: Deployed to staging",
                Status::Fail,
            ),
            (
                "## Gate 5: PASS — all 12 tests green",
                "Gate 5",
                Status::Fail,
            ),
        ];
        for (heading, name, status) in cases {
            let d = ex(&format!("# Pack\n\n{heading}\n\n**Status**: ❌ FAILED\n")).doc;
            let g = &d.gates[0];
            assert_eq!((&*g.name, g.status), (name, status), "{heading}");
        }
    }

    #[test]
    fn a_failing_results_row_contradicts_a_passing_verdict() {
        let md = "# Pack\n\n**Status**: READY FOR MERGE\n\n## CI Status\n\n| Job | Result |\n|---|---|\n| Unit tests | ✅ PASS |\n| Integration tests | ❌ FAIL |\n";
        let e = ex(md);
        assert_eq!(e.doc.status, Status::Pass);
        assert_eq!(e.problems.len(), 1, "{:?}", e.problems);
        assert_eq!(e.problems[0].kind, ProblemKind::Contradiction);
        assert!(e.problems[0].message.contains("Integration tests"));
        // The same row under "Issues resolved" is history, not a result.
        let issues = md.replace("## CI Status", "## Issues resolved");
        assert!(ex(&issues).problems.is_empty());
        // A setting that is off, and prose in a status column, are not
        // failed runs.
        let settings = md.replace("❌ FAIL", "❌ Disabled");
        assert!(
            ex(&settings).problems.is_empty(),
            "{:?}",
            ex(&settings).problems
        );
        let prose = md.replace("❌ FAIL", "Missing request timeout + slow backend (~7s)");
        assert!(ex(&prose).problems.is_empty());
    }

    #[test]
    fn placeholder_evidence_in_a_passed_gate() {
        let md = "# Pack\n\n### Gate 1: CI\n**Status**: ✅ PASSED\n**Evidence**: https://github.com/o/r/actions/runs/[TO_BE_UPDATED]\n\n### Gate 2\n**Status**: PASSED\n**Evidence**: Linked after PR creation\n";
        let e = ex(md);
        let kinds: Vec<ProblemKind> = e.problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                ProblemKind::PlaceholderEvidence,
                ProblemKind::PlaceholderEvidence
            ]
        );
    }

    #[test]
    fn strips_markdown() {
        assert_eq!(strip_md("**SUCCESS**"), "SUCCESS");
        assert_eq!(strip_md("[x](./x.md) and `code`"), "x and code");
        assert_eq!(
            placeholder("runs/[TO_BE_UPDATED]").as_deref(),
            Some("to_be_updated")
        );
        assert_eq!(placeholder("TBD").as_deref(), Some("tbd"));
        assert_eq!(placeholder("CI run 12345"), None);
    }

    /// One pass finds what a search per needle found: the first needle of
    /// the list that occurs (not the leftmost match), in any case, in
    /// ASCII text or not; and a lone word.
    #[test]
    fn placeholders_are_found_as_each_needle_would_find_them() {
        // "placeholder" comes before "[insert" in the list, though later in the text.
        assert_eq!(
            placeholder("[Insert link] PlaceHolder").as_deref(),
            Some("placeholder")
        );
        assert_eq!(
            placeholder("Linked After PR creation").as_deref(),
            Some("linked after")
        );
        assert_eq!(
            placeholder("Évidence: to be linked").as_deref(),
            Some("to be linked")
        );
        assert_eq!(placeholder("Évidence: lien"), None);
        assert_eq!(placeholder(" **Pending** ").as_deref(), Some("pending"));
        assert_eq!(placeholder("ToDo").as_deref(), Some("todo"));
        assert_eq!(placeholder("TODO: add"), None);
        assert_eq!(placeholder("ÉTAPE"), None);
    }
}
