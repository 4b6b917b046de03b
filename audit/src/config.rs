//! `vouch.toml`, read from the root of the evidence folder: what is out of
//! scope, and how problems are judged.
//!
//! ```toml
//! # Paths reports mention that are not evidence (source, config, examples):
//! # never a problem, still listed on the report's page as "ignored".
//! ignore = ["src/**", "frontend/**", "tests/**", "*.py"]
//! # Flag evidence whose declared date is older than this (as --max-age).
//! max_age = 7
//! # The site's name (as --title).
//! title = "Quality Governance Platform: release evidence"
//!
//! # Coverage reports fail under these rates (percent).
//! [coverage]
//! lines = 80
//! branches = 60
//!
//! # Drift rules, checked at every build: evidence matching a glob must be
//! # dated within N days of the build…
//! [[drift.fresh]]
//! glob = "docs/evidence/branch_protection*.json"
//! days = 7
//!
//! # …and a hash recorded in a JSON file (FILE:FIELD, FIELD a dotted path)
//! # must equal the SHA-256 of a file in the evidence.
//! [[drift.hash]]
//! field = "docs/evidence/branch_protection_settings.json:workflow_hash"
//! sha256_of = ".github/workflows/ci.yml"
//! ```

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

/// The file name, at the root of the evidence folder.
pub const FILE: &str = "vouch.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{FILE}:{line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("{FILE}: pattern {pattern:?}: {message}")]
    Pattern { pattern: String, message: String },
    #[error("{FILE}: {message}")]
    Rule { message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    ignore: Vec<String>,
    max_age: Option<u32>,
    title: Option<toml::Spanned<String>>,
    #[serde(default)]
    coverage: CoverageMin,
    #[serde(default)]
    drift: RawDrift,
}

/// `[coverage]`: the rates under which a coverage report fails, in percent.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageMin {
    pub lines: Option<f64>,
    pub branches: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrift {
    #[serde(default)]
    fresh: Vec<RawFresh>,
    #[serde(default)]
    hash: Vec<HashRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFresh {
    glob: String,
    days: u32,
}

/// `[[drift.fresh]]`: evidence matching `glob` must be dated within `days`
/// of the build.
#[derive(Debug, Clone)]
pub struct FreshRule {
    pub glob: String,
    pub days: u32,
    pub matcher: globset::GlobMatcher,
}

/// `[[drift.hash]]`: the hash recorded at `field` (`FILE:FIELD`) must equal
/// the SHA-256 of `sha256_of`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashRule {
    pub field: String,
    pub sha256_of: String,
}

impl HashRule {
    /// `(file, field)`, split at the last `:`.
    pub fn split(&self) -> Option<(&str, &str)> {
        self.field
            .rsplit_once(':')
            .filter(|(f, k)| !f.is_empty() && !k.is_empty())
    }
}

/// Why a site's title (`--title`, `title` in vouch.toml) cannot be shown:
/// it holds a character HTML cannot carry as text, a control character
/// other than a tab or a line break (a NUL, an escape, U+0080 to U+009F).
/// The title is in every page's `<title>`. The text names the character
/// only by its code point, so that it cannot act on a terminal either.
pub fn unprintable_title(title: &str) -> Option<String> {
    let c = title
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))?;
    Some(format!(
        "holds the control character U+{:04X}, which a page cannot show",
        c as u32
    ))
}

/// The parsed configuration.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub ignore_patterns: Vec<String>,
    ignore: Option<GlobSet>,
    pub max_age: Option<u32>,
    pub title: Option<String>,
    pub coverage: CoverageMin,
    pub fresh: Vec<FreshRule>,
    pub hash: Vec<HashRule>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let line_at = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
        let raw: Raw = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            line: e.span().map_or(1, |s| line_at(s.start)),
            message: e.message().to_owned(),
        })?;
        if let Some(t) = &raw.title
            && let Some(why) = unprintable_title(t.get_ref())
        {
            return Err(ConfigError::Syntax {
                line: line_at(t.span().start),
                message: format!("title {why}"),
            });
        }
        let mut b = GlobSetBuilder::new();
        for p in &raw.ignore {
            let glob = Glob::new(p).map_err(|e| ConfigError::Pattern {
                pattern: p.clone(),
                message: e.kind().to_string(),
            })?;
            b.add(glob);
        }
        let ignore = b.build().map_err(|e| ConfigError::Pattern {
            pattern: raw.ignore.join(", "),
            message: e.to_string(),
        })?;
        let mut fresh = Vec::new();
        for f in raw.drift.fresh {
            let matcher = Glob::new(&f.glob)
                .map_err(|e| ConfigError::Pattern {
                    pattern: f.glob.clone(),
                    message: e.kind().to_string(),
                })?
                .compile_matcher();
            fresh.push(FreshRule {
                glob: f.glob,
                days: f.days,
                matcher,
            });
        }
        for h in &raw.drift.hash {
            if h.split().is_none() {
                return Err(ConfigError::Rule {
                    message: format!(
                        "drift.hash field {:?} is not FILE:FIELD (a JSON file, a colon, a dotted field path)",
                        h.field
                    ),
                });
            }
        }
        for (what, v) in [
            ("lines", raw.coverage.lines),
            ("branches", raw.coverage.branches),
        ] {
            if let Some(v) = v
                && !(0.0..=100.0).contains(&v)
            {
                return Err(ConfigError::Rule {
                    message: format!("coverage.{what} = {v} is not a percentage (0 to 100)"),
                });
            }
        }
        Ok(Self {
            ignore: (!raw.ignore.is_empty()).then_some(ignore),
            ignore_patterns: raw.ignore,
            max_age: raw.max_age,
            title: raw.title.map(toml::Spanned::into_inner),
            coverage: raw.coverage,
            fresh,
            hash: raw.drift.hash,
        })
    }

    /// Whether a referenced path (as written, or as resolved) is declared
    /// out of scope.
    pub fn ignores(&self, path: &str) -> bool {
        let Some(set) = &self.ignore else {
            return false;
        };
        let p = path.trim_start_matches("./").trim_start_matches('/');
        set.is_match(p) || set.is_match(p.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let c = Config::parse("ignore = [\"src/**\", \"*.py\"]\nmax_age = 7\n").expect("ok");
        assert!(c.ignores("src/main.py"));
        assert!(c.ignores("./src/api/x.ts"));
        assert!(c.ignores("scripts/check.py"));
        assert!(!c.ignores("docs/evidence/a.md"));
        assert_eq!(c.max_age, Some(7));
    }

    #[test]
    fn errors_name_the_line() {
        let e = Config::parse("ignore = [\"a\"]\nmax_age = \"x\"\n").expect_err("bad");
        assert!(e.to_string().starts_with("vouch.toml:2:"), "{e}");
        let e = Config::parse("ignorr = []\n").expect_err("unknown key");
        assert!(e.to_string().contains("ignorr"), "{e}");
        let e = Config::parse("ignore = [\"a[\"]\n").expect_err("bad glob");
        assert!(e.to_string().contains("a["), "{e}");
        let e = Config::parse("[[drift.hash]]\nfield = \"x.json\"\nsha256_of = \"y\"\n")
            .expect_err("no field");
        assert!(e.to_string().contains("FILE:FIELD"), "{e}");
        let e = Config::parse("[coverage]\nlines = 180\n").expect_err("not a percentage");
        assert!(e.to_string().contains("percentage"), "{e}");
        let e = Config::parse("[[drift.fresh]]\nglob = \"*.json\"\n").expect_err("no days");
        assert!(e.to_string().starts_with("vouch.toml:"), "{e}");
    }

    #[test]
    fn a_title_a_page_cannot_show_is_refused_at_its_line() {
        for (title, code) in [
            ("a\\u0000b", "U+0000"),
            ("\\u001b[31mred", "U+001B"),
            ("x\\u0085", "U+0085"),
        ] {
            let text = format!("max_age = 3\n\ntitle = \"{title}\"\n");
            let e = Config::parse(&text).expect_err("control character");
            let e = e.to_string();
            assert!(e.starts_with("vouch.toml:3: title holds"), "{e}");
            assert!(e.contains(code), "{e}");
        }
        // Tabs, line breaks and any printable character are kept as written.
        let c = Config::parse("title = \"Ünïcode\\tand \\\"quotes\\\" <b>\"\n").expect("printable");
        assert_eq!(c.title.as_deref(), Some("Ünïcode\tand \"quotes\" <b>"));
    }

    #[test]
    fn drift_rules() {
        let c = Config::parse(
            "[coverage]\nlines = 80\n[[drift.fresh]]\nglob = \"docs/**/branch_*.json\"\ndays = 7\n[[drift.hash]]\nfield = \"a/b.json:ci.workflow_hash\"\nsha256_of = \".github/workflows/ci.yml\"\n",
        )
        .expect("ok");
        assert_eq!(c.coverage.lines, Some(80.0));
        assert!(
            c.fresh[0]
                .matcher
                .is_match("docs/evidence/branch_protection.json")
        );
        assert_eq!(c.hash[0].split(), Some(("a/b.json", "ci.workflow_hash")));
    }
}
