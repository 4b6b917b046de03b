//! The audit trail: what each report claims, and the evidence behind it.
//!
//! The generator extracts an [`Audit`] from the evidence and publishes it as
//! `audit.json` (schema: `docs/audit.md`); the viewer reads the same types.
//! Extraction is pure: it is given file contents and an [`EvidenceIndex`]
//! of what exists, and does no I/O.
//!
//! - [`status`]: status words normalised to pass | fail | pending | unknown.
//! - [`report`]: Markdown reports: kind, stage, phase, date, status, gates,
//!   CI runs, pull requests, commits and evidence references.
//! - [`json`]: JSON evidence recognised by shape: branch-protection exports,
//!   gate and test summaries.
//! - [`problems`]: what an auditor must look at: dangling references, gates
//!   without evidence, contradictions, stale evidence.
//! - [`timeline`]: stages, then phases, then gates.

pub mod date;
pub mod json;
pub mod problems;
pub mod report;
pub mod status;
pub mod text;
pub mod timeline;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

pub use problems::{Problem, ProblemKind};
pub use status::{Status, normalize};

/// The `schema_version` of `audit.json` this crate writes and reads.
pub const AUDIT_SCHEMA: u32 = 1;

/// The whole audit trail of one snapshot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub schema_version: u32,
    /// The date problems were judged against (`YYYY-MM-DD`), when staleness
    /// was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// `--max-age`, in days, when staleness was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
    /// One per Markdown report or recognised JSON file, sorted by `path`.
    pub documents: Vec<Document>,
    /// Sorted by path, then line.
    #[serde(default)]
    pub problems: Vec<Problem>,
}

/// What a document is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    PhaseReport,
    AcceptancePack,
    CloseoutSummary,
    Runbook,
    Adr,
    #[default]
    Other,
    /// A GitHub branch-protection export (JSON).
    BranchProtection,
    /// Gate or test results (JSON).
    GateSummary,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::PhaseReport => "phase-report",
            DocKind::AcceptancePack => "acceptance-pack",
            DocKind::CloseoutSummary => "closeout-summary",
            DocKind::Runbook => "runbook",
            DocKind::Adr => "adr",
            DocKind::Other => "other",
            DocKind::BranchProtection => "branch-protection",
            DocKind::GateSummary => "gate-summary",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            DocKind::PhaseReport => "Phase report",
            DocKind::AcceptancePack => "Acceptance pack",
            DocKind::CloseoutSummary => "Closeout summary",
            DocKind::Runbook => "Runbook",
            DocKind::Adr => "ADR",
            DocKind::Other => "Report",
            DocKind::BranchProtection => "Branch protection",
            DocKind::GateSummary => "Gate summary",
        }
    }
}

/// One report or recognised JSON file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Relative to the evidence folder.
    pub path: String,
    pub sha256: String,
    pub kind: DocKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `1.0`, `4.0.1`, `D1`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The declared date, as `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The date as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_line: Option<usize>,
    /// The declared status, normalised…
    pub status: Status,
    /// …and as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_line: Option<usize>,
    #[serde(default)]
    pub phases: Vec<Claim>,
    #[serde(default)]
    pub gates: Vec<Claim>,
    #[serde(default)]
    pub ci_runs: Vec<CiRun>,
    #[serde(default)]
    pub pull_requests: Vec<PullRequest>,
    #[serde(default)]
    pub commits: Vec<Commit>,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Rules evaluated on JSON evidence (branch protection).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Pass, fail and skip counts (gate and test summaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    /// What was expected and not found, or found twice: "no heading",
    /// "2 top-level headings", "no declared status"…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A gate or a phase, and what it claims.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// `0`, `2`, `A`: the number or letter after "Gate" or "Phase".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// As written: `Gate 0: Drift Prevention in CI`.
    pub name: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    pub line: usize,
    /// The evidence as written: `CI run 20696326646`, `STAGE1.1_PHASE0_REPORT.md`.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Indexes into the document's `references` that back this claim.
    #[serde(default)]
    pub references: Vec<usize>,
    /// CI runs cited for this claim (URLs or run ids).
    #[serde(default)]
    pub ci_runs: Vec<String>,
    /// Pull request numbers cited for this claim.
    #[serde(default)]
    pub pull_requests: Vec<u64>,
}

impl Claim {
    /// True if the claim cites anything at all.
    pub fn has_evidence(&self) -> bool {
        !self.evidence.is_empty()
            || !self.references.is_empty()
            || !self.ci_runs.is_empty()
            || !self.pull_requests.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiRun {
    pub run_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// `https://github.com/<owner>/<repo>/actions/runs/<id>[/job/<job>]`,
    /// when the repository is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub line: usize,
}

/// One evidence reference in a report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// As written, without a `:line` suffix.
    pub target: String,
    /// Where it is written (1-based).
    pub line: usize,
    pub state: RefState,
    /// The evidence path it resolves to, when `present`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The artifact's SHA-256, when `present` (a file, not a folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// A `:12` or `:12-20` suffix: the lines cited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<String>,
    /// How it was written: `link`, `code` (backticks) or `text`.
    pub via: RefVia,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RefState {
    Present,
    #[default]
    Missing,
    External,
    OutsideRoot,
}

impl RefState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefState::Present => "present",
            RefState::Missing => "missing",
            RefState::External => "external",
            RefState::OutsideRoot => "outside-root",
        }
    }
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RefVia {
    #[default]
    Link,
    Code,
    Text,
}

/// One rule evaluated on JSON evidence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    /// What was found: `required_approving_review_count = 1`.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: u64,
    pub fail: u64,
    pub skip: u64,
}

/// What exists in the evidence folder, for resolving references.
#[derive(Debug, Default)]
pub struct EvidenceIndex {
    files: HashMap<String, String>,
    folders: BTreeSet<String>,
    /// File name → paths with that name.
    names: HashMap<String, Vec<String>>,
}

impl EvidenceIndex {
    /// From `(path, sha256)` pairs.
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut ix = EvidenceIndex::default();
        for (path, sha) in files {
            let mut p = path;
            while let Some(i) = p.rfind('/') {
                p = &p[..i];
                ix.folders.insert(p.to_owned());
            }
            let name = path.rsplit('/').next().unwrap_or(path);
            ix.names
                .entry(name.to_owned())
                .or_default()
                .push(path.to_owned());
            ix.files.insert(path.to_owned(), sha.to_owned());
        }
        ix
    }

    pub fn sha256(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    pub fn is_folder(&self, path: &str) -> bool {
        self.folders.contains(path)
    }

    /// The one file with this name, if exactly one exists.
    pub fn unique_by_name(&self, name: &str) -> Option<&str> {
        match self.names.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => None,
        }
    }
}

/// Gate statuses across documents: counts for the dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub pending: usize,
    pub unknown: usize,
}

impl Tally {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Pending => self.pending += 1,
            Status::Unknown => self.unknown += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.pending + self.unknown
    }
}

impl Audit {
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let a: Audit = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if a.schema_version != AUDIT_SCHEMA {
            return Err(format!(
                "audit.json has schema_version {}; this vouch reads version {AUDIT_SCHEMA}",
                a.schema_version
            ));
        }
        Ok(a)
    }

    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn document(&self, path: &str) -> Option<&Document> {
        self.documents
            .binary_search_by(|d| d.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.documents[i])
    }

    /// Every gate of every document.
    pub fn gates(&self) -> impl Iterator<Item = (&Document, &Claim)> {
        self.documents
            .iter()
            .flat_map(|d| d.gates.iter().map(move |g| (d, g)))
    }

    pub fn gate_tally(&self) -> Tally {
        let mut t = Tally::default();
        for (_, g) in self.gates() {
            t.add(g.status);
        }
        t
    }

    /// The latest declared date, overall.
    pub fn latest_date(&self) -> Option<&str> {
        self.documents
            .iter()
            .filter_map(|d| d.date.as_deref())
            .max()
    }

    /// Problems per document path.
    pub fn problems_by_path(&self) -> BTreeMap<&str, Vec<&Problem>> {
        let mut m: BTreeMap<&str, Vec<&Problem>> = BTreeMap::new();
        for p in &self.problems {
            m.entry(p.path.as_str()).or_default().push(p);
        }
        m
    }
}

/// A status change of one claim between two audits (for the snapshot diff).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub path: String,
    /// `None` for the document's own status.
    pub claim: Option<String>,
    pub before: Option<Status>,
    pub after: Option<Status>,
    pub before_text: Option<String>,
    pub after_text: Option<String>,
}

/// What changed in declared statuses between two audits: documents and
/// gates that appeared, disappeared or changed status (text or value).
pub fn status_changes(old: &Audit, new: &Audit) -> Vec<StatusChange> {
    type Key = (String, Option<String>);
    fn entries(a: &Audit) -> BTreeMap<Key, (Status, Option<String>)> {
        let mut m = BTreeMap::new();
        for d in &a.documents {
            m.insert((d.path.clone(), None), (d.status, d.status_text.clone()));
            for g in &d.gates {
                m.entry((d.path.clone(), Some(g.name.clone())))
                    .or_insert((g.status, g.status_text.clone()));
            }
        }
        m
    }
    let (before, after) = (entries(old), entries(new));
    let keys: BTreeSet<&Key> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (b, a) = (before.get(k), after.get(k));
            if b == a {
                return None;
            }
            Some(StatusChange {
                path: k.0.clone(),
                claim: k.1.clone(),
                before: b.map(|x| x.0),
                after: a.map(|x| x.0),
                before_text: b.and_then(|x| x.1.clone()),
                after_text: a.and_then(|x| x.1.clone()),
            })
        })
        .collect()
}
