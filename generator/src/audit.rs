//! Part of stage 2: the audit trail. Reads each report and JSON export from
//! the staging object store (the exact bytes that are published) and hands
//! them to `vouch_core::audit`, which does the extracting.

use anyhow::Result;
use rayon::prelude::*;
use vouch_core::{
    ArtifactKind,
    audit::{AUDIT_SCHEMA, Audit, Document, EvidenceIndex, date::Date, json, problems, report},
};

use crate::{markdown, model::Site, render::TEXT_LIMIT, write::Staging};

/// How problems are judged.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules {
    /// Flag evidence whose declared date is older than this many days.
    pub max_age: Option<u32>,
}

/// Builds the audit trail of `site` (whose kinds are already known).
pub fn audit(site: &Site, staging: &Staging, rules: Rules) -> Result<Audit> {
    let ix = EvidenceIndex::new(
        site.artifacts
            .iter()
            .map(|e| (e.path.as_str(), e.sha256.as_str())),
    );
    let docs = site
        .artifacts
        .par_iter()
        .filter(|e| {
            matches!(e.kind, ArtifactKind::Markdown | ArtifactKind::Json)
                && e.size <= TEXT_LIMIT as u64
        })
        .map(|e| {
            let bytes = staging.read_object_prefix(&e.sha256, TEXT_LIMIT as u64)?;
            let text = String::from_utf8_lossy(&bytes);
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            Ok(match e.kind {
                ArtifactKind::Markdown => Some(markdown_document(&e.path, &e.sha256, text, &ix)),
                _ => serde_json::from_str(text)
                    .ok()
                    .and_then(|v| json::recognise(&e.path, &e.sha256, text, &v)),
            })
        })
        .collect::<Result<Vec<Option<Document>>>>()?;
    let mut audit = Audit {
        schema_version: AUDIT_SCHEMA,
        documents: docs.into_iter().flatten().collect(),
        ..Audit::default()
    };
    audit.documents.sort_by(|a, b| a.path.cmp(&b.path));
    let as_of = Date::parse_iso(&site.built_at);
    if rules.max_age.is_some() {
        audit.as_of = as_of.map(Date::iso);
        audit.max_age_days = rules.max_age;
    }
    audit.problems = problems::find(&audit, as_of, rules.max_age);
    Ok(audit)
}

/// A report, unless it nests so deeply that parsing it would be slow; then
/// a document that says so.
fn markdown_document(path: &str, sha256: &str, text: &str, ix: &EvidenceIndex) -> Document {
    match markdown::too_complex(text) {
        Some(reason) => Document {
            path: path.to_owned(),
            sha256: sha256.to_owned(),
            kind: report::doc_kind(path, None),
            notes: vec![format!("not analysed: {reason}")],
            ..Document::default()
        },
        None => report::extract(path, sha256, text, ix),
    }
}
