//! `#claim-evidence` on a report's page: every file the report cites, each
//! re-hashed here, so a claim backed by a tampered file shows as such.

use leptos::prelude::*;
use std::sync::Arc;

use vouch_core::{Manifest, Summary};

use crate::verify::{self, Files, RowStatus};

/// `page`: the counts of the page's own check (its report's file, and the
/// page itself when the manifest lists it), which the claims share rather
/// than fetch and hash the page again. The claims stand on both: a report
/// whose file no longer matches is not the one published either.
#[component]
pub fn ClaimEvidence(
    root: String,
    manifest: Arc<Manifest>,
    page: RwSignal<Summary>,
) -> impl IntoView {
    // The page lists what its report cites (`data-vouch-cited` on <body>:
    // `[[path, as written, …], …]`), so checking one report does not fetch
    // the whole audit.json. The claims stand or fall with the page too: an
    // edited or deleted list fails the page's hash, and so the claim.
    let list = document()
        .body()
        .and_then(|b| b.get_attribute("data-vouch-cited"))
        .map(|json| cited(&json));
    // A list that cannot be read is still checked with the page: an edited
    // page says `tampered`, not merely `unavailable`.
    let unreadable = matches!(list, Some(None));
    let (mut targets, mut artifacts) = (Vec::new(), Vec::new());
    for c in list.flatten().unwrap_or_default() {
        let Some((path, written)) = c.split_first() else {
            continue;
        };
        if let Some(i) = manifest.artifacts.iter().position(|a| &a.path == path) {
            targets.push(written.to_vec());
            artifacts.push(i);
        }
    }
    let cites = !targets.is_empty();
    let files = Files {
        manifest,
        artifacts,
        generated: Vec::new(),
    };
    let (rows, progress) = verify::start(&root, files);
    let overall = move || {
        let (s, p) = (progress.summary.get(), page.get());
        if s.failed + s.missing + p.failed + p.missing > 0 {
            "tampered"
        } else if s.done() < s.total || p.done() < p.total {
            "checking"
        } else if unreadable {
            "unavailable"
        } else if cites {
            "intact"
        } else {
            "none"
        }
    };
    let tick = progress.tick;
    let body = if cites {
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
    } else if unreadable {
        view! { <p class="note">"The list of files this report cites could not be read."</p> }
            .into_any()
    } else {
        view! { <p class="note">"This report cites no file in the evidence."</p> }.into_any()
    };
    view! {
        <section id="claim-evidence" class=move || format!("claim-evidence claim-{}", overall()) data-status=overall>
            <h3>"Evidence this report cites"</h3>
            {move || (overall() == "tampered").then(|| view! {
                <p class="chain-alarm">"This page, or a file its report cites, does not match the published snapshot: its claims are not backed as published."</p>
            })}
            {body}
        </section>
    }
    .into_any()
}

/// `[[path, as written, …], …]`, read by the browser's own JSON parser;
/// `None` unless it is a list of lists of strings.
fn cited(json: &str) -> Option<Vec<Vec<String>>> {
    let lists = |v: &wasm_bindgen::JsValue| {
        js_sys::Array::is_array(v).then(|| js_sys::Array::from(v).to_vec().into_iter())
    };
    lists(&js_sys::JSON::parse(json).ok()?)?
        .map(|c| lists(&c)?.map(|s| s.as_string()).collect())
        .collect()
}
