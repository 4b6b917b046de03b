//! Coverage reports: Cobertura XML (coverage.py, gcovr, Istanbul's
//! `cobertura` reporter, cargo-llvm-cov), JaCoCo XML, and LCOV tracefiles.
//!
//! Only the totals are read. The status is judged later, against the
//! threshold of `vouch.toml` ([`judge`]) or the one a claim states
//! (`problems.rs`): a report alone says how much is covered, not whether
//! that is enough.

use std::io::BufRead;

use quick_xml::events::Event;
use vouch_core::audit::{Coverage, DocKind, Document, Problem, Status};

use super::{Format, Watch, gate, unreadable};

use super::{xml_attr as attr, xml_num as num};

fn percent(covered: u64, valid: u64) -> f64 {
    if valid == 0 {
        0.0
    } else {
        (covered as f64 * 10_000.0 / valid as f64).round() / 100.0
    }
}

pub fn read_xml(format: Format, path: &str, r: &mut dyn BufRead) -> Result<Document, Problem> {
    let mut lines = Watch::new(r);
    let mut reader = quick_xml::Reader::from_reader(&mut lines);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut cov: Option<Coverage> = None;
    let mut jacoco = Coverage::default();
    let mut jacoco_seen = false;
    loop {
        let event = reader.read_event_into(&mut buf);
        let line = reader.get_ref().line;
        let ev =
            event.map_err(|e| unreadable(path, line, format, format!("{e} (near line {line})")))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                match (depth, e.local_name().as_ref()) {
                    // Clover (PHPUnit, Istanbul's `clover`) shares the root
                    // name: its totals are `<project><metrics>`.
                    (0, "coverage")
                        if num(e, "line-rate").is_none() && num(e, "lines-valid").is_none() => {}
                    (1, "metrics") | (2, "metrics")
                        if cov.is_none() && num(e, "statements").is_some() =>
                    {
                        let st = num(e, "statements").unwrap_or(0.0) as u64;
                        let cs = num(e, "coveredstatements").unwrap_or(0.0) as u64;
                        let cond = num(e, "conditionals").map(|f| f as u64);
                        let cc = num(e, "coveredconditionals").map(|f| f as u64);
                        cov = Some(Coverage {
                            lines_covered: cs,
                            lines_valid: st,
                            line_rate: percent(cs, st),
                            branches_covered: cc.filter(|_| cond.is_some_and(|c| c > 0)),
                            branches_valid: cond.filter(|c| *c > 0),
                            branch_rate: match (cc, cond) {
                                (Some(c), Some(v)) if v > 0 => Some(percent(c, v)),
                                _ => None,
                            },
                            threshold: None,
                        });
                    }
                    (0, "coverage") => {
                        let lv = num(e, "lines-valid").map(|f| f as u64);
                        let lc = num(e, "lines-covered").map(|f| f as u64);
                        let bv = num(e, "branches-valid").map(|f| f as u64);
                        let bc = num(e, "branches-covered").map(|f| f as u64);
                        let line_rate = match (lc, lv) {
                            (Some(c), Some(v)) if v > 0 => percent(c, v),
                            _ => {
                                num(e, "line-rate").map_or(0.0, |r| (r * 10_000.0).round() / 100.0)
                            }
                        };
                        let branch_rate = match (bc, bv) {
                            (Some(c), Some(v)) if v > 0 => Some(percent(c, v)),
                            _ => num(e, "branch-rate").map(|r| (r * 10_000.0).round() / 100.0),
                        };
                        cov = Some(Coverage {
                            lines_covered: lc.unwrap_or(0),
                            lines_valid: lv.unwrap_or(0),
                            line_rate,
                            branches_covered: bc,
                            branches_valid: bv,
                            branch_rate,
                            threshold: None,
                        });
                    }
                    (1, "counter") => {
                        let missed = num(e, "missed").unwrap_or(0.0) as u64;
                        let covered = num(e, "covered").unwrap_or(0.0) as u64;
                        match attr(e, "type").as_deref() {
                            Some("LINE") => {
                                jacoco_seen = true;
                                jacoco.lines_covered = covered;
                                jacoco.lines_valid = covered + missed;
                                jacoco.line_rate = percent(covered, covered + missed);
                            }
                            Some("BRANCH") => {
                                jacoco.branches_covered = Some(covered);
                                jacoco.branches_valid = Some(covered + missed);
                                jacoco.branch_rate = Some(percent(covered, covered + missed));
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if depth > 0 {
        return Err(unreadable(
            path,
            reader.get_ref().line,
            format,
            "the file ends inside an element (truncated?)".into(),
        ));
    }
    let cov = match (cov, jacoco_seen) {
        (Some(c), _) => c,
        (None, true) => jacoco,
        (None, false) => {
            return Err(unreadable(
                path,
                1,
                format,
                "no coverage totals found".into(),
            ));
        }
    };
    Ok(document(path, format, cov))
}

/// Calls `each` with every line of a line-based report (1-based number,
/// trimmed text) until it returns `Ok(false)` or the input ends; returns
/// the number of lines read. A line is read at most 1 MiB at a time: no
/// such line belongs to these formats, and memory stays bounded.
fn each_line(
    path: &str,
    format: Format,
    r: &mut dyn BufRead,
    mut each: impl FnMut(usize, &str) -> Result<bool, Problem>,
) -> Result<usize, Problem> {
    let mut line = String::new();
    let mut n = 0usize;
    loop {
        line.clear();
        let got = std::io::Read::take(&mut *r, 1 << 20)
            .read_line(&mut line)
            .map_err(|e| unreadable(path, n + 1, format, e.to_string()))?;
        if got == 0 {
            return Ok(n);
        }
        n += 1;
        if !each(n, line.trim())? {
            return Ok(n);
        }
    }
}

/// Go cover profiles (`go test -coverprofile`): `mode: set|count|atomic`,
/// then `file:12.2,14.3 2 1` (a block, its statements, its count). Blocks
/// are summed as statements; a block listed twice (from two packages'
/// runs) counts once, covered if either run covered it.
pub fn read_go(path: &str, r: &mut dyn BufRead) -> Result<Document, Problem> {
    let mut blocks: std::collections::HashMap<String, (u64, bool)> =
        std::collections::HashMap::new();
    let bad = |n: usize, l: &str| {
        unreadable(
            path,
            n,
            Format::GoCover,
            format!("not a profile line: {l:?}"),
        )
    };
    let n = each_line(path, Format::GoCover, r, |n, l| {
        if l.is_empty() || (n == 1 && l.starts_with("mode:")) {
            return Ok(true);
        }
        let mut parts = l.rsplitn(3, ' ');
        let (Some(count), Some(stmts), Some(block)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad(n, l));
        };
        let (Ok(count), Ok(stmts)) = (count.parse::<u64>(), stmts.parse::<u64>()) else {
            return Err(bad(n, l));
        };
        let e = blocks.entry(block.to_owned()).or_insert((stmts, false));
        e.1 |= count > 0;
        Ok(blocks.len() <= 5_000_000)
    })?;
    if n == 0 {
        return Err(unreadable(path, 1, Format::GoCover, "empty profile".into()));
    }
    let valid: u64 = blocks.values().map(|b| b.0).sum();
    let covered: u64 = blocks.values().filter(|b| b.1).map(|b| b.0).sum();
    Ok(document(
        path,
        Format::GoCover,
        Coverage {
            lines_covered: covered,
            lines_valid: valid,
            line_rate: percent(covered, valid),
            ..Coverage::default()
        },
    ))
}

/// LCOV tracefiles (`lcov`, `c8`, `nyc`, `cargo llvm-cov --lcov`,
/// Flutter): `LF`/`LH` and `BRF`/`BRH` per source file, summed; `DA` lines
/// counted where a file gives no `LF`.
pub fn read_lcov(path: &str, r: &mut dyn BufRead) -> Result<Document, Problem> {
    let mut cov = Coverage::default();
    let (mut bf, mut bh) = (0u64, 0u64);
    let (mut lf, mut lh, mut da, mut da_hit) = (None::<u64>, None::<u64>, 0u64, 0u64);
    let mut records = 0u64;
    let n = each_line(path, Format::Lcov, r, |_, l| {
        let field = |k: &str| l.strip_prefix(k).and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(v) = field("LF:") {
            lf = Some(v);
        } else if let Some(v) = field("LH:") {
            lh = Some(v);
        } else if let Some(v) = field("BRF:") {
            bf += v;
        } else if let Some(v) = field("BRH:") {
            bh += v;
        } else if let Some(rest) = l.strip_prefix("DA:") {
            da += 1;
            if rest
                .split(',')
                .nth(1)
                .and_then(|h| h.trim().parse::<u64>().ok())
                .is_some_and(|h| h > 0)
            {
                da_hit += 1;
            }
        } else if l == "end_of_record" {
            records += 1;
            cov.lines_valid += lf.unwrap_or(da);
            cov.lines_covered += lh.unwrap_or(da_hit);
            (lf, lh, da, da_hit) = (None, None, 0, 0);
        }
        Ok(true)
    })?;
    if records == 0 {
        return Err(unreadable(
            path,
            n,
            Format::Lcov,
            "no `end_of_record`: no source file recorded".into(),
        ));
    }
    cov.line_rate = percent(cov.lines_covered, cov.lines_valid);
    if bf > 0 {
        cov.branches_valid = Some(bf);
        cov.branches_covered = Some(bh);
        cov.branch_rate = Some(percent(bh, bf));
    }
    Ok(document(path, Format::Lcov, cov))
}

fn document(path: &str, format: Format, cov: Coverage) -> Document {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut doc = Document {
        kind: DocKind::CoverageReport,
        title: Some(format!("Coverage: {name} ({})", format.name())),
        coverage: Some(Box::new(cov)),
        status_line: Some(1),
        ..Document::default()
    };
    judge(&mut doc, None, None);
    doc
}

/// A coverage document's phrase: "85.2% of lines (852 of 1,000), 70% of branches".
pub fn phrase(c: &Coverage) -> String {
    let mut s = format!("{}% of lines", c.line_rate);
    if c.lines_valid > 0 {
        s.push_str(&format!(" ({} of {})", c.lines_covered, c.lines_valid));
    }
    if let Some(b) = c.branch_rate {
        s.push_str(&format!(", {b}% of branches"));
    }
    s
}

/// Sets a coverage document's status and gate from the thresholds (percent):
/// failed under either, passed at or over, unknown without one.
pub fn judge(doc: &mut Document, lines_min: Option<f64>, branches_min: Option<f64>) {
    let Some(c) = doc.coverage.as_mut() else {
        return;
    };
    c.threshold = lines_min;
    let mut text = phrase(c);
    let under_lines = lines_min.is_some_and(|m| c.line_rate < m);
    let under_branches = branches_min.is_some_and(|m| c.branch_rate.is_some_and(|b| b < m));
    let status = if under_lines || under_branches {
        Status::Fail
    } else if lines_min.is_some() || branches_min.is_some() {
        Status::Pass
    } else {
        Status::Unknown
    };
    match (lines_min, branches_min) {
        (Some(l), Some(b)) => {
            text.push_str(&format!("; threshold {l}% of lines, {b}% of branches"))
        }
        (Some(l), None) => text.push_str(&format!("; threshold {l}%")),
        (None, Some(b)) => text.push_str(&format!("; threshold {b}% of branches")),
        (None, None) => text.push_str("; no threshold set"),
    }
    doc.status = status;
    doc.status_text = Some(text.clone());
    if status == Status::Unknown {
        doc.status_reason = Some(
            "no coverage threshold: set [coverage] in vouch.toml, or state one in the claim".into(),
        );
    } else {
        doc.status_reason = None;
    }
    doc.gates = vec![gate("Coverage", status, &text)];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobertura_jacoco_lcov() {
        let x = br#"<?xml version="1.0" ?><!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage version="7.4" timestamp="1" lines-valid="1000" lines-covered="852" line-rate="0.852" branches-covered="70" branches-valid="100" branch-rate="0.7">
<packages><package name="app" line-rate="0.852"/></packages></coverage>"#;
        let d = read_xml(Format::Cobertura, "coverage.xml", &mut &x[..]).expect("reads");
        let c = d.coverage.expect("coverage");
        assert_eq!(
            (c.lines_covered, c.lines_valid, c.line_rate),
            (852, 1000, 85.2)
        );
        assert_eq!(c.branch_rate, Some(70.0));
        assert_eq!(d.status, Status::Unknown);

        let j = br#"<report name="x"><package name="a"><counter type="LINE" missed="1" covered="1"/></package><counter type="INSTRUCTION" missed="5" covered="5"/><counter type="LINE" missed="25" covered="75"/><counter type="BRANCH" missed="1" covered="3"/></report>"#;
        let d = read_xml(Format::JaCoCo, "jacoco.xml", &mut &j[..]).expect("reads");
        let c = d.coverage.expect("coverage");
        assert_eq!(
            (c.lines_covered, c.lines_valid, c.line_rate),
            (75, 100, 75.0)
        );
        assert_eq!(c.branch_rate, Some(75.0));

        let l = b"TN:
SF:a.js
DA:1,1
DA:2,0
LF:2
LH:1
BRF:2
BRH:2
end_of_record
SF:b.js
DA:1,3
DA:2,1
end_of_record
";
        let mut d = read_lcov("lcov.info", &mut &l[..]).expect("reads");
        let c = d.coverage.clone().expect("coverage");
        assert_eq!((c.lines_covered, c.lines_valid, c.line_rate), (3, 4, 75.0));
        judge(&mut d, Some(80.0), None);
        assert_eq!(d.status, Status::Fail);
        judge(&mut d, Some(75.0), None);
        assert_eq!(d.status, Status::Pass);

        let clover = br#"<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1700000000"><project timestamp="1700000000"><file name="a.php"><metrics statements="10" coveredstatements="9"/></file>
<metrics files="1" statements="200" coveredstatements="150" conditionals="40" coveredconditionals="10" elements="240" coveredelements="160"/></project></coverage>"#;
        let d = read_xml(Format::Cobertura, "clover.xml", &mut &clover[..]).expect("reads");
        let c = d.coverage.expect("coverage");
        assert_eq!(
            (c.lines_covered, c.lines_valid, c.line_rate),
            (150, 200, 75.0)
        );
        assert_eq!(c.branch_rate, Some(25.0));

        let go = b"mode: set\nexample.com/a/x.go:3.10,5.2 2 1\nexample.com/a/x.go:7.1,9.2 3 0\nexample.com/a/x.go:7.1,9.2 3 1\nexample.com/a/y.go:1.1,2.2 5 0\n";
        let d = read_go("cover.out", &mut &go[..]).expect("reads");
        let c = d.coverage.expect("coverage");
        assert_eq!((c.lines_covered, c.lines_valid, c.line_rate), (5, 10, 50.0));
        assert!(read_go("c.out", &mut &b"mode: set\nnot a line\n"[..]).is_err());

        let cut = &x[..x.len() - 30];
        assert!(read_xml(Format::Cobertura, "c.xml", &mut &cut[..]).is_err());
        assert!(
            read_lcov(
                "l.info",
                &mut &b"TN:
SF:a
"[..]
            )
            .is_err()
        );
    }
}
