use std::sync::Arc;

use leptos::prelude::*;
use vouch_core::{
    audit::status_changes,
    diff::diff,
    history::{ChainProblem, History, check_site_history},
    monitor::{self, Rollback, Seen},
};

use super::signature::{SigState, checked, judge, now, outcome_for};
use crate::{
    api::{self, ManifestDoc},
    trust,
};

/// One snapshot the viewer loaded: the current one or a retained one.
#[derive(Clone, Debug, PartialEq)]
struct Loaded {
    id: String,
    built_at: String,
    commit: Option<String>,
    run_url: Option<String>,
    page: String,
    doc: Option<ManifestDoc>,
    sig: Option<String>,
    /// Where its audit trail is (fetched only when a diff compares it).
    audit: String,
}

#[derive(Clone, Debug, PartialEq)]
struct Chain {
    snapshots: Vec<Loaded>,
    problems: Vec<ChainProblem>,
    has_history: bool,
    history: Option<History>,
}

async fn load(root: String, current: ManifestDoc) -> Chain {
    // history.json is believed only once it hashes to what the (signed)
    // manifest records, and its chain checks out: the same check as
    // `vouch verify` (`check_site_history`).
    let history_bytes = api::fetch_optional(&format!("{root}history.json"))
        .await
        .ok()
        .flatten();
    let parsed = history_bytes
        .as_deref()
        .and_then(|b| History::parse(b).ok());
    let current_sig = api::fetch_text(&format!("{root}manifest.json.minisig"))
        .await
        .ok()
        .flatten();
    let source = current.manifest.source.clone().unwrap_or_default();
    let mut snapshots = vec![Loaded {
        audit: "audit.json".into(),
        id: current.id.clone(),
        built_at: current.manifest.built_at.clone(),
        commit: source.commit,
        run_url: source.run_url,
        page: "index.html".into(),
        doc: Some(current.clone()),
        sig: current_sig,
    }];
    // Retained snapshots are few (the site's retain count): a list will do.
    let mut bytes: Vec<(String, Arc<Vec<u8>>)> = Vec::new();
    for s in parsed.iter().flat_map(|h| &h.snapshots) {
        let b = api::fetch_optional(&format!("{root}{}", s.manifest))
            .await
            .ok()
            .flatten();
        let sig = api::fetch_text(&format!("{root}{}", s.signature()))
            .await
            .ok()
            .flatten();
        // Kept even when they do not parse: the chain check says why.
        let doc = match b {
            Some(b) => {
                let b = Arc::new(b);
                bytes.push((s.manifest.clone(), b.clone()));
                api::manifest_from_bytes(b).await.ok()
            }
            None => None,
        };
        // What history.json says of a snapshot is shown only from its own
        // (hash-checked) manifest, never from history.json alone.
        let own = doc
            .as_ref()
            .map(|d| d.manifest.source.clone().unwrap_or_default());
        snapshots.push(Loaded {
            audit: format!("snapshots/{}/audit.json", s.id),
            id: s.id.clone(),
            built_at: doc
                .as_ref()
                .map_or_else(|| s.built_at.clone(), |d| d.manifest.built_at.clone()),
            commit: own.as_ref().and_then(|o| o.commit.clone()),
            run_url: own.and_then(|o| o.run_url),
            page: format!("snapshots/{}/index.html", s.id),
            doc,
            sig,
        });
    }
    let (history, problems) = check_site_history(
        &current.id,
        &current.manifest,
        history_bytes.as_deref(),
        &mut |u| bytes.iter().find(|(k, _)| k == u).map(|(_, b)| b.to_vec()),
    );
    Chain {
        snapshots,
        problems,
        has_history: history_bytes.is_some(),
        history,
    }
}

/// `#chain-status`, the snapshot history with each signature's state under
/// the pinned key, and a diff between any two snapshots.
#[component]
pub fn HistoryPanel(
    root: String,
    current: ManifestDoc,
    pinned: RwSignal<Option<String>>,
    /// Where `#chain-status` is published for the page's summary.
    #[prop(optional)]
    report: Option<RwSignal<&'static str>>,
    /// The current signature's verdict (the monitor trusts only a valid one).
    #[prop(optional)]
    signature: Option<RwSignal<SigState>>,
) -> impl IntoView {
    let chain: RwSignal<Option<Chain>> = RwSignal::new(None);
    let rollback: RwSignal<Option<Rollback>> = RwSignal::new(None);
    let current_seen = Seen {
        id: current.id.clone(),
        built_at: current.manifest.built_at.clone(),
    };
    let (from, set_from) = signal(String::new());
    let (to, set_to) = signal(current.id.clone());
    {
        let root = root.clone();
        leptos::task::spawn_local(async move {
            let c = load(root, current).await;
            if let Some(prev) = c.snapshots.get(1) {
                set_from.set(prev.id.clone());
            }
            chain.set(Some(c));
        });
    }
    // The monitor: per site and pinned key, the newest snapshot verified
    // here. An older head, or a history that dropped it, is a rollback.
    {
        let root = root.clone();
        Effect::new(move |_| {
            let (Some(c), Some(sig)) = (chain.get(), signature.map(|s| s.get())) else {
                return;
            };
            let SigState::Valid { key_id } = sig else {
                return;
            };
            if !c.problems.is_empty() {
                return;
            }
            let seen = trust::seen(&root, &key_id);
            match monitor::judge(
                seen.as_ref(),
                &current_seen.id,
                &current_seen.built_at,
                c.history.as_ref(),
            ) {
                Some(r) => rollback.set(Some(r)),
                None => {
                    if monitor::is_newer(seen.as_ref(), &current_seen) {
                        trust::remember_seen(&root, &key_id, &current_seen);
                    }
                }
            }
        });
    }
    let status = move || match chain.get() {
        None => "checking",
        Some(c) if !c.problems.is_empty() => "broken",
        Some(_) if rollback.get().is_some() => "rolled-back",
        Some(c) if c.has_history => "intact",
        Some(_) => "none",
    };
    if let Some(report) = report {
        Effect::new(move |_| report.set(status()));
    }
    let banner = move || {
        chain.get().map(|c| {
            if let Some(r) = rollback.get() {
                view! {
                    <p class="chain-alarm">"THIS SITE HAS BEEN ROLLED BACK"</p>
                    <p>{format!("{r}. This browser verified a newer snapshot of this site under your key before; the host is now serving an older one, or has cut the history.")}</p>
                }
                .into_any()
            } else if c.problems.is_empty() {
                let n = c.snapshots.len();
                view! {
                    <p>{format!("Snapshot chain intact: {n} snapshot{} checked by hash in this browser.", if n == 1 { "" } else { "s" })}</p>
                }
                .into_any()
            } else {
                view! {
                    <p class="chain-alarm">"THE SNAPSHOT HISTORY HAS BEEN TAMPERED WITH OR DAMAGED"</p>
                    <ul>{c.problems.iter().map(|p| view! { <li>{p.to_string()}</li> }).collect_view()}</ul>
                }
                .into_any()
            }
        })
    };
    let rows = {
        let root = root.clone();
        move || {
            let root = root.clone();
            chain.get().map(|c| {
                c.snapshots
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let (doc, sig_file) = (s.doc.clone(), s.sig.clone());
                        let done = doc.as_ref().map(|d| {
                            let sig_file = sig_file.clone();
                            checked(d.bytes.clone(), Signal::derive(move || sig_file.clone()), pinned.into())
                        });
                        let sig = Memo::new(move |_| match (&doc, done) {
                            // Earlier snapshots are judged without expiry: they
                            // are history, not what the site serves now.
                            (Some(d), Some(done)) => judge(&d.id, Ok(sig_file.as_deref()), pinned.get().as_deref(), None, now(), |key, text| outcome_for(done, key, text)),
                            _ => SigState::Invalid { key_id: String::new(), why: "missing".into() },
                        });
                        view! {
                            <tr data-snapshot=s.id.clone() data-signature=move || sig.with(SigState::as_str)>
                                <td>
                                    <a href=format!("{root}{}", s.page)><code>{s.id[..16].to_owned()} "…"</code></a>
                                    {(i == 0).then_some(" (this snapshot)")}
                                    {s.doc.as_ref().and_then(|d| d.manifest.rollback_of.clone()).map(|to| {
                                        let short: String = to.chars().take(12).collect();
                                        view! { " " <span class="rollback-tag" data-rollback-of=to>"rollback to " <code>{short} "…"</code></span> }
                                    })}
                                </td>
                                <td><time>{s.built_at.clone()}</time></td>
                                <td>
                                    {s.commit.clone().map(|c| view! { <code>{c.chars().take(12).collect::<String>()}</code> })}
                                    {s.run_url.clone().map(|u| view! { " " <a href=u rel="noopener noreferrer">"CI run"</a> })}
                                </td>
                                <td class=move || format!("sig sig-{}", sig.with(SigState::as_str))>{move || sig.with(SigState::as_str)}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            })
        }
    };
    let options = move || {
        chain.get().map(|c| {
            c.snapshots
                .iter()
                .map(|s| (s.id.clone(), format!("{} · {}…", s.built_at, &s.id[..12])))
                .collect::<Vec<_>>()
        })
    };
    let changes = move || {
        let c = chain.get()?;
        let find = |id: &str| {
            c.snapshots
                .iter()
                .find(|s| s.id == id)
                .and_then(|s| s.doc.clone())
        };
        let (a, b) = (find(&from.get())?, find(&to.get())?);
        Some(diff(&a.manifest, &b.manifest))
    };
    // Gates and declared statuses that changed, from the two audit trails,
    // each checked against its manifest. Fetched for the two snapshots
    // compared, when they are chosen: a site keeps up to 20, and each
    // trail is as large as its evidence's analysis.
    let status_diff = ArcRwSignal::new(None);
    {
        let root = root.clone();
        let status_diff = status_diff.clone();
        Effect::new(move |_| {
            let (f, t) = (from.get(), to.get());
            status_diff.set(None);
            let Some(c) = chain.get() else { return };
            let find = |id: &str| {
                c.snapshots
                    .iter()
                    .find(|s| s.id == id)
                    .map(|s| (s.audit.clone(), s.doc.clone()))
            };
            let (Some(a), Some(b)) = (find(&f), find(&t)) else {
                return;
            };
            let (root, status_diff) = (root.clone(), status_diff.clone());
            leptos::task::spawn_local(async move {
                let audit = async |(path, doc): (String, Option<ManifestDoc>)| match doc {
                    Some(d) => api::fetch_audit(&root, &path, &d.manifest)
                        .await
                        .map_err(|e| e.to_string()),
                    None => Ok(None),
                };
                let r = match (audit(a).await, audit(b).await) {
                    (Ok(Some(a)), Ok(Some(b))) => Ok(status_changes(&a, &b)),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                    _ => Err("one of these snapshots has no audit trail".to_owned()),
                };
                // Unless another pair was chosen meanwhile.
                if from.get_untracked() == f && to.get_untracked() == t {
                    status_diff.set(Some(r));
                }
            });
        });
    }
    // Opened as `index.html#snapshots`: the panel did not exist when the
    // browser looked for the fragment, so go there now.
    Effect::new(move |_| {
        if window().location().hash().ok().as_deref() == Some("#snapshots")
            && let Some(el) = document().get_element_by_id("snapshots")
        {
            el.scroll_into_view();
        }
    });
    view! {
        <section id="snapshots" class="history-panel" tabindex="-1">
            <h2>"Snapshots"</h2>
            <div id="chain-status" class=move || format!("chain chain-{}", status()) data-status=status>
                {banner}
            </div>
            <table id="snapshot-history" class="history">
                <thead><tr><th>"Snapshot"</th><th>"Built"</th><th>"Source"</th><th>"Signature"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <div id="snapshot-diff">
                <h3>"What changed"</h3>
                <label>"From "
                    <select id="diff-from" on:change=move |ev| set_from.set(event_target_value(&ev))>
                        {move || options().unwrap_or_default().into_iter().map(|(id, label)| {
                            let selected = id == from.get();
                            view! { <option value=id selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>" to "
                    <select id="diff-to" on:change=move |ev| set_to.set(event_target_value(&ev))>
                        {move || options().unwrap_or_default().into_iter().map(|(id, label)| {
                            let selected = id == to.get();
                            view! { <option value=id selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {move || changes().map(|list| {
                    let count = |k: &str| list.iter().filter(|c| c.kind.as_str() == k).count().to_string();
                    let (added, removed, changed) = (count("added"), count("removed"), count("changed"));
                    view! {
                        <table class="diff" data-added=added data-removed=removed data-changed=changed>
                            <tbody>
                                {list.into_iter().map(|c| {
                                    let path = c.path.clone();
                                    view! {
                                        <tr data-change=c.kind.as_str() data-path=path>
                                            <td class=format!("change change-{}", c.kind.as_str())>{c.kind.as_str()}</td>
                                            <td><code>{c.path}</code></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                })}
                <h3>"Gates and statuses that changed"</h3>
                {move || status_diff.get().map(|r| match r {
                    Err(e) => view! { <p id="status-diff" class="note" data-changes="unknown">{e}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p id="status-diff" class="note" data-changes="0">"No declared status changed."</p> }.into_any(),
                    Ok(list) => {
                        let n = list.len().to_string();
                        view! {
                            <table id="status-diff" class="diff" data-changes=n>
                                <thead><tr><th>"Report"</th><th>"Claim"</th><th>"Before"</th><th>"After"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|c| {
                                        let before = c.before.map_or("absent", |s| s.as_str());
                                        let after = c.after.map_or("absent", |s| s.as_str());
                                        let claim = c.claim.clone().unwrap_or_else(|| "(the report)".into());
                                        let (path_attr, claim_attr) = (c.path.clone(), claim.clone());
                                        view! {
                                            <tr data-status-change="" data-path=path_attr data-claim=claim_attr data-before=before data-after=after>
                                                <td><code>{c.path}</code></td>
                                                <td>{claim}</td>
                                                <td><span class=format!("status status-{before}")>{before}</span>" "{c.before_text.unwrap_or_default()}</td>
                                                <td><span class=format!("status status-{after}")>{after}</span>" "{c.after_text.unwrap_or_default()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any()
                    }
                })}
            </div>
        </section>
    }
}
