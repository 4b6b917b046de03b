//! Snapshot history: `history.json`, and the hash chain it records.
//!
//! A snapshot id is the SHA-256 of a `manifest.json`'s bytes. Each manifest
//! names the id of the one before it (`previous`), so retained snapshots form
//! a chain that cannot be rewritten or cut in the middle without it showing.
//!
//! `history.json` lists the retained snapshots *before* the current one,
//! newest first. The current snapshot is the site's `manifest.json` itself:
//! `manifest.json` records `history.json`'s hash, so `history.json` cannot
//! also contain the current id (the hash of a file that contains its hash).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{Manifest, ManifestError, hash::is_sha256_hex, sha256_hex, url::is_site_relative};

pub const HISTORY_SCHEMA: u32 = 1;

/// The snapshot id of `manifest.json` bytes.
pub fn snapshot_id(manifest_bytes: &[u8]) -> String {
    sha256_hex(manifest_bytes)
}

/// An archived manifest as the chain check reads it: the SHA-256 of its
/// bytes and its header ([`Manifest::parse_header`]). Nothing else of it is
/// needed, so a reader holding twenty 24 MB manifests (the viewer) can keep
/// this and let the bytes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archived {
    /// [`snapshot_id`] of the bytes.
    pub id: String,
    pub header: Result<Manifest, ManifestError>,
}

impl Archived {
    /// From the manifest's bytes, in one go.
    pub fn read(bytes: &[u8]) -> Self {
        Self {
            id: snapshot_id(bytes),
            header: Manifest::parse_header(bytes),
        }
    }
}

/// Where a snapshot came from, when CI said (`GITHUB_SHA`, `GITHUB_RUN_ID`,
/// `GITHUB_REPOSITORY`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
}

impl Source {
    pub fn is_empty(&self) -> bool {
        self == &Source::default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub schema_version: u32,
    /// How many snapshots the site keeps, the current one included.
    pub retain: usize,
    /// Earlier retained snapshots, newest first.
    pub snapshots: Vec<Snapshot>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    pub built_at: String,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default)]
    pub source: Source,
    /// Whether the archived manifest has a `.minisig` beside it.
    pub signed: bool,
    /// The snapshot this one rolled back to (`vouch rollback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
    /// The archived `manifest.json`, relative to the site root.
    pub manifest: String,
}

impl Snapshot {
    /// The entry that describes `manifest` (whose bytes hash to `id`).
    pub fn describe(id: &str, manifest: &Manifest, signed: bool) -> Self {
        Self {
            id: id.to_owned(),
            built_at: manifest.built_at.clone(),
            previous: manifest.previous.clone(),
            source: manifest.source.clone().unwrap_or_default(),
            signed,
            rollback_of: manifest.rollback_of.clone(),
            manifest: archive_path(id),
        }
    }

    pub fn signature(&self) -> String {
        format!("{}.minisig", self.manifest)
    }
}

/// Where a retained snapshot's manifest is archived.
pub fn archive_path(id: &str) -> String {
    format!("snapshots/{id}/manifest.json")
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("history.json is not valid: {0}")]
    Json(String),
    #[error("history.json: {0}")]
    Invalid(String),
}

impl History {
    pub fn empty(retain: usize) -> Self {
        Self {
            schema_version: HISTORY_SCHEMA,
            retain,
            snapshots: Vec::new(),
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, HistoryError> {
        let h: History =
            serde_json::from_slice(bytes).map_err(|e| HistoryError::Json(e.to_string()))?;
        if h.schema_version != HISTORY_SCHEMA {
            return Err(HistoryError::Invalid(format!(
                "unknown schema_version {}",
                h.schema_version
            )));
        }
        let mut seen = HashSet::new();
        for s in &h.snapshots {
            if !is_sha256_hex(&s.id) || !seen.insert(s.id.as_str()) {
                return Err(HistoryError::Invalid(format!(
                    "bad or repeated snapshot id {:?}",
                    s.id
                )));
            }
            if s.manifest != archive_path(&s.id) || !is_site_relative(&s.manifest) {
                return Err(HistoryError::Invalid(format!(
                    "snapshot {} has manifest {:?}",
                    s.id, s.manifest
                )));
            }
            if s.previous.as_deref().is_some_and(|p| !is_sha256_hex(p)) {
                return Err(HistoryError::Invalid(format!(
                    "snapshot {} has a bad previous id",
                    s.id
                )));
            }
        }
        Ok(h)
    }

    /// As the generator writes it: a snapshot a line ([`crate::to_json_lines`]).
    pub fn to_json_pretty(&self) -> String {
        crate::to_json_lines(self)
    }
}

/// Something wrong with a site's snapshot chain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainProblem {
    #[error("snapshot {id} is missing: {manifest} cannot be read")]
    Missing { id: String, manifest: String },
    #[error("snapshot {id} was rewritten: its manifest now hashes to {actual}")]
    Rewritten { id: String, actual: String },
    #[error("snapshot {id} is not a valid manifest: {reason}")]
    Unreadable { id: String, reason: String },
    #[error(
        "the chain is broken after {after}: it names {expected} as previous, but history.json has {found}"
    )]
    Broken {
        after: String,
        expected: String,
        found: String,
    },
    #[error(
        "the chain is broken after {after}: it names no previous snapshot, but history.json lists {found}"
    )]
    Cut { after: String, found: String },
    #[error("history.json says snapshot {id} {what}, but its manifest disagrees")]
    Misdescribed { id: String, what: &'static str },
    #[error(
        "history.json holds {held} earlier snapshots of the {keeps} it keeps, but its oldest names a previous snapshot {previous}: snapshots were dropped"
    )]
    Dropped {
        held: usize,
        keeps: usize,
        previous: String,
    },
    #[error("history.json does not hash to what manifest.json records for it ({actual})")]
    HistoryRewritten { actual: String },
    /// `history.json` is there but cannot be read as a snapshot history.
    #[error("{0}")]
    History(HistoryError),
    /// The manifest names a previous snapshot, and the site has no
    /// `history.json`.
    #[error("history.json is missing, but manifest.json names {previous} as the previous snapshot")]
    HistoryMissing { previous: String },
}

/// Checks the chain as a reader finds it: `history.json`'s bytes (when the
/// site has one) must hash to what the manifest records for them, then
/// [`check_chain`]. The one check `vouch verify` and the viewer share.
pub fn check_site_history(
    current_id: &str,
    current: &Manifest,
    history_bytes: Option<&[u8]>,
    archived: &mut dyn FnMut(&str) -> Option<Archived>,
) -> (Option<History>, Vec<ChainProblem>) {
    let Some(bytes) = history_bytes else {
        let problems = match &current.previous {
            Some(previous) => vec![ChainProblem::HistoryMissing {
                previous: previous.clone(),
            }],
            None => vec![],
        };
        return (None, problems);
    };
    let mut problems = Vec::new();
    if let Some(g) = current.generated.iter().find(|g| g.path == "history.json") {
        let actual = crate::sha256_hex(bytes);
        if actual != g.sha256 {
            problems.push(ChainProblem::HistoryRewritten { actual });
        }
    }
    match History::parse(bytes) {
        Ok(h) => {
            problems.extend(check_archived(current_id, current, &h, archived));
            (Some(h), problems)
        }
        Err(e) => {
            problems.push(ChainProblem::History(e));
            (None, problems)
        }
    }
}

/// Checks the chain from the current manifest through every snapshot in
/// `history`, newest first. `archived(url)` returns an archived manifest's
/// bytes (I/O stays with the caller). The oldest retained snapshot may name
/// a previous one that retention has removed; that is not a problem.
///
/// Each archived manifest must hash to its id, which pins every byte of it,
/// entries included; then its header must say what `history` says of it.
/// Its entries are not read here (at 50,000 files, 20 retained manifests
/// are 480 MB of JSON): whoever opens that snapshot parses it in full.
pub fn check_chain(
    current_id: &str,
    current: &Manifest,
    history: &History,
    archived: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Vec<ChainProblem> {
    check_archived(current_id, current, history, &mut |u| {
        archived(u).map(|b| Archived::read(&b))
    })
}

/// [`check_chain`], given each archived manifest already read
/// ([`Archived`]), by a reader that hashes and reads it as it arrives.
pub fn check_archived(
    current_id: &str,
    current: &Manifest,
    history: &History,
    archived: &mut dyn FnMut(&str) -> Option<Archived>,
) -> Vec<ChainProblem> {
    let mut problems = Vec::new();
    let mut after = current_id.to_owned();
    let mut expected = current.previous.clone();
    for s in &history.snapshots {
        match &expected {
            None => problems.push(ChainProblem::Cut {
                after: after.clone(),
                found: s.id.clone(),
            }),
            Some(e) if e != &s.id => problems.push(ChainProblem::Broken {
                after: after.clone(),
                expected: e.clone(),
                found: s.id.clone(),
            }),
            Some(_) => {}
        }
        let Some(Archived { id: actual, header }) = archived(&s.manifest) else {
            problems.push(ChainProblem::Missing {
                id: s.id.clone(),
                manifest: s.manifest.clone(),
            });
            expected = s.previous.clone();
            after = s.id.clone();
            continue;
        };
        if actual != s.id {
            problems.push(ChainProblem::Rewritten {
                id: s.id.clone(),
                actual,
            });
        }
        // Only the header's fields are compared: the entries are not read.
        match header {
            Ok(m) => {
                let source = m.source.unwrap_or_default();
                for (differs, what) in [
                    (m.previous != s.previous, "has this previous snapshot"),
                    (m.built_at != s.built_at, "was built at this time"),
                    (source != s.source, "came from this commit and CI run"),
                ] {
                    if differs {
                        problems.push(ChainProblem::Misdescribed {
                            id: s.id.clone(),
                            what,
                        });
                    }
                }
                expected = m.previous;
            }
            Err(e) => {
                problems.push(ChainProblem::Unreadable {
                    id: s.id.clone(),
                    reason: e.to_string(),
                });
                expected = s.previous.clone();
            }
        }
        after = s.id.clone();
    }
    // Retention keeps `retain - 1` earlier snapshots; fewer, while the
    // oldest still names one before it, means some were dropped.
    if let Some(previous) = expected
        && history.snapshots.len() + 1 < history.retain
        && problems.is_empty()
    {
        problems.push(ChainProblem::Dropped {
            held: history.snapshots.len(),
            keeps: history.retain.saturating_sub(1),
            previous,
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::{Generator, MANIFEST_SCHEMA};

    fn manifest(previous: Option<String>, n: u32) -> Manifest {
        Manifest {
            schema_version: MANIFEST_SCHEMA,
            generator: Generator {
                name: "vouch".into(),
                version: "0".into(),
            },
            built_at: format!("2026-01-0{n}T00:00:00Z"),
            previous,
            expires_at: None,
            source: None,
            title: None,
            rollback_of: None,
            artifacts: vec![],
            generated: vec![],
        }
    }

    /// `(manifest bytes, snapshot id)`.
    type Snap = (Vec<u8>, String);

    /// Five snapshots, oldest first, and the archive files by path.
    fn chain() -> (Vec<Snap>, HashMap<String, Vec<u8>>) {
        let mut out: Vec<Snap> = Vec::new();
        let mut files = HashMap::new();
        for n in 1..=5 {
            let prev = out.last().map(|(_, id)| id.clone());
            let bytes = manifest(prev, n).to_json_pretty().into_bytes();
            let id = snapshot_id(&bytes);
            files.insert(archive_path(&id), bytes.clone());
            out.push((bytes, id));
        }
        (out, files)
    }

    fn history_of(snaps: &[Snap]) -> History {
        let mut h = History::empty(20);
        for (bytes, id) in snaps.iter().rev() {
            let m = Manifest::parse(bytes).expect("manifest");
            h.snapshots.push(Snapshot::describe(id, &m, false));
        }
        h
    }

    #[test]
    fn intact_chain_has_no_problems() {
        let (snaps, files) = chain();
        let (cur_bytes, cur_id) = &snaps[4];
        let current = Manifest::parse(cur_bytes).expect("current");
        let h = history_of(&snaps[..4]);
        assert_eq!(History::parse(h.to_json_pretty().as_bytes()), Ok(h.clone()));
        let problems = check_chain(cur_id, &current, &h, &mut |u| files.get(u).cloned());
        assert_eq!(problems, vec![]);
        // Retention (4 kept, the current one included) dropped the oldest:
        // still fine.
        let mut retained = history_of(&snaps[1..4]);
        retained.retain = 4;
        let problems = check_chain(cur_id, &current, &retained, &mut |u| files.get(u).cloned());
        assert_eq!(problems, vec![]);
        // The same history where 20 are kept: the oldest was dropped.
        let problems = check_chain(cur_id, &current, &history_of(&snaps[1..4]), &mut |u| {
            files.get(u).cloned()
        });
        assert!(
            matches!(
                problems.as_slice(),
                [ChainProblem::Dropped {
                    held: 3,
                    keeps: 19,
                    ..
                }]
            ),
            "{problems:?}"
        );
    }

    /// A broken or absent `history.json` is named as what it is, not as a
    /// snapshot whose manifest is bad.
    #[test]
    fn a_history_that_cannot_be_read_or_is_gone_is_named_as_such() {
        let (snaps, _) = chain();
        let (cur_bytes, cur_id) = &snaps[4];
        let current = Manifest::parse(cur_bytes).expect("current");
        let messages = |bytes: Option<&[u8]>| -> Vec<String> {
            let (h, problems) = check_site_history(cur_id, &current, bytes, &mut |_| None);
            assert!(h.is_none());
            problems.iter().map(ToString::to_string).collect()
        };
        assert_eq!(
            messages(Some(b"{\"broken\":")),
            ["history.json is not valid: EOF while parsing a value at line 1 column 10"]
        );
        assert_eq!(
            messages(Some(br#"{"schema_version":99,"retain":20,"snapshots":[]}"#)),
            ["history.json: unknown schema_version 99"]
        );
        assert_eq!(
            messages(None),
            [format!(
                "history.json is missing, but manifest.json names {} as the previous snapshot",
                snaps[3].1
            )]
        );
        // The first snapshot of a history needs none.
        let first = Manifest::parse(&snaps[0].0).expect("first");
        let (_, problems) = check_site_history(&snaps[0].1, &first, None, &mut |_| None);
        assert_eq!(problems, vec![]);
    }

    #[test]
    fn a_history_entry_that_misdescribes_its_manifest_is_named() {
        let (snaps, files) = chain();
        let current = Manifest::parse(&snaps[4].0).expect("current");
        let whats = |h: &History| -> Vec<&'static str> {
            check_chain(&snaps[4].1, &current, h, &mut |u| files.get(u).cloned())
                .into_iter()
                .map(|p| match p {
                    ChainProblem::Misdescribed { id, what } if id == snaps[2].1 => what,
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let mut h = history_of(&snaps[..4]);
        h.snapshots[1].built_at = "2026-02-01T00:00:00Z".into();
        assert_eq!(whats(&h), ["was built at this time"]);
        let mut h = history_of(&snaps[..4]);
        h.snapshots[1].source.commit = Some("0".repeat(40));
        assert_eq!(whats(&h), ["came from this commit and CI run"]);
        // An archived manifest's entries are skipped, not checked: the hash
        // pins them, and whoever opens that snapshot parses it in full (this
        // entry's URL would fail that).
        let mut big = manifest(Some(snaps[3].1.clone()), 6);
        big.artifacts.push(crate::Artifact {
            path: "a.md".into(),
            sha256: "0".repeat(64),
            size: 1,
            url: "../outside".into(),
            kind: crate::ArtifactKind::Markdown,
            page: "pages/a.html".into(),
            title: "A".into(),
        });
        let bytes = big.to_json_pretty().into_bytes();
        assert!(Manifest::parse(&bytes).is_err());
        let id = snapshot_id(&bytes);
        let mut files = files.clone();
        files.insert(archive_path(&id), bytes.clone());
        let mut h = history_of(&snaps[..4]);
        h.snapshots.insert(0, Snapshot::describe(&id, &big, false));
        let mut head = current.clone();
        head.previous = Some(id);
        let problems = check_chain("head", &head, &h, &mut |u| files.get(u).cloned());
        assert_eq!(problems, vec![]);
    }

    #[test]
    fn rewritten_and_removed_snapshots_are_named() {
        let (snaps, mut files) = chain();
        let current = Manifest::parse(&snaps[4].0).expect("current");
        let h = history_of(&snaps[..4]);
        let middle = snaps[2].1.clone();
        files.insert(archive_path(&middle), b"{\"rewritten\": true}".to_vec());
        let problems = check_chain(&snaps[4].1, &current, &h, &mut |u| files.get(u).cloned());
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, ChainProblem::Rewritten { id, .. } if *id == middle)),
            "{problems:?}"
        );

        let (snaps, files) = chain();
        let mut h = history_of(&snaps[..4]);
        let removed = h.snapshots.remove(1);
        let problems = check_chain(&snaps[4].1, &current, &h, &mut |u| files.get(u).cloned());
        assert!(
            problems.iter().any(
                |p| matches!(p, ChainProblem::Broken { expected, .. } if *expected == removed.id)
            ),
            "{problems:?}"
        );

        let mut h = history_of(&snaps[..4]);
        h.snapshots.swap(0, 1);
        assert!(!check_chain(&snaps[4].1, &current, &h, &mut |u| files.get(u).cloned()).is_empty());

        let h = history_of(&snaps[..4]);
        let problems = check_chain(&snaps[4].1, &current, &h, &mut |_| None);
        assert_eq!(
            problems
                .iter()
                .filter(|p| matches!(p, ChainProblem::Missing { .. }))
                .count(),
            4
        );
    }

    /// A reader that keeps no manifest hands the check what it read of each
    /// (`Archived`): the same verdicts as from the bytes.
    #[test]
    fn archived_headers_give_the_verdicts_the_bytes_give() {
        let (snaps, mut files) = chain();
        let current = Manifest::parse(&snaps[4].0).expect("current");
        let h = history_of(&snaps[..4]);
        let middle = snaps[2].1.clone();
        files.insert(archive_path(&middle), b"{\"rewritten\": true}".to_vec());
        let read: HashMap<String, Archived> = files
            .iter()
            .map(|(k, b)| (k.clone(), Archived::read(b)))
            .collect();
        let a = &read[&archive_path(&snaps[1].1)];
        assert_eq!(a.id, snaps[1].1);
        assert_eq!(a.header, Manifest::parse_header(&snaps[1].0));
        let from_bytes = check_chain(&snaps[4].1, &current, &h, &mut |u| files.get(u).cloned());
        let from_read = check_archived(&snaps[4].1, &current, &h, &mut |u| read.get(u).cloned());
        assert!(!from_read.is_empty());
        assert_eq!(from_read, from_bytes);
    }
}
