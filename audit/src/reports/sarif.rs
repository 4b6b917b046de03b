//! SARIF 2.1 (CodeQL, Semgrep, Trivy, Bandit, ESLint, Checkov…): results by
//! level, and the rules that fired.
//!
//! Results are folded as they are parsed (see [`Results`]), so a log with a
//! million results never holds more than [`FINDINGS_KEPT`] of them. A
//! result's level defaults as the specification says: its rule's
//! `defaultConfiguration.level`, else `warning`. Results whose `kind` is
//! not `fail` (`pass`, `notApplicable`, `informational`…) are not findings.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use vouch_core::audit::{Check, DocKind, Document, FINDINGS_KEPT, Finding, Problem, Status};

use super::{Format, clip, gate, unreadable};

#[derive(Deserialize)]
struct Log {
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    #[serde(default)]
    tool: Tool,
    /// Absent or `null` when the tool did not compute results.
    #[serde(default)]
    results: Option<Results>,
    #[serde(default)]
    invocations: Vec<Invocation>,
}

#[derive(Deserialize, Default)]
struct Tool {
    #[serde(default)]
    driver: Driver,
}

#[derive(Deserialize, Default)]
struct Driver {
    #[serde(default)]
    name: String,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    #[serde(default)]
    id: String,
    #[serde(default, rename = "defaultConfiguration")]
    default: Option<Config>,
}

#[derive(Deserialize)]
struct Config {
    level: Option<String>,
}

#[derive(Deserialize)]
struct Invocation {
    #[serde(rename = "executionSuccessful")]
    ok: Option<bool>,
}

#[derive(Deserialize)]
struct RawResult {
    #[serde(rename = "ruleId")]
    rule_id: Option<String>,
    #[serde(rename = "ruleIndex")]
    rule_index: Option<usize>,
    rule: Option<RuleRef>,
    level: Option<String>,
    kind: Option<String>,
    message: Option<Message>,
    #[serde(default)]
    locations: Vec<Location>,
}

#[derive(Deserialize)]
struct RuleRef {
    id: Option<String>,
    index: Option<usize>,
}

#[derive(Deserialize)]
struct Message {
    text: Option<String>,
}

#[derive(Deserialize)]
struct Location {
    #[serde(rename = "physicalLocation")]
    physical: Option<Physical>,
}

#[derive(Deserialize)]
struct Physical {
    #[serde(rename = "artifactLocation")]
    artifact: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Deserialize)]
struct ArtifactLocation {
    uri: Option<String>,
}

#[derive(Deserialize)]
struct Region {
    #[serde(rename = "startLine")]
    start_line: Option<u64>,
}

/// A run's results, folded while they are parsed: counts per rule and
/// level as written, and the first findings.
#[derive(Default)]
struct Results {
    /// (rule id or index, level as written) → results.
    counts: BTreeMap<(RuleKey, Option<String>), u64>,
    kept: Vec<(RuleKey, Option<String>, Finding)>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RuleKey {
    Id(String),
    Index(usize),
    None,
}

impl<'de> Deserialize<'de> for Results {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fold;
        impl<'de> Visitor<'de> for Fold {
            type Value = Results;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of SARIF results")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Results, A::Error> {
                let mut out = Results::default();
                while let Some(r) = seq.next_element::<RawResult>()? {
                    if r.kind.as_deref().is_some_and(|k| k != "fail") {
                        continue;
                    }
                    let key = match (r.rule_id, r.rule) {
                        (Some(id), _) | (None, Some(RuleRef { id: Some(id), .. })) => {
                            RuleKey::Id(id)
                        }
                        (None, Some(RuleRef { index: Some(i), .. })) => RuleKey::Index(i),
                        _ => r.rule_index.map_or(RuleKey::None, RuleKey::Index),
                    };
                    *out.counts
                        .entry((key.clone(), r.level.clone()))
                        .or_default() += 1;
                    if out.kept.len() < FINDINGS_KEPT {
                        let loc = r.locations.into_iter().find_map(|l| l.physical).map(|p| {
                            let uri = p.artifact.and_then(|a| a.uri).unwrap_or_default();
                            match p.region.and_then(|r| r.start_line) {
                                Some(n) => format!("{uri}:{n}"),
                                None => uri,
                            }
                        });
                        out.kept.push((
                            key,
                            r.level,
                            Finding {
                                name: String::new(),
                                level: String::new(),
                                message: r
                                    .message
                                    .and_then(|m| m.text)
                                    .map(|t| clip(&t, 500))
                                    .filter(|t| !t.is_empty()),
                                location: loc.filter(|l| !l.is_empty()).map(|l| clip(&l, 300)),
                                line: 0,
                            },
                        ));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Fold)
    }
}

const LEVELS: [&str; 4] = ["error", "warning", "note", "none"];

pub fn read(path: &str, r: &mut dyn BufRead) -> Result<Document, Problem> {
    let mut de = serde_json::Deserializer::from_reader(r);
    let log = Log::deserialize(&mut de)
        .and_then(|l| de.end().map(|()| l))
        .map_err(|e| unreadable(path, e.line(), Format::Sarif, e.to_string()))?;
    let mut by_level = [0u64; 4];
    let mut fired: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut total = 0u64;
    let mut tools = Vec::new();
    let mut failed_runs = 0;
    for run in log.runs {
        let driver = run.tool.driver;
        if !driver.name.is_empty() && !tools.contains(&driver.name) {
            tools.push(driver.name.clone());
        }
        if run.invocations.iter().any(|i| i.ok == Some(false)) {
            failed_runs += 1;
        }
        let rule = |k: &RuleKey| -> (String, Option<&str>) {
            let found = match k {
                RuleKey::Id(id) => driver.rules.iter().find(|r| &r.id == id),
                RuleKey::Index(i) => driver.rules.get(*i),
                RuleKey::None => None,
            };
            let name = match (k, found) {
                (RuleKey::Id(id), _) => id.clone(),
                (_, Some(r)) => r.id.clone(),
                (RuleKey::Index(i), None) => format!("rule #{i}"),
                (RuleKey::None, None) => "(no rule)".into(),
            };
            let default = found
                .and_then(|r| r.default.as_ref())
                .and_then(|c| c.level.as_deref());
            (name, default)
        };
        let level_of = |written: &Option<String>, default: Option<&str>| -> &'static str {
            let l = written.as_deref().or(default).unwrap_or("warning");
            LEVELS.into_iter().find(|x| *x == l).unwrap_or("warning")
        };
        let results = run.results.unwrap_or_default();
        for ((k, written), n) in &results.counts {
            let (name, default) = rule(k);
            let level = level_of(written, default);
            if let Some(i) = LEVELS.iter().position(|x| *x == level) {
                by_level[i] += n;
            }
            *fired.entry((name, level)).or_default() += n;
            total += n;
        }
        for (k, written, mut f) in results.kept {
            let (name, default) = rule(&k);
            f.level = level_of(&written, default).to_owned();
            f.name = clip(&name, 300);
            if findings.len() < FINDINGS_KEPT {
                findings.push(f);
            }
        }
    }
    // Errors first, then warnings, notes.
    findings.sort_by_key(|f| LEVELS.iter().position(|x| *x == f.level));
    let [errors, warnings, notes, none] = by_level;
    let mut text = format!(
        "{errors} error{}, {warnings} warning{}, {notes} note{}",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        if notes == 1 { "" } else { "s" }
    );
    if none > 0 {
        text.push_str(&format!(", {none} without level"));
    }
    if failed_runs > 0 {
        text.push_str(&format!("; {failed_runs} run(s) did not complete"));
    }
    let status = if errors > 0 || failed_runs > 0 {
        Status::Fail
    } else {
        Status::Pass
    };
    let mut checks: Vec<Check> = fired
        .into_iter()
        .map(|((rule, level), n)| Check {
            name: rule.into(),
            status: if level == "error" {
                Status::Fail
            } else {
                Status::Pass
            },
            detail: format!(
                "{n} result{} at level {level}",
                if n == 1 { "" } else { "s" }
            )
            .into(),
        })
        .collect();
    checks.sort_by_key(|c| (c.status != Status::Fail, c.name.clone()));
    checks.truncate(200);
    let tool = if tools.is_empty() {
        "scan".to_owned()
    } else {
        tools.join(", ")
    };
    Ok(Document {
        kind: DocKind::ScanReport,
        title: Some(format!("Scan: {tool}")),
        status,
        status_text: Some(text.clone()),
        status_line: Some(1),
        gates: vec![gate("Scan", status, &text)],
        checks: checks.into(),
        findings: findings.into(),
        findings_total: total,
        ..Document::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_rules_and_defaults() {
        let log = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL","rules":[
            {"id":"js/sql-injection","defaultConfiguration":{"level":"error"}},
            {"id":"js/unused","defaultConfiguration":{"level":"note"}}]}},
          "results":[
            {"ruleId":"js/sql-injection","message":{"text":"Query built from user input"},
             "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/db.js"},"region":{"startLine":12}}}]},
            {"ruleIndex":1,"message":{"text":"unused"}},
            {"ruleId":"js/x","level":"warning","message":{"text":"w"}},
            {"ruleId":"js/y","kind":"pass","level":"error"}]}]}"#;
        let d = read("codeql.sarif", &mut &log[..]).expect("reads");
        assert_eq!(d.status, Status::Fail);
        assert_eq!(d.status_text.as_deref(), Some("1 error, 1 warning, 1 note"));
        assert_eq!(d.findings_total, 3);
        assert_eq!(d.findings[0].name, "js/sql-injection");
        assert_eq!(d.findings[0].location.as_deref(), Some("src/db.js:12"));
        assert_eq!(&*d.checks[0].name, "js/sql-injection");

        let clean =
            br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Semgrep"}},"results":[]}]}"#;
        assert_eq!(
            read("s.sarif", &mut &clean[..]).expect("reads").status,
            Status::Pass
        );
        let cut = &log[..log.len() / 2];
        let e = read("t.sarif", &mut &cut[..]).expect_err("truncated");
        assert!(e.message.contains("SARIF"), "{}", e.message);
    }
}
