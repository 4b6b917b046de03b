//! The triage: what an auditor must look at, ranked.
//!
//! - **error**: evidence cited for a claim that is not in the site; a gate
//!   declared passed with no evidence anywhere in its scope; a declared
//!   pass against evidence that shows failure; placeholder evidence in a
//!   passed claim; staleness past `--max-age`;
//! - **warning**: a broken Markdown link in prose; a file that cannot be
//!   read as what it claims to be, or was left out;
//! - **note** (`vouch check --all`): a path mentioned in prose that is not
//!   in the evidence (code, config, examples), and what a document does not
//!   say (no date, no status).

use std::collections::{HashMap, HashSet};

use vouch_core::audit::{
    Audit, Claim, DocKind, Document, Problem, ProblemKind, RefRole, RefState, Reference, Status,
};

use crate::date::{Date, find_date};

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// A path written as a template or example: `reports/YYYY-MM-DD.md`,
/// `runs/<id>.log`, `*.png`, `{stage}/x.md`. Never a problem.
pub fn templated(target: &str) -> bool {
    let upper = target.to_ascii_uppercase();
    target.contains(['<', '>', '{', '}', '*', '$', '…'])
        || target.contains("...")
        || ["YYYY", "XXXX", "NNN", "[ID]", "<ID>"]
            .iter()
            .any(|t| upper.contains(t))
        || crate::report::placeholder(target).is_some()
        || matches!(
            target.to_ascii_lowercase().as_str(),
            "url" | "link" | "todo" | "tbd" | "path" | "file" | "#"
        )
}

/// Finds the problems of `audit` (which must hold every document).
/// Stale evidence is judged only when `max_age` is given, against `as_of`.
pub fn find(audit: &Audit, as_of: Option<Date>, max_age: Option<u32>) -> Vec<Problem> {
    let mut out = Vec::new();
    let by_path: HashMap<&str, &Document> = audit
        .documents
        .iter()
        .map(|d| (d.path.as_str(), d))
        .collect();
    records(audit, &mut out);
    for d in &audit.documents {
        references(d, &mut out);
        gates_without_evidence(d, &mut out);
        cited_failures(d, &by_path, &mut out);
        for n in &d.notes {
            out.push(Problem::new(
                &d.path,
                1,
                ProblemKind::DocumentNote,
                n.clone(),
            ));
        }
        if let (Some(now), Some(max), Some(date)) = (as_of, max_age, d.date.as_deref())
            && let Some(dd) = find_date(date)
        {
            let age = now.days() - dd.days();
            if age > i64::from(max) {
                out.push(Problem::new(
                    &d.path,
                    d.date_line.unwrap_or(1).max(1),
                    ProblemKind::Stale,
                    format!(
                        "evidence dated {date} is {age} days old (--max-age {max}); declared as {}",
                        quoted(d.date_text.as_deref().unwrap_or(date))
                    ),
                ));
            }
        }
    }
    out
}

fn references(d: &Document, out: &mut Vec<Problem>) {
    for r in &d.references {
        let outside = match r.state {
            RefState::Missing => false,
            RefState::OutsideRoot => true,
            _ => continue,
        };
        if templated(&r.target) {
            continue;
        }
        let (kind, message) = match (r.role, outside) {
            (RefRole::Evidence, false) => (
                ProblemKind::MissingEvidence,
                format!(
                    "{} is cited as evidence but is not in the evidence folder",
                    quoted(&r.target)
                ),
            ),
            (RefRole::Evidence, true) => (
                ProblemKind::MissingEvidence,
                format!(
                    "{} is cited as evidence but points outside the evidence folder",
                    quoted(&r.target)
                ),
            ),
            (RefRole::Link, false) => (
                ProblemKind::BrokenLink,
                format!(
                    "link to {} which is not in the evidence folder",
                    quoted(&r.target)
                ),
            ),
            (RefRole::Link, true) => (
                ProblemKind::BrokenLink,
                format!(
                    "link to {} points outside the evidence folder",
                    quoted(&r.target)
                ),
            ),
            (RefRole::Mention, _) => (
                ProblemKind::MentionNotInEvidence,
                format!(
                    "{} is mentioned but is not in the evidence folder",
                    quoted(&r.target)
                ),
            ),
        };
        out.push(Problem::new(&d.path, r.line, kind, message));
    }
}

fn gates_without_evidence(d: &Document, out: &mut Vec<Problem>) {
    if d.kind.is_data() {
        return; // a record is its own evidence
    }
    for g in &d.gates {
        let placeholder = g
            .evidence
            .iter()
            .any(|e| crate::report::placeholder(e).is_some());
        if g.status == Status::Pass
            && !g.has_evidence()
            && g.evidence_scope.is_none()
            && !placeholder
            && g.form != "folder"
        {
            out.push(Problem::new(
                &d.path,
                g.line,
                ProblemKind::GateWithoutEvidence,
                format!(
                    "{} is marked passed ({}) but cites no evidence, and none is cited in its section, phase or the report's header",
                    quoted(&g.name),
                    quoted(g.status_text.as_deref().unwrap_or(""))
                ),
            ));
        }
    }
}

/// A passed claim citing a document that shows failure (a failing JSON
/// export, a report that declares failure); once per claim and file.
fn cited_failures(d: &Document, by_path: &HashMap<&str, &Document>, out: &mut Vec<Problem>) {
    let mut reported = HashSet::new();
    let claims: Vec<&Claim> = d.gates.iter().chain(&d.phases).collect();
    for (i, r) in d.references.iter().enumerate() {
        let Some(target) = failing_target(r, d, by_path) else {
            continue;
        };
        let claim = claims.iter().find(|g| g.references.contains(&i));
        let (who, said) = match claim {
            Some(g) if g.status == Status::Pass => (g.name.clone(), g.status_text.clone()),
            Some(_) => continue,
            None if d.status == Status::Pass && r.role == RefRole::Evidence => (
                d.title.clone().unwrap_or_else(|| d.path.clone()),
                d.status_text.clone(),
            ),
            None => continue,
        };
        if !reported.insert((who.clone(), r.path.clone())) {
            continue;
        }
        out.push(Problem::new(
            &d.path,
            r.line,
            ProblemKind::Contradiction,
            format!(
                "{} says passed ({}) but its evidence {} says failed ({})",
                quoted(&who),
                quoted(said.as_deref().unwrap_or("")),
                quoted(&r.target),
                target.status_text.as_deref().unwrap_or("fail")
            ),
        ));
    }
}

fn failing_target<'a>(
    r: &Reference,
    from: &Document,
    by_path: &HashMap<&str, &'a Document>,
) -> Option<&'a Document> {
    let p = r.path.as_deref()?;
    let target = by_path.get(p)?;
    let counts = target.kind.is_data() || r.role == RefRole::Evidence;
    (p != from.path && target.status == Status::Fail && counts).then_some(*target)
}

/// A gate whose recorded decision passes while its own verifications or
/// required approvals, in any record of the same gate, do not.
fn records(audit: &Audit, out: &mut Vec<Problem>) {
    let mut gates: std::collections::BTreeMap<(Option<&str>, &str), Vec<&Document>> =
        std::collections::BTreeMap::new();
    for d in audit
        .documents
        .iter()
        .filter(|d| d.kind == DocKind::GateRecord)
    {
        if let Some(id) = d.gates.first().and_then(|g| g.id.as_deref()) {
            gates.entry((d.stage.as_deref(), id)).or_default().push(d);
        }
    }
    for docs in gates.values() {
        let decided = docs
            .iter()
            .filter(|d| d.status == Status::Pass && d.status_line.is_some());
        for d in decided {
            for (from, c) in docs
                .iter()
                .flat_map(|r| r.checks.iter().map(move |c| (r, c)))
                .filter(|(_, c)| c.status != Status::Pass)
            {
                out.push(Problem::new(
                    &d.path,
                    d.status_line.unwrap_or(1),
                    ProblemKind::Contradiction,
                    format!(
                        "the gate is decided {} but {} is {} ({}) in {}",
                        quoted(d.status_text.as_deref().unwrap_or("")),
                        quoted(&c.name),
                        c.status.as_str(),
                        c.detail,
                        from.path.rsplit('/').next().unwrap_or(&from.path)
                    ),
                ));
            }
        }
    }
}
