//! Stages, then phases, then gates: the audit trail in the order it
//! happened, and the gate matrix of the dashboard.

use std::{cmp::Ordering, collections::BTreeSet};

use serde::Serialize;

use super::{Audit, DocKind, Status, Tally};

/// Orders stage ids as versions: `1.2` < `1.10` < `2` < `D1`; none last.
pub fn cmp_ids(a: Option<&str>, b: Option<&str>) -> Ordering {
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

/// One claim, for display.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub name: String,
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
    pub phase: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    /// `None` for documents that name no stage.
    pub id: Option<String>,
    pub status: &'static str,
    pub status_text: String,
    pub latest_date: Option<String>,
    pub documents: Vec<DocRow>,
    pub phases: Vec<Row>,
    pub gates: Vec<Row>,
    pub tally: Tally,
}

/// One cell of the gate matrix.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub status: &'static str,
    pub symbol: &'static str,
    pub title: String,
    pub path: String,
    /// Documents of the stage disagree about this gate.
    pub conflict: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    /// Gate ids, in order: `0`, `1`, `2`, `A`.
    pub gates: Vec<String>,
    /// `(stage id, one cell per gate id)`.
    pub rows: Vec<(String, Vec<Option<Cell>>)>,
}

fn kind_rank(k: DocKind) -> u8 {
    match k {
        DocKind::AcceptancePack => 0,
        DocKind::CloseoutSummary => 1,
        DocKind::PhaseReport => 2,
        DocKind::GateSummary => 3,
        _ => 4,
    }
}

/// The audit trail by stage, in stage order.
pub fn stages(audit: &Audit) -> Vec<Stage> {
    let ids: BTreeSet<Option<&str>> = audit.documents.iter().map(|d| d.stage.as_deref()).collect();
    let mut ids: Vec<Option<&str>> = ids.into_iter().collect();
    ids.sort_by(|a, b| cmp_ids(*a, *b));
    ids.into_iter()
        .map(|id| {
            let mut docs: Vec<&super::Document> = audit
                .documents
                .iter()
                .filter(|d| d.stage.as_deref() == id)
                .collect();
            docs.sort_by(|a, b| {
                a.date
                    .cmp(&b.date)
                    .then(cmp_ids(a.phase.as_deref(), b.phase.as_deref()))
                    .then(a.path.cmp(&b.path))
            });
            let row = |d: &super::Document, c: &super::Claim| Row {
                name: c.name.clone(),
                status: c.status.as_str(),
                status_text: c.status_text.clone().unwrap_or_default(),
                path: d.path.clone(),
                line: c.line,
                date: d.date.clone(),
                ci_runs: c.ci_runs.clone(),
                pull_requests: c.pull_requests.clone(),
                evidence: c.evidence.len() + c.references.len(),
            };
            let mut tally = Tally::default();
            let mut gates = Vec::new();
            let mut phases = Vec::new();
            for d in &docs {
                for g in &d.gates {
                    tally.add(g.status);
                    gates.push(row(d, g));
                }
                for p in &d.phases {
                    phases.push(row(d, p));
                }
            }
            // The stage's own verdict: its acceptance pack, else closeout.
            let lead = docs
                .iter()
                .filter(|d| matches!(d.kind, DocKind::AcceptancePack | DocKind::CloseoutSummary))
                .min_by_key(|d| kind_rank(d.kind));
            Stage {
                id: id.map(str::to_owned),
                status: lead.map_or(Status::Unknown, |d| d.status).as_str(),
                status_text: lead.and_then(|d| d.status_text.clone()).unwrap_or_default(),
                latest_date: docs.iter().filter_map(|d| d.date.clone()).max(),
                documents: docs
                    .iter()
                    .map(|d| DocRow {
                        path: d.path.clone(),
                        title: d.title.clone().unwrap_or_else(|| d.path.clone()),
                        kind: d.kind.as_str(),
                        kind_label: d.kind.label(),
                        date: d.date.clone(),
                        status: d.status.as_str(),
                        status_text: d.status_text.clone().unwrap_or_default(),
                        phase: d.phase.clone(),
                    })
                    .collect(),
                phases,
                gates,
                tally,
            }
        })
        .collect()
}

/// The gate matrix: one row per stage that has gates, one column per gate id.
pub fn matrix(audit: &Audit) -> Matrix {
    let mut gate_ids: BTreeSet<String> = BTreeSet::new();
    for (_, g) in audit.gates() {
        if let Some(id) = &g.id {
            gate_ids.insert(id.clone());
        }
    }
    let mut gates: Vec<String> = gate_ids.into_iter().collect();
    gates.sort_by(|a, b| cmp_ids(Some(a), Some(b)));
    let mut stage_ids: Vec<&str> = audit
        .documents
        .iter()
        .filter(|d| !d.gates.is_empty())
        .filter_map(|d| d.stage.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    stage_ids.sort_by(|a, b| cmp_ids(Some(a), Some(b)));
    let rows = stage_ids
        .into_iter()
        .map(|stage| {
            let mut docs: Vec<&super::Document> = audit
                .documents
                .iter()
                .filter(|d| d.stage.as_deref() == Some(stage))
                .collect();
            docs.sort_by_key(|d| (kind_rank(d.kind), d.path.clone()));
            let cells = gates
                .iter()
                .map(|gid| {
                    let claims: Vec<(&super::Document, &super::Claim)> = docs
                        .iter()
                        .flat_map(|d| d.gates.iter().map(move |g| (*d, g)))
                        .filter(|(_, g)| g.id.as_deref() == Some(gid))
                        .collect();
                    let (d, g) = claims.first()?;
                    let failing = claims.iter().find(|(_, g)| g.status == Status::Fail);
                    let (d, g) = failing.copied().unwrap_or((*d, *g));
                    let conflict = claims.iter().any(|(_, c)| c.status != g.status);
                    Some(Cell {
                        status: g.status.as_str(),
                        symbol: g.status.symbol(),
                        title: format!(
                            "{} — {}{}",
                            g.name,
                            g.status_text.as_deref().unwrap_or(g.status.as_str()),
                            if conflict {
                                " (documents disagree)"
                            } else {
                                ""
                            }
                        ),
                        path: d.path.clone(),
                        conflict,
                    })
                })
                .collect();
            (stage.to_owned(), cells)
        })
        .collect();
    Matrix { gates, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

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
