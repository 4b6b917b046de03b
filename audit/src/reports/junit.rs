//! JUnit XML, as pytest, Jest (jest-junit), cargo-nextest, Maven Surefire,
//! Gradle, gotestsum and most CI test runners write it.
//!
//! Counts come from the `<testcase>` elements themselves (a case holding
//! `<failure>` failed, `<error>` errored, `<skipped>` was skipped); a report
//! that lists no cases falls back to its suites' `tests`/`failures`/
//! `errors`/`skipped` attributes. Each suite becomes a row of the report's
//! page; each failed or errored case a finding.

use std::io::BufRead;

use quick_xml::{XmlVersion, events::BytesStart, events::Event};
use vouch_core::audit::{Check, Counts, DocKind, Document, Finding, Problem, Status};

use super::{Format, Kept, Watch, clip, gate, unreadable};

/// Suites listed on the page (all are counted).
const SUITES_KEPT: usize = 200;
/// Nesting kept for suite names; deeper suites are still counted.
const MAX_DEPTH: usize = 64;

#[derive(Default, Clone, Copy)]
struct Tally {
    tests: u64,
    failed: u64,
    errored: u64,
    skipped: u64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.tests += o.tests;
        self.failed += o.failed;
        self.errored += o.errored;
        self.skipped += o.skipped;
    }
    fn passed(&self) -> u64 {
        self.tests
            .saturating_sub(self.failed + self.errored + self.skipped)
    }
    fn phrase(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed(), self.failed);
        if self.errored > 0 {
            s.push_str(&format!(", {} errored", self.errored));
        }
        s.push_str(&format!(", {} skipped", self.skipped));
        s
    }
}

struct Suite {
    name: String,
    cases: Tally,
    /// What its attributes declare (used when no cases are listed).
    declared: Tally,
    has_child_suites: bool,
}

#[derive(Default)]
struct Case {
    name: String,
    classname: Option<String>,
    line: usize,
    outcome: Option<&'static str>,
    message: String,
    in_outcome: bool,
}

use super::xml_attr as attr;

/// A count attribute (`tests="12"`); 0 when absent or not a count.
fn num(e: &BytesStart<'_>, key: &str) -> u64 {
    super::xml_num(e, key).map_or(0, |f| f as u64)
}

/// Where each case goes: the kept findings, and every case to `every`
/// (the page's full, paged list), when there is one.
struct Sink<'a> {
    kept: Kept,
    every: Option<&'a mut dyn FnMut(Finding)>,
}

pub fn read(path: &str, r: &mut dyn BufRead) -> Result<Document, Problem> {
    read_with(path, r, None)
}

/// Every test case in report order, as a [`Finding`] whose `level` is
/// `passed`, `skipped`, `failure` or `error`, handed to `each` while the
/// report is read; returns the document as [`read`] does.
pub fn list(
    path: &str,
    r: &mut dyn BufRead,
    each: &mut dyn FnMut(Finding),
) -> Result<Document, Problem> {
    read_with(path, r, Some(each))
}

fn read_with(
    path: &str,
    r: &mut dyn BufRead,
    every: Option<&mut dyn FnMut(Finding)>,
) -> Result<Document, Problem> {
    let mut lines = Watch::new(r);
    let mut reader = quick_xml::Reader::from_reader(&mut lines);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut stack: Vec<Suite> = Vec::new();
    let mut depth_over = 0usize;
    let mut title: Option<String> = None;
    let mut case: Option<Case> = None;
    let mut total = Tally::default();
    let mut declared_leaves = Tally::default();
    let mut saw_case = false;
    let mut findings = Sink {
        kept: Kept::default(),
        every,
    };
    let mut suites: Vec<Check> = Vec::new();
    let mut suites_total = 0u64;
    loop {
        let event = reader.read_event_into(&mut buf);
        let line = reader.get_ref().line;
        let ev = event.map_err(|e| {
            unreadable(path, line, Format::JUnit, format!("{e} (near line {line})"))
        })?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Text(t) => {
                add_text(&mut case, &t.xml_content(XmlVersion::Implicit1_0));
                buf.clear();
                continue;
            }
            Event::CData(t) => {
                add_text(&mut case, &t.xml_content(XmlVersion::Implicit1_0));
                buf.clear();
                continue;
            }
            Event::GeneralRef(r) => {
                let ch = match r.as_ref() {
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "amp" => Some('&'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                if let Some(ch) = ch {
                    add_text(&mut case, &ch.to_string());
                }
                buf.clear();
                continue;
            }
            Event::End(e) => {
                match e.local_name().as_ref() {
                    "failure" | "error" | "skipped" => {
                        if let Some(c) = case.as_mut() {
                            c.in_outcome = false;
                        }
                    }
                    "testcase" => finish_case(&mut case, &mut stack, &mut total, &mut findings),
                    "testsuite" if case.is_none() => {
                        if depth_over > 0 {
                            depth_over -= 1;
                        } else if let Some(s) = stack.pop() {
                            close_suite(
                                s,
                                &mut stack,
                                &mut declared_leaves,
                                &mut suites,
                                &mut suites_total,
                            );
                        }
                    }
                    _ => {}
                }
                buf.clear();
                continue;
            }
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        match (case.as_mut(), e.local_name().as_ref()) {
            (None, "testsuites") if title.is_none() => {
                title = attr(&e, "name").filter(|n| !n.trim().is_empty());
            }
            (None, "testsuite") => {
                if let Some(parent) = stack.last_mut() {
                    parent.has_child_suites = true;
                }
                let s = Suite {
                    name: attr(&e, "name").unwrap_or_default(),
                    cases: Tally::default(),
                    declared: Tally {
                        tests: num(&e, "tests"),
                        failed: num(&e, "failures"),
                        errored: num(&e, "errors"),
                        skipped: num(&e, "skipped").max(num(&e, "skip")) + num(&e, "disabled"),
                    },
                    has_child_suites: false,
                };
                if empty {
                    close_suite(
                        s,
                        &mut stack,
                        &mut declared_leaves,
                        &mut suites,
                        &mut suites_total,
                    );
                } else if stack.len() < MAX_DEPTH {
                    stack.push(s);
                } else {
                    depth_over += 1;
                }
            }
            (None, "testcase") => {
                saw_case = true;
                case = Some(Case {
                    name: attr(&e, "name").unwrap_or_default(),
                    classname: attr(&e, "classname")
                        .or_else(|| attr(&e, "class"))
                        .filter(|c| !c.is_empty()),
                    line,
                    ..Case::default()
                });
                if empty {
                    finish_case(&mut case, &mut stack, &mut total, &mut findings);
                }
            }
            (Some(c), name) => {
                let outcome = match name {
                    "failure" => Some("failure"),
                    "error" => Some("error"),
                    "skipped" => Some("skipped"),
                    _ => None,
                };
                if let Some(o) = outcome {
                    // A failure outranks a skip; the first failure speaks.
                    if c.outcome.is_none() || c.outcome == Some("skipped") {
                        c.outcome = Some(o);
                        c.message = attr(&e, "message")
                            .or_else(|| attr(&e, "type"))
                            .unwrap_or_default();
                    }
                    // The body (a stack trace) only when there is no message.
                    c.in_outcome = !empty && c.message.is_empty();
                }
            }
            _ => {}
        }
        buf.clear();
    }
    if case.is_some() || !stack.is_empty() {
        return Err(unreadable(
            path,
            reader.get_ref().line,
            Format::JUnit,
            "the file ends inside an element (truncated?)".into(),
        ));
    }
    let t = if saw_case { total } else { declared_leaves };
    let status = if t.failed + t.errored > 0 {
        Status::Fail
    } else if t.passed() > 0 {
        Status::Pass
    } else {
        Status::Unknown
    };
    let mut status_text = t.phrase();
    if t.tests == 0 {
        status_text = "no tests ran".into();
    }
    if suites_total > suites.len() as u64 {
        let more = suites_total - suites.len() as u64;
        suites.push(Check {
            name: format!("… {more} more suites").into(),
            status: Status::Unknown,
            detail: "counted above, not listed".into(),
        });
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    Ok(Document {
        kind: DocKind::TestReport,
        title: Some(format!("Test report: {}", title.as_deref().unwrap_or(name))),
        status,
        status_text: Some(status_text.clone()),
        status_line: Some(1),
        counts: Some(Counts {
            pass: t.passed(),
            fail: t.failed + t.errored,
            skip: t.skipped,
        }),
        gates: vec![gate("Tests", status, &status_text)],
        checks: suites.into(),
        findings: findings.kept.items.into(),
        findings_total: findings.kept.total,
        ..Document::default()
    })
}

fn add_text(case: &mut Option<Case>, t: &str) {
    if let Some(c) = case.as_mut()
        && c.in_outcome
        && c.message.len() < 2000
    {
        c.message.push_str(t);
    }
}

fn finish_case(
    case: &mut Option<Case>,
    stack: &mut [Suite],
    total: &mut Tally,
    findings: &mut Sink<'_>,
) {
    let Some(c) = case.take() else { return };
    let mut t = Tally {
        tests: 1,
        ..Tally::default()
    };
    match c.outcome {
        Some("failure") => t.failed = 1,
        Some("error") => t.errored = 1,
        Some("skipped") => t.skipped = 1,
        _ => {}
    }
    total.add(t);
    if let Some(s) = stack.last_mut() {
        s.cases.add(t);
    }
    let failed = matches!(c.outcome, Some("failure" | "error"));
    if failed || findings.every.is_some() {
        let level = c.outcome.unwrap_or("passed");
        let suite = stack.last().map(|s| s.name.as_str()).unwrap_or("");
        let mut name = String::new();
        for part in [Some(suite), c.classname.as_deref()]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
        {
            if !name.is_empty() && !name.ends_with(part) {
                name.push_str(" › ");
            }
            if !name.ends_with(part) {
                name.push_str(part);
            }
        }
        if !name.is_empty() {
            name.push_str(" › ");
        }
        name.push_str(&c.name);
        let f = Finding {
            name: clip(&name, 300),
            level: level.into(),
            message: Some(clip(&c.message, 500)).filter(|m| !m.is_empty()),
            location: None,
            line: c.line,
        };
        if let Some(each) = findings.every.as_mut() {
            each(f.clone());
        }
        if failed {
            findings.kept.push(f);
        }
    }
}

fn close_suite(
    s: Suite,
    stack: &mut [Suite],
    declared_leaves: &mut Tally,
    suites: &mut Vec<Check>,
    suites_total: &mut u64,
) {
    if !s.has_child_suites {
        declared_leaves.add(s.declared);
    }
    if let Some(parent) = stack.last_mut() {
        parent.cases.add(s.cases);
    }
    if s.has_child_suites {
        return;
    }
    *suites_total += 1;
    if suites.len() >= SUITES_KEPT {
        return;
    }
    let t = if s.cases.tests > 0 {
        s.cases
    } else {
        s.declared
    };
    suites.push(Check {
        name: if s.name.is_empty() {
            "(unnamed suite)".into()
        } else {
            clip(&s.name, 200).into()
        },
        status: if t.failed + t.errored > 0 {
            Status::Fail
        } else if t.passed() > 0 {
            Status::Pass
        } else {
            Status::Unknown
        },
        detail: format!("{} tests: {}", t.tests, t.phrase()).into(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_suites_and_failures() {
        let x = br#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest">
  <testsuite name="unit" tests="4" failures="1" errors="1" skipped="1">
    <testcase classname="tests.test_api" name="test_ok" time="0.1"/>
    <testcase classname="tests.test_api" name="test_bad"><failure message="assert 1 == 2">trace &amp; more</failure></testcase>
    <testcase classname="tests.test_api" name="test_boom"><error message="ValueError"/></testcase>
    <testcase classname="tests.test_api" name="test_skip"><skipped message="later"/></testcase>
  </testsuite>
  <testsuite name="e2e" tests="1"><testcase name="login"/></testsuite>
</testsuites>"#;
        let d = read("junit.xml", &mut &x[..]).expect("reads");
        assert_eq!(d.status, Status::Fail);
        assert_eq!(
            d.status_text.as_deref(),
            Some("2 passed, 1 failed, 1 errored, 1 skipped")
        );
        assert_eq!(d.findings_total, 2);
        assert_eq!(d.findings[0].name, "unit › tests.test_api › test_bad");
        assert_eq!(d.findings[0].message.as_deref(), Some("assert 1 == 2"));
        assert_eq!(d.findings[0].line, 5);
        assert_eq!(d.checks.len(), 2);
        assert_eq!(d.gates[0].id.as_deref(), Some("TESTS"));

        // Suites that list no cases: their attributes count.
        let s =
            br#"<testsuite name="a" tests="10" failures="0" errors="0" skipped="2"></testsuite>"#;
        let d = read("s.xml", &mut &s[..]).expect("reads");
        assert_eq!(
            d.status_text.as_deref(),
            Some("8 passed, 0 failed, 2 skipped")
        );

        // Broken: unclosed, mismatched, truncated.
        for bad in [
            &b"<testsuite><testcase name=\"a\">"[..],
            b"<testsuite></testcase>",
            &x[..x.len() - 40],
        ] {
            assert!(read("b.xml", &mut &bad[..]).is_err());
        }
        // Every case, in order, for the report's full list.
        let mut all = Vec::new();
        let d2 = list("junit.xml", &mut &x[..], &mut |f| {
            all.push((f.name, f.level))
        })
        .expect("reads");
        assert_eq!(
            d2.status_text.as_deref(),
            Some("2 passed, 1 failed, 1 errored, 1 skipped")
        );
        let levels: Vec<&str> = all.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(levels, ["passed", "failure", "error", "skipped", "passed"]);
        assert_eq!(all[4].0, "e2e › login");
        // Entities are not expanded: a billion laughs stays small.
        let lol = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<testsuite><testcase name="x"><failure message="&b;">&b;&b;&b;</failure></testcase></testsuite>"#;
        let d = read("lol.xml", &mut &lol[..]).expect("reads");
        assert!(d.findings[0].message.as_deref().unwrap_or("").len() < 100);
    }
}
