//! Machine-written reports that CI produces, read as gates: test reports
//! (JUnit XML), scans (SARIF 2.1), and coverage (Cobertura and JaCoCo XML,
//! LCOV).
//!
//! Each reader streams: it takes any [`BufRead`], keeps counts and at most
//! [`FINDINGS_KEPT`] failing items, and never holds the whole file, so a
//! 50 MB report costs no more memory than a small one. XML is read with
//! `quick-xml`, which never expands entities beyond the five predefined
//! ones and never fetches anything a `DOCTYPE` names.
//!
//! What a report becomes: a [`Document`] of its kind with a status (a
//! failed or errored test, an error-level result, coverage under the
//! threshold of `vouch.toml` fail it), the counts, the failing items, and
//! one gate (`Tests`, `Scan`, `Coverage`) so that it shows in the gate
//! matrix. A passed claim that cites a failing report is a contradiction
//! (`problems.rs`).

pub mod coverage;
pub mod junit;
pub mod sarif;

use std::io::BufRead;

use vouch_core::audit::{Claim, ClaimForm, Document, FINDINGS_KEPT, Problem, ProblemKind, Status};

use crate::text;

/// A report format vouch reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    JUnit,
    Cobertura,
    JaCoCo,
    Lcov,
    GoCover,
    Sarif,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::JUnit => "JUnit XML",
            Format::Cobertura => "Cobertura XML",
            Format::JaCoCo => "JaCoCo XML",
            Format::Lcov => "LCOV",
            Format::GoCover => "Go cover profile",
            Format::Sarif => "SARIF",
        }
    }
}

/// The report format of a file, from its name and its first bytes (by
/// content: `results.xml` may be JUnit or anything else).
pub fn sniff(path: &str, head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let first = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &head[i..]);
    if first.starts_with(b"<") {
        return match xml_root(head)?.as_str() {
            "testsuites" | "testsuite" => Some(Format::JUnit),
            "coverage" => Some(Format::Cobertura),
            "report" if contains(head, b"<counter") || contains(head, b"jacoco") => {
                Some(Format::JaCoCo)
            }
            _ => None,
        };
    }
    if first.starts_with(b"{") {
        let window = &head[..head.len().min(64 << 10)];
        let sarif = name.ends_with(".sarif")
            || name.ends_with(".sarif.json")
            || contains(window, b"sarif-schema")
            || contains(window, b"sarif-2.1")
            || (contains(window, b"\"version\"")
                && contains(window, b"2.1.0")
                && contains(window, b"\"runs\""));
        return sarif.then_some(Format::Sarif);
    }
    // `go test -coverprofile`: its first line says so.
    if let Some(mode) = first.strip_prefix(b"mode: ")
        && [&b"set"[..], b"count", b"atomic"].iter().any(|m| {
            mode.starts_with(m) && mode.get(m.len()).is_none_or(|b| b.is_ascii_whitespace())
        })
    {
        return Some(Format::GoCover);
    }
    let lcov_name = name.ends_with(".info") || name.ends_with(".lcov") || name.contains("lcov");
    let lcov_text = (first.starts_with(b"TN:") || first.starts_with(b"SF:"))
        && (contains(head, b"\nend_of_record") || contains(head, b"\nDA:"));
    (lcov_text && (lcov_name || contains(head, b"\nLF:"))).then_some(Format::Lcov)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The name of the first element of an XML document, lower-cased, without
/// a namespace prefix.
fn xml_root(head: &[u8]) -> Option<String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_reader(head);
    let mut buf = Vec::new();
    for _ in 0..64 {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name();
                return Some(name.as_ref().to_ascii_lowercase());
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    None
}

/// Reads a report of `format` from `r` (the whole file).
pub fn read(
    format: Format,
    path: &str,
    sha256: &str,
    r: &mut dyn BufRead,
) -> Result<Document, Problem> {
    // A UTF-8 byte-order mark (Windows tools write one) is not content.
    if r.fill_buf().is_ok_and(|b| b.starts_with(b"\xEF\xBB\xBF")) {
        r.consume(3);
    }
    let mut doc = match format {
        Format::JUnit => junit::read(path, r),
        Format::Cobertura | Format::JaCoCo => coverage::read_xml(format, path, r),
        Format::Lcov => coverage::read_lcov(path, r),
        Format::GoCover => coverage::read_go(path, r),
        Format::Sarif => sarif::read(path, r),
    }?;
    doc.path = path.to_owned();
    doc.sha256 = sha256.into();
    Ok(doc)
}

/// An XML attribute's value by local name, entities resolved (the five
/// predefined ones only).
pub(crate) fn xml_attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// An XML attribute as a non-negative, finite number.
pub(crate) fn xml_num(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<f64> {
    xml_attr(e, key)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f >= 0.0)
}

/// The one gate a report stands for.
pub(crate) fn gate(name: &str, status: Status, status_text: &str) -> Claim {
    Claim {
        id: Some(text::gate_id(name).into()),
        name: name.into(),
        form: ClaimForm::Report,
        status,
        status_text: Some(status_text.into()),
        line: 1,
        ..Claim::default()
    }
}

/// A problem with a report that cannot be read to its end.
pub(crate) fn unreadable(path: &str, line: usize, format: Format, what: String) -> Problem {
    Problem::new(
        path,
        line.max(1),
        ProblemKind::UnreadableFile,
        format!("not a valid {} report: {what}", format.name()),
    )
}

/// Keeps the first `cap` items and counts them all: a report's findings
/// ([`FINDINGS_KEPT`], the default), or a test report's listed cases.
pub struct Kept {
    pub items: Vec<vouch_core::audit::Finding>,
    pub total: u64,
    cap: usize,
}

impl Default for Kept {
    fn default() -> Self {
        Self::new(FINDINGS_KEPT)
    }
}

impl Kept {
    pub fn new(cap: usize) -> Self {
        Self {
            items: Vec::new(),
            total: 0,
            cap,
        }
    }

    pub fn push(&mut self, f: vouch_core::audit::Finding) {
        self.total += 1;
        if self.items.len() < self.cap {
            self.items.push(f);
        }
    }
}

/// Text cut to at most `n` characters, on one line.
pub(crate) fn clip(s: &str, n: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

/// A [`BufRead`] adapter that counts the lines it has handed out (so a
/// streaming parser can say where it is) and keeps the first `keep` bytes
/// (so one read of a report also gives its page's text).
pub struct Watch<R> {
    inner: R,
    pub line: usize,
    pub kept: Vec<u8>,
    keep: usize,
}

impl<R: BufRead> Watch<R> {
    pub fn new(inner: R) -> Self {
        Self::keeping(inner, 0)
    }

    pub fn keeping(inner: R, keep: usize) -> Self {
        Self {
            inner,
            line: 1,
            kept: Vec::new(),
            keep,
        }
    }
}

impl<R: BufRead> std::io::Read for Watch<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Watch<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.line += buf[..n].iter().filter(|&&b| b == b'\n').count();
            let take = n.min(self.keep - self.kept.len().min(self.keep));
            self.kept.extend_from_slice(&buf[..take]);
        }
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(
            sniff("out/results.xml", b"<?xml version=\"1.0\"?>\n<testsuites>"),
            Some(Format::JUnit)
        );
        assert_eq!(
            sniff("TEST-x.xml", b"<!-- surefire -->\n<testsuite name=\"a\">"),
            Some(Format::JUnit)
        );
        assert_eq!(
            sniff("coverage.xml", b"<?xml version=\"1.0\" ?><!DOCTYPE coverage SYSTEM \"x.dtd\"><coverage line-rate=\"0.8\">"),
            Some(Format::Cobertura)
        );
        assert_eq!(
            sniff("jacoco.xml", b"<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\"><report name=\"x\"><counter type=\"LINE\"/>"),
            Some(Format::JaCoCo)
        );
        assert_eq!(sniff("pom.xml", b"<project>"), None);
        assert_eq!(
            sniff("codeql.sarif", b"{\"version\":\"2.1.0\",\"runs\":[]}"),
            Some(Format::Sarif)
        );
        assert_eq!(
            sniff(
                "scan.json",
                b"{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[]}"
            ),
            Some(Format::Sarif)
        );
        assert_eq!(sniff("package.json", b"{\"version\":\"2.1.0\"}"), None);
        assert_eq!(
            sniff(
                "coverage/lcov.info",
                b"TN:\nSF:src/a.js\nDA:1,1\nend_of_record\n"
            ),
            Some(Format::Lcov)
        );
        assert_eq!(sniff("notes.txt", b"SF: San Francisco\n"), None);
        assert_eq!(
            sniff("cover.out", b"mode: atomic\nexample.com/x.go:1.1,2.2 1 0\n"),
            Some(Format::GoCover)
        );
        assert_eq!(sniff("notes.txt", b"mode: settled on a plan\n"), None);
        // A byte-order mark is skipped, by the sniffer and the readers.
        let bom = b"\xEF\xBB\xBF{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"x\"}},\"results\":null}]}";
        assert_eq!(sniff("scan.sarif", bom), Some(Format::Sarif));
        let d = read(Format::Sarif, "scan.sarif", "00", &mut &bom[..]).expect("reads");
        assert_eq!(d.status, vouch_core::audit::Status::Pass);
    }
}
