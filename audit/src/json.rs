//! JSON evidence, recognised by shape.
//!
//! - GitHub branch-protection exports (the REST
//!   `GET /repos/{owner}/{repo}/branches/{branch}/protection` response):
//!   the protection rules a release-governance validator enforces, each
//!   evaluated.
//! - Gate and test summaries: pass, fail and skip counts, and per-gate
//!   statuses.
//! - Gate records, as release processes keep them in a folder per gate
//!   (`releases/<release>/gate-<name>/`): a decision (`"decision":
//!   "retain"`), approvals against the required owners, and verification
//!   results with their evidence references.
//!
//! Anything else is not a document of the audit (it is still an artifact).

use serde_json::{Map, Value};

use vouch_core::audit::{
    Check, Claim, ClaimForm, Counts, DocKind, Document, RefRole, RefState, RefVia, Reference,
    Status,
};

use crate::{Index, date::find_date, layout, normalize, text};

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
    "decided_at",
    "verified_at",
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
pub fn recognise(
    path: &str,
    sha256: &str,
    source: &str,
    value: &Value,
    ix: &Index,
) -> Option<Document> {
    let obj = value.as_object()?;
    let mut doc = Document {
        path: path.to_owned(),
        sha256: sha256.into(),
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
        doc.checks = branch_protection(obj).into();
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
        doc.gates = vec![crate::reports::gate(
            "Branch protection",
            doc.status,
            doc.status_text.as_deref().unwrap_or_default(),
        )];
    } else if gate_record(path, source, obj, &mut doc, ix) {
        doc.kind = DocKind::GateRecord;
    } else if let Some(counts) = summary(obj, &mut doc) {
        doc.kind = DocKind::GateSummary;
        doc.counts = Some(counts);
        if doc.title.is_none() {
            doc.title = Some("Gate summary".into());
        }
    } else {
        return None;
    }
    dating(obj, source, &mut doc);
    if doc.stage.is_none() {
        let (stage, from) = match obj
            .get("stage")
            .and_then(scalar)
            .and_then(|s| text::stage_id(&s).or_else(|| text::stage_after_word(&s)))
        {
            Some(s) => (Some(s), "field"),
            None => match text::stage_after_word(path.rsplit('/').next().unwrap_or(path)) {
                Some(s) => (Some(s), "file-name"),
                None => (layout::place(path).stage, "folder"),
            },
        };
        doc.stage_source = stage.as_ref().map(|_| from.to_owned());
        doc.stage = stage;
    }
    for (key, v) in obj {
        if let Some(s) = v.as_str() {
            let m = text::mentions(s, None);
            for (run, job, url) in m.runs {
                doc.ci_runs.push(vouch_core::audit::CiRun {
                    run_id: run.into(),
                    job_id: job.map(Into::into),
                    url: url.map(Into::into),
                    line: line_of_key(source, key),
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
            detail: detail.into(),
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
        detail: format!("dismiss_stale_reviews = {stale}").into(),
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
    let (gates_key, gates) = ["gates", "checks", "jobs"]
        .iter()
        .find_map(|k| obj.get(*k).map(|v| (*k == "gates", v)))
        .map_or((false, None), |(g, v)| (g, Some(v)));
    match gates {
        Some(Value::Array(items)) => {
            for (i, g) in items.iter().enumerate() {
                let Some(g) = g.as_object() else { continue };
                let name = ["name", "gate", "id", "check", "title"]
                    .iter()
                    .find_map(|k| g.get(*k).and_then(scalar))
                    .unwrap_or_else(|| format!("#{}", i + 1));
                let (status, text) = status_of(g);
                doc.gates.push(gate(&name, status, text, gates_key));
            }
        }
        Some(Value::Object(items)) => {
            for (name, v) in items {
                let (status, text) = match v {
                    Value::Object(g) => status_of(g),
                    other => value_status(other),
                };
                doc.gates.push(gate(name, status, text, gates_key));
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
            (Status::Fail, Some(counts.phrase()))
        } else if let Some(d) = declared.filter(|d| !d.is_null()) {
            let (s, t) = value_status(d);
            (s, t)
        } else if counts.pass > 0 || verdict.is_some_and(|v| v.1) {
            (Status::Pass, Some(counts.phrase()))
        } else {
            (Status::Unknown, None)
        };
    Some(counts)
}

/// Measures `(max depth, pretty-printed size)` in one pass over the text,
/// skipping strings: how deep a document is (to say so when it is too deep
/// to parse) and how large it would be re-indented (the renderer's bound).
pub fn shape(text: &str) -> (usize, usize) {
    let (mut depth, mut max, mut size) = (0usize, 0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            size += 1;
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                size += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
                size += 2 + 2 * depth;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                size += 2 + 2 * depth;
            }
            b',' => size += 2 + 2 * depth,
            b':' => size += 2,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => size += 1,
        }
    }
    (max, size)
}

/// A string or a number, as text.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn get_str(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| obj.get(*k).and_then(scalar))
}

fn get_array<'a>(obj: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Vec<Value>> {
    keys.iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_array))
}

const DECISION_KEYS: &[&str] = &[
    "decision",
    "verdict",
    "go_no_go",
    "outcome",
    "gate_decision",
];
/// A gate's own state, in a record that names its gate.
const DECLARED_KEYS: &[&str] = &["status", "result"];
const APPROVAL_KEYS: &[&str] = &[
    "approvals",
    "approvers",
    "sign_offs",
    "signoffs",
    "approved_by",
];
const REQUIRED_KEYS: &[&str] = &[
    "required_owners",
    "required_approvers",
    "required_approvals",
    "required",
    "owners",
];
const VERIFICATION_KEYS: &[&str] = &[
    "verifications",
    "verification",
    "checks",
    "results",
    "validations",
    "tests",
];
const EVIDENCE_KEYS: &[&str] = &[
    "evidence",
    "evidence_refs",
    "evidence_ref",
    "refs",
    "artifacts",
    "artifact",
    "links",
    "proof",
];

/// A gate folder's record: decision, approvals, verifications. Fills `doc`
/// and returns true when `obj` is one.
fn gate_record(
    path: &str,
    source: &str,
    obj: &Map<String, Value>,
    doc: &mut Document,
    ix: &Index,
) -> bool {
    let place = layout::place(path);
    let named = get_str(obj, &["gate", "gate_id", "gate_name"]);
    // A record that names its gate declares that gate's state with
    // `status` too (`{"gate": "lint", "status": "pending", "checks": …}`).
    // In a gate folder without that name, `status` may belong to anything
    // (a CI run's `"status": "completed"`), so only a decision key counts.
    let (decision_key, decision) = DECISION_KEYS
        .iter()
        .chain(named.as_ref().map_or(&[][..], |_| DECLARED_KEYS))
        .find_map(|k| obj.get(*k).and_then(scalar).map(|v| (*k, v)))
        .unzip();
    let approvals = get_array(obj, APPROVAL_KEYS);
    let verifications = get_array(obj, VERIFICATION_KEYS).filter(|a| {
        a.iter()
            .any(|v| v.as_object().is_some_and(|o| status_key(o).is_some()))
    });
    // A declared `status` alone does not make a record: `{"gate": …,
    // "status": "pass", "totals": {"failed": 3}}` is a summary, whose
    // counts must be read.
    let decided = decision_key.is_some_and(|k| DECISION_KEYS.contains(&k));
    let has_record = decided || approvals.is_some() || verifications.is_some();
    if !has_record || (place.gate.is_none() && named.is_none()) {
        return false;
    }
    let (id, name) = match (&named, &place.gate) {
        (Some(n), _) => (text::gate_id(n), n.clone()),
        (None, Some((id, folder))) => (id.clone(), folder.clone()),
        (None, None) => return false,
    };
    if let Some(r) = get_str(obj, &["release", "release_id", "version", "stage"]) {
        doc.stage = Some(r);
        doc.stage_source = Some("field".into());
    } else if let Some(s) = place.stage.clone() {
        doc.stage = Some(s);
        doc.stage_source = Some("folder".into());
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    doc.title = Some(format!("{name}: {}", file.trim_end_matches(".json")));

    // Approvals against the required owners.
    let who = |o: &Map<String, Value>| {
        get_str(
            o,
            &[
                "owner", "approver", "name", "user", "login", "team", "role", "by",
            ],
        )
        .map(|s| s.trim_start_matches('@').to_lowercase())
    };
    if let Some(list) = approvals {
        let entries: Vec<(String, Status, Option<String>)> = list
            .iter()
            .filter_map(|a| match a {
                Value::Object(o) => {
                    let (s, t) = match status_key(o) {
                        Some(v) => value_status(v),
                        None => (Status::Pass, Some("listed".into())),
                    };
                    Some((who(o)?, s, t))
                }
                Value::String(s) => {
                    Some((s.trim_start_matches('@').to_lowercase(), Status::Pass, None))
                }
                _ => None,
            })
            .collect();
        let required: Vec<String> = get_array(obj, REQUIRED_KEYS)
            .map(|r| r.iter().filter_map(scalar).collect())
            .unwrap_or_default();
        if required.is_empty() {
            for (w, s, t) in &entries {
                doc.checks.push(Check {
                    name: format!("Approval by {w}").into(),
                    status: *s,
                    detail: t.clone().unwrap_or_default().into(),
                });
            }
        }
        for owner in &required {
            let key = owner.trim_start_matches('@').to_lowercase();
            let found = entries.iter().find(|(w, _, _)| *w == key);
            doc.checks.push(match found {
                Some((_, s, t)) => Check {
                    name: format!("Approval by required owner {owner}").into(),
                    status: *s,
                    detail: t.clone().unwrap_or_else(|| "approved".into()).into(),
                },
                None => Check {
                    name: format!("Approval by required owner {owner}").into(),
                    status: Status::Pending,
                    detail: "no approval recorded".into(),
                },
            });
        }
    }
    // Verification results, each with its evidence.
    let mut refs = Vec::new();
    if let Some(list) = verifications {
        for (i, v) in list.iter().enumerate() {
            let Some(o) = v.as_object() else { continue };
            let vname = get_str(o, &["name", "id", "check", "verification", "title", "test"])
                .unwrap_or_else(|| format!("#{}", i + 1));
            let (s, t) = status_key(o).map_or((Status::Unknown, None), value_status);
            doc.checks.push(Check {
                name: vname.into(),
                status: s,
                detail: t.unwrap_or_default().into(),
            });
            for key in EVIDENCE_KEYS {
                let targets: Vec<String> = match o.get(*key) {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(a)) => a.iter().filter_map(scalar).collect(),
                    _ => continue,
                };
                for t in targets {
                    refs.push(evidence_ref(&t, path, ix));
                }
            }
        }
    }
    for key in EVIDENCE_KEYS {
        if let Some(Value::Array(a)) = obj.get(*key) {
            for t in a.iter().filter_map(scalar) {
                refs.push(evidence_ref(&t, path, ix));
            }
        } else if let Some(Value::String(t)) = obj.get(*key) {
            refs.push(evidence_ref(t, path, ix));
        }
    }
    let failing = doc
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .count();
    let waiting = doc
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Pending | Status::Unknown))
        .count();
    let (status, status_text) = match &decision {
        Some(d) => (normalize(d), Some(d.clone())),
        None if failing > 0 => (Status::Fail, Some(format!("{failing} failed"))),
        None if waiting > 0 => (Status::Pending, Some(format!("{waiting} not passed yet"))),
        None if !doc.checks.is_empty() => (
            Status::Pass,
            Some(format!(
                "{} of {} passed",
                doc.checks.len(),
                doc.checks.len()
            )),
        ),
        None => (Status::Unknown, None),
    };
    doc.status = status;
    doc.status_text = status_text.clone();
    // Only a decision is a declared status (a line to point at); otherwise
    // the status is derived from the checks.
    doc.status_line = decision_key.map(|k| line_of_key(source, k));
    doc.references = refs;
    doc.gates.push(Claim {
        id: Some(id.into()),
        name: name.into(),
        // A gate folder's records speak together; a record elsewhere that
        // names its gate (a CI job's export) speaks for itself alone.
        form: if place.gate.is_some() {
            ClaimForm::Folder
        } else {
            ClaimForm::Record
        },
        status,
        status_text: status_text.map(Into::into),
        line: doc.status_line.unwrap_or(1),
        references: (0..doc.references.len()).collect(),
        ..Claim::default()
    });
    true
}

/// A record's own status: the first of these keys whose value is a word or
/// a boolean. `{"name": "lint", "ok": true}` passed; `"passed": 12` is a
/// count, which [`status_of`] reads with `failed`, not a status.
fn status_key(o: &Map<String, Value>) -> Option<&Value> {
    [
        "status",
        "result",
        "outcome",
        "conclusion",
        "state",
        "passed",
        "approved",
        "decision",
        "ok",
        "success",
        "pass",
    ]
    .iter()
    .find_map(|k| o.get(*k).filter(|v| v.is_string() || v.is_boolean()))
}

/// An evidence reference in a record, resolved against the record's folder,
/// then the evidence root.
pub(crate) fn evidence_ref(target: &str, doc_path: &str, ix: &Index) -> Reference {
    let base = Reference {
        target: target.into(),
        line: 1,
        via: RefVia::Text,
        role: RefRole::Evidence,
        ..Reference::default()
    };
    match text::classify(target, doc_path) {
        text::Target::External => Reference {
            state: RefState::External,
            ..base
        },
        text::Target::Outside => Reference {
            state: RefState::OutsideRoot,
            ..base
        },
        text::Target::Local(p, _) => {
            let rooted = match text::classify(&format!("/{target}"), doc_path) {
                text::Target::Local(r, _) => Some(r),
                _ => None,
            };
            let from_repository = ix.from_repository(target);
            let found = [Some(p), rooted, from_repository]
                .into_iter()
                .flatten()
                .find(|c| ix.exists(c));
            match found {
                Some(p) => Reference {
                    state: RefState::Present,
                    sha256: ix.digest(&p),
                    path: Some(p.into()),
                    ..base
                },
                None => Reference {
                    state: RefState::Missing,
                    ..base
                },
            }
        }
    }
}

/// A gate entry of a summary. Entries under a `gates` key are gates even
/// without the word ("smoke" is gate `SMOKE`); checks and jobs only when
/// they say so ("Gate 2: schema").
fn gate(name: &str, status: Status, status_text: Option<String>, gates_key: bool) -> Claim {
    let id = text::claim_label(name)
        .map(|(_, id)| id)
        .or_else(|| gates_key.then(|| text::gate_id(name)));
    Claim {
        id: id.map(Into::into),
        name: name.into(),
        form: ClaimForm::Json,
        status,
        status_text: status_text.map(Into::into),
        line: 0,
        ..Claim::default()
    }
}

fn status_of(g: &Map<String, Value>) -> (Status, Option<String>) {
    if let Some(v) = status_key(g) {
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
    text::line_of(text, &format!("\"{key}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Option<Document> {
        doc_at("x/settings.json", json)
    }

    fn doc_at(path: &str, json: &str) -> Option<Document> {
        let v: Value = serde_json::from_str(json).ok()?;
        let ix = Index::new([("releases/r1/gate-smoke/smoke.log", "ab")]);
        recognise(path, "00", json, &v, &ix)
    }

    #[test]
    fn gate_folder_records() {
        let d = doc_at(
            "releases/r1/gate-smoke/decision.json",
            r#"{"decision":"retain","decided_at":"2026-03-02"}"#,
        )
        .expect("decision");
        assert_eq!(d.kind, DocKind::GateRecord);
        assert_eq!(d.stage.as_deref(), Some("r1"));
        assert_eq!(d.gates[0].id.as_deref(), Some("SMOKE"));
        assert_eq!(d.gates[0].status, Status::Pass);
        let d = doc_at(
            "releases/r1/gate-smoke/approvals.json",
            r#"{"required_owners":["@sre","@qa"],"approvals":[{"owner":"@sre","status":"approved"}]}"#,
        )
        .expect("approvals");
        assert_eq!(d.status, Status::Pending, "{:?}", d.checks);
        let d = doc_at(
            "releases/r1/gate-smoke/verification.json",
            r#"{"verifications":[{"name":"health","status":"pass","evidence":["smoke.log"]},{"name":"latency","status":"fail","evidence":"missing.log"}]}"#,
        )
        .expect("verifications");
        assert_eq!(d.status, Status::Fail);
        let states: Vec<RefState> = d.references.iter().map(|r| r.state).collect();
        assert_eq!(states, [RefState::Present, RefState::Missing]);
        assert!(doc_at("misc/decision.json", r#"{"decision":"go"}"#).is_none());
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
            .map(|c| &*c.name)
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

    /// A check's `ok`, `success` or `pass` boolean is its status, and a
    /// `passed` count is a count: forty `{"name": …, "ok": true}` checks read
    /// as 40 unknown and "40 skipped", and `"passed": 12, "failed": 0` as
    /// unknown.
    #[test]
    fn boolean_verdicts_and_counts_in_checks() {
        let d = doc(
            r#"{"generated_at":"2026-11-02","checks":[{"name":"a","ok":true},{"name":"b","success":true},{"name":"c","pass":false}]}"#,
        )
        .expect("checks");
        let statuses: Vec<Status> = d.gates.iter().map(|g| g.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Pass, Status::Fail]);
        assert_eq!(d.status, Status::Fail);
        assert_eq!(
            d.counts,
            Some(Counts {
                pass: 2,
                fail: 1,
                skip: 0
            })
        );
        // Named for a gate, the same list is that gate's verifications.
        let d = doc(r#"{"gate":"lint","checks":[{"name":"a","ok":true},{"name":"c","ok":false}]}"#)
            .expect("gate record");
        let statuses: Vec<Status> = d.checks.iter().map(|c| c.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Fail]);
        assert_eq!((d.status, d.status_line), (Status::Fail, None));
        // Its own `status` is its declared state, with its line.
        let d = doc("{\"gate\":\"lint\",\n\"status\":\"pending\",\"checks\":[{\"name\":\"a\",\"ok\":false}]}")
            .expect("declared gate record");
        assert_eq!((d.status, d.status_line), (Status::Pending, Some(2)));
        // Without checks, a gate's declared status and its counts are a
        // summary, and its failed count is read.
        let d = doc(r#"{"gate":"unit","status":"pass","totals":{"passed":50,"failed":3}}"#)
            .expect("summary");
        assert_eq!((d.kind, d.status), (DocKind::GateSummary, Status::Fail));
        let d = doc(r#"{"gates":[{"name":"unit","passed":12,"failed":0},{"name":"e2e","passed":3,"failed":1}]}"#)
            .expect("counted gates");
        let statuses: Vec<Status> = d.gates.iter().map(|g| g.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Fail]);
    }
}
