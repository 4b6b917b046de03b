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
    /// Parses and validates `manifest.json` bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, ManifestError> {
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Json(e.to_string()))?;
        m.validate()?;
        Ok(m)
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
            let bad = |problem: &str| ManifestError::Artifact {
                path: a.path.clone(),
                problem: problem.to_owned(),
            };
            if !is_evidence_path(&a.path) {
                return Err(bad("path is not a clean relative path"));
            }
            if !seen.insert(a.path.as_str()) {
                return Err(bad("listed twice"));
            }
            if !is_sha256_hex(&a.sha256) {
                return Err(bad("sha256 is not 64 lowercase hex characters"));
            }
            if !is_site_relative(&a.url) {
                return Err(bad("url does not stay inside the site"));
            }
            if !is_site_relative(&a.page) {
                return Err(bad("page does not stay inside the site"));
            }
        }
        let mut seen = HashSet::new();
        for g in &self.generated {
            let bad = |problem: &str| ManifestError::Generated {
                path: g.path.clone(),
                problem: problem.to_owned(),
            };
            if !is_site_relative(&g.path) {
                return Err(bad("path does not stay inside the site"));
            }
            if !seen.insert(g.path.as_str()) {
                return Err(bad("listed twice"));
            }
            if !is_sha256_hex(&g.sha256) {
                return Err(bad("sha256 is not 64 lowercase hex characters"));
            }
        }
        Ok(())
    }

    pub fn total_size(&self) -> u64 {
        self.artifacts.iter().map(|a| a.size).sum()
    }

    /// Serialises as the generator writes it: pretty, with a final newline.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
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
