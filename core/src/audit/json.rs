//! JSON evidence, recognised by shape.
//!
//! - GitHub branch-protection exports (the REST
//!   `GET /repos/{owner}/{repo}/branches/{branch}/protection` response):
//!   the protection rules a release-governance validator enforces, each
//!   evaluated.
//! - Gate and test summaries: pass, fail and skip counts, and per-gate
//!   statuses.
//!
//! Anything else is not a document of the audit (it is still an artifact).

use serde_json::{Map, Value};

use super::{Check, Claim, Counts, DocKind, Document, Status, date::find_date, normalize};

const PROTECTION_KEYS: &[&str] = &[
    "required_status_checks",
    "required_pull_request_reviews",
    "enforce_admins",
    "required_linear_history",
    "allow_force_pushes",
    "allow_deletions",
];

/// Keys that date a JSON export.
const DATE_KEYS: &[&str] = &[
    "exported_at",
    "generated_at",
    "captured_at",
    "created_at",
    "timestamp",
    "date",
    "tested_at",
    "approved_at_utc",
    "approved_at",
    "run_at",
    "baseline_date",
    "updated_at",
];

/// `Some(document)` when `value` has a shape vouch recognises.
pub fn recognise(path: &str, sha256: &str, text: &str, value: &Value) -> Option<Document> {
    let obj = value.as_object()?;
    let mut doc = Document {
        path: path.to_owned(),
        sha256: sha256.to_owned(),
        ..Document::default()
    };
    if PROTECTION_KEYS
        .iter()
        .filter(|k| obj.contains_key(**k))
        .count()
        >= 2
    {
        doc.kind = DocKind::BranchProtection;
        doc.title = Some(
            match obj.get("url").and_then(Value::as_str).and_then(branch_of) {
                Some(b) => format!("Branch protection: {b}"),
                None => "Branch protection".into(),
            },
        );
        doc.checks = branch_protection(obj);
        // The advisory check never counts, whichever way it goes.
        let rules: Vec<&Check> = doc
            .checks
            .iter()
            .filter(|c| !c.name.ends_with("(advisory)"))
            .collect();
        let held = rules.iter().filter(|c| c.status == Status::Pass).count();
        doc.status = if held == rules.len() {
            Status::Pass
        } else {
            Status::Fail
        };
        doc.status_text = Some(format!("{held} of {} rules hold", rules.len()));
    } else if let Some(counts) = summary(obj, &mut doc) {
        doc.kind = DocKind::GateSummary;
        doc.counts = Some(counts);
        if doc.title.is_none() {
            doc.title = Some("Gate summary".into());
        }
    } else {
        return None;
    }
    dating(obj, text, &mut doc);
    if doc.stage.is_none() {
        doc.stage = obj
            .get("stage")
            .and_then(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .or_else(|| s.as_f64().map(|f| f.to_string()))
            })
            .and_then(|s| super::text::stage_id(&s))
            .or_else(|| super::text::stage_after_word(path.rsplit('/').next().unwrap_or(path)));
    }
    for (key, v) in obj {
        if let Some(s) = v.as_str() {
            let m = super::text::mentions(s, None);
            for (run, job, url) in m.runs {
                doc.ci_runs.push(super::CiRun {
                    run_id: run,
                    job_id: job,
                    url,
                    line: line_of_key(text, key),
                });
            }
        }
    }
    Some(doc)
}

fn branch_of(url: &str) -> Option<String> {
    let i = url.find("/branches/")?;
    let rest = &url[i + 10..];
    Some(rest.split('/').next()?.to_owned())
}

fn enabled(obj: &Map<String, Value>, key: &str) -> Option<bool> {
    match obj.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::Object(o) => o.get("enabled").and_then(Value::as_bool),
        _ => None,
    }
}

fn branch_protection(obj: &Map<String, Value>) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut check = |name: &str, ok: bool, detail: String| {
        checks.push(Check {
            name: name.into(),
            status: if ok { Status::Pass } else { Status::Fail },
            detail,
        })
    };
    let reviews = obj
        .get("required_pull_request_reviews")
        .and_then(Value::as_object);
    check(
        "Pull request reviews required",
        reviews.is_some(),
        if reviews.is_some() {
            "required_pull_request_reviews is set"
        } else {
            "required_pull_request_reviews is absent"
        }
        .into(),
    );
    let approvals = reviews
        .and_then(|r| r.get("required_approving_review_count"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    check(
        "At least one approving review",
        approvals >= 1,
        format!("required_approving_review_count = {approvals}"),
    );
    // Advisory only: many validators do not require it, so it never fails
    // the export on its own.
    let stale = reviews
        .and_then(|r| r.get("dismiss_stale_reviews"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let stale_check = Check {
        name: "Stale approvals dismissed on new commits (advisory)".into(),
        status: if stale { Status::Pass } else { Status::Unknown },
        detail: format!("dismiss_stale_reviews = {stale}"),
    };
    let checks_obj = obj.get("required_status_checks").and_then(Value::as_object);
    let contexts: Vec<String> = checks_obj
        .map(|c| {
            let mut v: Vec<String> = c
                .get("contexts")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(a) = c.get("checks").and_then(Value::as_array) {
                for ch in a {
                    if let Some(s) = ch.get("context").and_then(Value::as_str)
                        && !v.iter().any(|x| x == s)
                    {
                        v.push(s.to_owned());
                    }
                }
            }
            v
        })
        .unwrap_or_default();
    check(
        "Required status checks",
        !contexts.is_empty(),
        if contexts.is_empty() {
            "no required status checks".into()
        } else {
            format!("{} required: {}", contexts.len(), contexts.join(", "))
        },
    );
    let strict = checks_obj
        .and_then(|c| c.get("strict"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    check(
        "Branch must be up to date before merging",
        strict,
        format!("required_status_checks.strict = {strict}"),
    );
    let admins = enabled(obj, "enforce_admins").unwrap_or(false);
    check(
        "Rules apply to administrators",
        admins,
        format!("enforce_admins = {admins}"),
    );
    let linear = enabled(obj, "required_linear_history").unwrap_or(false);
    check(
        "Linear history",
        linear,
        format!("required_linear_history = {linear}"),
    );
    let force = enabled(obj, "allow_force_pushes").unwrap_or(false);
    check(
        "No force pushes",
        !force,
        format!("allow_force_pushes = {force}"),
    );
    let deletions = enabled(obj, "allow_deletions").unwrap_or(false);
    check(
        "No branch deletion",
        !deletions,
        format!("allow_deletions = {deletions}"),
    );
    checks.push(stale_check);
    checks
}

fn count(obj: &Map<String, Value>, names: &[&str]) -> Option<u64> {
    obj.iter().find_map(|(k, v)| {
        let k = k.to_lowercase();
        let hit = names
            .iter()
            .any(|n| k == *n || k.ends_with(&format!("_{n}")));
        if hit { v.as_u64() } else { None }
    })
}

/// Counts and per-gate statuses, from the shapes gate and test tools write.
fn summary(obj: &Map<String, Value>, doc: &mut Document) -> Option<Counts> {
    const PASS: &[&str] = &[
        "passed",
        "pass",
        "pass_count",
        "passes",
        "succeeded",
        "success_count",
    ];
    const FAIL: &[&str] = &[
        "failed",
        "fail",
        "fail_count",
        "failures",
        "failed_count",
        "violation_count",
        "errors",
    ];
    const SKIP: &[&str] = &["skipped", "skip", "skip_count", "skipped_count"];
    let totals = [
        "totals",
        "summary",
        "stats",
        "statistics",
        "results",
        "counts",
    ]
    .iter()
    .find_map(|k| obj.get(*k).and_then(Value::as_object))
    .unwrap_or(obj);
    let mut counts = Counts {
        pass: count(totals, PASS).unwrap_or(0),
        fail: count(totals, FAIL).unwrap_or(0),
        skip: count(totals, SKIP).unwrap_or(0),
    };
    let have_counts = count(totals, PASS).is_some() || count(totals, FAIL).is_some();
    // Per-gate entries: `gates: [{name, status}]` or `gates: {name: status}`.
    let gates = ["gates", "checks", "jobs"].iter().find_map(|k| obj.get(*k));
    match gates {
        Some(Value::Array(items)) => {
            for (i, g) in items.iter().enumerate() {
                let Some(g) = g.as_object() else { continue };
                let name = ["name", "gate", "id", "check", "title"]
                    .iter()
                    .find_map(|k| g.get(*k).and_then(Value::as_str))
                    .map_or_else(|| format!("#{}", i + 1), str::to_owned);
                let (status, text) = status_of(g);
                doc.gates.push(gate(&name, status, text));
            }
        }
        Some(Value::Object(items)) => {
            for (name, v) in items {
                let (status, text) = match v {
                    Value::Object(g) => status_of(g),
                    other => value_status(other),
                };
                doc.gates.push(gate(name, status, text));
            }
        }
        _ => {}
    }
    let verdict = ["check_passed", "passed", "success", "ok", "all_passed"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_bool).map(|b| (*k, b)));
    if !have_counts && doc.gates.is_empty() && verdict.is_none() {
        return None;
    }
    if !have_counts {
        for g in &doc.gates {
            match g.status {
                Status::Pass => counts.pass += 1,
                Status::Fail => counts.fail += 1,
                _ => counts.skip += 1,
            }
        }
    }
    let declared = obj
        .get("status")
        .or_else(|| obj.get("result"))
        .or_else(|| obj.get("overall"));
    let any_gate_failed = doc.gates.iter().any(|g| g.status == Status::Fail);
    (doc.status, doc.status_text) =
        if counts.fail > 0 || any_gate_failed || verdict.is_some_and(|v| !v.1) {
            (
                Status::Fail,
                Some(format!(
                    "{} passed, {} failed, {} skipped",
                    counts.pass, counts.fail, counts.skip
                )),
            )
        } else if let Some(d) = declared.filter(|d| !d.is_null()) {
            let (s, t) = value_status(d);
            (s, t)
        } else if counts.pass > 0 || verdict.is_some_and(|v| v.1) {
            (
                Status::Pass,
                Some(format!(
                    "{} passed, {} failed, {} skipped",
                    counts.pass, counts.fail, counts.skip
                )),
            )
        } else {
            (Status::Unknown, None)
        };
    Some(counts)
}

fn gate(name: &str, status: Status, status_text: Option<String>) -> Claim {
    Claim {
        id: super::text::claim_label(name).map(|(_, id)| id),
        name: name.to_owned(),
        status,
        status_text,
        line: 0,
        ..Claim::default()
    }
}

fn status_of(g: &Map<String, Value>) -> (Status, Option<String>) {
    if let Some(v) = [
        "status",
        "result",
        "outcome",
        "conclusion",
        "state",
        "passed",
    ]
    .iter()
    .find_map(|k| g.get(*k))
    {
        return value_status(v);
    }
    match (
        g.get("failed").and_then(Value::as_u64),
        g.get("passed").and_then(Value::as_u64),
    ) {
        (Some(f), _) if f > 0 => (Status::Fail, Some(format!("{f} failed"))),
        (Some(0), Some(p)) | (None, Some(p)) if p > 0 => {
            (Status::Pass, Some(format!("{p} passed")))
        }
        _ => (Status::Unknown, None),
    }
}

fn value_status(v: &Value) -> (Status, Option<String>) {
    match v {
        Value::Bool(true) => (Status::Pass, Some("true".into())),
        Value::Bool(false) => (Status::Fail, Some("false".into())),
        Value::String(s) => (normalize(s), Some(s.clone())),
        _ => (Status::Unknown, None),
    }
}

/// The export's date, from the first date-like key.
fn dating(obj: &Map<String, Value>, text: &str, doc: &mut Document) {
    for key in DATE_KEYS {
        if let Some(s) = obj.get(*key).and_then(Value::as_str)
            && let Some(d) = find_date(s)
        {
            doc.date = Some(d.iso());
            doc.date_text = Some(s.to_owned());
            doc.date_line = Some(line_of_key(text, key));
            return;
        }
    }
    doc.notes.push("no date field".into());
}

/// The line where `"key"` first appears (1 if it cannot be found).
fn line_of_key(text: &str, key: &str) -> usize {
    text.find(&format!("\"{key}\""))
        .map_or(1, |i| text[..i].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Option<Document> {
        let v: Value = serde_json::from_str(json).ok()?;
        recognise("x/settings.json", "00", json, &v)
    }

    #[test]
    fn branch_protection_rules() {
        let good = r#"{"url":"https://api.github.com/repos/o/r/branches/main/protection",
            "required_status_checks":{"strict":true,"contexts":["all-checks"]},
            "required_pull_request_reviews":{"dismiss_stale_reviews":true,"required_approving_review_count":1},
            "enforce_admins":{"enabled":true},"required_linear_history":{"enabled":true},
            "allow_force_pushes":{"enabled":false},"allow_deletions":{"enabled":false}}"#;
        let d = doc(good).expect("recognised");
        assert_eq!(d.kind, DocKind::BranchProtection);
        assert_eq!(d.title.as_deref(), Some("Branch protection: main"));
        assert_eq!(d.checks.len(), 9);
        assert_eq!(d.status_text.as_deref(), Some("8 of 8 rules hold"));
        assert_eq!(d.status, Status::Pass, "{:?}", d.checks);
        let bad = good.replace(
            r#""allow_force_pushes":{"enabled":false}"#,
            r#""allow_force_pushes":{"enabled":true}"#,
        );
        let d = doc(&bad).expect("recognised");
        assert_eq!(d.status, Status::Fail);
        let failing: Vec<&str> = d
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(failing, ["No force pushes"]);
    }

    #[test]
    fn gate_and_test_summaries() {
        let d = doc(r#"{"generated_at":"2026-10-26T09:58:12Z","gates":[{"name":"Gate 0: Schema","status":"pass"},{"name":"Gate 1","status":"FAILED"}],"totals":{"passed":50,"failed":0,"skipped":1}}"#).expect("summary");
        assert_eq!(d.kind, DocKind::GateSummary);
        assert_eq!(
            d.counts,
            Some(Counts {
                pass: 50,
                fail: 0,
                skip: 1
            })
        );
        assert_eq!(d.gates.len(), 2);
        assert_eq!(d.gates[1].status, Status::Fail);
        assert_eq!(d.status, Status::Fail);
        assert_eq!(d.date.as_deref(), Some("2026-10-26"));
        let d = doc(r#"{"summary":{"passed":10,"failed":2,"total":12}}"#).expect("pytest-like");
        assert_eq!(
            (d.status, d.counts.map(|c| c.fail)),
            (Status::Fail, Some(2))
        );
        let d =
            doc(r#"{"violation_count":0,"violations":[],"check_passed":true}"#).expect("verdict");
        assert_eq!(d.status, Status::Pass);
        let d = doc(r#"{"baseline_pass_count":125,"baseline_skip_count":0}"#).expect("counts");
        assert_eq!(
            d.counts,
            Some(Counts {
                pass: 125,
                fail: 0,
                skip: 0
            })
        );
        assert!(doc(r#"{"name":"x","version":"1"}"#).is_none());
        assert!(doc("[1,2]").is_none());
    }
}
