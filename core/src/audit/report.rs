//! Markdown reports: what they claim, and what they cite.
//!
//! Extraction never fails. Whatever a report does not say (no heading, no
//! date, a table with empty headers) is recorded in the document's `notes`.

use std::collections::BTreeMap;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{
    CiRun, Claim, Commit, DocKind, Document, EvidenceIndex, PullRequest, RefState, RefVia,
    Reference, Status,
    date::find_date,
    normalize,
    status::demojibake,
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
];
const STATUS_KEYS: &[&str] = &[
    "status",
    "overall status",
    "final status",
    "implementation status",
    "stage status",
    "overall",
    "result",
    "outcome",
    "decision",
    "verdict",
    "current status",
    "release status",
];
const EVIDENCE_KEYS: &[&str] = &[
    "evidence",
    "proof",
    "ci run",
    "ci evidence",
    "latest ci run",
    "ci",
    "artifact",
    "artifacts",
    "verification evidence",
    "evidence link",
];

struct Heading {
    level: HeadingLevel,
    text: String,
    line: usize,
}

struct Table {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// Everything pulldown-cmark tells us, with line numbers.
#[derive(Default)]
struct Parsed {
    headings: Vec<Heading>,
    tables: Vec<Table>,
    /// `(dest, line)`.
    links: Vec<(String, usize)>,
    /// Inline code spans: `(text, line)`.
    code: Vec<(String, usize)>,
    /// Plain text outside links and code: `(text, line)`.
    words: Vec<(String, usize)>,
    /// 1-based line numbers inside fenced or indented code blocks.
    code_lines: Vec<(usize, usize)>,
}

fn parse(md: &str) -> Parsed {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(md.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset);
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut p = Parsed::default();
    let (mut in_link, mut in_code_block) = (0usize, false);
    let mut heading: Option<(HeadingLevel, String, usize)> = None;
    let mut table: Option<Table> = None;
    let mut row: Option<(usize, Vec<String>)> = None;
    let mut cell: Option<String> = None;
    for (ev, range) in Parser::new_ext(md, opts).into_offset_iter() {
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
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                in_link += 1;
                p.links.push((dest_url.into_string(), line));
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
            Event::Text(_) | Event::Code(_) if in_code_block => {}
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.1.push_str(&t);
                }
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
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
            return Some(id);
        }
    }
    None
}

/// Status emojis in `s` (a heading), normalised; words in headings are
/// names, not statuses ("Release Rehearsal Passing").
fn sign_status(s: &str) -> Option<(Status, String)> {
    let fixed = demojibake(s);
    let signs: String = fixed
        .chars()
        .filter(|c| "✅✔☑❌✗✘✖⛔🔴⚠🟡⏳🔄☐🚧".contains(*c))
        .collect();
    (!signs.is_empty()).then(|| (normalize(&signs), signs))
}

fn strip_signs(s: &str) -> String {
    let fixed = demojibake(s);
    fixed
        .trim_matches(|c: char| !c.is_alphanumeric() && !")]".contains(c))
        .to_owned()
}

fn is_empty_evidence(s: &str) -> bool {
    let t = s
        .trim()
        .trim_matches(|c: char| "*_`".contains(c))
        .to_lowercase();
    matches!(
        t.as_str(),
        "" | "-" | "—" | "–" | "n/a" | "na" | "none" | "tbd" | "todo" | "?"
    )
}

/// Extracts a Markdown report. `ix` says what exists in the evidence folder.
pub fn extract(path: &str, sha256: &str, md: &str, ix: &EvidenceIndex) -> Document {
    let md = md.strip_prefix('\u{feff}').unwrap_or(md);
    let parsed = parse(md);
    let in_code = |line: usize| {
        parsed
            .code_lines
            .iter()
            .any(|&(a, b)| (a..=b).contains(&line))
    };
    let lines: Vec<&str> = md.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let repo = text::github_repo(md);
    let mut doc = Document {
        path: path.to_owned(),
        sha256: sha256.to_owned(),
        ..Document::default()
    };

    // Title: the first H1, else the first heading.
    let h1s: Vec<&Heading> = parsed
        .headings
        .iter()
        .filter(|h| h.level == HeadingLevel::H1)
        .collect();
    doc.title = h1s
        .first()
        .or(parsed.headings.first().as_ref())
        .map(|h| demojibake(&h.text).trim().to_owned())
        .filter(|t| !t.is_empty());
    if parsed.headings.is_empty() {
        doc.notes.push("no heading".into());
    }
    if h1s.len() > 1 {
        doc.notes.push(format!(
            "{} top-level headings; the first is the title",
            h1s.len()
        ));
    }
    doc.kind = doc_kind(path, doc.title.as_deref());

    // Sections that belong to a gate or phase heading: `(start, end)` lines.
    let mut claims: Vec<(Label, Claim, usize, usize)> = Vec::new();
    for (i, h) in parsed.headings.iter().enumerate() {
        if h.level == HeadingLevel::H1 {
            continue;
        }
        let Some((label, id)) = text::claim_label(&demojibake(&h.text)) else {
            continue;
        };
        let end = parsed.headings[i + 1..]
            .iter()
            .find(|n| n.level <= h.level)
            .map_or(lines.len() + 1, |n| n.line);
        // ASCII lowercasing keeps byte offsets valid for slicing `h.text`.
        let lower = h.text.to_ascii_lowercase();
        let said = ["status:", "result:", "status -", "result -"]
            .iter()
            .find_map(|k| lower.find(k).map(|i| (i, k.len())));
        let (name, status, status_text) = match said {
            // "Gate 3 Status: PASSED ✅"
            Some((i, len)) => {
                let value = demojibake(h.text[i + len..].trim()).into_owned();
                (strip_signs(&h.text[..i]), normalize(&value), Some(value))
            }
            None => match sign_status(&h.text) {
                Some((s, t)) => (strip_signs(&h.text), s, Some(t)),
                None => (strip_signs(&h.text), Status::Unknown, None),
            },
        };
        claims.push((
            label,
            Claim {
                id: Some(id),
                name,
                status,
                status_text,
                line: h.line,
                ..Claim::default()
            },
            h.line,
            end,
        ));
    }
    let section_of = |line: usize, claims: &[(Label, Claim, usize, usize)]| {
        claims
            .iter()
            .rposition(|(_, _, start, end)| (*start..*end).contains(&line))
    };

    // A `**Gate 0**: ✅ MET` line in a report's header (before its first
    // section) speaks for the whole report: the report is its evidence.
    let header_end = parsed
        .headings
        .iter()
        .find(|h| h.level > HeadingLevel::H1)
        .map_or(lines.len() + 1, |h| h.line);
    // Fields, line by line, outside code blocks.
    let mut top_fields: Vec<(String, String, usize)> = Vec::new();
    let mut field_claims: Vec<(Label, Claim, usize, usize)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        if in_code(line) {
            continue;
        }
        let Some((key, value)) = text::field(l, PLAIN_KEYS) else {
            continue;
        };
        let value = value.trim_end_matches(['\\']).trim().to_owned();
        if let Some((label, id)) = text::claim_label(&key) {
            // `**Gate 2**: ✅ MET` declares a gate of its own.
            let name = match label {
                Label::Gate => format!("Gate {id}"),
                Label::Phase => format!("Phase {id}"),
            };
            field_claims.push((
                label,
                Claim {
                    id: Some(id),
                    name,
                    status: normalize(&value),
                    status_text: Some(demojibake(&value).into_owned()),
                    line,
                    ..Claim::default()
                },
                if line < header_end { 1 } else { line },
                if line < header_end {
                    lines.len() + 1
                } else {
                    line + 1
                },
            ));
            continue;
        }
        match section_of(line, &claims) {
            Some(c) => {
                let claim = &mut claims[c].1;
                if STATUS_KEYS.contains(&key.as_str()) {
                    claim.status = normalize(&value);
                    claim.status_text = Some(demojibake(&value).into_owned());
                } else if EVIDENCE_KEYS.contains(&key.as_str()) && !is_empty_evidence(&value) {
                    claim.evidence.push(value.clone());
                }
            }
            None => top_fields.push((key, value, line)),
        }
    }

    // Document fields: the first of each.
    let first = |pred: &dyn Fn(&str) -> bool| top_fields.iter().find(|(k, _, _)| pred(k));
    if let Some((_, v, line)) =
        first(&|k| STATUS_KEYS.contains(&k) || k.ends_with(" status") && k.starts_with("stage"))
    {
        doc.status = normalize(v);
        doc.status_text = Some(demojibake(v).into_owned());
        doc.status_line = Some(*line);
    } else if let Some((h, at)) = parsed.headings.iter().find_map(|h| {
        h.text
            .to_ascii_lowercase()
            .find("status:")
            .map(|i| (h, i + "status:".len()))
    }) {
        let v = &h.text[at..];
        doc.status = normalize(v);
        doc.status_text = Some(demojibake(v.trim()).into_owned());
        doc.status_line = Some(h.line);
    } else {
        doc.notes.push("no declared status".into());
    }
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
    doc.stage = first(&|k| k == "stage")
        .and_then(|(_, v, _)| {
            let v = v.trim_start_matches(|c: char| !c.is_alphanumeric());
            text::stage_id(v).or_else(|| text::stage_after_word(v))
        })
        .or_else(|| doc.title.as_deref().and_then(text::stage_after_word))
        .or_else(|| text::stage_after_word(file_name));
    doc.phase = first(&|k| k == "phase")
        .and_then(|(_, v, _)| phase_after_word(v).or_else(|| text::stage_id(v)))
        .or_else(|| doc.title.as_deref().and_then(phase_after_word))
        .or_else(|| phase_after_word(file_name));

    // References, in document order.
    let mut refs: Vec<Reference> = Vec::new();
    let mut seen: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let mut add = |r: Reference| {
        let key = (r.line, r.path.clone().unwrap_or_else(|| r.target.clone()));
        if let std::collections::btree_map::Entry::Vacant(e) = seen.entry(key) {
            e.insert(refs.len());
            refs.push(r);
        }
    };
    for (dest, line) in &parsed.links {
        match text::classify(dest, path) {
            Target::External => {
                if dest.starts_with("http://") || dest.starts_with("https://") {
                    add(Reference {
                        target: dest.clone(),
                        line: *line,
                        state: RefState::External,
                        via: RefVia::Link,
                        ..Reference::default()
                    });
                }
            }
            Target::Outside => add(Reference {
                target: dest.clone(),
                line: *line,
                state: RefState::OutsideRoot,
                via: RefVia::Link,
                ..Reference::default()
            }),
            Target::Local(p, _) => add(resolved(dest, *line, RefVia::Link, Some(p), ix)),
        }
    }
    let mentioned = parsed
        .code
        .iter()
        .map(|(t, l)| (t.as_str(), *l, RefVia::Code))
        .chain(parsed.words.iter().flat_map(|(t, l)| {
            t.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
                .map(move |w| (w, *l, RefVia::Text))
        }));
    for (word, line, via) in mentioned {
        if via == RefVia::Code && word.contains(char::is_whitespace) {
            continue;
        }
        // Bare URLs are references too (CommonMark does not link them).
        if via == RefVia::Text && (word.starts_with("https://") || word.starts_with("http://")) {
            add(Reference {
                target: word
                    .trim_end_matches(['.', ',', ';', ':', ')', '*'])
                    .to_owned(),
                line,
                state: RefState::External,
                via,
                ..Reference::default()
            });
            continue;
        }
        let Some((target, line_suffix)) = text::path_like(word) else {
            continue;
        };
        let found = resolve_mention(target, path, ix);
        let mut r = match found {
            Mention::Outside => Reference {
                target: target.to_owned(),
                line,
                state: RefState::OutsideRoot,
                via,
                ..Reference::default()
            },
            Mention::Path(p) => resolved(target, line, via, Some(p), ix),
            Mention::NotFound => resolved(target, line, via, None, ix),
        };
        r.lines = line_suffix.map(str::to_owned);
        add(r);
    }
    refs.sort_by_key(|r| r.line);
    doc.references = refs;

    // CI runs, pull requests and commits, line by line.
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
                .any(|r| &r.run_id == run && &r.job_id == job)
            {
                doc.ci_runs.push(CiRun {
                    run_id: run.clone(),
                    job_id: job.clone(),
                    url: url.clone(),
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

    // Tables: rows that are gates or phases, and evidence for the section
    // they sit in.
    let mut table_claims: Vec<(Label, Claim, usize, usize)> = Vec::new();
    for t in &parsed.tables {
        let header: Vec<String> = t.header.iter().map(|h| h.to_lowercase()).collect();
        if header.iter().all(String::is_empty) && !t.header.is_empty() {
            doc.notes.push(format!(
                "table at line {} has empty headers",
                t.rows.first().map_or(0, |r| r.0.saturating_sub(2))
            ));
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
        let status_col = col(&["status", "result", "outcome"]);
        let evidence_col = col(&[
            "evidence",
            "proof",
            "reference",
            "link",
            "artifact",
            "ci run",
        ]);
        for (line, cells) in &t.rows {
            let name = cells
                .get(name_col)
                .map(|c| demojibake(c).trim().to_owned())
                .unwrap_or_default();
            let status_text = status_col.and_then(|c| cells.get(c)).cloned();
            let evidence = evidence_col
                .and_then(|c| cells.get(c))
                .filter(|e| !is_empty_evidence(e))
                .cloned();
            // A "gate" cell that is itself a status ("✅ PASSED") names nothing.
            let status_like = normalize(&name) != Status::Unknown || sign_status(&name).is_some();
            let label = text::claim_label(&name).or_else(|| {
                gate_table
                    .filter(|_| !name.is_empty() && !status_like)
                    .map(|_| {
                        let id = text::stage_id(&name).filter(|i| i.len() <= 3);
                        (Label::Gate, id.unwrap_or_default())
                    })
            });
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
                    let (status, status_text) = match status_text {
                        Some(s) => (normalize(&s), Some(demojibake(&s).into_owned())),
                        None => match sign_status(&cells.join(" ")) {
                            Some((s, t)) => (s, Some(t)),
                            None => (Status::Unknown, None),
                        },
                    };
                    table_claims.push((
                        label,
                        Claim {
                            id: (!id.is_empty()).then_some(id),
                            name: strip_signs(&name),
                            status,
                            status_text,
                            line: *line,
                            evidence: evidence.into_iter().collect(),
                            ..Claim::default()
                        },
                        *line,
                        line + 1,
                    ));
                }
                None => {
                    // A criteria table inside a gate's section backs that gate.
                    if let (Some(c), Some(e)) = (section_of(*line, &claims), evidence) {
                        claims[c].1.evidence.push(e);
                    }
                }
            }
        }
    }

    // Attach references, runs and PRs by line span, then merge by id. A
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
            .map_or(lines.len() + 1, |h| h.line);
        (start, end)
    };
    let mut all: Vec<(Label, Claim, usize, usize)> = Vec::new();
    all.extend(claims);
    for (label, mut claim, start, end) in field_claims.into_iter().chain(table_claims) {
        let (s, e) = section(start);
        for (line, m) in &line_mentions {
            if (s..e).contains(line) && !(start..end).contains(line) {
                cite(&mut claim, m);
            }
        }
        all.push((label, claim, start, end));
    }
    for (_, claim, start, end) in &mut all {
        for (i, r) in doc.references.iter().enumerate() {
            if (*start..*end).contains(&r.line) {
                claim.references.push(i);
            }
        }
        for (line, m) in &line_mentions {
            if (*start..*end).contains(line) {
                cite(claim, m);
            }
        }
    }
    all.sort_by_key(|(_, c, _, _)| c.line);
    for (label, claim, _, _) in all {
        let list = match label {
            Label::Gate => &mut doc.gates,
            Label::Phase => &mut doc.phases,
        };
        let same = claim
            .id
            .as_ref()
            .and_then(|id| list.iter_mut().find(|c| c.id.as_ref() == Some(id)));
        match same {
            Some(c) => merge(c, claim),
            None => list.push(claim),
        }
    }
    doc
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
}

enum Mention {
    Path(String),
    NotFound,
    Outside,
}

/// A path mentioned in text: against the document's folder, then the
/// evidence root, then (for a bare file name) the one file of that name.
fn resolve_mention(target: &str, doc_path: &str, ix: &EvidenceIndex) -> Mention {
    let clean = target.trim_end_matches('/');
    let exists = |p: &str| ix.sha256(p).is_some() || ix.is_folder(p);
    match text::classify(clean, doc_path) {
        Target::Outside => return Mention::Outside,
        Target::Local(p, _) if exists(&p) => return Mention::Path(p),
        _ => {}
    }
    if !clean.starts_with("./")
        && !clean.starts_with("../")
        && let Target::Local(p, _) = text::classify(&format!("/{clean}"), doc_path)
        && exists(&p)
    {
        return Mention::Path(p);
    }
    if !clean.contains('/')
        && let Some(p) = ix.unique_by_name(clean)
    {
        return Mention::Path(p.to_owned());
    }
    Mention::NotFound
}

fn resolved(
    target: &str,
    line: usize,
    via: RefVia,
    path: Option<String>,
    ix: &EvidenceIndex,
) -> Reference {
    let target = target.to_owned();
    match path {
        Some(p) if ix.sha256(&p).is_some() => Reference {
            target,
            line,
            state: RefState::Present,
            sha256: ix.sha256(&p).map(str::to_owned),
            path: Some(p),
            via,
            lines: None,
        },
        Some(p) if ix.is_folder(&p) => Reference {
            target,
            line,
            state: RefState::Present,
            path: Some(p),
            via,
            ..Reference::default()
        },
        _ => Reference {
            target,
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

    /// Lowercasing can change a string's byte length ("İ" is 2 bytes, "i̇" 3),
    /// so offsets found in a lowercased copy must not slice the original.
    #[test]
    fn headings_whose_lowercase_is_longer_do_not_panic() {
        let ix = EvidenceIndex::default();
        let md = "# R\n\n## İİİİ Status: PASSED\n\n## Gate 1 İİİİ Status: ✅ PASSED\n";
        let d = extract("r.md", "00", md, &ix);
        assert_eq!(d.status, Status::Pass);
        assert_eq!(d.gates[0].status, Status::Pass);
        assert_eq!(d.gates[0].name, "Gate 1 İİİİ");
    }
}
