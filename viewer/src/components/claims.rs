//! `#claim-evidence` on a report's page: every file the report cites, each
//! re-hashed here, so a claim backed by a tampered file shows as such.

use leptos::prelude::*;
use std::sync::Arc;

use vouch_core::{Manifest, audit::RefState};

use crate::{
    api,
    verify::{self, Files, Progress, RowStatus, Rows},
};

/// The files a report cites: every way it wrote each, and their rows in
/// one verification.
#[derive(Clone)]
struct Cited {
    targets: Vec<Vec<String>>,
    rows: Rows,
    progress: Progress,
}

#[derive(Clone)]
enum State {
    Loading,
    Failed(String),
    Ready(Option<Cited>),
}

#[component]
pub fn ClaimEvidence(root: String, manifest: Arc<Manifest>, path: String) -> impl IntoView {
    let state = RwSignal::new(State::Loading);
    {
        let root = root.clone();
        leptos::task::spawn_local(async move {
            let audit = match api::fetch_audit(&root, "audit.json", &manifest).await {
                Ok(Some(a)) => a,
                Ok(None) => return state.set(State::Ready(None)),
                Err(e) => return state.set(State::Failed(e.to_string())),
            };
            let Some(doc) = audit.document(&path) else {
                return state.set(State::Ready(None));
            };
            // One row per cited file, with every way the report wrote it.
            let mut cited: Vec<(Vec<String>, usize)> = Vec::new();
            for r in doc
                .references
                .iter()
                .filter(|r| r.state == RefState::Present)
            {
                let Some(p) = &r.path else { continue };
                match cited
                    .iter_mut()
                    .find(|(_, i)| &manifest.artifacts[*i].path == p)
                {
                    Some((targets, _)) => {
                        if !targets.contains(&r.target) {
                            targets.push(r.target.clone());
                        }
                    }
                    None => {
                        if let Some(i) = manifest.artifacts.iter().position(|a| &a.path == p) {
                            cited.push((vec![r.target.clone()], i));
                        }
                    }
                }
            }
            if cited.is_empty() {
                return state.set(State::Ready(None));
            }
            let (targets, artifacts) = cited.into_iter().unzip();
            let files = Files {
                manifest,
                artifacts,
                generated: Vec::new(),
            };
            let (rows, progress) = verify::start(&root, files);
            state.set(State::Ready(Some(Cited {
                targets,
                rows,
                progress,
            })));
        });
    }
    let overall = move || match state.get() {
        State::Loading => "checking",
        State::Failed(_) => "unavailable",
        State::Ready(None) => "none",
        State::Ready(Some(c)) => {
            let s = c.progress.summary.get();
            if s.failed + s.missing > 0 {
                "tampered"
            } else if s.done() == s.total {
                "intact"
            } else {
                "checking"
            }
        }
    };
    let body = move || match state.get() {
        State::Loading => view! { <p>"Loading the audit trail…"</p> }.into_any(),
        State::Failed(e) => {
            view! { <p class="chain-alarm">{format!("The audit trail could not be used: {e}")}</p> }
                .into_any()
        }
        State::Ready(None) => {
            view! { <p class="note">"This report cites no file in the evidence."</p> }.into_any()
        }
        State::Ready(Some(c)) => {
            let root = root.clone();
            let Cited {
                targets,
                rows,
                progress,
            } = c;
            let tick = progress.tick;
            view! {
                <table class="audit">
                    <thead><tr><th>"Cited as"</th><th>"Evidence"</th><th>"Verified here"</th></tr></thead>
                    <tbody>
                        {targets.into_iter().enumerate().map(|(row, targets)| {
                            let (path, page) = rows.with_artifact(row, |a| (a.path.clone(), a.page.clone()));
                            let status = move || {
                                tick.track();
                                rows.with_status(row, RowStatus::as_str)
                            };
                            view! {
                                <tr data-cited=path.clone() data-status=status>
                                    <td>{targets.join(", ")}</td>
                                    <td><a href=format!("{root}{page}")>{path.clone()}</a></td>
                                    <td><span class=move || format!("badge badge-{}", status())>{status}</span></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <section id="claim-evidence" class=move || format!("claim-evidence claim-{}", overall()) data-status=overall>
            <h3>"Evidence this report cites"</h3>
            {move || (overall() == "tampered").then(|| view! {
                <p class="chain-alarm">"A file this report cites does not match the published snapshot: its claims are not backed as published."</p>
            })}
            {body}
        </section>
    }
}
