//! What an auditor must look at, ranked. `vouch check` prints these; the
//! site's problems page lists them; `vouch build --strict` refuses to publish
//! errors and warnings. The rules that find them live in `vouch-audit`.

use serde::{Deserialize, Serialize};

/// How much a problem matters. Errors and warnings are problems (`vouch
/// check` exits 1 on them, `--strict` refuses them); notes are context,
/// printed only with `vouch check --all`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Error,
    #[default]
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }

    /// Plural label for people: "Errors".
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "Errors",
            Severity::Warning => "Warnings",
            Severity::Note => "Notes",
        }
    }

    /// Whether this severity counts as a problem (exit 1, `--strict`).
    pub fn is_problem(self) -> bool {
        self != Severity::Note
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Evidence cited for a claim (a link, or a path in an evidence slot)
    /// that is not in the site.
    MissingEvidence,
    /// A gate declared passed with no evidence anywhere in its scope.
    GateWithoutEvidence,
    /// A declared pass against evidence that shows failure.
    Contradiction,
    /// A passed claim whose evidence is a placeholder (`[TO_BE_UPDATED]`,
    /// "Linked after PR creation").
    PlaceholderEvidence,
    /// Evidence older than `--max-age`, by its declared date.
    Stale,
    /// A drift rule of `vouch.toml` that does not hold: evidence older than
    /// its rule allows, or a recorded hash that is not the file's.
    Drift,
    /// A Markdown link in prose to a file that is not in the evidence, or
    /// that leaves the evidence folder.
    BrokenLink,
    /// A file that could not be read as what it claims to be: JSON that
    /// does not parse, text that is not UTF-8.
    UnreadableFile,
    /// A file left out of the site: a symbolic link, a name that is not UTF-8.
    SkippedFile,
    /// A report too deeply nested to analyse.
    NotAnalysed,
    /// A path mentioned in prose that is not in the evidence (code,
    /// config, examples): context, not a problem.
    MentionNotInEvidence,
    /// Something a document does not say: no heading, no date, no status.
    DocumentNote,
    /// A kind this version does not know (from a newer `audit.json`).
    #[serde(other)]
    Other,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 12] = [
        ProblemKind::MissingEvidence,
        ProblemKind::GateWithoutEvidence,
        ProblemKind::Contradiction,
        ProblemKind::PlaceholderEvidence,
        ProblemKind::Stale,
        ProblemKind::Drift,
        ProblemKind::BrokenLink,
        ProblemKind::UnreadableFile,
        ProblemKind::SkippedFile,
        ProblemKind::NotAnalysed,
        ProblemKind::MentionNotInEvidence,
        ProblemKind::DocumentNote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::MissingEvidence => "missing-evidence",
            ProblemKind::GateWithoutEvidence => "gate-without-evidence",
            ProblemKind::Contradiction => "contradiction",
            ProblemKind::PlaceholderEvidence => "placeholder-evidence",
            ProblemKind::Stale => "stale",
            ProblemKind::Drift => "drift",
            ProblemKind::BrokenLink => "broken-link",
            ProblemKind::UnreadableFile => "unreadable-file",
            ProblemKind::SkippedFile => "skipped-file",
            ProblemKind::NotAnalysed => "not-analysed",
            ProblemKind::MentionNotInEvidence => "mention-not-in-evidence",
            ProblemKind::DocumentNote => "document-note",
            ProblemKind::Other => "other",
        }
    }

    /// The kind in plain words, for pages.
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::MissingEvidence => "Cited evidence is missing",
            ProblemKind::GateWithoutEvidence => "Passed gate cites no evidence",
            ProblemKind::Contradiction => "Claim contradicts its evidence",
            ProblemKind::PlaceholderEvidence => "Evidence is a placeholder",
            ProblemKind::Stale => "Evidence is too old",
            ProblemKind::Drift => "A drift rule does not hold",
            ProblemKind::BrokenLink => "Broken link",
            ProblemKind::UnreadableFile => "File cannot be read",
            ProblemKind::SkippedFile => "File left out",
            ProblemKind::NotAnalysed => "Report not analysed",
            ProblemKind::MentionNotInEvidence => "Mentioned path is not evidence",
            ProblemKind::DocumentNote => "Document note",
            ProblemKind::Other => "Other",
        }
    }

    /// Every kind has one severity.
    pub fn severity(self) -> Severity {
        match self {
            ProblemKind::MissingEvidence
            | ProblemKind::GateWithoutEvidence
            | ProblemKind::Contradiction
            | ProblemKind::PlaceholderEvidence
            | ProblemKind::Stale
            | ProblemKind::Drift => Severity::Error,
            ProblemKind::BrokenLink
            | ProblemKind::UnreadableFile
            | ProblemKind::SkippedFile
            | ProblemKind::NotAnalysed
            | ProblemKind::Other => Severity::Warning,
            ProblemKind::MentionNotInEvidence | ProblemKind::DocumentNote => Severity::Note,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub severity: Severity,
    /// Shared by the problems of one file: the audit crate hands each new
    /// problem the path of the one before when it is the same, and
    /// [`share_paths`] joins the rest once they are sorted (a 50,000-report
    /// folder has 256,000 problems).
    pub path: std::sync::Arc<str>,
    /// 1-based (1 when the problem concerns the whole file).
    pub line: usize,
    pub kind: ProblemKind,
    /// Shared by equal messages where the audit crate finds them together
    /// (a 50,000-report folder has 256,000 problems and 95,000 distinct
    /// messages); held exactly, where `format!` reserves about twice its
    /// literal text.
    pub message: std::sync::Arc<str>,
}

impl Problem {
    pub fn new(path: &str, line: usize, kind: ProblemKind, message: String) -> Self {
        Self::at(path.into(), line, kind, message)
    }

    /// [`Problem::new`], with a path (and perhaps a message) already
    /// shared.
    pub fn at(
        path: std::sync::Arc<str>,
        line: usize,
        kind: ProblemKind,
        message: impl Into<std::sync::Arc<str>>,
    ) -> Self {
        Self {
            severity: kind.severity(),
            path,
            line,
            kind,
            message: message.into(),
        }
    }
}

/// Makes each run of problems with one path (a sorted list has them
/// together) hold that path once.
pub fn share_paths(problems: &mut [Problem]) {
    for i in 1..problems.len() {
        let (done, rest) = problems.split_at_mut(i);
        let (prev, p) = (&done[i - 1], &mut rest[0]);
        if prev.path == p.path && !std::sync::Arc::ptr_eq(&prev.path, &p.path) {
            p.path = prev.path.clone();
        }
    }
}

impl std::fmt::Display for Problem {
    /// Compiler style: `<path>:<line>: <kind>: <message>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.path,
            self.line,
            self.kind.as_str(),
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After sorting, equal paths share one allocation, whoever made them.
    #[test]
    fn sorted_problems_share_equal_paths() {
        let p = |path: &str, line| Problem::new(path, line, ProblemKind::BrokenLink, "gone".into());
        let mut list = vec![p("a.md", 1), p("a.md", 2), p("b.md", 1), p("b.md", 3)];
        assert!(!std::sync::Arc::ptr_eq(&list[0].path, &list[1].path));
        share_paths(&mut list);
        assert!(std::sync::Arc::ptr_eq(&list[0].path, &list[1].path));
        assert!(std::sync::Arc::ptr_eq(&list[2].path, &list[3].path));
        assert!(!std::sync::Arc::ptr_eq(&list[1].path, &list[2].path));
        assert_eq!(&*list[3].path, "b.md");
    }
}
