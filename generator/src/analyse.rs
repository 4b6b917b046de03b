//! Stage 2: analyse. Each file's kind, page and title, and the audit trail,
//! by the `vouch-audit` crate.
//!
//! `load` hands every file's bytes (up to the analysis limit) to [`file`]
//! while it hashes them, so each file is read once for hashing, storing and
//! analysis together; [`finish`] then judges the folder as a whole.

use anyhow::{Context, Result};
use vouch_audit::{Config, FileAnalysis, Index, Rules, config};
use vouch_core::{
    ArtifactKind,
    audit::{Document, Problem, Severity},
};

use crate::model::{Entry, Site};

/// What analysing one file added to its entry, and what it found.
pub struct Analysed {
    pub document: Option<Document>,
    pub problems: Vec<Problem>,
    /// A report larger than the analysis limit, to be streamed whole
    /// ([`report`]).
    pub stream: Option<vouch_audit::reports::Format>,
}

/// Classifies `entry` from its first bytes (`head`) and names its page.
pub fn classify(entry: &mut Entry) {
    entry.kind = ArtifactKind::classify(&entry.path, &entry.head);
    entry.image = image_format(&entry.head);
    entry.page = vouch_audit::page_path(&entry.path);
}

/// Names a [`classify`]d entry's title, and analyses it. `bytes` are the
/// file's first [`vouch_audit::TEXT_LIMIT`] + 1 bytes (all of them for
/// smaller files).
pub fn file(entry: &mut Entry, bytes: &[u8], ix: &Index) -> Analysed {
    let FileAnalysis {
        title,
        document,
        problems,
        stream,
    } = vouch_audit::analyse_file(
        &vouch_audit::File {
            path: &entry.path,
            sha256: &entry.sha256,
            kind: entry.kind,
            size: entry.size,
            bytes,
        },
        ix,
    );
    entry.title = title.unwrap_or_else(|| entry.file_name().to_owned());
    let document = document.map(|mut d| {
        d.shrink_to_fit();
        d
    });
    Analysed {
        document,
        problems,
        stream,
    }
}

/// Reads a large report whole, from `path` (the stored copy when there is
/// one): the second of a file's two reads, as for any file it analyses.
pub fn report(
    entry: &mut Entry,
    analysed: &mut Analysed,
    format: vouch_audit::reports::Format,
    path: &std::path::Path,
) -> Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r = std::io::BufReader::with_capacity(256 << 10, file);
    let a = vouch_audit::analyse_report(format, &entry.path, &entry.sha256, &mut r);
    if let Some(t) = a.title {
        entry.title = t;
    }
    analysed.document = a.document.map(|mut d| {
        d.shrink_to_fit();
        d
    });
    analysed.problems.extend(a.problems);
    Ok(())
}

/// The raster image format `head` starts with, by its magic bytes (never by
/// the file name). SVG is not one: it can carry script, so it is shown as
/// text.
pub fn image_format(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("jpeg")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("gif")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

/// `vouch.toml` from the root of the evidence folder, if there is one.
/// Read from `bytes` (the stored copy, what is published).
pub fn config(bytes: Option<&[u8]>) -> Result<Config> {
    let Some(bytes) = bytes else {
        return Ok(Config::default());
    };
    let text = std::str::from_utf8(bytes).context("vouch.toml is not valid UTF-8")?;
    Config::parse(text).map_err(anyhow::Error::from)
}

/// Judges the whole folder: references against what exists, gates against
/// their evidence, claims against the documents they cite; fills
/// `site.audit`.
pub fn finish(
    site: &mut Site,
    documents: Vec<Document>,
    problems: Vec<Problem>,
    config: &Config,
    rules: Rules,
    read: &dyn Fn(&Entry) -> Option<Vec<u8>>,
) {
    let mut documents = documents;
    // Every file and its digest, sorted by path (as the artifacts are).
    let files: Vec<(&str, &str)> = site
        .artifacts
        .iter()
        .map(|e| (e.path.as_str(), &*e.sha256))
        .collect();
    let index_of = |p: &str| files.binary_search_by(|(f, _)| (*f).cmp(p)).ok();
    // References were resolved while the files were still being hashed
    // (or come from the record of an earlier build); their digests are known
    // now, each held once, by the index (which shares the artifact's, as the
    // document does since `load::ingest`), and a file's path is the index's
    // own, not a copy per reference.
    for d in &mut documents {
        for r in &mut d.references {
            if let Some(p) = &mut r.path {
                r.sha256 = site.index.held(p).map(|(path, sha256)| {
                    *p = path;
                    sha256
                });
            }
        }
    }
    let artifacts = &site.artifacts;
    let read_path = |p: &str| read(&artifacts[index_of(p)?]);
    let audit = vouch_audit::finish(
        documents,
        problems,
        config,
        rules,
        &site.built_at,
        &vouch_audit::drift::Files {
            files: &files,
            read: &read_path,
        },
    );
    site.audit = audit;
}

/// The config file's path in the evidence folder.
pub const CONFIG_PATH: &str = config::FILE;

/// "2 errors and 1 warning", "no problems": the one phrase for counts.
pub fn count_phrase(problems: &[Problem]) -> String {
    let n = |s: Severity| problems.iter().filter(|p| p.severity == s).count();
    let (e, w) = (n(Severity::Error), n(Severity::Warning));
    match (e, w) {
        (0, 0) => "no problems".into(),
        (e, 0) => format!("{e} error{}", plural(e)),
        (0, w) => format!("{w} warning{}", plural(w)),
        (e, w) => format!("{e} error{} and {w} warning{}", plural(e), plural(w)),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `files` (path, text) loaded from a folder of their own.
    fn loaded(files: &[(&str, &str)]) -> crate::load::Loaded {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            std::fs::write(dir.path().join(path), text).expect("write");
        }
        crate::load::load(dir.path(), &[], None, false, crate::memo::Use::Off).expect("load")
    }

    /// A file's digest is held once: its artifact, the path index, its
    /// audit document and the references to it share one `Arc`; and the
    /// references share the index's path.
    #[test]
    fn a_digest_is_shared_by_artifact_index_document_and_references() {
        let loaded = loaded(&[
            (
                "r.md",
                "# Report\n\n**Status:** PASS\n\nSee [the log](ci.log).\n",
            ),
            ("ci.log", "ok\n"),
        ]);
        let mut site = loaded.site;
        finish(
            &mut site,
            loaded.documents,
            loaded.problems,
            &config(None).expect("config"),
            vouch_audit::Rules::default(),
            &|_| None,
        );
        let artifact = |p: &str| {
            site.artifacts
                .iter()
                .find(|e| e.path == p)
                .map(|e| e.sha256.clone())
                .expect("artifact")
        };
        let d = site.audit.document("r.md").expect("document");
        assert!(std::sync::Arc::ptr_eq(&d.sha256, &artifact("r.md")));
        let index = site.index.digest("r.md").expect("indexed");
        assert!(std::sync::Arc::ptr_eq(&index, &artifact("r.md")));
        let r = d
            .references
            .iter()
            .find(|r| &*r.target == "ci.log")
            .expect("a reference");
        let sha256 = r.sha256.clone().expect("a present reference");
        assert!(std::sync::Arc::ptr_eq(&sha256, &artifact("ci.log")));
        // Its path is the index's own, as the artifact's entry holds it.
        let path = r.path.clone().expect("a resolved path");
        let (held, _) = site.index.held("ci.log").expect("indexed");
        assert!(std::sync::Arc::ptr_eq(&path, &held));
    }

    /// Texts that recur across documents (a gate's name and status, a
    /// cited file) are held once, by every document that has them.
    #[test]
    fn recurring_texts_are_shared_across_documents() {
        let report = |title: &str| {
            format!(
                "# Report {title}\n\n**Status:** PASS\n\n## Gate 1: Unit tests — PASS\n\nEvidence: [the log](ci.log)\n"
            )
        };
        let loaded = loaded(&[
            ("one.md", &report("One")),
            ("two.md", &report("Two")),
            ("ci.log", "ok\n"),
        ]);
        let doc = |p: &str| {
            loaded
                .documents
                .iter()
                .find(|d| d.path == p)
                .expect("document")
        };
        let (one, two) = (doc("one.md"), doc("two.md"));
        let (a, b) = (&one.gates[0], &two.gates[0]);
        assert!(a.name.starts_with("Gate 1"), "{}", a.name);
        assert!(std::sync::Arc::ptr_eq(&a.name, &b.name));
        let (sa, sb) = (a.status_text.as_ref(), b.status_text.as_ref());
        assert!(
            sa.zip(sb)
                .is_some_and(|(x, y)| std::sync::Arc::ptr_eq(x, y))
        );
        assert_eq!(&*one.references[0].target, "ci.log");
        assert!(std::sync::Arc::ptr_eq(
            &one.references[0].target,
            &two.references[0].target
        ));
    }
}
