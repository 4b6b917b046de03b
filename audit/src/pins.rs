//! Hash pins: evidence that records the SHA-256 of other files, checked
//! against the files themselves.
//!
//! - checksum files: `SHA256SUMS`, `sha256sums.txt`, `checksums.*`,
//!   `*.sha256` (GNU `sha256sum` lines, `*name` binary-mode lines, BSD
//!   `SHA256 (name) = hex` lines; a `*.sha256` file may hold the bare hex
//!   of the file it is named after);
//! - JSON that records a hash beside a path: `{"path": "dist/app.tgz",
//!   "sha256": "…"}`, `{"workflow": ".github/workflows/ci.yml",
//!   "workflow_hash": "…"}`, `{"files": {"a.txt": "sha256:…"}}`.
//!
//! Each pin is a [`Reference`] with `pinned` set. Names resolve against the
//! pinning file's folder, then the evidence root. Whether a pin holds is
//! known once every file is hashed: [`settle`] then sets a pin file's
//! status, and `problems.rs` reports a pin that disagrees (a contradiction)
//! or names a file that is absent (missing evidence).

use serde_json::{Map, Value};
use vouch_core::audit::{DocKind, Document, RefRole, RefState, Reference, Status};

use crate::{Index, json::evidence_ref, reports::gate};

/// Whether a file is a checksum file, by its name.
pub fn is_sums_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name == "sha256sums"
        || name.starts_with("sha256sums.")
        || name.starts_with("checksums")
        || name.ends_with(".sha256")
        || name.ends_with(".sha256sum")
        || name.ends_with(".sha256.txt")
}

/// A SHA-256 as hex, lower-cased; `sha256:` prefixes accepted.
pub(crate) fn hex64(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("sha256:")
        .or_else(|| s.strip_prefix("SHA256:"))
        .unwrap_or(s)
        .to_ascii_lowercase();
    vouch_core::hash::is_sha256_hex(&s).then_some(s)
}

fn pin(target: &str, hex: String, line: usize, doc_path: &str, ix: &Index) -> Reference {
    let mut r = evidence_ref(target, doc_path, ix);
    r.line = line;
    r.pinned = Some(hex.into());
    r
}

/// The pins of a checksum file, or `None` when it holds no SHA-256 line.
pub fn recognise_sums(path: &str, sha256: &str, text: &str, ix: &Index) -> Option<Document> {
    let mut refs = Vec::new();
    let own = path.rsplit('/').next().unwrap_or(path);
    for (i, raw) in text.lines().enumerate().take(100_000) {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let parsed = if let Some(rest) = line.strip_prefix("SHA256 (") {
            // BSD: `SHA256 (name) = hex`
            rest.rsplit_once(") = ")
                .and_then(|(name, h)| Some((name.to_owned(), hex64(h)?)))
        } else {
            // GNU: `hex  name`, `hex *name`, escaped names: the one reader of
            // the format vouch writes too; else one space or a tab, as some
            // tools write it; else a bare hash, of the file this one is
            // named after.
            vouch_core::hash::parse_sum_line(line)
                .and_then(|(h, name)| Some((name, hex64(&h)?)))
                .or_else(|| match line.split_once(char::is_whitespace) {
                    Some((h, name)) => hex64(h).map(|h| {
                        let name = name.trim_start_matches([' ', '\t']);
                        (name.strip_prefix('*').unwrap_or(name).to_owned(), h)
                    }),
                    None => hex64(line).and_then(|h| {
                        let base = own
                            .strip_suffix(".sha256")
                            .or_else(|| own.strip_suffix(".sha256sum"))?;
                        Some((base.to_owned(), h))
                    }),
                })
        };
        if let Some((name, hex)) = parsed.filter(|(n, _)| !n.trim().is_empty()) {
            refs.push(pin(name.trim_end(), hex, i + 1, path, ix));
        }
    }
    (!refs.is_empty()).then(|| document(path, sha256, refs))
}

/// A document that is nothing but pins.
pub fn document(path: &str, sha256: &str, references: Vec<Reference>) -> Document {
    let name = path.rsplit('/').next().unwrap_or(path);
    Document {
        path: path.to_owned(),
        sha256: sha256.into(),
        kind: DocKind::HashPins,
        title: Some(format!("Hash pins: {name}")),
        references,
        ..Document::default()
    }
}

const HASH_KEYS: &[&str] = &["sha256", "sha256sum", "digest", "hash", "checksum"];
const PATH_KEYS: &[&str] = &[
    "path",
    "file",
    "filename",
    "file_name",
    "artifact",
    "name",
    "uri",
    "workflow",
    "workflow_path",
    "workflow_file",
    "source",
];

fn is_hash_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    HASH_KEYS.contains(&k.as_str())
        || HASH_KEYS
            .iter()
            .any(|h| k.ends_with(&format!("_{h}")) || k.ends_with(&format!("{h}_sha256")))
}

/// Looks like a file path, not a URL, a package name or prose.
fn pathish(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 1024
        && !s.contains("://")
        && !s.contains(char::is_whitespace)
        && (s.contains('/') || s.contains('.'))
}

/// The path a hash key sits beside: `workflow_hash` pairs with `workflow`,
/// `workflow_path`, `workflow_file`; any hash with `path`, `file`…
fn partner<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    let lower = key.to_ascii_lowercase();
    let stem = HASH_KEYS
        .iter()
        .find_map(|h| lower.strip_suffix(&format!("_{h}")));
    let mut candidates: Vec<String> = Vec::new();
    if let Some(stem) = stem {
        for suffix in ["", "_path", "_file", "_name"] {
            candidates.push(format!("{stem}{suffix}"));
        }
    }
    candidates.extend(PATH_KEYS.iter().map(|k| (*k).to_owned()));
    candidates.iter().find_map(|c| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(c))
            .and_then(|(_, v)| v.as_str())
            .filter(|s| pathish(s))
    })
}

/// The pins a JSON document records.
pub fn in_json(path: &str, source: &str, value: &Value, ix: &Index) -> Vec<Reference> {
    let mut out = Vec::new();
    walk(path, source, value, ix, 0, &mut out);
    out
}

fn walk(path: &str, source: &str, v: &Value, ix: &Index, depth: usize, out: &mut Vec<Reference>) {
    if depth > 32 || out.len() >= 100_000 {
        return;
    }
    match v {
        Value::Object(obj) => {
            for (k, val) in obj {
                let Some(s) = val.as_str() else { continue };
                let Some(hex) = hex64(s) else { continue };
                let target = if is_hash_key(k) {
                    partner(obj, k)
                } else if pathish(k) {
                    // `{"dist/app.tgz": "sha256:…"}`
                    Some(k.as_str())
                } else {
                    None
                };
                if let Some(t) = target {
                    out.push(pin(t, hex, crate::text::line_of(source, s), path, ix));
                }
            }
            for val in obj.values() {
                if val.is_object() || val.is_array() {
                    walk(path, source, val, ix, depth + 1, out);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                walk(path, source, i, ix, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Sets each pin file's status once every file's hash is known: passed when
/// every pin holds, failed otherwise, with its one gate.
pub fn settle(d: &mut Document) {
    if d.kind != DocKind::HashPins {
        return;
    }
    let pins: Vec<&Reference> = d
        .references
        .iter()
        .filter(|r| r.pinned.is_some() && r.state != RefState::Ignored)
        .collect();
    let held = pins.iter().filter(|r| r.pin_holds() == Some(true)).count();
    let absent = pins
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                RefState::Missing | RefState::OutsideRoot | RefState::External
            )
        })
        .count();
    let differ = pins.len() - held - absent;
    let mut text = format!("{held} of {} pins confirmed", pins.len());
    if differ > 0 {
        text.push_str(&format!(", {differ} differ"));
    }
    if absent > 0 {
        text.push_str(&format!(", {absent} absent"));
    }
    d.status = if held == pins.len() {
        Status::Pass
    } else {
        Status::Fail
    };
    d.status_text = Some(text.clone());
    d.status_line = Some(1);
    d.gates = vec![gate("Hash pins", d.status, &text)];
    for r in &mut d.references {
        r.role = RefRole::Evidence;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn sums_formats() {
        let ix = Index::new([("dist/app.tgz", A), ("dist/notes.txt", B), ("ci.yml", A)]);
        let text = format!(
            "{A}  app.tgz\n{B} *notes.txt\nSHA256 (gone.bin) = {A}\n# comment\n{}  skipped-sha512\n",
            "c".repeat(128)
        );
        let d = recognise_sums("dist/SHA256SUMS", "00", &text, &ix).expect("pins");
        let got: Vec<(&str, usize, RefState)> = d
            .references
            .iter()
            .map(|r| (&*r.target, r.line, r.state))
            .collect();
        assert_eq!(
            got,
            [
                ("app.tgz", 1, RefState::Present),
                ("notes.txt", 2, RefState::Present),
                ("gone.bin", 3, RefState::Missing)
            ]
        );
        // An escaped name (coreutils' form for `\\` and line breaks).
        let d = recognise_sums(
            "SHA256SUMS",
            "00",
            &format!("\\{A}  dist/a\\\\n.tgz\n"),
            &ix,
        )
        .expect("escaped");
        assert_eq!(&*d.references[0].target, "dist/a\\n.tgz");
        let d = recognise_sums("dist/app.tgz.sha256", "00", &format!("{A}\n"), &ix).expect("bare");
        assert_eq!(d.references[0].path.as_deref(), Some("dist/app.tgz"));
        assert!(recognise_sums("x/checksums.txt", "00", "nothing here\n", &ix).is_none());
    }

    #[test]
    fn json_pins() {
        let ix = Index::new([(".github/workflows/ci.yml", A), ("dist/app.tgz", B)]);
        let src = format!(
            r#"{{"workflow": ".github/workflows/ci.yml", "workflow_hash": "{A}",
  "artifacts": [{{"path": "dist/app.tgz", "digest": "sha256:{A}"}}],
  "files": {{"dist/app.tgz": "{B}"}}, "id": "{B}"}}"#
        );
        let v: Value = serde_json::from_str(&src).expect("json");
        let pins = in_json("bp.json", &src, &v, &ix);
        let got: Vec<(&str, Option<&str>)> = pins
            .iter()
            .map(|r| (&*r.target, r.pinned.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (".github/workflows/ci.yml", Some(A)),
                ("dist/app.tgz", Some(A)),
                ("dist/app.tgz", Some(B)),
            ]
        );
        let mut d = document("bp.json", "00", pins);
        settle(&mut d);
        assert_eq!(d.status, Status::Fail);
        assert_eq!(
            d.status_text.as_deref(),
            Some("2 of 3 pins confirmed, 1 differ")
        );
    }
}
