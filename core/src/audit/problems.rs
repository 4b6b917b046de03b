//! What an auditor must look at. `vouch check` prints these; the site's
//! problems page lists them; `vouch build --strict` refuses to publish them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Audit, DocKind, RefState, Status, date::Date};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A reference to a file that is not in the evidence, or outside it.
    DanglingReference,
    /// A gate marked passed that cites nothing.
    GateWithoutEvidence,
    /// A report says passed; the JSON evidence it cites says failed.
    Contradiction,
    /// Evidence older than `--max-age`, by its declared date.
    Stale,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::DanglingReference => "dangling-reference",
            ProblemKind::GateWithoutEvidence => "gate-without-evidence",
            ProblemKind::Contradiction => "contradiction",
            ProblemKind::Stale => "stale",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub line: usize,
    pub kind: ProblemKind,
    pub message: String,
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

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// Finds the problems in `audit` (which must hold every document). Stale
/// evidence is judged only when `max_age` is given, against `as_of`.
pub fn find(audit: &Audit, as_of: Option<Date>, max_age: Option<u32>) -> Vec<Problem> {
    let mut out = Vec::new();
    let json_docs: HashMap<&str, &super::Document> = audit
        .documents
        .iter()
        .filter(|d| matches!(d.kind, DocKind::BranchProtection | DocKind::GateSummary))
        .map(|d| (d.path.as_str(), d))
        .collect();
    for d in &audit.documents {
        let json_doc = matches!(d.kind, DocKind::BranchProtection | DocKind::GateSummary);
        for r in &d.references {
            let message = match r.state {
                RefState::Missing => format!("{} is not in the evidence folder", quoted(&r.target)),
                RefState::OutsideRoot => {
                    format!("{} points outside the evidence folder", quoted(&r.target))
                }
                _ => continue,
            };
            out.push(Problem {
                path: d.path.clone(),
                line: r.line,
                kind: ProblemKind::DanglingReference,
                message,
            });
        }
        if !json_doc {
            for g in &d.gates {
                if g.status == Status::Pass && !g.has_evidence() {
                    out.push(Problem {
                        path: d.path.clone(),
                        line: g.line,
                        kind: ProblemKind::GateWithoutEvidence,
                        message: format!(
                            "{} is marked passed ({}) but cites no evidence",
                            quoted(&g.name),
                            quoted(g.status_text.as_deref().unwrap_or(""))
                        ),
                    });
                }
            }
        }
        // Contradictions: a passed claim citing failing JSON evidence (once
        // per claim and evidence file).
        let mut reported = std::collections::HashSet::new();
        for (i, r) in d.references.iter().enumerate() {
            let Some(target) = r
                .path
                .as_deref()
                .and_then(|p| json_docs.get(p))
                .filter(|doc| doc.status == Status::Fail)
            else {
                continue;
            };
            let claim = d
                .gates
                .iter()
                .chain(&d.phases)
                .find(|g| g.references.contains(&i));
            let (who, said) = match claim {
                Some(g) if g.status == Status::Pass => (g.name.clone(), g.status_text.clone()),
                Some(_) => continue,
                None if d.status == Status::Pass => (
                    d.title.clone().unwrap_or_else(|| d.path.clone()),
                    d.status_text.clone(),
                ),
                None => continue,
            };
            if !reported.insert((who.clone(), r.path.clone())) {
                continue;
            }
            out.push(Problem {
                path: d.path.clone(),
                line: r.line,
                kind: ProblemKind::Contradiction,
                message: format!(
                    "{} says passed ({}) but its evidence {} says failed ({})",
                    quoted(&who),
                    quoted(said.as_deref().unwrap_or("")),
                    quoted(&r.target),
                    target.status_text.as_deref().unwrap_or("fail")
                ),
            });
        }
        if let (Some(now), Some(max), Some(date)) = (as_of, max_age, d.date.as_deref())
            && let Some(dd) = super::date::find_date(date)
        {
            let age = now.days() - dd.days();
            if age > i64::from(max) {
                out.push(Problem {
                    path: d.path.clone(),
                    line: d.date_line.unwrap_or(1).max(1),
                    kind: ProblemKind::Stale,
                    message: format!(
                        "evidence dated {date} is {age} days old (--max-age {max}); declared as {}",
                        quoted(d.date_text.as_deref().unwrap_or(date))
                    ),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
