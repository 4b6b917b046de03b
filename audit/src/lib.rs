//! vouch's analyser: the audit trail of an evidence folder.
//!
//! Given each file's bytes (the exact bytes that are published) and an
//! [`Index`] of what exists, it finds what the evidence claims (stages,
//! phases, gates and their statuses), what it cites (files, CI runs, pull
//! requests, commits), and the problems an auditor must look at, ranked by
//! severity. Its output is `vouch_core::audit::Audit`, published as
//! `audit.json`; the viewer reads it through `vouch-core` and never links
//! this crate, so a change here never forces a new viewer build.
//!
//! This crate owns, once for the whole generator:
//! - [`markdown`], the Markdown parser options, the nesting guards, the title rule;
//! - [`index`], the index of paths, folders and pages;
//! - [`status`], the status vocabulary;
//! - [`config`], `vouch.toml`;
//! - every per-file diagnostic (JSON that does not parse, text that is not
//!   UTF-8, reports too deep to analyse), as [`Problem`]s, so `vouch check`
//!   reports exactly what `vouch build --strict` acts on.
//!
//! It does no I/O: the generator reads the files and hands over their bytes.

pub mod config;
pub mod date;
pub mod drift;
pub mod index;
pub mod json;
pub mod layout;
pub mod markdown;
pub mod pins;
pub mod problems;
pub mod report;
pub mod reports;
pub mod shared;
pub mod status;
pub mod testlog;
pub mod text;
pub mod timeline;

pub use config::Config;
pub use index::{Index, folder_page_path, page_path, print_page_path, stage_page_path};
pub use status::{demojibake, normalize};
use vouch_core::{
    ArtifactKind,
    audit::{
        AUDIT_SCHEMA, Audit, AuditSummary, Document, Problem, ProblemKind, RefState, Severity,
    },
    human_bytes,
};

/// Text files larger than this are not analysed (nor rendered in full).
pub const TEXT_LIMIT: usize = 1 << 20;

/// One file, as the analyser is given it.
pub struct File<'a> {
    pub path: &'a str,
    pub sha256: &'a str,
    pub kind: ArtifactKind,
    /// The whole file's size.
    pub size: u64,
    /// Its bytes, or the first [`TEXT_LIMIT`] (+1) of them.
    pub bytes: &'a [u8],
}

/// What one file says.
#[derive(Debug, Default)]
pub struct FileAnalysis {
    /// A report's title (the one title rule: [`markdown::title`]).
    pub title: Option<String>,
    pub document: Option<Document>,
    /// Problems this file shows on its own.
    pub problems: Vec<Problem>,
    /// A report larger than the bytes given: the caller streams the whole
    /// file through [`analyse_report`].
    pub stream: Option<reports::Format>,
}

/// Whether files of `kind` are analysed: others have no document, no
/// problems and no title of their own.
pub fn analysed_kind(kind: ArtifactKind) -> bool {
    matches!(
        kind,
        ArtifactKind::Markdown | ArtifactKind::Json | ArtifactKind::Text
    )
}

/// Analyses one file. Never fails: what cannot be read becomes a problem.
pub fn analyse_file(f: &File<'_>, ix: &Index) -> FileAnalysis {
    let mut out = FileAnalysis::default();
    if !analysed_kind(f.kind) {
        return out;
    }
    let complete = f.bytes.len() as u64 >= f.size;
    if f.kind != ArtifactKind::Markdown
        && let Some(format) = reports::sniff(f.path, f.bytes)
    {
        if !complete {
            out.stream = Some(format);
            return out;
        }
        return analyse_report(format, f.path, f.sha256, &mut &f.bytes[..]);
    }
    let bytes = f.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f.bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        // A cut at the limit may split a character; that is not a problem
        // with the file.
        Err(e) if !complete && e.error_len().is_none() => {
            String::from_utf8_lossy(&bytes[..e.valid_up_to()])
        }
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            out.problems.push(Problem::new(
                f.path,
                line,
                ProblemKind::UnreadableFile,
                format!(
                    "not valid UTF-8 (first bad byte at offset {}); shown with replacement characters",
                    e.valid_up_to()
                ),
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    if f.kind == ArtifactKind::Text {
        out.document = if pins::is_sums_file(f.path) {
            pins::recognise_sums(f.path, f.sha256, &text, ix)
        } else {
            testlog::recognise(f.path, f.sha256, &text)
        }
        .map(placed);
        if let Some(d) = &out.document {
            out.title.clone_from(&d.title);
        }
        return out;
    }
    if !complete {
        let what = if f.kind == ArtifactKind::Json {
            "JSON"
        } else {
            "Markdown"
        };
        out.problems.push(Problem::new(
            f.path,
            1,
            ProblemKind::NotAnalysed,
            format!(
                "{what} larger than {} ({}); not analysed, and shown as text",
                human_bytes(TEXT_LIMIT as u64),
                human_bytes(f.size)
            ),
        ));
        if f.kind == ArtifactKind::Markdown {
            out.title = markdown::title(&text);
        }
        return out;
    }
    match f.kind {
        ArtifactKind::Markdown => match markdown::too_complex(&text) {
            Some(reason) => {
                out.problems.push(Problem::new(
                    f.path,
                    1,
                    ProblemKind::NotAnalysed,
                    format!(
                        "{}; not analysed",
                        reason
                            .trim_end_matches("; HTML shown as text")
                            .trim_end_matches("; shown as text")
                    ),
                ));
                out.document = Some(Document {
                    path: f.path.to_owned(),
                    sha256: f.sha256.into(),
                    kind: report::doc_kind(f.path, None),
                    notes: vouch_core::audit::thin_vec![format!("not analysed: {reason}")],
                    ..Document::default()
                });
            }
            None => {
                let mut e = report::extract(f.path, f.sha256, &text, ix);
                if e.doc.status == vouch_core::audit::Status::Unknown
                    && e.doc.gates.is_empty()
                    && let Some((counts, line)) = testlog::markdown_counts(&text)
                {
                    job_summary(&mut e.doc, counts, line);
                }
                out.title = e.doc.title.clone();
                out.document = Some(e.doc);
                out.problems.extend(e.problems);
            }
        },
        _ => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => {
                let pins = pins::in_json(f.path, &text, &v, ix);
                let doc = match json::recognise(f.path, f.sha256, &text, &v, ix) {
                    Some(mut d) => {
                        d.references.extend(pins);
                        Some(d)
                    }
                    None if !pins.is_empty() => Some(pins::document(f.path, f.sha256, pins)),
                    None => None,
                };
                out.document = doc.map(placed);
            }
            // Valid JSON that serde_json will not hold (a 5,000-digit
            // number): not a document vouch recognises, and not a problem.
            Err(e) if e.to_string().contains("number out of range") => {}
            Err(e) if e.to_string().contains("recursion limit") => {
                out.problems.push(Problem::new(
                    f.path,
                    1,
                    ProblemKind::NotAnalysed,
                    format!(
                        "JSON nested {} levels deep; not analysed, shown as written",
                        json::shape(&text).0
                    ),
                ));
            }
            Err(e) => out.problems.push(Problem::new(
                f.path,
                e.line().max(1),
                ProblemKind::UnreadableFile,
                format!("not valid JSON: {e}"),
            )),
        },
    }
    out
}

/// A CI report of `format`, read whole from `r`: its document (placed in
/// its stage) and title, or the problem that stopped the reading. What
/// [`analyse_file`] does for a report it holds whole, and what the caller
/// does with the file when [`FileAnalysis::stream`] asks for it.
pub fn analyse_report(
    format: reports::Format,
    path: &str,
    sha256: &str,
    r: &mut dyn std::io::BufRead,
) -> FileAnalysis {
    let mut out = FileAnalysis::default();
    match reports::read(format, path, sha256, r) {
        Ok(doc) => {
            out.title = doc.title.clone();
            out.document = Some(placed(doc));
        }
        Err(p) => out.problems.push(p),
    }
    out
}

/// A page with no status of its own that reports test counts (a CI job
/// summary saved as Markdown): its status and its gate are the counts'.
fn job_summary(d: &mut Document, c: vouch_core::audit::Counts, line: usize) {
    let status = c.status();
    if status == vouch_core::audit::Status::Unknown {
        return;
    }
    let text = c.phrase();
    d.status = status;
    d.status_text = Some(text.clone());
    d.status_line = Some(line);
    d.status_reason = None;
    d.counts = Some(c);
    // Machine output: no status line, and no date line, to note.
    d.notes
        .retain(|n| n != "no declared status" && n != "no declared date");
    let mut g = reports::gate("Tests", status, &text);
    g.line = line;
    g.form = vouch_core::audit::ClaimForm::Summary;
    d.gates.push(g);
}

/// A document without a stage of its own takes it from its file name, else
/// from its folders (a stage or release folder).
fn placed(mut d: Document) -> Document {
    if d.stage.is_none() {
        let name = d.path.rsplit('/').next().unwrap_or(&d.path);
        let (stage, from) = match text::stage_after_word(name) {
            Some(s) => (Some(s), "file-name"),
            None => (layout::place(&d.path).stage, "folder"),
        };
        d.stage_source = stage.as_ref().map(|_| from.to_owned());
        d.stage = stage;
    }
    d
}

/// How problems are judged.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules {
    /// Flag evidence whose declared date is older than this many days.
    pub max_age: Option<u32>,
}

/// The audit trail of the whole folder, from every file's analysis (in any
/// order) and the problems found before analysis (files left out).
pub fn finish(
    documents: Vec<Document>,
    file_problems: Vec<Problem>,
    config: &Config,
    rules: Rules,
    built_at: &str,
    files: &drift::Files<'_>,
) -> Audit {
    let mut documents = documents;
    for d in &mut documents {
        if d.kind == vouch_core::audit::DocKind::CoverageReport {
            reports::coverage::judge(d, config.coverage.lines, config.coverage.branches);
        }
        for r in &mut d.references {
            let out_of_scope = matches!(r.state, RefState::Missing | RefState::OutsideRoot)
                && (config.ignores(&r.target)
                    || r.path.as_deref().is_some_and(|p| config.ignores(p)));
            if out_of_scope {
                r.state = RefState::Ignored;
            }
        }
        pins::settle(d);
    }
    merge_whole_stages(&mut documents);
    // A file has at most one document, so no two paths are equal: an
    // unstable sort orders them the same, in place (a stable one takes a
    // buffer of up to half the documents, 15 MB at 50,000 reports).
    documents.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let mut audit = Audit {
        schema_version: AUDIT_SCHEMA,
        documents,
        ..Audit::default()
    };
    let max_age = rules.max_age.or(config.max_age);
    let as_of = date::Date::parse_iso(built_at);
    if max_age.is_some() {
        audit.as_of = as_of.map(date::Date::iso);
        audit.max_age_days = max_age;
    }
    let mut problems = problems::find(&audit, file_problems, as_of, max_age);
    let drift = drift::check(config, &audit.documents, as_of, files);
    // A drift rule over a recorded hash says what its pin would: keep the
    // rule's word, once.
    problems.retain(|p| {
        p.kind != ProblemKind::Contradiction
            || !drift.iter().any(|d| d.path == p.path && d.line == p.line)
    });
    problems.extend(drift);
    // The key is every field, so equal problems are identical and an
    // unstable sort (in place, no buffer) gives the same order.
    problems.sort_unstable_by(|a, b| {
        (a.severity, &a.path, a.line, a.kind, &a.message)
            .cmp(&(b.severity, &b.path, b.line, b.kind, &b.message))
    });
    problems.dedup();
    vouch_core::audit::share_paths(&mut problems);
    // Held to the end of the build: grown by doubling, the list would keep
    // up to as much again unused.
    problems.shrink_to_fit();
    audit.problems = problems;
    audit.summary = summarise(&audit);
    audit
}

/// "Stage 3" and "Stage 3.0" are one stage: where both spellings occur (a
/// `qa/stage3/` folder beside a "Stage 3.0" report), the bare number takes
/// the `.0`.
fn merge_whole_stages(documents: &mut [Document]) {
    let ids: std::collections::BTreeSet<String> =
        documents.iter().filter_map(|d| d.stage.clone()).collect();
    for d in documents.iter_mut() {
        if let Some(s) = &d.stage
            && s.bytes().all(|b| b.is_ascii_digit())
            && ids.contains(&format!("{s}.0"))
        {
            d.stage = Some(format!("{s}.0"));
        }
    }
}

/// The one set of counts.
fn summarise(audit: &Audit) -> AuditSummary {
    let count = |s: Severity| audit.problems.iter().filter(|p| p.severity == s).count();
    AuditSummary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        gates: timeline::distinct_gates(audit),
        failed_documents: audit
            .documents
            .iter()
            .filter(|d| d.status == vouch_core::audit::Status::Fail)
            .map(|d| d.path.clone())
            .collect(),
        stages: audit
            .documents
            .iter()
            .filter_map(|d| d.stage.as_deref())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
    }
}
