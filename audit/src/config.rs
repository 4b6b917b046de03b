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
//! ```

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

/// The file name, at the root of the evidence folder.
pub const FILE: &str = "vouch.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{FILE}:{line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("{FILE}: ignore pattern {pattern:?}: {message}")]
    Pattern { pattern: String, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    ignore: Vec<String>,
    max_age: Option<u32>,
    title: Option<String>,
}

/// The parsed configuration.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub ignore_patterns: Vec<String>,
    ignore: Option<GlobSet>,
    pub max_age: Option<u32>,
    pub title: Option<String>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            ConfigError::Syntax {
                line,
                message: e.message().to_owned(),
            }
        })?;
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
        Ok(Self {
            ignore: (!raw.ignore.is_empty()).then_some(ignore),
            ignore_patterns: raw.ignore,
            max_age: raw.max_age,
            title: raw.title,
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
    }
}
