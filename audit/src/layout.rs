//! Where a file sits says what it is: a stage or release folder names the
//! stage of everything in it, and a gate folder (`gate-smoke/`) names the
//! gate its records speak for.
//!
//! Recognised folders, at any depth:
//! - `stage-2.1/`, `stage2.1/`, `STAGE_D1.1/`: stage `2.1`, `D1.1`;
//! - a folder under `releases/` or `release/`, or named like a version
//!   (`v1.4.0`, `release-2026.03`, `rel-7`): that release;
//! - `gate-smoke/`, `gate_2/`, `gate3/`, `G2/`: gate `SMOKE`, `2`, `3`.

use crate::text;

/// What a path's folders say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub stage: Option<String>,
    /// `(id, name)`: `("SMOKE", "gate-smoke")`.
    pub gate: Option<(String, String)>,
}

pub fn place(path: &str) -> Place {
    let mut place = Place::default();
    let segments: Vec<&str> = path.split('/').collect();
    let folders = &segments[..segments.len().saturating_sub(1)];
    for (i, seg) in folders.iter().enumerate() {
        let parent = i.checked_sub(1).map(|p| folders[p].to_ascii_lowercase());
        if let Some(s) = stage_folder(seg) {
            place.stage = Some(s);
        } else if let Some(r) = release_folder(seg, parent.as_deref()) {
            place.stage = Some(r);
        }
        if let Some(g) = gate_folder(seg) {
            place.gate = Some((g, (*seg).to_owned()));
        }
    }
    place
}

fn stage_folder(seg: &str) -> Option<String> {
    let lower = seg.to_ascii_lowercase();
    let rest = lower.strip_prefix("stage")?;
    let rest = rest.trim_start_matches(['-', '_', ' ', '.']);
    // Keep the original case of a lettered id (`D1.1`).
    let original = &seg[seg.len() - rest.len()..];
    text::stage_id(original).filter(|id| id.len() == original.len())
}

fn release_folder(seg: &str, parent: Option<&str>) -> Option<String> {
    let lower = seg.to_ascii_lowercase();
    let version = |s: &str| {
        let s = s.strip_prefix('v').unwrap_or(s);
        !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
    };
    if matches!(parent, Some("releases" | "release")) && !lower.starts_with("gate") {
        return Some(seg.to_owned());
    }
    for prefix in ["release-", "release_", "rel-", "rel_"] {
        if let Some(rest) = lower.strip_prefix(prefix)
            && version(rest)
        {
            return Some(seg.to_owned());
        }
    }
    (lower.starts_with('v') && lower.len() > 1 && version(&lower) && lower.contains('.'))
        .then(|| seg.to_owned())
}

fn gate_folder(seg: &str) -> Option<String> {
    let lower = seg.to_ascii_lowercase();
    let rest = lower.strip_prefix("gate")?;
    let rest = rest.trim_start_matches(['-', '_', ' ', '#']);
    if rest.is_empty() || rest == "s" {
        return None; // `gates/` holds gates; it is not one
    }
    if !rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return None;
    }
    Some(text::gate_id(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders() {
        assert_eq!(
            place("releases/2026.03-r1/gate-smoke/decision.json"),
            Place {
                stage: Some("2026.03-r1".into()),
                gate: Some(("SMOKE".into(), "gate-smoke".into()))
            }
        );
        assert_eq!(
            place("evidence/stage-D1.1/report.md").stage.as_deref(),
            Some("D1.1")
        );
        assert_eq!(place("stage2.1/x.md").stage.as_deref(), Some("2.1"));
        assert_eq!(
            place("v1.4.0/gate_2/a.json").gate,
            Some(("2".into(), "gate_2".into()))
        );
        assert_eq!(
            place("release-3.1/notes.md").stage.as_deref(),
            Some("release-3.1")
        );
        assert_eq!(place("gates/readme.md"), Place::default());
        assert_eq!(place("docs/stagehand/x.md"), Place::default());
        assert_eq!(place("docs/evidence/STAGE1.0_REPORT.md"), Place::default());
    }
}
