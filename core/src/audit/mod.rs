//! The audit trail's wire types: `audit.json`, as the generator writes it
//! and the viewer reads it (schema: `docs/audit.md`).
//!
//! Only the types and the small pure summaries both sides need live here.
//! The extractor that fills them (reports, JSON evidence, gate folders,
//! problems, the timeline) is the native `vouch-audit` crate, so a change to
//! extraction never forces a new viewer build.

pub mod problems;
pub mod status;

use std::{collections::BTreeMap, sync::Arc};

use serde::{Deserialize, Serialize};
pub use smallvec::{SmallVec, smallvec};
pub use thin_vec::{ThinVec, thin_vec};

pub use problems::{Problem, ProblemKind, Severity, share_paths};
pub use status::Status;

/// The `schema_version` of `audit.json` this crate writes and reads.
pub const AUDIT_SCHEMA: u32 = 2;

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
    /// Sorted by severity, then path, then line.
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// The counts every page and `vouch check` show, computed once.
    #[serde(default)]
    pub summary: AuditSummary,
}

/// The numbers of the audit trail, computed once by the extractor so that
/// the dashboard, the problems page and `vouch check` agree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSummary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Distinct gates (one per stage and gate id, however many documents
    /// mention it), by their resolved status.
    pub gates: Tally,
    /// Documents, reports and evidence alike, that declare or show failure.
    #[serde(default)]
    pub failed_documents: Vec<String>,
    /// Stages (or releases) with at least one document.
    pub stages: usize,
}

impl AuditSummary {
    /// Errors and warnings: what `vouch check` exits 1 on.
    pub fn problems(&self) -> usize {
        self.errors + self.warnings
    }
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
    /// A record in a gate folder (JSON): a decision, approvals against the
    /// required owners, or verification results.
    GateRecord,
    /// A test runner's report: JUnit XML.
    TestReport,
    /// A static-analysis or security scan: SARIF.
    ScanReport,
    /// Coverage: Cobertura XML or LCOV.
    CoverageReport,
    /// Recorded hashes of other files: `SHA256SUMS`, `*.sha256`,
    /// `checksums.*`, or JSON that records `sha256` beside a path.
    HashPins,
}

impl DocKind {
    /// Machine-written evidence (JSON), as opposed to a report people wrote.
    pub fn is_data(self) -> bool {
        matches!(
            self,
            DocKind::BranchProtection
                | DocKind::GateSummary
                | DocKind::GateRecord
                | DocKind::TestReport
                | DocKind::ScanReport
                | DocKind::CoverageReport
                | DocKind::HashPins
        )
    }

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
            DocKind::GateRecord => "gate-record",
            DocKind::TestReport => "test-report",
            DocKind::ScanReport => "scan-report",
            DocKind::CoverageReport => "coverage-report",
            DocKind::HashPins => "hash-pins",
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
            DocKind::GateRecord => "Gate record",
            DocKind::TestReport => "Test report",
            DocKind::ScanReport => "Scan report",
            DocKind::CoverageReport => "Coverage report",
            DocKind::HashPins => "Hash pins",
        }
    }
}

/// One report or recognised JSON file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Relative to the evidence folder.
    pub path: String,
    /// In a build, `load::ingest` makes it the artifact's own, shared with
    /// the path index.
    pub sha256: std::sync::Arc<str>,
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
    /// Why the status is `unknown`, when it is: "no status line found".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Where the stage came from: `field`, `title`, `file-name`, `folder`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Claim>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<Claim>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ci_runs: Vec<CiRun>,
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub pull_requests: ThinVec<PullRequest>,
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub commits: ThinVec<Commit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Rules evaluated on JSON evidence (branch protection).
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub checks: ThinVec<Check>,
    /// Pass, fail and skip counts (gate and test summaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    /// Line and branch coverage (coverage reports). Boxed: 88 bytes that
    /// all but a few documents would hold empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Box<Coverage>>,
    /// What failed in a test or scan report: failed and errored tests,
    /// scan results. At most [`FINDINGS_KEPT`]; `findings_total` counts all.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub findings: ThinVec<Finding>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub findings_total: u64,
    /// What was expected and not found, or found twice: "no heading",
    /// "2 top-level headings", "no declared status"…
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub notes: ThinVec<String>,
}

impl Document {
    /// Gives back what its lists and strings reserved while it was read:
    /// tens of thousands of documents are held together until the site is
    /// written.
    pub fn shrink_to_fit(&mut self) {
        fn text(s: &mut String) {
            s.shrink_to_fit();
        }
        fn opt(s: &mut Option<String>) {
            if let Some(s) = s {
                s.shrink_to_fit();
            }
        }
        text(&mut self.path);
        for s in [
            &mut self.title,
            &mut self.stage,
            &mut self.phase,
            &mut self.date,
            &mut self.date_text,
            &mut self.status_text,
            &mut self.status_reason,
            &mut self.stage_source,
        ] {
            opt(s);
        }
        for c in self.phases.iter_mut().chain(self.gates.iter_mut()) {
            c.evidence.shrink_to_fit();
            c.references.shrink_to_fit();
            c.ci_runs.iter_mut().for_each(text);
            c.ci_runs.shrink_to_fit();
            c.pull_requests.shrink_to_fit();
        }
        self.notes.iter_mut().for_each(text);
        self.phases.shrink_to_fit();
        self.gates.shrink_to_fit();
        self.ci_runs.shrink_to_fit();
        self.pull_requests.shrink_to_fit();
        self.commits.shrink_to_fit();
        self.references.shrink_to_fit();
        self.checks.shrink_to_fit();
        self.findings.shrink_to_fit();
        self.notes.shrink_to_fit();
    }

    /// Hands `share` each text that recurs across documents (a claim's id,
    /// name, status text, evidence and scope, a reference's target, a
    /// check's name and detail), so that equal texts can be made one
    /// allocation: the same gates, statuses and checks recur in report
    /// after report.
    pub fn share_text(&mut self, share: &mut dyn FnMut(&mut Arc<str>)) {
        for c in self.phases.iter_mut().chain(self.gates.iter_mut()) {
            share(&mut c.name);
            let optional = [&mut c.id, &mut c.status_text, &mut c.evidence_scope];
            optional.into_iter().flatten().for_each(&mut *share);
            c.evidence.iter_mut().for_each(&mut *share);
        }
        for r in &mut self.references {
            share(&mut r.target);
        }
        for c in &mut self.checks {
            share(&mut c.name);
            share(&mut c.detail);
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The failing items a report document keeps (counts stay exact): a
/// 100,000-case report with every case failing must not make a
/// 100,000-row `audit.json` entry.
pub const FINDINGS_KEPT: usize = 1000;

/// One failing item of a test or scan report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The test (`suite › class › name`) or the rule that fired.
    pub name: String,
    /// `failure`, `error` (tests); `error`, `warning`, `note` (scans).
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where it points: `src/app.py:12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Its line in the report (1-based; 0 when not known).
    #[serde(default)]
    pub line: usize,
}

/// Coverage as a report states it. Rates are percentages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub lines_covered: u64,
    pub lines_valid: u64,
    pub line_rate: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches_covered: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches_valid: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_rate: Option<f64>,
    /// The line-rate threshold it was judged against (`coverage_min` in
    /// `vouch.toml`), in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// A gate or a phase, and what it claims.
///
/// Its id, name, status text, evidence and scope are `Arc<str>`, as are a
/// [`Reference`]'s target and path and a [`Check`]'s name and detail:
/// made once and never grown, 8 bytes smaller than a `String`, nothing
/// reserved, and shared where they recur ([`Document::share_text`]; a
/// reference's path by the generator's `analyse::finish`; 200,000 claims,
/// 250,000 references and 130,000 checks are held at 50,000 reports). A
/// reference's lines and pin and a [`CiRun`]'s texts are `Box<str>`;
/// a claim's CI runs are still `String`s. The JSON is the same.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// `0`, `2`, `A`: the number or letter after "Gate" or "Phase".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Arc<str>>,
    /// As written: `Gate 0: Drift Prevention in CI`.
    pub name: Arc<str>,
    /// How it was declared (`heading`, `table`, …): one byte, not a word
    /// per claim.
    #[serde(default, skip_serializing_if = "ClaimForm::is_unstated")]
    pub form: ClaimForm,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_text: Option<Arc<str>>,
    pub line: usize,
    /// The evidence as written: `CI run 20696326646`, `STAGE1.1_PHASE0_REPORT.md`.
    /// Most claims cite one thing or none: held inline, not in a list of
    /// its own.
    #[serde(default, skip_serializing_if = "SmallVec::is_empty")]
    pub evidence: SmallVec<[Arc<str>; 1]>,
    /// Indexes into the document's `references` that back this claim: up
    /// to two inline, in the room a list's pointer and length take.
    #[serde(default, skip_serializing_if = "SmallVec::is_empty")]
    pub references: SmallVec<[usize; 2]>,
    /// CI runs cited for this claim (URLs or run ids). Few claims cite any:
    /// a `ThinVec` is a pointer, 16 bytes less than an empty `Vec`.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub ci_runs: ThinVec<String>,
    /// Pull request numbers cited for this claim.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub pull_requests: ThinVec<u64>,
    /// Where the evidence in scope came from when the claim itself cites
    /// none: `section`, `phase`, `header`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_scope: Option<Arc<str>>,
}

impl Claim {
    /// True if the claim itself cites anything at all.
    pub fn has_evidence(&self) -> bool {
        !self.evidence.is_empty()
            || !self.references.is_empty()
            || !self.ci_runs.is_empty()
            || !self.pull_requests.is_empty()
    }
}

/// How a claim was declared, written as its word in `audit.json` (and not
/// written when unstated).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimForm {
    #[default]
    #[serde(rename = "")]
    Unstated,
    /// A heading: `## Gate 1: Tests — PASS`.
    Heading,
    /// A field line: `**Gate 1:** PASS`.
    Field,
    /// A checklist item: `- [x] Gate 1`.
    Checklist,
    /// A row of a gates table.
    Table,
    /// A gate folder: its records, or a document in it with no gate of
    /// its own, speak for the folder's gate.
    Folder,
    /// A record outside a gate folder that names its gate (a CI job's
    /// export): it speaks for itself alone.
    Record,
    /// The one gate a machine report (test, scan, coverage) stands for.
    Report,
    /// The test counts of a page with no status of its own (a CI job
    /// summary saved as Markdown).
    Summary,
    /// A gate entry of a JSON summary.
    Json,
}

impl ClaimForm {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimForm::Unstated => "",
            ClaimForm::Heading => "heading",
            ClaimForm::Field => "field",
            ClaimForm::Checklist => "checklist",
            ClaimForm::Table => "table",
            ClaimForm::Folder => "folder",
            ClaimForm::Record => "record",
            ClaimForm::Report => "report",
            ClaimForm::Summary => "summary",
            ClaimForm::Json => "json",
        }
    }

    pub fn is_unstated(&self) -> bool {
        *self == ClaimForm::Unstated
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiRun {
    pub run_id: Box<str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<Box<str>>,
    /// `https://github.com/<owner>/<repo>/actions/runs/<id>[/job/<job>]`,
    /// when the repository is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Box<str>>,
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
    pub target: Arc<str>,
    /// Where it is written (1-based).
    pub line: usize,
    pub state: RefState,
    /// The evidence path it resolves to, when `present`: in a build, a
    /// file's is the path index's own, shared by every reference to the
    /// file (`analyse::finish`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<std::sync::Arc<str>>,
    /// The artifact's SHA-256, when `present` (a file, not a folder):
    /// shared by every reference to that file (a quarter of a million
    /// references at 50,000 reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<std::sync::Arc<str>>,
    /// A `:12` or `:12-20` suffix: the lines cited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Box<str>>,
    /// How it was written: `link`, `code` (backticks) or `text`.
    pub via: RefVia,
    /// What it is for: `evidence` (cited for a claim), `link` (a link in
    /// prose) or `mention` (a path named in prose: code, config, examples).
    #[serde(default)]
    pub role: RefRole,
    /// The SHA-256 this document records for the file (a hash pin): it must
    /// equal `sha256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<Box<str>>,
}

impl Reference {
    /// A hash pin's outcome: `Some(true)` when the pinned file is in the
    /// site with that hash, `Some(false)` when it is not.
    pub fn pin_holds(&self) -> Option<bool> {
        let want = self.pinned.as_deref()?;
        Some(
            self.sha256
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(want)),
        )
    }
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RefRole {
    Evidence,
    Link,
    #[default]
    Mention,
}

impl RefRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RefRole::Evidence => "evidence",
            RefRole::Link => "link",
            RefRole::Mention => "mention",
        }
    }
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
    /// Matches an `ignore` pattern of `vouch.toml`: declared out of scope.
    Ignored,
}

impl RefState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefState::Present => "present",
            RefState::Missing => "missing",
            RefState::External => "external",
            RefState::OutsideRoot => "outside-root",
            RefState::Ignored => "ignored",
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
    pub name: Arc<str>,
    pub status: Status,
    /// What was found: `required_approving_review_count = 1`.
    pub detail: Arc<str>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: u64,
    pub fail: u64,
    pub skip: u64,
}

impl Counts {
    /// Failed if anything failed, else passed if anything passed, else
    /// unknown (nothing ran).
    pub fn status(&self) -> Status {
        if self.fail > 0 {
            Status::Fail
        } else if self.pass > 0 {
            Status::Pass
        } else {
            Status::Unknown
        }
    }

    /// "40 passed, 2 failed, 1 skipped": the one wording of counts.
    pub fn phrase(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.pass, self.fail, self.skip
        )
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
        // Version 1 (before severities and roles) reads with defaults.
        if !(1..=AUDIT_SCHEMA).contains(&a.schema_version) {
            return Err(format!(
                "audit.json has schema_version {}; this vouch reads version {AUDIT_SCHEMA}",
                a.schema_version
            ));
        }
        Ok(a)
    }

    /// `audit.json`, streamed to `out`: compact, since it grows with the
    /// corpus (pretty printing made it half as large again; `jq .` prints
    /// it readably).
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        out.write_all(b"\n")
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
            m.entry(&*p.path).or_default().push(p);
        }
        m
    }
}

/// What the viewer reads of `audit.json`: each document's declared status,
/// its gates' statuses (for the snapshot diff) and its references (for the
/// live check of cited evidence). Everything else is skipped while parsing,
/// so the viewer carries one small deserialiser instead of the whole schema,
/// and a 20 MB `audit.json` costs it a fraction of the memory.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct AuditView {
    pub schema_version: u32,
    #[serde(default)]
    pub documents: Vec<DocView>,
}

/// A document, as [`AuditView`] reads it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct DocView {
    pub path: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub status_text: Option<String>,
    #[serde(default)]
    pub gates: Vec<ClaimView>,
    #[serde(default)]
    pub references: Vec<RefView>,
}

/// A gate, as [`AuditView`] reads it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ClaimView {
    pub name: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub status_text: Option<String>,
}

/// A reference, as [`AuditView`] reads it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct RefView {
    pub target: String,
    #[serde(default)]
    pub state: RefState,
    #[serde(default)]
    pub path: Option<String>,
}

impl AuditView {
    /// Parses `audit.json` as [`Audit::parse`] does (same schema check),
    /// keeping only what the view holds.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let a: AuditView = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if !(1..=AUDIT_SCHEMA).contains(&a.schema_version) {
            return Err(format!(
                "audit.json has schema_version {}; this vouch reads version {AUDIT_SCHEMA}",
                a.schema_version
            ));
        }
        Ok(a)
    }

    pub fn document(&self, path: &str) -> Option<&DocView> {
        self.documents
            .binary_search_by(|d| d.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.documents[i])
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
pub fn status_changes(old: &AuditView, new: &AuditView) -> Vec<StatusChange> {
    type Key<'a> = (&'a str, Option<&'a str>);
    fn entries(a: &AuditView) -> Vec<(Key<'_>, (Status, Option<&str>))> {
        let mut m = Vec::new();
        for d in &a.documents {
            m.push((
                (d.path.as_str(), None),
                (d.status, d.status_text.as_deref()),
            ));
            for g in &d.gates {
                m.push((
                    (d.path.as_str(), Some(g.name.as_str())),
                    (g.status, g.status_text.as_deref()),
                ));
            }
        }
        // A gate named twice in one document keeps its first reading.
        crate::sorted_unique(m)
    }
    let (before, after) = (entries(old), entries(new));
    crate::merge_sorted(&before, &after)
        .filter_map(|(k, b, a)| {
            if b == a {
                return None;
            }
            Some(StatusChange {
                path: k.0.to_owned(),
                claim: k.1.map(str::to_owned),
                before: b.map(|x| x.0),
                after: a.map(|x| x.0),
                before_text: b.and_then(|x| x.1.map(str::to_owned)),
                after_text: a.and_then(|x| x.1.map(str::to_owned)),
            })
        })
        .collect()
}

#[cfg(test)]
mod view_tests {
    use super::*;

    #[test]
    fn shrinking_a_document_keeps_it_and_frees_what_it_reserved() {
        // A clone reserves no more than it holds: each is made afresh.
        let big = |s: &str| {
            let mut x = String::with_capacity(4096);
            x.push_str(s);
            x
        };
        let mut gates = Vec::with_capacity(64);
        let mut evidence = SmallVec::with_capacity(8);
        evidence.push("CI run 7".into());
        let mut pull_requests = ThinVec::with_capacity(8);
        pull_requests.push(7);
        pull_requests.clear();
        gates.push(Claim {
            name: "Gate 1: Tests".into(),
            evidence,
            pull_requests,
            ..Claim::default()
        });
        let mut d = Document {
            path: big("a.md"),
            title: Some(big("A")),
            gates,
            references: Vec::with_capacity(8),
            checks: ThinVec::with_capacity(4),
            notes: ThinVec::with_capacity(16),
            ..Document::default()
        };
        let before = d.clone();
        d.shrink_to_fit();
        assert_eq!(d, before);
        assert_eq!(d.gates.capacity(), 1);
        // One cited thing goes back inline; an emptied list holds nothing.
        assert!(!d.gates[0].evidence.spilled());
        assert_eq!(d.gates[0].pull_requests.capacity(), 0);
        assert_eq!(d.notes.capacity(), 0);
        assert_eq!(d.references.capacity(), 0);
        assert_eq!(d.checks.capacity(), 0);
        assert!(d.path.capacity() < 4096);
        assert!(d.title.as_ref().is_some_and(|t| t.capacity() < 4096));
    }

    #[test]
    fn the_view_reads_what_the_viewer_needs_and_skips_the_rest() {
        let doc = |status: Status, gate: Status| Document {
            path: "a.md".into(),
            status,
            status_text: Some(status.as_str().into()),
            gates: vec![Claim {
                name: "Gate 1".into(),
                status: gate,
                references: smallvec![0],
                ..Claim::default()
            }],
            references: vec![Reference {
                target: "x.log".into(),
                state: RefState::Present,
                path: Some("logs/x.log".into()),
                pinned: Some("ab".repeat(32).into()),
                ..Reference::default()
            }],
            coverage: Some(Box::new(Coverage {
                line_rate: 81.5,
                ..Coverage::default()
            })),
            findings: thin_vec![Finding::default()],
            findings_total: 1,
            ..Document::default()
        };
        let json = |d: Document| {
            let a = Audit {
                schema_version: AUDIT_SCHEMA,
                documents: vec![d],
                ..Audit::default()
            };
            let mut out = Vec::new();
            a.write_json(&mut out).expect("write");
            out
        };
        let old = AuditView::parse(&json(doc(Status::Pass, Status::Pass))).expect("view");
        let new = AuditView::parse(&json(doc(Status::Pass, Status::Fail))).expect("view");
        let d = new.document("a.md").expect("doc");
        assert_eq!(d.references[0].path.as_deref(), Some("logs/x.log"));
        assert_eq!(d.references[0].state, RefState::Present);
        let changes = status_changes(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].claim.as_deref(), Some("Gate 1"));
        assert_eq!(changes[0].after, Some(Status::Fail));
        assert!(AuditView::parse(br#"{"schema_version": 99, "documents": []}"#).is_err());
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// Tens of thousands of documents and hundreds of thousands of claims
    /// and references are held through a build: their sizes are a budget,
    /// and a field that grows one fails here first (`docs/ARCHITECTURE.md`,
    /// Performance). On 64-bit targets, where builds are this large.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_held_types_keep_their_sizes() {
        assert_eq!(std::mem::size_of::<Claim>(), 144);
        assert_eq!(std::mem::size_of::<Reference>(), 96);
        assert_eq!(std::mem::size_of::<Document>(), 456);
    }
}
