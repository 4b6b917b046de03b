//! What changed between two snapshots.

use serde::{Deserialize, Serialize};

use crate::Manifest;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    /// In the older snapshot.
    pub before: Option<String>,
    /// In the newer snapshot.
    pub after: Option<String>,
}

/// Artifacts added, removed and changed from `older` to `newer`, by path.
pub fn diff(older: &Manifest, newer: &Manifest) -> Vec<Change> {
    fn by_path(m: &Manifest) -> Vec<(&str, &str)> {
        crate::sorted_unique(
            m.artifacts
                .iter()
                .map(|x| (x.path.as_str(), x.sha256.as_str()))
                .collect(),
        )
    }
    let (a, b) = (by_path(older), by_path(newer));
    crate::merge_sorted(&a, &b)
        .filter_map(|(path, before, after)| {
            let kind = match (before, after) {
                (Some(x), Some(y)) if x == y => return None,
                (Some(_), Some(_)) => ChangeKind::Changed,
                (Some(_), None) => ChangeKind::Removed,
                (None, _) => ChangeKind::Added,
            };
            Some(Change {
                path: (*path).to_owned(),
                kind,
                before: before.map(|x| (*x).to_owned()),
                after: after.map(|x| (*x).to_owned()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Artifact, ArtifactKind, Generator, MANIFEST_SCHEMA, sha256_hex};

    fn m(files: &[(&str, &str)]) -> Manifest {
        Manifest {
            schema_version: MANIFEST_SCHEMA,
            generator: Generator {
                name: "vouch".into(),
                version: "0".into(),
            },
            built_at: "2026-01-01T00:00:00Z".into(),
            previous: None,
            expires_at: None,
            source: None,
            title: None,
            rollback_of: None,
            artifacts: files
                .iter()
                .map(|(p, c)| Artifact {
                    path: (*p).into(),
                    sha256: sha256_hex(c.as_bytes()),
                    size: c.len() as u64,
                    url: format!("objects/{}", sha256_hex(c.as_bytes())),
                    kind: ArtifactKind::Text,
                    page: "pages/x.html".into(),
                    title: (*p).into(),
                })
                .collect(),
            generated: vec![],
        }
    }

    #[test]
    fn added_removed_changed() {
        let old = m(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = m(&[("a", "1"), ("b", "two"), ("d", "4")]);
        let d = diff(&old, &new);
        let kinds: Vec<(&str, ChangeKind)> = d.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                ("b", ChangeKind::Changed),
                ("c", ChangeKind::Removed),
                ("d", ChangeKind::Added)
            ]
        );
        assert!(diff(&old, &old).is_empty());
    }
}
