//! `#claim-evidence` on a report's page: every file the report cites, each
//! re-hashed here, so a claim backed by a tampered file shows as such.

use leptos::prelude::*;
use vouch_core::{Artifact, Manifest, audit::RefState};

use crate::{
    api,
    verify::{self, RowStatus},
};

/// A cited artifact and its live verdict.
#[derive(Clone)]
struct Cited {
    targets: Vec<String>,
    artifact: Artifact,
    status: RwSignal<RowStatus>,
}

#[derive(Clone)]
enum State {
    Loading,
    Failed(String),
    Ready(Vec<Cited>),
}

#[component]
pub fn ClaimEvidence(root: String, manifest: Manifest, path: String) -> impl IntoView {
    let state = RwSignal::new(State::Loading);
    {
        let root = root.clone();
        leptos::task::spawn_local(async move {
            let audit = match api::fetch_audit(&root, "audit.json", &manifest).await {
                Ok(Some(a)) => a,
                Ok(None) => return state.set(State::Ready(Vec::new())),
                Err(e) => return state.set(State::Failed(e.to_string())),
            };
            let Some(doc) = audit.document(&path) else {
                return state.set(State::Ready(Vec::new()));
            };
            // One row per cited file, with every way the report wrote it.
            let mut cited: Vec<(Vec<String>, Artifact)> = Vec::new();
            for r in doc
                .references
                .iter()
                .filter(|r| r.state == RefState::Present)
            {
                let Some(p) = &r.path else { continue };
                match cited.iter_mut().find(|(_, a)| &a.path == p) {
                    Some((targets, _)) => {
                        if !targets.contains(&r.target) {
                            targets.push(r.target.clone());
                        }
                    }
                    None => {
                        if let Some(a) = manifest.artifacts.iter().find(|a| &a.path == p) {
                            cited.push((vec![r.target.clone()], a.clone()));
                        }
                    }
                }
            }
            let artifacts: Vec<Artifact> = cited.iter().map(|(_, a)| a.clone()).collect();
            let (rows, _progress) = verify::start(&root, &artifacts, &[]);
            let list = cited
                .into_iter()
                .zip(rows.artifacts)
                .map(|((targets, artifact), (_, status))| Cited {
                    targets,
                    artifact,
                    status,
                })
                .collect();
            state.set(State::Ready(list));
        });
    }
    let overall = move || match state.get() {
        State::Loading => "checking",
        State::Failed(_) => "unavailable",
        State::Ready(list) if list.is_empty() => "none",
        State::Ready(list) => {
            let all: Vec<RowStatus> = list.iter().map(|c| c.status.get()).collect();
            if all
                .iter()
                .any(|s| matches!(s.as_str(), "mismatch" | "missing"))
            {
                "tampered"
            } else if all.iter().all(|s| s.as_str() == "verified") {
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
        State::Ready(list) if list.is_empty() => {
            view! { <p class="note">"This report cites no file in the evidence."</p> }.into_any()
        }
        State::Ready(list) => {
            let root = root.clone();
            view! {
                <table class="audit">
                    <thead><tr><th>"Cited as"</th><th>"Evidence"</th><th>"Verified here"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|c| {
                            let status = c.status;
                            view! {
                                <tr data-cited=c.artifact.path.clone() data-status=move || status.with(RowStatus::as_str)>
                                    <td>{c.targets.join(", ")}</td>
                                    <td><a href=format!("{root}{}", c.artifact.page)>{c.artifact.path.clone()}</a></td>
                                    <td><span class=move || format!("badge badge-{}", status.with(RowStatus::as_str))>{move || status.with(RowStatus::as_str)}</span></td>
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
