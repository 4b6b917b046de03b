//! What sort of artifact a file is, which decides how its page renders.

use serde::{Deserialize, Serialize};

/// How an artifact is presented. The raw bytes are always served and hashed
/// the same way whatever the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// A Markdown report, rendered to HTML.
    Markdown,
    /// A JSON export, pretty-printed.
    Json,
    /// Plain text, logs, YAML, scripts: shown verbatim.
    Text,
    /// Anything else: listed and hashed, offered for download.
    Binary,
}

const TEXT_EXTENSIONS: &[&str] = &[
    "txt",
    "log",
    "out",
    "yml",
    "yaml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "csv",
    "tsv",
    "sh",
    "bash",
    "py",
    "rs",
    "js",
    "ts",
    "mjs",
    "go",
    "rb",
    "java",
    "c",
    "h",
    "cpp",
    "sql",
    "xml",
    "html",
    "htm",
    "svg",
    "css",
    "mdc",
    "rst",
    "adoc",
    "env",
    "example",
    "diff",
    "patch",
    "lock",
    "sarif",
    "gitignore",
    "properties",
    "gradle",
    "tf",
    "hcl",
    "dockerfile",
];

impl ArtifactKind {
    /// Classifies a file from its path and the first bytes of its content.
    ///
    /// The extension decides first; files without a known extension count as
    /// text when their head is valid UTF-8 without NUL bytes (so `LICENSE`,
    /// `CODEOWNERS` and `Makefile` show as text).
    pub fn classify(path: &str, head: &[u8]) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "md" | "markdown" => return Self::Markdown,
            "json" | "geojson" | "har" => return Self::Json,
            _ => {}
        }
        if TEXT_EXTENSIONS.contains(&ext.as_str()) || ext == "jsonl" || looks_textual(head) {
            if looks_binary(head) {
                Self::Binary
            } else {
                Self::Text
            }
        } else {
            Self::Binary
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Json => "json",
            Self::Text => "text",
            Self::Binary => "binary",
        }
    }
}

fn looks_binary(head: &[u8]) -> bool {
    head.contains(&0)
}

fn looks_textual(head: &[u8]) -> bool {
    if head.is_empty() {
        return true;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the sample is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::ArtifactKind::*;
    use super::*;

    #[test]
    fn by_extension() {
        assert_eq!(ArtifactKind::classify("a/REPORT.md", b"# x"), Markdown);
        assert_eq!(ArtifactKind::classify("x.MARKDOWN", b""), Markdown);
        assert_eq!(ArtifactKind::classify("bp.json", b"{}"), Json);
        assert_eq!(ArtifactKind::classify("events.jsonl", b"{}\n{}"), Text);
        assert_eq!(ArtifactKind::classify("ci/run.log", b"ok"), Text);
        assert_eq!(
            ArtifactKind::classify(".github/workflows/ci.yml", b"on: push"),
            Text
        );
    }

    #[test]
    fn by_content() {
        assert_eq!(ArtifactKind::classify("LICENSE", b"MIT License"), Text);
        assert_eq!(ArtifactKind::classify("CODEOWNERS", b"* @team"), Text);
        assert_eq!(ArtifactKind::classify("empty", b""), Text);
        assert_eq!(ArtifactKind::classify("blob.bin", b"\x89PNG\0\0"), Binary);
        assert_eq!(
            ArtifactKind::classify("image.png", b"\x89PNG\r\n\x1a\n\0"),
            Binary
        );
        assert_eq!(
            ArtifactKind::classify("weird.dat", &[0xff, 0xfe, 0x41]),
            Binary
        );
        // A .log with NUL bytes is binary whatever its name says.
        assert_eq!(ArtifactKind::classify("x.log", b"a\0b"), Binary);
        // UTF-8 cut in the middle of a character at the end of the sample.
        let mut head = "résumé ✅".as_bytes().to_vec();
        head.pop();
        assert_eq!(ArtifactKind::classify("notes", &head), Text);
    }
}
