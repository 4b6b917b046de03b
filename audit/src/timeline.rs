//! Stages, then phases, then gates: the audit trail in the order it
//! happened, and the gate matrix of the dashboard.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, BTreeSet},
};

use serde::Serialize;

use vouch_core::audit::{Audit, Claim, DocKind, Document, RefState, Status, Tally};

/// Orders stage ids as versions: `1.2` < `1.10` < `2` < `D1`; none last.
pub fn cmp_ids(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Greater,
        (_, None) => Ordering::Less,
        (Some(a), Some(b)) => {
            // Part by part, as versions, with no list or copy made: every
            // sort of the timeline compares ids tens of thousands of times.
            let (mut x, mut y) = (a.split(['.', '-']), b.split(['.', '-']));
            loop {
                let by_part = match (x.next(), y.next()) {
                    (None, None) => break,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(p), Some(q)) => cmp_part(p, q),
                };
                if by_part != Ordering::Equal {
                    return by_part;
                }
            }
            a.cmp(b)
        }
    }
}

/// One part of an id: numbers by value, before words, which go as text.
fn cmp_part(p: &str, q: &str) -> Ordering {
    match (p.parse::<u64>(), q.parse::<u64>()) {
        (Ok(m), Ok(n)) => m.cmp(&n),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => p.cmp(q),
    }
}

/// One claim, for display.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub id: Option<String>,
    pub status: &'static str,
    pub status_text: String,
    pub path: String,
    pub line: usize,
    pub date: Option<String>,
    pub ci_runs: Vec<String>,
    pub pull_requests: Vec<u64>,
    pub evidence: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocRow {
    pub path: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub date: Option<String>,
    pub status: &'static str,
    pub status_text: String,
    pub status_reason: Option<String>,
    pub phase: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    pub id: Option<String>,
    pub status: &'static str,
    pub status_text: String,
    /// Why the stage's status is unknown, when it is.
    pub status_reason: Option<String>,
    /// The document the stage links to: its acceptance pack, else its
    /// closeout summary, else its first document.
    pub lead: Option<String>,
    pub latest_date: Option<String>,
    /// At most the `rows` asked of [`stages`], of `documents_count`.
    pub documents: Vec<DocRow>,
    pub phases: Vec<Row>,
    pub gates: Vec<Row>,
    pub documents_count: usize,
    pub phases_count: usize,
    pub gates_count: usize,
    /// Distinct gates of the stage, by resolved status.
    pub tally: Tally,
}

/// Which `n` of `len` items to list: those that did not pass before those
/// that did, so a cut never hides a failure while passes are listed; in
/// their order.
pub fn pick(len: usize, n: usize, passed: impl Fn(usize) -> bool) -> Vec<usize> {
    if len <= n {
        return (0..len).collect();
    }
    let mut rank: Vec<(bool, usize)> = (0..len).map(|i| (passed(i), i)).collect();
    rank.select_nth_unstable(n);
    let mut keep: Vec<usize> = rank[..n].iter().map(|&(_, i)| i).collect();
    keep.sort_unstable();
    keep
}

#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub status: &'static str,
    pub symbol: &'static str,
    pub title: String,
    pub path: String,
    pub line: usize,
    /// Documents disagree about this gate.
    pub conflict: bool,
    /// Every claim about this gate: `(path, status)`.
    pub claims: Vec<(String, &'static str)>,
    /// Evidence files cited for the gate (present ones), so the viewer can
    /// turn the cell red when one fails verification.
    pub cited: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow {
    /// `None` for documents of no stage (a release folder's checksums, a
    /// repository-wide scan), listed last when they hold a gate.
    pub stage: Option<String>,
    /// The stage's lead document (see [`Stage::lead`]).
    pub lead: Option<String>,
    pub status: &'static str,
    pub status_reason: Option<String>,
    pub cells: Vec<Option<Cell>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    /// Gate ids with at least one cell, in order.
    pub gates: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

fn kind_rank(k: DocKind) -> u8 {
    match k {
        DocKind::AcceptancePack => 0,
        DocKind::CloseoutSummary => 1,
        DocKind::PhaseReport => 2,
        DocKind::GateRecord => 3,
        DocKind::GateSummary => 4,
        _ => 5,
    }
}

/// Timeline order within a stage: by date, then phase, then path.
fn cmp_in_stage(a: &Document, b: &Document) -> Ordering {
    a.date
        .cmp(&b.date)
        .then_with(|| cmp_ids(a.phase.as_deref(), b.phase.as_deref()))
        .then_with(|| a.path.cmp(&b.path))
}

/// The stage's lead document and its status (with the reason when unknown).
fn lead<'a>(docs: &[&'a Document]) -> Option<&'a Document> {
    docs.iter()
        .filter(|d| matches!(d.kind, DocKind::AcceptancePack | DocKind::CloseoutSummary))
        .min_by_key(|d| (kind_rank(d.kind), d.path.clone()))
        .or_else(|| {
            docs.iter()
                .min_by_key(|d| (kind_rank(d.kind), d.path.clone()))
        })
        .copied()
}

fn lead_status(docs: &[&Document]) -> (Status, String, Option<String>, Option<String>) {
    let Some(d) = lead(docs) else {
        return (
            Status::Unknown,
            String::new(),
            Some("no documents".into()),
            None,
        );
    };
    let reason = (d.status == Status::Unknown).then(|| {
        format!(
            "{}: {}",
            d.path,
            d.status_reason.as_deref().unwrap_or("no status line found")
        )
    });
    (
        d.status,
        d.status_text.clone().unwrap_or_default(),
        reason,
        Some(d.path.clone()),
    )
}

/// Each stage's documents in reading order (date, phase, path), the
/// stages in order.
pub fn stage_documents(audit: &Audit) -> Vec<(Option<&str>, Vec<&Document>)> {
    // One sort of every document, by stage and then in timeline order, cut
    // where the stage changes: filtering all documents once per stage cost
    // stages × documents.
    let mut docs: Vec<&Document> = audit.documents.iter().collect();
    docs.sort_by(|a, b| {
        cmp_ids(a.stage.as_deref(), b.stage.as_deref()).then_with(|| cmp_in_stage(a, b))
    });
    let mut out: Vec<(Option<&str>, Vec<&Document>)> = Vec::new();
    for d in docs {
        let id = d.stage.as_deref();
        match out.last_mut() {
            Some((last, list)) if *last == id => list.push(d),
            _ => out.push((id, vec![d])),
        }
    }
    out
}

/// The latest date `docs` declare.
pub fn latest_date(docs: &[&Document]) -> Option<String> {
    docs.iter().filter_map(|d| d.date.clone()).max()
}

/// Every stage, each listing at most `rows` documents, phases and gates
/// (see [`pick`]) and counting them all: the rows are built only for what
/// is listed, so a stage of 10,000 gates costs 200 rows, not 10,000.
pub fn stages(audit: &Audit, rows: usize) -> Vec<Stage> {
    let grouped = stage_documents(audit);
    Timeline::new(audit, &grouped).each_stage(rows).collect()
}

/// The documents of a folder by stage ([`stage_documents`]) and its gates
/// across them (every gate claim sorted by gate), each worked out once for
/// both pages about the whole folder that read them: the index's matrix
/// and the timeline.
pub struct Timeline<'t, 'a> {
    stages: &'t [(Option<&'a str>, Vec<&'a Document>)],
    cells: GateCells<'a>,
}

impl<'t, 'a> Timeline<'t, 'a> {
    /// `stages` is [`stage_documents`] of `audit`.
    pub fn new(audit: &'a Audit, stages: &'t [(Option<&'a str>, Vec<&'a Document>)]) -> Self {
        Self {
            stages,
            cells: GateCells::new(audit),
        }
    }

    /// The documents by stage ([`stage_documents`]).
    pub fn stages(&self) -> &'t [(Option<&'a str>, Vec<&'a Document>)] {
        self.stages
    }

    /// Each stage's distinct gates, by resolved status.
    fn tallies(&self) -> BTreeMap<Option<&'a str>, Tally> {
        let mut tallies: BTreeMap<Option<&str>, Tally> = BTreeMap::new();
        for ((stage, _), status, _) in self.cells.iter() {
            tallies.entry(stage).or_default().add(status);
        }
        tallies
    }

    /// How many rows [`Timeline::each_stage`] lists over all stages, its
    /// documents, phases and gates each cut at `rows`, without building
    /// them.
    pub fn rows_listed(&self, rows: usize) -> usize {
        self.stages
            .iter()
            .map(|(_, docs)| {
                let claims = |of: fn(&Document) -> usize| docs.iter().map(|d| of(d)).sum::<usize>();
                [
                    docs.len(),
                    claims(|d| d.phases.len()),
                    claims(|d| d.gates.len()),
                ]
                .into_iter()
                .map(|n| n.min(rows))
                .sum::<usize>()
            })
            .sum()
    }

    /// [`stages`], one at a time: a page can be rendered stage by stage, so
    /// that no more than one stage's rows are held at once.
    pub fn each_stage(&self, rows: usize) -> impl Iterator<Item = Stage> + '_ {
        let tallies = self.tallies();
        self.stages.iter().map(move |(id, docs)| {
            stage(
                *id,
                docs,
                tallies.get(id).cloned().unwrap_or_default(),
                rows,
            )
        })
    }

    /// [`matrix`].
    pub fn matrix(&self) -> Matrix {
        matrix_of(self.stages, &self.cells)
    }
}

/// One stage of [`each_stage`]: `docs` are its documents, `tally` its
/// distinct gates.
fn stage(id: Option<&str>, docs: &[&Document], tally: Tally, rows: usize) -> Stage {
    let row = |(d, c): (&Document, &Claim)| Row {
        name: String::from(&*c.name),
        id: c.id.as_deref().map(str::to_owned),
        status: c.status.as_str(),
        status_text: c.status_text.as_deref().unwrap_or_default().to_owned(),
        path: d.path.clone(),
        line: c.line,
        date: d.date.clone(),
        ci_runs: c.ci_runs.to_vec(),
        pull_requests: c.pull_requests.to_vec(),
        evidence: c.evidence.len() + c.references.len(),
    };
    let claims = |of: fn(&Document) -> &[Claim]| -> Vec<(&Document, &Claim)> {
        docs.iter()
            .flat_map(|d| of(d).iter().map(move |c| (*d, c)))
            .collect()
    };
    let listed = |all: Vec<(&Document, &Claim)>| -> (Vec<Row>, usize) {
        let keep = pick(all.len(), rows, |i| all[i].1.status == Status::Pass);
        (keep.into_iter().map(|i| row(all[i])).collect(), all.len())
    };
    let (gates, gates_count) = listed(claims(|d| &d.gates));
    let (phases, phases_count) = listed(claims(|d| &d.phases));
    let (status, status_text, status_reason, lead) = lead_status(docs);
    Stage {
        id: id.map(str::to_owned),
        status: status.as_str(),
        status_text,
        status_reason,
        lead,
        latest_date: latest_date(docs),
        documents: pick(docs.len(), rows, |i| docs[i].status == Status::Pass)
            .into_iter()
            .map(|i| docs[i])
            .map(|d| DocRow {
                path: d.path.clone(),
                title: d.title.clone().unwrap_or_else(|| d.path.clone()),
                kind: d.kind.as_str(),
                kind_label: d.kind.label(),
                date: d.date.clone(),
                status: d.status.as_str(),
                status_text: d.status_text.clone().unwrap_or_default(),
                status_reason: d.status_reason.clone(),
                phase: d.phase.clone(),
            })
            .collect(),
        phases,
        gates,
        documents_count: docs.len(),
        phases_count,
        gates_count,
        tally,
    }
}

/// A gate's name in the matrix: its id, or (without one) the document and
/// the name it is written under, distinct per document. Borrowed: at
/// 200,000 gates, owned keys were 30 MB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GateName<'a> {
    Id(&'a str),
    Named { path: &'a str, name: &'a str },
}

impl<'a> GateName<'a> {
    /// The matrix column this gate goes in: its id, when it has one.
    fn column(self) -> Option<&'a str> {
        match self {
            Self::Id(id) if !id.contains('#') => Some(id),
            _ => None,
        }
    }
}

type GateKey<'a> = (Option<&'a str>, GateName<'a>);

/// Every distinct gate: one per stage and gate id (a gate without an id is
/// distinct per document and name), with its resolved status and every
/// claim about it, lead document first. A failing claim wins; otherwise
/// the lead document's claim speaks.
///
/// One sorted list, not a map of lists: at 50,000 reports of four gates
/// each, a map with a list per gate held 57 MB at the build's peak.
struct GateCells<'a> {
    /// Every gate claim, by gate key, then lead document first.
    claims: Vec<GateClaim<'a>>,
    /// Each gate: where its claims end in `claims` (they start where the
    /// previous gate's end), and its resolved status.
    gates: Vec<(usize, Status)>,
}

/// One gate claim: the gate's key, the document, the claim.
type GateClaim<'a> = (GateKey<'a>, &'a Document, &'a Claim);
/// One gate: its key, its resolved status, its claims.
type Gate<'c, 'a> = (GateKey<'a>, Status, &'c [GateClaim<'a>]);

impl<'a> GateCells<'a> {
    fn new(audit: &'a Audit) -> Self {
        // Sized first: collected from `flat_map` (which gives no size), the
        // list grew by doubling, copying every claim into fresh pages.
        let mut claims: Vec<GateClaim<'a>> =
            Vec::with_capacity(audit.documents.iter().map(|d| d.gates.len()).sum());
        claims.extend(audit.documents.iter().flat_map(|d| {
            d.gates.iter().map(move |g| {
                let name = match &g.id {
                    Some(id) => GateName::Id(id),
                    None => GateName::Named {
                        path: &d.path,
                        name: &g.name,
                    },
                };
                ((d.stage.as_deref(), name), d, g)
            })
        }));
        // Stable: claims that tie stay in document order.
        claims.sort_by(|(k, d, g), (l, e, h)| {
            (k, kind_rank(d.kind), &d.path, g.line).cmp(&(l, kind_rank(e.kind), &e.path, h.line))
        });
        let mut gates = Vec::new();
        let mut start = 0;
        while start < claims.len() {
            let key = claims[start].0;
            let len = claims[start..].iter().take_while(|c| c.0 == key).count();
            let group = &claims[start..start + len];
            let status = if group.iter().any(|(_, _, g)| g.status == Status::Fail) {
                Status::Fail
            } else {
                group[0].2.status
            };
            start += len;
            gates.push((start, status));
        }
        Self { claims, gates }
    }

    /// The gates, by key.
    fn iter(&self) -> impl Iterator<Item = Gate<'_, 'a>> {
        let mut start = 0;
        self.gates.iter().map(move |&(end, status)| {
            let group = &self.claims[start..end];
            start = end;
            (group[0].0, status, group)
        })
    }

    fn get(&self, key: &GateKey<'a>) -> Option<(Status, &[GateClaim<'a>])> {
        let i = self
            .gates
            .binary_search_by(|&(end, _)| self.claims[end - 1].0.cmp(key))
            .ok()?;
        let start = match i {
            0 => 0,
            _ => self.gates[i - 1].0,
        };
        let (end, status) = self.gates[i];
        Some((status, &self.claims[start..end]))
    }
}

/// Distinct gates, by resolved status: the dashboard's and `vouch check`'s
/// gate counts.
pub fn distinct_gates(audit: &Audit) -> Tally {
    let mut t = Tally::default();
    for (_, status, _) in GateCells::new(audit).iter() {
        t.add(status);
    }
    t
}

pub fn matrix(audit: &Audit) -> Matrix {
    let grouped = stage_documents(audit);
    Timeline::new(audit, &grouped).matrix()
}

/// [`matrix`], from the documents by stage and the gate cells.
fn matrix_of(stages: &[(Option<&str>, Vec<&Document>)], cells: &GateCells<'_>) -> Matrix {
    let mut gates: Vec<String> = cells
        .iter()
        .filter_map(|((_, name), _, _)| name.column())
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    gates.sort_by(|a, b| cmp_ids(Some(a), Some(b)));
    // A row per stage, in order; documents without a stage (last) make a
    // row only when they name gates with a column.
    let unstaged = cells
        .iter()
        .any(|((s, name), _, _)| s.is_none() && name.column().is_some());
    let rows = stages
        .iter()
        .filter(|(stage, _)| stage.is_some() || unstaged)
        .map(|&(stage, ref docs)| {
            let (status, _, status_reason, lead) = lead_status(docs);
            let row_cells = gates
                .iter()
                .map(|gid| {
                    let (status, claims) = cells.get(&(stage, GateName::Id(gid)))?;
                    let (_, d, g) = claims
                        .iter()
                        .find(|(_, _, g)| g.status == status)
                        .copied()
                        .unwrap_or(claims[0]);
                    let conflict = claims.iter().any(|(_, _, c)| c.status != status);
                    let mut cited: Vec<String> = claims
                        .iter()
                        .flat_map(|(_, d, c)| {
                            c.references
                                .iter()
                                .filter_map(|&i| d.references.get(i))
                                .filter(|r| r.state == RefState::Present && r.sha256.is_some())
                                .filter_map(|r| r.path.as_deref().map(str::to_owned))
                        })
                        .collect();
                    cited.sort();
                    cited.dedup();
                    Some(Cell {
                        status: status.as_str(),
                        symbol: status.symbol(),
                        title: format!(
                            "{}: {}{}",
                            g.name,
                            g.status_text.as_deref().unwrap_or(g.status.as_str()),
                            if conflict {
                                " (documents disagree)"
                            } else {
                                ""
                            }
                        ),
                        path: d.path.clone(),
                        line: g.line,
                        conflict,
                        claims: claims
                            .iter()
                            .map(|(_, d, c)| (d.path.clone(), c.status.as_str()))
                            .collect(),
                        cited,
                    })
                })
                .collect();
            MatrixRow {
                stage: stage.map(str::to_owned),
                lead,
                status: status.as_str(),
                status_reason,
                cells: row_cells,
            }
        })
        .collect();
    Matrix { gates, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_keeps_failures_first_and_the_order() {
        let status = ["pass", "fail", "pass", "pending", "pass", "fail"];
        let passed = |i: usize| status[i] == "pass";
        assert_eq!(pick(6, 4, passed), [0, 1, 3, 5]);
        assert_eq!(pick(6, 2, passed), [1, 3]);
        assert_eq!(pick(6, 0, passed), Vec::<usize>::new());
        assert_eq!(pick(2, 5, passed), [0, 1]);
    }

    proptest::proptest! {
        /// The sorted list groups the gates and resolves their statuses as
        /// a map of lists does (the way it was done before): same gates,
        /// same order, same claims lead first, same statuses; and `get`
        /// finds each one.
        #[test]
        fn gate_cells_group_as_a_map_of_lists_does(
            docs in proptest::collection::vec(
                (0..3usize, 0..4usize, proptest::collection::vec((0..3usize, 0..3usize, 0..3usize, 1..9usize), 0..4)),
                0..12,
            ),
        ) {
            let kinds = [DocKind::PhaseReport, DocKind::GateSummary, DocKind::Other, DocKind::AcceptancePack];
            let statuses = [Status::Pass, Status::Fail, Status::Pending];
            let audit = Audit {
                documents: docs
                    .iter()
                    .enumerate()
                    .map(|(i, (stage, kind, gates))| Document {
                        path: format!("d{}.md", i % 5),
                        stage: [None, Some("1".to_owned()), Some("2".to_owned())][*stage].clone(),
                        kind: kinds[*kind],
                        gates: gates
                            .iter()
                            .map(|&(id, name, status, line)| Claim {
                                id: [None, Some("1".into()), Some("2".into())][id].clone(),
                                name: ["Tests", "Lint", "Gate 1"][name].into(),
                                status: statuses[status],
                                line,
                                ..Claim::default()
                            })
                            .collect(),
                        ..Document::default()
                    })
                    .collect(),
                ..Audit::default()
            };
            let mut by: BTreeMap<GateKey<'_>, Vec<(&Document, &Claim)>> = BTreeMap::new();
            for d in &audit.documents {
                for g in &d.gates {
                    let name = match &g.id {
                        Some(id) => GateName::Id(id),
                        None => GateName::Named { path: &d.path, name: &g.name },
                    };
                    by.entry((d.stage.as_deref(), name)).or_default().push((d, g));
                }
            }
            let want: Vec<_> = by
                .into_iter()
                .map(|(k, mut claims)| {
                    claims.sort_by(|(d, g), (e, h)| {
                        (kind_rank(d.kind), &d.path, g.line).cmp(&(kind_rank(e.kind), &e.path, h.line))
                    });
                    let status = if claims.iter().any(|(_, g)| g.status == Status::Fail) {
                        Status::Fail
                    } else {
                        claims[0].1.status
                    };
                    (k, status, claims)
                })
                .collect();
            let cells = GateCells::new(&audit);
            let got: Vec<_> = cells
                .iter()
                .map(|(k, status, claims)| {
                    (k, status, claims.iter().map(|&(_, d, g)| (d, g)).collect::<Vec<_>>())
                })
                .collect();
            proptest::prop_assert_eq!(got.len(), want.len());
            for ((k, status, claims), (wk, wstatus, wclaims)) in got.iter().zip(&want) {
                proptest::prop_assert_eq!(k, wk);
                proptest::prop_assert_eq!(status, wstatus);
                proptest::prop_assert_eq!(claims.len(), wclaims.len());
                for ((d, g), (wd, wg)) in claims.iter().zip(wclaims) {
                    proptest::prop_assert!(std::ptr::eq(*d, *wd) && std::ptr::eq(*g, *wg));
                }
                let (found, of) = cells.get(wk).expect("get finds every gate");
                proptest::prop_assert_eq!(found, *wstatus);
                proptest::prop_assert_eq!(of.len(), wclaims.len());
            }
            let absent = (Some("9"), GateName::Id("9"));
            proptest::prop_assert!(cells.get(&absent).is_none());
        }
    }

    /// Matrix columns are gate ids; a gate without one (or with a `#` in
    /// it) counts as its own gate but has no column; a failing claim wins
    /// its cell, and documents of no stage get a last row.
    #[test]
    fn matrix_columns_cells_and_distinct_gates() {
        let gate = |id: Option<&str>, name: &str, status: Status, line: usize| Claim {
            id: id.map(Into::into),
            name: name.into(),
            status,
            line,
            ..Claim::default()
        };
        let doc = |path: &str, stage: Option<&str>, gates: Vec<Claim>| Document {
            path: path.into(),
            stage: stage.map(str::to_owned),
            kind: DocKind::PhaseReport,
            gates,
            ..Document::default()
        };
        let audit = Audit {
            documents: vec![
                doc(
                    "a.md",
                    Some("1"),
                    vec![
                        gate(Some("1"), "Gate 1", Status::Pass, 3),
                        gate(None, "Tests", Status::Pass, 4),
                        gate(Some("x#y"), "Odd", Status::Pass, 5),
                    ],
                ),
                doc(
                    "b.md",
                    Some("1"),
                    vec![gate(Some("1"), "Gate 1", Status::Fail, 7)],
                ),
                doc(
                    "c.md",
                    None,
                    vec![gate(Some("2"), "Gate 2", Status::Pass, 1)],
                ),
                doc(
                    "d.md",
                    Some("1"),
                    vec![gate(None, "Tests", Status::Fail, 2)],
                ),
            ],
            ..Audit::default()
        };
        let m = matrix(&audit);
        assert_eq!(m.gates, ["1", "2"]);
        let stages: Vec<Option<&str>> = m.rows.iter().map(|r| r.stage.as_deref()).collect();
        assert_eq!(stages, [Some("1"), None]);
        let cell = m.rows[0].cells[0].as_ref().expect("stage 1, gate 1");
        assert_eq!(cell.status, "fail");
        assert_eq!(cell.path, "b.md");
        assert!(cell.conflict);
        assert!(m.rows[0].cells[1].is_none());
        assert_eq!(m.rows[1].cells[1].as_ref().map(|c| c.status), Some("pass"));
        // Gate 1 (failed), "Tests" in a.md and in d.md (one each), "Odd",
        // and gate 2.
        let t = distinct_gates(&audit);
        assert_eq!((t.pass, t.fail), (3, 2));
    }

    /// The order as first written: each id made a list of keys.
    fn cmp_ids_by_keys(a: Option<&str>, b: Option<&str>) -> Ordering {
        match (a, b) {
            (None, None) => Ordering::Equal,
            (None, _) => Ordering::Greater,
            (_, None) => Ordering::Less,
            (Some(a), Some(b)) => {
                let key = |s: &str| {
                    s.split(['.', '-'])
                        .map(|p| match p.parse::<u64>() {
                            Ok(n) => (0u8, n, String::new()),
                            Err(_) => (1u8, 0, p.to_owned()),
                        })
                        .collect::<Vec<_>>()
                };
                key(a).cmp(&key(b)).then_with(|| a.cmp(b))
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn ids_order_as_their_keys_do(
            a in proptest::option::of("[0-9A-Da-d.+-]{0,8}"),
            b in proptest::option::of("[0-9A-Da-d.+-]{0,8}"),
        ) {
            proptest::prop_assert_eq!(cmp_ids(a.as_deref(), b.as_deref()), cmp_ids_by_keys(a.as_deref(), b.as_deref()));
            // Equal only when equal: `stage_documents` groups a sort by it.
            proptest::prop_assert_eq!(cmp_ids(a.as_deref(), b.as_deref()) == Ordering::Equal, a == b);
        }
    }

    #[test]
    fn stage_order() {
        let mut v = vec![
            Some("2"),
            None,
            Some("1.10"),
            Some("D1"),
            Some("1.2"),
            Some("4.0.1"),
            Some("4.0"),
        ];
        v.sort_by(|a, b| cmp_ids(*a, *b));
        assert_eq!(
            v,
            [
                Some("1.2"),
                Some("1.10"),
                Some("2"),
                Some("4.0"),
                Some("4.0.1"),
                Some("D1"),
                None
            ]
        );
    }
}
