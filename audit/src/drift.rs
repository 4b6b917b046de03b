//! The drift rules of `vouch.toml`, checked at every build and by `vouch
//! check` (errors, so `--strict` refuses to publish when one fails):
//!
//! - `[[drift.fresh]]`: evidence matching a glob must be dated within N days
//!   of the build, by its declared date (a report's `Date:` line, a JSON
//!   export's `exported_at`, `captured_at`…). A rule that matches nothing,
//!   or a match with no date, fails too: a rule must not pass by vacuum.
//! - `[[drift.hash]]`: the hash recorded at `FILE:FIELD` (a dotted path into
//!   JSON; `sha256:` prefixes accepted) must equal the SHA-256 of a file in
//!   the evidence: a branch-protection export that pins the CI workflow it
//!   was taken against goes stale the moment the workflow changes.

use serde_json::Value;
use vouch_core::audit::{Document, Problem, ProblemKind};

use crate::{Config, config::FILE, date::Date, date::find_date};

/// What the rules need to know of the folder.
pub struct Files<'a> {
    /// Every file's path and SHA-256, sorted by path.
    pub files: &'a [(&'a str, &'a str)],
    /// A file's bytes (at most the analysis limit), for `drift.hash`.
    pub read: &'a dyn Fn(&str) -> Option<Vec<u8>>,
}

impl Files<'_> {
    fn sha256(&self, path: &str) -> Option<&str> {
        self.files
            .binary_search_by(|(p, _)| (*p).cmp(path))
            .ok()
            .map(|i| self.files[i].1)
    }
}

fn drift(path: &str, line: usize, message: String) -> Problem {
    Problem::new(path, line.max(1), ProblemKind::Drift, message)
}

/// Every drift problem. `documents` must be sorted by path.
pub fn check(
    config: &Config,
    documents: &[Document],
    as_of: Option<Date>,
    files: &Files<'_>,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for rule in &config.fresh {
        let matched: Vec<&str> = files
            .files
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| rule.matcher.is_match(p))
            .collect();
        if matched.is_empty() {
            out.push(drift(
                FILE,
                1,
                format!(
                    "drift.fresh {:?}: no evidence matches, so nothing shows it is fresh",
                    rule.glob
                ),
            ));
        }
        for path in matched {
            let doc = documents
                .binary_search_by(|d| d.path.as_str().cmp(path))
                .ok()
                .map(|i| &documents[i]);
            let date = doc.and_then(|d| Some((d.date.as_deref()?, d.date_line.unwrap_or(1))));
            let Some((date, line)) = date else {
                out.push(drift(
                    path,
                    1,
                    format!(
                        "declares no date, and drift.fresh {:?} requires it to be dated within {} days of the build",
                        rule.glob, rule.days
                    ),
                ));
                continue;
            };
            let (Some(now), Some(then)) = (as_of, find_date(date)) else {
                continue;
            };
            let age = now.days() - then.days();
            if age > i64::from(rule.days) {
                out.push(drift(
                    path,
                    line,
                    format!(
                        "dated {date}, {age} days before the build ({}); drift.fresh {:?} allows {} days",
                        now.iso(),
                        rule.glob,
                        rule.days
                    ),
                ));
            }
        }
    }
    for rule in &config.hash {
        let Some((file, field)) = rule.split() else {
            continue;
        };
        let Some(want) = files.sha256(&rule.sha256_of) else {
            out.push(drift(
                FILE,
                1,
                format!(
                    "drift.hash: {:?} (sha256_of) is not in the evidence folder",
                    rule.sha256_of
                ),
            ));
            continue;
        };
        let Some(bytes) = files.sha256(file).and_then(|_| (files.read)(file)) else {
            out.push(drift(
                FILE,
                1,
                format!("drift.hash: {file:?} is not in the evidence folder"),
            ));
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let value = match serde_json::from_str::<Value>(&text) {
            Ok(v) => v,
            Err(e) => {
                out.push(drift(
                    file,
                    e.line(),
                    format!("drift.hash {:?}: not JSON ({e})", rule.field),
                ));
                continue;
            }
        };
        let Some(found) = lookup(&value, field) else {
            out.push(drift(
                file,
                1,
                format!(
                    "drift.hash {:?}: the file has no field {field:?}",
                    rule.field
                ),
            ));
            continue;
        };
        let line = crate::text::line_of(&text, &found);
        let Some(hex) = crate::pins::hex64(&found) else {
            out.push(drift(
                file,
                line,
                format!("drift.hash: {field} = {found:?} is not a SHA-256"),
            ));
            continue;
        };
        if hex != want {
            out.push(drift(
                file,
                line,
                format!(
                    "records {field} = {}… but {} has SHA-256 {}…: it was recorded against another version (drift.hash)",
                    &hex[..16],
                    rule.sha256_of,
                    &want[..16.min(want.len())]
                ),
            ));
        }
    }
    out
}

/// A field by dotted path (`a.b.0.c`); a key that itself holds dots is
/// matched whole first.
fn lookup(v: &Value, field: &str) -> Option<String> {
    if let Some(s) = v.get(field).and_then(Value::as_str) {
        return Some(s.to_owned());
    }
    let mut cur = v;
    for part in field.split('.') {
        cur = match cur {
            Value::Object(o) => o.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    cur.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn run(config: &str, bp: &str, date: Option<&str>) -> Vec<String> {
        let c = Config::parse(config).expect("config");
        let files = [(".github/workflows/ci.yml", A), ("ev/bp.json", B)];
        let bp = bp.to_owned();
        let read = move |p: &str| (p == "ev/bp.json").then(|| bp.clone().into_bytes());
        let docs = vec![Document {
            path: "ev/bp.json".into(),
            date: date.map(str::to_owned),
            date_line: Some(2),
            ..Document::default()
        }];
        check(
            &c,
            &docs,
            Date::parse_iso("2026-11-30"),
            &Files {
                files: &files,
                read: &read,
            },
        )
        .into_iter()
        .map(|p| p.to_string())
        .collect()
    }

    #[test]
    fn fresh_and_hash() {
        let fresh = "[[drift.fresh]]\nglob = \"ev/bp*.json\"\ndays = 7\n";
        assert!(run(fresh, "{}", Some("2026-11-25")).is_empty());
        let p = run(fresh, "{}", Some("2026-11-01"));
        assert!(
            p[0].starts_with("ev/bp.json:2: drift: dated 2026-11-01, 29 days"),
            "{p:?}"
        );
        let p = run(fresh, "{}", None);
        assert!(p[0].contains("declares no date"), "{p:?}");
        let none = "[[drift.fresh]]\nglob = \"nothing/*.json\"\ndays = 7\n";
        assert!(run(none, "{}", None)[0].contains("no evidence matches"));

        let hash = "[[drift.hash]]\nfield = \"ev/bp.json:ci.workflow_hash\"\nsha256_of = \".github/workflows/ci.yml\"\n";
        assert!(
            run(
                hash,
                &format!("{{\"ci\": {{\"workflow_hash\": \"sha256:{A}\"}}}}"),
                None
            )
            .is_empty()
        );
        let p = run(
            hash,
            &format!("{{\n\"ci\": {{\"workflow_hash\": \"{B}\"}}}}"),
            None,
        );
        assert!(
            p[0].starts_with("ev/bp.json:2: drift: records ci.workflow_hash = bbbbbbbbbbbbbbbb…"),
            "{p:?}"
        );
        assert!(run(hash, "{}", None)[0].contains("has no field"));
        assert!(run(hash, "{", None)[0].contains("not JSON"));
    }
}
