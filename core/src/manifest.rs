//! `manifest.json`: the list of everything a vouch site claims to contain.
//!
//! The schema is documented in `docs/manifest.md`. The generator writes it;
//! the viewer and `vouch verify` read it with [`Manifest::parse`], which
//! validates it as the untrusted input it is.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{ArtifactKind, hash::is_sha256_hex, url::is_site_relative};

/// The `schema_version` this crate writes and reads.
pub const MANIFEST_SCHEMA: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub generator: Generator,
    /// RFC 3339 UTC build time, from `SOURCE_DATE_EPOCH` when set.
    pub built_at: String,
    /// The id (SHA-256 of `manifest.json`) of the snapshot this one follows.
    #[serde(default)]
    pub previous: Option<String>,
    /// RFC 3339 UTC time after which readers treat this snapshot as
    /// `expired` (`build --sign --expires-in DAYS`). Signed with the rest
    /// of the manifest, so a host cannot serve an old snapshot for ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The commit and CI run that built this snapshot, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::history::Source>,
    /// The site's name (`build --title`, or `title` in `vouch.toml`):
    /// signed with the rest, so a host cannot rename the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `vouch rollback`: the id of the earlier snapshot whose evidence this
    /// one republishes. Signed with the rest; `previous` still names the
    /// head it replaced, so the chain keeps what was rolled back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
    /// The evidence, one entry per input file, sorted by `path`.
    pub artifacts: Vec<Artifact>,
    /// Files vouch generated whose integrity matters (pages, viewer assets),
    /// sorted by `path`. `manifest.json` itself is not listed.
    #[serde(default)]
    pub generated: Vec<GeneratedFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Path relative to the input folder, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the raw bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Where the raw bytes are served, relative to the site root.
    pub url: String,
    pub kind: ArtifactKind,
    /// The artifact's HTML page, relative to the site root.
    pub page: String,
    /// A display title: a Markdown report's first heading, else the file name.
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedFile {
    /// Path relative to the site root, which is also its URL.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("manifest.json is not valid JSON for this schema: {0}")]
    Json(String),
    #[error("manifest.json has schema_version {found}; this vouch reads version {MANIFEST_SCHEMA}")]
    Schema { found: u32 },
    #[error("artifact {path:?}: {problem}")]
    Artifact { path: String, problem: String },
    #[error("generated file {path:?}: {problem}")]
    Generated { path: String, problem: String },
}

impl Manifest {
    /// Parses and validates `manifest.json` bytes, in one go; see
    /// [`ManifestReader`] to do it a slice at a time.
    pub fn parse(bytes: &[u8]) -> Result<Self, ManifestError> {
        Self::read_all(ManifestReader::new(bytes))
    }

    /// The top-level fields alone, checked as [`Manifest::parse`] checks
    /// them; each list entry is read as JSON and skipped, neither kept nor
    /// checked, so `artifacts` and `generated` come back empty. For a
    /// reader that needs no entry: the history check, which reads every
    /// retained snapshot's manifest (20 of 24 MB each at 50,000 files).
    pub fn parse_header(bytes: &[u8]) -> Result<Self, ManifestError> {
        Self::read_all(ManifestReader::header_only(bytes))
    }

    fn read_all(mut reader: ManifestReader<'_>) -> Result<Self, ManifestError> {
        loop {
            if let Some(m) = reader.step(usize::MAX)? {
                return Ok(m);
            }
        }
    }

    /// Checks the invariants a reader relies on: a known schema, well-formed
    /// digests, unique paths, and URLs that cannot leave the site root.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.schema_version != MANIFEST_SCHEMA {
            return Err(ManifestError::Schema {
                found: self.schema_version,
            });
        }
        if self
            .expires_at
            .as_deref()
            .is_some_and(|e| crate::time::parse_rfc3339(e).is_none())
        {
            return Err(ManifestError::Json(
                "expires_at is not an RFC 3339 UTC time".into(),
            ));
        }
        if self.previous.as_deref().is_some_and(|p| !is_sha256_hex(p)) {
            return Err(ManifestError::Json("previous is not a snapshot id".into()));
        }
        let mut seen = HashSet::new();
        for a in &self.artifacts {
            a.check()?;
            if !seen.insert(a.path.as_str()) {
                return Err(twice_artifact(&a.path));
            }
        }
        let mut seen = HashSet::new();
        for g in &self.generated {
            g.check()?;
            if !seen.insert(g.path.as_str()) {
                return Err(twice_generated(&g.path));
            }
        }
        Ok(())
    }

    pub fn total_size(&self) -> u64 {
        self.artifacts.iter().map(|a| a.size).sum()
    }

    /// Serialises as the generator writes it: an entry a line
    /// ([`crate::to_json_lines`]), with a final newline.
    pub fn to_json_pretty(&self) -> String {
        crate::to_json_lines(self)
    }
}

impl Artifact {
    /// One entry's share of [`Manifest::validate`], but for uniqueness.
    fn check(&self) -> Result<(), ManifestError> {
        let bad = |problem: &str| ManifestError::Artifact {
            path: self.path.clone(),
            problem: problem.to_owned(),
        };
        if !is_evidence_path(&self.path) {
            return Err(bad("path is not a clean relative path"));
        }
        if !is_sha256_hex(&self.sha256) {
            return Err(bad("sha256 is not 64 lowercase hex characters"));
        }
        if !is_site_relative(&self.url) {
            return Err(bad("url does not stay inside the site"));
        }
        if !is_site_relative(&self.page) {
            return Err(bad("page does not stay inside the site"));
        }
        Ok(())
    }
}

impl GeneratedFile {
    /// One entry's share of [`Manifest::validate`], but for uniqueness.
    fn check(&self) -> Result<(), ManifestError> {
        let bad = |problem: &str| ManifestError::Generated {
            path: self.path.clone(),
            problem: problem.to_owned(),
        };
        if !is_site_relative(&self.path) {
            return Err(bad("path does not stay inside the site"));
        }
        if !is_sha256_hex(&self.sha256) {
            return Err(bad("sha256 is not 64 lowercase hex characters"));
        }
        Ok(())
    }
}

fn twice_artifact(path: &str) -> ManifestError {
    ManifestError::Artifact {
        path: path.to_owned(),
        problem: "listed twice".into(),
    }
}

fn twice_generated(path: &str) -> ManifestError {
    ManifestError::Generated {
        path: path.to_owned(),
        problem: "listed twice".into(),
    }
}

/// serde_json's message without its position, which is that of the slice
/// it was given, not the document's.
fn unplaced(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rsplit_once(" at line ") {
        Some((what, _)) => what.to_owned(),
        None => message,
    }
}

/// A JSON error at a position in the document.
fn placed(what: &str, line: usize, column: usize) -> ManifestError {
    ManifestError::Json(format!("{what} at line {line} column {column}"))
}

/// Where a [`ManifestReader`] is in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Start,
    /// Before a key of the top-level object (`first`: no `,` expected).
    Key {
        first: bool,
    },
    /// Inside the `artifacts` (or else `generated`) array.
    List {
        artifacts: bool,
        first: bool,
    },
    Done,
}

/// Parses `manifest.json` a slice at a time: [`ManifestReader::step`] reads
/// at most a given number of list entries and returns, so a reader with a
/// page to keep responsive (the viewer: 100,000 entries are 50 MB of JSON)
/// can yield between slices. [`Manifest::parse`] is this reader run to the
/// end, so both accept and refuse exactly the same documents.
///
/// The top-level object is walked by hand; each key, each other value and
/// each list entry is parsed by `serde_json`, and each entry is validated
/// as it is read.
pub struct ManifestReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    at: At,
    /// The top-level fields other than the two lists, copied as written
    /// into an object of their own, which serde reads at the end.
    header: Vec<u8>,
    artifacts: Option<Vec<Artifact>>,
    generated: Option<Vec<GeneratedFile>>,
    /// The first entry that failed its check: reported at the end, after
    /// the header's own checks (a newer schema says so first), as
    /// `validate` orders them.
    entry_error: Option<ManifestError>,
    seen_artifacts: HashSet<String>,
    seen_generated: HashSet<String>,
    /// Skip each list entry as JSON ([`Manifest::parse_header`]).
    skip_entries: bool,
}

impl<'a> ManifestReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self::with(bytes, false)
    }

    fn with(bytes: &'a [u8], skip_entries: bool) -> Self {
        Self {
            bytes,
            pos: 0,
            at: At::Start,
            header: b"{".to_vec(),
            artifacts: None,
            generated: None,
            entry_error: None,
            seen_artifacts: HashSet::new(),
            seen_generated: HashSet::new(),
            skip_entries,
        }
    }

    /// A reader of the top-level fields alone, as [`Manifest::parse_header`]
    /// reads them: each list entry is skipped as JSON.
    pub fn header_only(bytes: &'a [u8]) -> Self {
        Self::with(bytes, true)
    }

    /// How far the reader has got, in bytes.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Reads on, through at most `entries` list entries: `Some` with the
    /// validated manifest once the document is read, `None` when there is
    /// more to read. After an error, the reader must not be used again.
    pub fn step(&mut self, entries: usize) -> Result<Option<Manifest>, ManifestError> {
        let mut read = 0;
        loop {
            match self.at {
                At::Start => {
                    self.expect(b'{')?;
                    self.at = At::Key { first: true };
                }
                At::Key { first } => {
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        self.at = At::Done;
                        continue;
                    }
                    if !first {
                        self.expect(b',')?;
                    }
                    self.peek();
                    let key_start = self.pos;
                    let key: String = self.value()?;
                    let key_end = self.pos;
                    self.expect(b':')?;
                    self.at = At::Key { first: false };
                    let duplicate = match key.as_str() {
                        "artifacts" | "generated" => {
                            let artifacts = key == "artifacts";
                            let fresh = if artifacts {
                                self.artifacts.replace(Vec::new()).is_none()
                            } else {
                                self.generated.replace(Vec::new()).is_none()
                            };
                            self.expect(b'[')?;
                            self.at = At::List {
                                artifacts,
                                first: true,
                            };
                            !fresh
                        }
                        _ => {
                            self.peek();
                            let start = self.pos;
                            // Skipped as serde skips it: unknown fields are
                            // ignored, known ones are read at the end.
                            let _: serde::de::IgnoredAny = self.value()?;
                            if self.header.len() > 1 {
                                self.header.push(b',');
                            }
                            self.header
                                .extend_from_slice(&self.bytes[key_start..key_end]);
                            self.header.push(b':');
                            self.header.extend_from_slice(&self.bytes[start..self.pos]);
                            // Repeated fields are found by serde, as ever.
                            false
                        }
                    };
                    if duplicate {
                        return Err(ManifestError::Json(format!("duplicate field `{key}`")));
                    }
                }
                At::List { artifacts, first } => {
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        self.at = At::Key { first: false };
                        continue;
                    }
                    if read >= entries {
                        return Ok(None);
                    }
                    if !first {
                        self.expect(b',')?;
                    }
                    self.at = At::List {
                        artifacts,
                        first: false,
                    };
                    if self.skip_entries {
                        let _: serde::de::IgnoredAny = self.value()?;
                    } else if artifacts {
                        let a: Artifact = self.value()?;
                        let checked = a.check().and_then(|()| {
                            match self.seen_artifacts.insert(a.path.clone()) {
                                true => Ok(()),
                                false => Err(twice_artifact(&a.path)),
                            }
                        });
                        if let Err(e) = checked {
                            self.entry_error.get_or_insert(e);
                        }
                        self.artifacts.get_or_insert_default().push(a);
                    } else {
                        let g: GeneratedFile = self.value()?;
                        let checked = g.check().and_then(|()| {
                            match self.seen_generated.insert(g.path.clone()) {
                                true => Ok(()),
                                false => Err(twice_generated(&g.path)),
                            }
                        });
                        if let Err(e) = checked {
                            self.entry_error.get_or_insert(e);
                        }
                        self.generated.get_or_insert_default().push(g);
                    }
                    read += 1;
                }
                At::Done => return self.finish().map(Some),
            }
        }
    }

    /// The end of the document: nothing after the object, then the other
    /// fields, the schema and the invariants that span the whole manifest.
    fn finish(&mut self) -> Result<Manifest, ManifestError> {
        if self.peek().is_some() {
            return Err(self.syntax("trailing characters"));
        }
        let Some(artifacts) = self.artifacts.take() else {
            return Err(ManifestError::Json("missing field `artifacts`".into()));
        };
        let mut header = std::mem::take(&mut self.header);
        if header.len() > 1 {
            header.push(b',');
        }
        header.extend_from_slice(b"\"artifacts\":[]}");
        // Positions in the copied header would mislead: leave them out.
        let mut m: Manifest =
            serde_json::from_slice(&header).map_err(|e| ManifestError::Json(unplaced(&e)))?;
        // The entries were checked as they were read; this checks the rest,
        // which comes first.
        m.validate()?;
        if let Some(e) = self.entry_error.take() {
            return Err(e);
        }
        m.artifacts = artifacts;
        m.generated = self.generated.take().unwrap_or_default();
        Ok(m)
    }

    /// The next byte that is not JSON whitespace, left unread.
    fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    fn expect(&mut self, want: u8) -> Result<(), ManifestError> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(&format!("expected `{}`", char::from(want))))
        }
    }

    /// One JSON value at the current position, parsed by `serde_json`.
    fn value<T: serde::de::DeserializeOwned>(&mut self) -> Result<T, ManifestError> {
        self.peek();
        let mut values =
            serde_json::Deserializer::from_slice(&self.bytes[self.pos..]).into_iter::<T>();
        match values.next() {
            Some(Ok(v)) => {
                self.pos += values.byte_offset();
                Ok(v)
            }
            Some(Err(e)) => {
                let (line, column) = self.line_column(self.pos);
                let (line, column) = if e.line() <= 1 {
                    (line, column + e.column().saturating_sub(1))
                } else {
                    (line + e.line() - 1, e.column())
                };
                Err(placed(&unplaced(&e), line, column))
            }
            None => Err(self.syntax("unexpected end of the document")),
        }
    }

    fn syntax(&self, what: &str) -> ManifestError {
        let (line, column) = self.line_column(self.pos);
        placed(what, line, column)
    }

    /// 1-based line and column of byte `pos`.
    fn line_column(&self, pos: usize) -> (usize, usize) {
        let before = &self.bytes[..pos.min(self.bytes.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        (
            before.iter().filter(|&&b| b == b'\n').count() + 1,
            pos - line_start + 1,
        )
    }
}

/// An evidence path as vouch records it: relative, `/`-separated, with no
/// empty, `.` or `..` segments and no NUL. Every other character a file
/// system allows in a name is allowed (a backslash, a newline, a tab, DEL,
/// U+0085): the path is only ever shown (escaped) and compared, never used
/// to open a file; the bytes are served from `url`.
pub fn is_evidence_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\0')
        && path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256_hex;

    fn sample() -> Manifest {
        Manifest {
            schema_version: MANIFEST_SCHEMA,
            generator: Generator {
                name: "vouch".into(),
                version: "0.1.0".into(),
            },
            built_at: "2026-01-04T12:00:00Z".into(),
            expires_at: None,
            previous: None,
            source: None,
            title: None,
            rollback_of: None,
            artifacts: vec![Artifact {
                path: "reports/STAGE1_ACCEPTANCE.md".into(),
                sha256: sha256_hex(b"hello"),
                size: 5,
                url: format!("objects/{}", sha256_hex(b"hello")),
                kind: ArtifactKind::Markdown,
                page: "pages/stage1-acceptance-0011.html".into(),
                title: "Stage 1".into(),
            }],
            generated: vec![GeneratedFile {
                path: "index.html".into(),
                sha256: sha256_hex(b"<html>"),
                size: 6,
            }],
        }
    }

    #[test]
    fn round_trips() {
        let m = sample();
        let text = m.to_json_pretty();
        assert!(text.ends_with("}\n"));
        assert_eq!(Manifest::parse(text.as_bytes()), Ok(m));
    }

    #[test]
    fn parse_header_reads_the_header_and_skips_the_entries() {
        let mut m = sample();
        m.previous = Some("ab".repeat(32));
        // An entry `parse` refuses: the header reader does not look at it.
        m.artifacts[0].url = "../../etc/passwd".into();
        let text = m.to_json_pretty();
        assert!(Manifest::parse(text.as_bytes()).is_err());
        let h = Manifest::parse_header(text.as_bytes()).expect("header");
        assert_eq!(h.previous, m.previous);
        assert_eq!(h.built_at, m.built_at);
        assert!(h.artifacts.is_empty() && h.generated.is_empty());
        // The header's own checks hold as in `parse`: schema, JSON, fields.
        let mut newer = sample();
        newer.schema_version = MANIFEST_SCHEMA + 1;
        assert!(matches!(
            Manifest::parse_header(newer.to_json_pretty().as_bytes()),
            Err(ManifestError::Schema { .. })
        ));
        let cut = &text.as_bytes()[..text.len() - 3];
        assert!(Manifest::parse_header(cut).is_err());
        assert!(Manifest::parse_header(br#"{"artifacts":[]}"#).is_err());
    }

    #[test]
    fn rejects_hostile_urls() {
        let mut m = sample();
        m.artifacts[0].url = "../../etc/passwd".into();
        let err = Manifest::parse(m.to_json_pretty().as_bytes());
        assert!(
            matches!(err, Err(ManifestError::Artifact { .. })),
            "{err:?}"
        );

        let mut m = sample();
        m.artifacts[0].url = "https://evil.example/x".into();
        assert!(Manifest::parse(m.to_json_pretty().as_bytes()).is_err());

        let mut m = sample();
        m.generated[0].path = "/index.html".into();
        assert!(matches!(
            Manifest::parse(m.to_json_pretty().as_bytes()),
            Err(ManifestError::Generated { .. })
        ));
    }

    #[test]
    fn rejects_bad_digests_duplicates_and_schema() {
        let mut m = sample();
        m.artifacts[0].sha256 = m.artifacts[0].sha256.to_uppercase();
        assert!(Manifest::parse(m.to_json_pretty().as_bytes()).is_err());

        let mut m = sample();
        m.artifacts.push(m.artifacts[0].clone());
        let err = Manifest::parse(m.to_json_pretty().as_bytes());
        assert!(format!("{err:?}").contains("listed twice"));

        let mut m = sample();
        m.schema_version = 99;
        assert_eq!(
            Manifest::parse(m.to_json_pretty().as_bytes()),
            Err(ManifestError::Schema { found: 99 })
        );

        assert!(matches!(
            Manifest::parse(b"{\"schema_version\": 1"),
            Err(ManifestError::Json(_))
        ));
    }

    /// Reads `bytes` `entries` list entries at a time.
    fn read_in_slices(bytes: &[u8], entries: usize) -> Result<(Manifest, usize), ManifestError> {
        let mut reader = ManifestReader::new(bytes);
        for steps in 1.. {
            if let Some(m) = reader.step(entries)? {
                return Ok((m, steps));
            }
        }
        unreachable!()
    }

    #[test]
    fn a_manifest_read_in_slices_is_the_manifest_read_whole() {
        let mut m = sample();
        for i in 0..5 {
            let mut a = m.artifacts[0].clone();
            a.path = format!("r/{i}.md");
            m.artifacts.push(a);
        }
        m.title = Some("T".into());
        let pretty = m.to_json_pretty();
        let compact = serde_json::to_string(&m).expect("serialises");
        // Keys in another order, and generated before artifacts.
        let mut v: serde_json::Value = serde_json::from_str(&compact).expect("parses");
        let obj = v.as_object_mut().expect("an object");
        let shuffled = format!(
            "\t{{ \"generated\" : {} ,\r\n\"artifacts\":{}, {} }} \n",
            obj["generated"],
            obj["artifacts"],
            obj.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "artifacts" | "generated"))
                .map(|(k, v)| format!("{k:?}: {v}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        for text in [&pretty, &compact, &shuffled] {
            let (whole, _) = read_in_slices(text.as_bytes(), usize::MAX).expect("reads");
            assert_eq!(whole, m);
            let (sliced, steps) = read_in_slices(text.as_bytes(), 2).expect("reads in slices");
            assert_eq!(sliced, m);
            assert!(steps >= 4, "{steps} steps for 7 entries, 2 at a time");
        }
    }

    #[test]
    fn the_reader_refuses_what_json_and_the_schema_refuse() {
        let good = sample().to_json_pretty();
        let cases = [
            (
                good.replacen("\"built_at\"", "\"built_at\": \"x\", \"built_at\"", 1),
                "duplicate field `built_at`",
            ),
            (
                good.replacen("\"generated\": [", "\"generated\": [], \"generated\": [", 1),
                "duplicate field `generated`",
            ),
            (
                good.replacen("\"artifacts\": [", "\"artifacts\": null, \"x\": [", 1),
                "expected `[`",
            ),
            (format!("{good}}}"), "trailing characters"),
            (
                good.replacen("\"kind\"", "\"kinds\"", 1),
                "missing field `kind`",
            ),
            (
                good.replacen(",\n  \"generator\"", "\n  \"generator\"", 1),
                "expected `,`",
            ),
            (good[..good.len() / 2].to_owned(), "at line"),
            (
                good.replacen("\"artifacts\"", "\"artefacts\"", 1),
                "missing field `artifacts`",
            ),
            (
                good.replacen("\"schema_version\": 1", "\"schema_version\": \"1\"", 1),
                "invalid type",
            ),
            ("[]".to_owned(), "expected `{`"),
            (String::new(), "expected `{`"),
        ];
        for (text, want) in cases {
            for entries in [1, usize::MAX] {
                let err = read_in_slices(text.as_bytes(), entries).expect_err("refused");
                assert!(
                    err.to_string().contains(want),
                    "{text}\n→ {err} (wanted {want:?})"
                );
            }
        }
        // A newer schema is named as such, even when its entries break
        // this schema's rules, as `validate` orders it.
        let mut m = sample();
        m.schema_version = 2;
        m.artifacts[0].url = "../x".into();
        assert_eq!(
            Manifest::parse(m.to_json_pretty().as_bytes()),
            Err(ManifestError::Schema { found: 2 })
        );
        // Positions are the document's, not the slice's.
        let text = good.replacen("\"size\":5", "\"size\":-5", 1);
        let line = text
            .lines()
            .position(|l| l.contains("-5"))
            .expect("the line")
            + 1;
        let err = Manifest::parse(text.as_bytes())
            .expect_err("refused")
            .to_string();
        assert!(err.contains(&format!("at line {line} column ")), "{err}");
    }

    #[test]
    fn evidence_paths() {
        assert!(is_evidence_path(".github/workflows/ci.yml"));
        assert!(is_evidence_path("dir one/100%25 done ✅.md"));
        assert!(!is_evidence_path("a/../b"));
        assert!(!is_evidence_path("/abs"));
        assert!(!is_evidence_path("a//b"));
        assert!(is_evidence_path("a\nb\\c\td\u{7f}e\u{85}f"));
        assert!(!is_evidence_path("a\0b"));
    }
}
