//! Rollback and freeze detection, as Certificate Transparency monitors do
//! it: remember the newest snapshot verified for a site (and pinned key),
//! and on a later visit refuse an older head, or a history that no longer
//! holds the snapshot remembered while it should. `vouch verify --state`
//! and the viewer share this judgement.

use serde::{Deserialize, Serialize};

use crate::{history::History, time::parse_rfc3339};

/// The newest snapshot verified for one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub id: String,
    pub built_at: String,
}

/// Why the site now served looks rolled back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rollback {
    #[error(
        "the site serves snapshot {current} (built {current_built}), older than snapshot {seen} (built {seen_built}) verified before"
    )]
    OlderHead {
        current: String,
        current_built: String,
        seen: String,
        seen_built: String,
    },
    #[error(
        "the history no longer holds snapshot {seen} (built {seen_built}), verified before and still within retention: it was cut or rewritten"
    )]
    Dropped { seen: String, seen_built: String },
}

/// Judges the head now served (`current`, built `built_at`, with `history`)
/// against what was `seen` before. `None` when it is the same or newer.
pub fn judge(
    seen: Option<&Seen>,
    current: &str,
    built_at: &str,
    history: Option<&History>,
) -> Option<Rollback> {
    let seen = seen?;
    if seen.id == current {
        return None;
    }
    let (now_t, seen_t) = (parse_rfc3339(built_at)?, parse_rfc3339(&seen.built_at)?);
    if now_t < seen_t {
        return Some(Rollback::OlderHead {
            current: current.to_owned(),
            current_built: built_at.to_owned(),
            seen: seen.id.clone(),
            seen_built: seen.built_at.clone(),
        });
    }
    // A newer head must still hold what was seen, unless retention has
    // dropped it: it is older than the oldest snapshot retained, and the
    // history is full.
    let empty = History::empty(0);
    let h = history.unwrap_or(&empty);
    let held = h.snapshots.iter().any(|s| s.id == seen.id);
    let oldest = h.snapshots.last().and_then(|s| parse_rfc3339(&s.built_at));
    let full = h.snapshots.len() + 1 >= h.retain.max(1);
    let retention_dropped = full && oldest.is_some_and(|o| seen_t < o);
    (!held && !retention_dropped).then(|| Rollback::Dropped {
        seen: seen.id.clone(),
        seen_built: seen.built_at.clone(),
    })
}

/// Whether `candidate` is newer than what was `seen` (to replace it).
pub fn is_newer(seen: Option<&Seen>, candidate: &Seen) -> bool {
    match seen {
        None => true,
        Some(s) => match (
            parse_rfc3339(&candidate.built_at),
            parse_rfc3339(&s.built_at),
        ) {
            (Some(c), Some(o)) => c >= o,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Snapshot, Source};

    fn snap(id: &str, day: u32) -> Snapshot {
        Snapshot {
            id: id.into(),
            built_at: format!("2026-01-{day:02}T00:00:00Z"),
            previous: None,
            source: Source::default(),
            signed: true,
            rollback_of: None,
            manifest: format!("snapshots/{id}/manifest.json"),
        }
    }

    #[test]
    fn rollback_and_cut_history() {
        let seen = Seen {
            id: "c".into(),
            built_at: "2026-01-03T00:00:00Z".into(),
        };
        let mut h = History::empty(20);
        h.snapshots = vec![snap("c", 3), snap("b", 2), snap("a", 1)];
        // Same head, or a newer one that holds it: fine.
        assert_eq!(judge(Some(&seen), "c", "2026-01-03T00:00:00Z", None), None);
        assert_eq!(
            judge(Some(&seen), "d", "2026-01-04T00:00:00Z", Some(&h)),
            None
        );
        // An older head.
        assert!(matches!(
            judge(Some(&seen), "b", "2026-01-02T00:00:00Z", None),
            Some(Rollback::OlderHead { .. })
        ));
        // A newer head whose history lost it.
        h.snapshots.remove(0);
        assert!(matches!(
            judge(Some(&seen), "d", "2026-01-04T00:00:00Z", Some(&h)),
            Some(Rollback::Dropped { .. })
        ));
        // …unless retention dropped it: the history is full and it is older
        // than everything retained.
        let mut full = History::empty(3);
        full.snapshots = vec![snap("e", 5), snap("d", 4)];
        assert_eq!(
            judge(Some(&seen), "f", "2026-01-06T00:00:00Z", Some(&full)),
            None
        );
    }
}
