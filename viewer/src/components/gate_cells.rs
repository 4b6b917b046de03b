//! The dashboard's gate matrix, once the evidence has been checked: a cell
//! whose cited evidence failed verification turns red
//! (`[data-gate-cell][data-evidence=mismatch]`); a cell whose cited
//! evidence all verified says so (`data-evidence=verified`).
//!
//! The matrix is static HTML (readable without JavaScript); each cell lists
//! the evidence paths it cites in `data-cited`, one per line.

use std::collections::HashMap;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::verify::{Progress, Rows};

/// Watches `rows` and marks the matrix cells that cite them.
pub fn watch(rows: Rows, progress: Progress) {
    let Ok(cells) = document().query_selector_all("[data-gate-cell][data-cited]") else {
        return;
    };
    let mut by_path: HashMap<String, Vec<web_sys::Element>> = HashMap::new();
    let mut all = Vec::new();
    for i in 0..cells.length() {
        let Some(cell) = cells
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let cited = cell.get_attribute("data-cited").unwrap_or_default();
        let mut any = false;
        for path in cited.lines().filter(|p| !p.is_empty()) {
            by_path
                .entry(path.to_owned())
                .or_default()
                .push(cell.clone());
            any = true;
        }
        if any {
            all.push(cell);
        }
    }
    if by_path.is_empty() {
        return;
    }
    // Each batch: the artifacts that failed since the last one; then, once
    // every file has a verdict, the cells not marked red are verified. One
    // effect, so a failure in the last batch is marked before the rest.
    let artifacts = rows.artifacts();
    Effect::new(move |seen: Option<usize>| {
        progress.tick.track();
        let seen = rows.with_failed(|failed| {
            for &row in &failed[seen.unwrap_or(0)..] {
                if row >= artifacts {
                    continue;
                }
                let Some(cells) = rows.with_artifact(row, |a| by_path.get(&a.path)) else {
                    continue;
                };
                for c in cells {
                    let _ = c.set_attribute("data-evidence", "mismatch");
                    let _ = c.set_attribute(
                        "title",
                        "Evidence this gate cites failed verification in your browser",
                    );
                }
            }
            failed.len()
        });
        let s = progress.summary.get_untracked();
        if s.total != usize::MAX && s.done() == s.total {
            for c in &all {
                if c.get_attribute("data-evidence").is_none() {
                    let _ = c.set_attribute("data-evidence", "verified");
                }
            }
        }
        seen
    });
}
