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
    Audit, Claim, ClaimForm, DocKind, Document, Problem, ProblemKind, RefRole, RefState, Reference,
    Status,
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

/// Finds the problems of `audit` (which must hold every document), after
/// those found `before` (while files were read and analysed), whose
/// messages it shares as it shares its own. Stale evidence is judged only
/// when `max_age` is given, against `as_of`.
pub fn find(
    audit: &Audit,
    before: Vec<Problem>,
    as_of: Option<Date>,
    max_age: Option<u32>,
) -> Vec<Problem> {
    let mut out = Found::default();
    for p in before {
        out.push(p);
    }
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
            out.add(&d.path, 1, ProblemKind::DocumentNote, n.clone());
        }
        if let (Some(now), Some(max), Some(date)) = (as_of, max_age, d.date.as_deref())
            && let Some(dd) = find_date(date)
        {
            let age = now.days() - dd.days();
            if age > i64::from(max) {
                out.add(
                    &d.path,
                    d.date_line.unwrap_or(1).max(1),
                    ProblemKind::Stale,
                    format!(
                        "evidence dated {date} is {age} days old (--max-age {max}); declared as {}",
                        quoted(d.date_text.as_deref().unwrap_or(date))
                    ),
                );
            }
        }
    }
    out.list
}

/// The problems found so far. A file's problems are found together, so
/// each shares its path with the one before when it can: an allocation per
/// file, not per problem (a 50,000-report folder had 216,000 broken links).
/// Equal messages share one allocation too: the same contradiction or note
/// recurs across files (95,000 distinct messages among 256,000 problems).
#[derive(Default)]
struct Found {
    list: Vec<Problem>,
    messages: crate::shared::Shared,
}

impl Found {
    fn add(&mut self, path: &str, line: usize, kind: ProblemKind, message: String) {
        let message = self.messages.get(message);
        let p = match self.list.last() {
            Some(last) if *last.path == *path => {
                Problem::at(last.path.clone(), line, kind, message)
            }
            _ => Problem::at(path.into(), line, kind, message),
        };
        self.list.push(p);
    }

    fn push(&mut self, mut p: Problem) {
        self.messages.share(&mut p.message);
        self.list.push(p);
    }
}

fn references(d: &Document, out: &mut Found) {
    for r in &d.references {
        if let Some(want) = &r.pinned {
            pin(d, r, want, out);
            continue;
        }
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
        out.add(&d.path, r.line, kind, message);
    }
}

/// A hash pin that does not hold: the file differs (a contradiction), or
/// is not there (missing evidence).
fn pin(d: &Document, r: &Reference, want: &str, out: &mut Found) {
    let short = |h: &str| format!("{}…", &h[..h.len().min(16)]);
    match (r.state, r.sha256.as_deref()) {
        (RefState::Present, Some(got)) if got.eq_ignore_ascii_case(want) => {}
        (RefState::Present, got) => out.add(
            &d.path,
            r.line,
            ProblemKind::Contradiction,
            match got {
                Some(got) => format!(
                    "pins {} to SHA-256 {} but the file in the site has {}",
                    quoted(&r.target),
                    short(want),
                    short(got)
                ),
                None => format!("pins {} but that is a folder", quoted(&r.target)),
            },
        ),
        (RefState::Missing | RefState::OutsideRoot, _) if !templated(&r.target) => {
            out.add(
                &d.path,
                r.line,
                ProblemKind::MissingEvidence,
                format!(
                    "pins {} (SHA-256 {}) but it is not in the evidence folder",
                    quoted(&r.target),
                    short(want)
                ),
            );
        }
        _ => {}
    }
}

/// The coverage a claim states: "Coverage ≥ 80%", "coverage at least
/// 85 %", "Test coverage: 90%" (the first percentage of a claim that names
/// coverage).
pub fn claimed_coverage(texts: &[&str]) -> Option<f64> {
    let all = texts.join(" ");
    let lower = all.to_lowercase();
    if !lower.contains("coverage") {
        return None;
    }
    let number_before = |end: usize| {
        let b = all.as_bytes();
        let mut end = end;
        while end > 0 && b[end - 1] == b' ' {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && (b[start - 1].is_ascii_digit() || b[start - 1] == b'.') {
            start -= 1;
        }
        all[start..end].parse::<f64>().ok()
    };
    let number_after = |start: usize| {
        let rest = all[start..].trim_start();
        let n: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        n.trim_end_matches('.').parse::<f64>().ok()
    };
    // "85%"; else a number after a comparison ("≥ 85", "at least 85"), as
    // table cells often lose the percent sign.
    let found = all.find('%').and_then(number_before).or_else(|| {
        ["≥", ">=", ">", "at least", "minimum", "min."]
            .iter()
            .find_map(|c| lower.find(c).map(|i| i + c.len()))
            .and_then(number_after)
    });
    found.filter(|v| (0.0..=100.0).contains(v))
}

fn gates_without_evidence(d: &Document, out: &mut Found) {
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
            && !matches!(
                g.form,
                ClaimForm::Folder | ClaimForm::Record | ClaimForm::Report | ClaimForm::Summary
            )
        {
            out.add(
                &d.path,
                g.line,
                ProblemKind::GateWithoutEvidence,
                format!(
                    "{} is marked passed ({}) but cites no evidence, and none is cited in its section, phase or the report's header",
                    quoted(&g.name),
                    quoted(g.status_text.as_deref().unwrap_or(""))
                ),
            );
        }
    }
}

/// A passed claim citing a document that shows failure (a failing JSON
/// export, a report that declares failure); once per claim and file.
fn cited_failures(d: &Document, by_path: &HashMap<&str, &Document>, out: &mut Found) {
    let mut reported = HashSet::new();
    let claims: Vec<&Claim> = d.gates.iter().chain(&d.phases).collect();
    for (i, r) in d.references.iter().enumerate() {
        // A hash pin says what a file is, not that it passed.
        if r.pinned.is_some() {
            continue;
        }
        if let Some(p) = short_coverage(d, i, r, &claims, by_path) {
            if reported.insert((p.0.clone(), r.path.clone())) {
                out.push(p.1);
            }
            continue;
        }
        let claim = claims.iter().find(|g| g.references.contains(&i));
        let Some(target) = failing_target(r, d, by_path, claim.is_some()) else {
            continue;
        };
        let (who, said) = match claim {
            Some(g) if g.status == Status::Pass => (
                String::from(&*g.name),
                g.status_text.as_deref().map(str::to_owned),
            ),
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
        out.add(
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
        );
    }
}

/// A passed claim that states a coverage ("Coverage ≥ 80%") and cites a
/// coverage report under it.
fn short_coverage(
    d: &Document,
    i: usize,
    r: &Reference,
    claims: &[&Claim],
    by_path: &HashMap<&str, &Document>,
) -> Option<(String, Problem)> {
    let target = by_path.get(r.path.as_deref()?)?;
    let cov = target.coverage.as_ref()?;
    let g = claims.iter().find(|g| g.references.contains(&i))?;
    if g.status != Status::Pass {
        return None;
    }
    let mut texts = vec![&*g.name];
    texts.extend(g.status_text.as_deref());
    texts.extend(g.evidence.iter().map(|e| &**e));
    let want = claimed_coverage(&texts)?;
    (cov.line_rate < want).then(|| {
        (
            String::from(&*g.name),
            Problem::new(
                &d.path,
                r.line,
                ProblemKind::Contradiction,
                format!(
                    "{} says passed ({}) and states {want}% coverage, but its evidence {} shows {}",
                    quoted(&g.name),
                    quoted(g.status_text.as_deref().unwrap_or("")),
                    quoted(&r.target),
                    crate::reports::coverage::phrase(cov)
                ),
            ),
        )
    })
}

fn failing_target<'a>(
    r: &Reference,
    from: &Document,
    by_path: &HashMap<&str, &'a Document>,
    by_claim: bool,
) -> Option<&'a Document> {
    let p = r.path.as_deref()?;
    let target = by_path.get(p)?;
    // Machine output, evidence, or test counts a claim cites (a CI job
    // summary linked from a gate's row).
    let counts = target.kind.is_data()
        || r.role == RefRole::Evidence
        || (by_claim && target.counts.is_some());
    (p != from.path && target.status == Status::Fail && counts).then_some(*target)
}

/// A gate whose recorded decision passes while its own verifications or
/// required approvals, in any record of the same gate folder, do not. A
/// record outside a gate folder (form `record`) is held to its own checks
/// only: fifty runs of one CI gate in a stage are fifty records, not one.
fn records(audit: &Audit, out: &mut Found) {
    type Key<'a> = (Option<&'a str>, &'a str, Option<&'a str>);
    let mut gates: std::collections::BTreeMap<Key<'_>, Vec<&Document>> =
        std::collections::BTreeMap::new();
    for d in audit
        .documents
        .iter()
        .filter(|d| d.kind == DocKind::GateRecord)
    {
        if let Some(g) = d.gates.first()
            && let Some(id) = g.id.as_deref()
        {
            let alone = (g.form == ClaimForm::Record).then_some(d.path.as_str());
            gates
                .entry((d.stage.as_deref(), id, alone))
                .or_default()
                .push(d);
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
                out.add(
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
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's problems hold its path once: each shares the allocation of
    /// the one before it, and another file's problems do not. Equal
    /// messages, in any file, share one allocation.
    #[test]
    fn a_files_problems_share_its_path_and_equal_messages_share_theirs() {
        let doc = |path: &str, links: usize| Document {
            path: path.into(),
            references: (0..links)
                .map(|i| Reference {
                    target: format!("gone-{i}.md").into(),
                    line: i + 1,
                    state: RefState::Missing,
                    role: vouch_core::audit::RefRole::Link,
                    ..Reference::default()
                })
                .collect(),
            ..Document::default()
        };
        let audit = Audit {
            documents: vec![doc("a.md", 3), doc("b.md", 1)],
            ..Audit::default()
        };
        // Found while the files were analysed: each made its own message.
        let said = |line| {
            let message = String::from("the report says \"PASS\", but a gate failed");
            Problem::new("a.md", line, ProblemKind::Contradiction, message)
        };
        let before = vec![said(1), said(2)];
        assert!(!std::sync::Arc::ptr_eq(
            &before[0].message,
            &before[1].message
        ));
        let mut found = find(&audit, before, None, None);
        let earlier: Vec<Problem> = found.drain(..2).collect();
        assert!(std::sync::Arc::ptr_eq(
            &earlier[0].message,
            &earlier[1].message
        ));
        let paths: Vec<&str> = found.iter().map(|p| &*p.path).collect();
        assert_eq!(paths, ["a.md", "a.md", "a.md", "b.md"]);
        assert!(found.iter().all(|p| p.kind == ProblemKind::BrokenLink));
        assert!(std::sync::Arc::ptr_eq(&found[0].path, &found[1].path));
        assert!(std::sync::Arc::ptr_eq(&found[1].path, &found[2].path));
        assert!(!std::sync::Arc::ptr_eq(&found[2].path, &found[3].path));
        // Both files link to `gone-0.md`.
        assert_eq!(found[0].message, found[3].message);
        assert!(std::sync::Arc::ptr_eq(&found[0].message, &found[3].message));
        assert_ne!(found[0].message, found[1].message);
    }

    #[test]
    fn coverage_stated_in_claims() {
        assert_eq!(claimed_coverage(&["Coverage ≥ 80%"]), Some(80.0));
        assert_eq!(
            claimed_coverage(&["Gate 3: Test coverage", "85.5 % lines"]),
            Some(85.5)
        );
        assert_eq!(
            claimed_coverage(&["coverage at least 90%", "✅ PASSED"]),
            Some(90.0)
        );
        assert_eq!(
            claimed_coverage(&["Gate 1: Latency", "p95 under 80%"]),
            None
        );
        assert_eq!(claimed_coverage(&["Coverage", "PASSED"]), None);
        assert_eq!(
            claimed_coverage(&["Gate 3: Coverage ≥ 85", "✅ PASSED"]),
            Some(85.0)
        );
    }
}
