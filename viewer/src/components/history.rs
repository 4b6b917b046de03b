use leptos::prelude::*;
use vouch_core::{
    audit::status_changes,
    diff::diff,
    history::{Archived, ChainProblem, History, check_site_history},
    monitor::{self, Rollback, Seen},
};

use super::signature::{Outcome, SigState, check_in_slices, judge, now};
use crate::{
    api::{self, ManifestDoc},
    trust,
};
use vouch_core::signature::SignatureError;

/// One snapshot the viewer loaded: the current one or a retained one.
/// Of a retained one only what the table shows is kept: at 50,000 files
/// each manifest is 24 MB, and a site keeps up to 20. The two a diff
/// compares are fetched again, whole ([`open`]).
#[derive(Clone)]
struct Loaded {
    id: String,
    built_at: String,
    commit: Option<String>,
    run_url: Option<String>,
    /// The SHA-256 of its manifest's bytes, when they were fetched and
    /// their header read.
    read: Option<String>,
    rollback_of: Option<String>,
    /// Its signature file (a retained snapshot's; the current one's is the
    /// signature panel's).
    sig: Option<String>,
    /// The check of `sig` under the chain's `key`, on the bytes read.
    done: Option<Outcome>,
}

impl Loaded {
    /// A snapshot as its manifest (read, and hashing to `read`) describes it.
    fn from(read: &str, m: &vouch_core::Manifest) -> Self {
        let source = m.source.clone().unwrap_or_default();
        Self {
            id: read.to_owned(),
            built_at: m.built_at.clone(),
            commit: source.commit,
            run_url: source.run_url,
            read: Some(read.to_owned()),
            rollback_of: m.rollback_of.clone(),
            sig: None,
            done: None,
        }
    }
}

/// Where a snapshot's `file` is, relative to the site root: the current
/// one's at the root, a retained one's under `snapshots/<id>/`.
fn at(id: &str, current: bool, file: &str) -> String {
    match current {
        true => file.to_owned(),
        false => format!("snapshots/{id}/{file}"),
    }
}

#[derive(Clone)]
struct Chain {
    /// The key pinned when it was read, which its signatures were checked
    /// under.
    key: Option<String>,
    snapshots: Vec<Loaded>,
    problems: Vec<ChainProblem>,
    has_history: bool,
    history: Option<History>,
}

/// The chain. Each retained manifest is fetched once, and its signature
/// checked under `key` (the key pinned now) on the bytes read here: a site
/// keeps up to 20, of 24 MB each at 50,000 files, too many to hold for a
/// check later. Pinning another key reads them again.
async fn load(root: String, current: ManifestDoc, key: Option<String>) -> Chain {
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
    let mut snapshots = vec![Loaded::from(&current.id, &current.manifest)];
    // One retained manifest is held at a time, while it is hashed, its
    // header read and its signature checked.
    let mut archived: Vec<(String, Archived)> = Vec::new();
    for s in parsed.iter().flat_map(|h| &h.snapshots) {
        let b = api::fetch_optional(&format!("{root}{}", s.manifest))
            .await
            .ok()
            .flatten();
        let sig = api::fetch_text(&format!("{root}{}", s.signature()))
            .await
            .ok()
            .flatten();
        // What history.json says of a snapshot is shown only from its own
        // (hash-checked) manifest, never from history.json alone.
        let mut row = Loaded {
            id: s.id.clone(),
            built_at: s.built_at.clone(),
            commit: None,
            run_url: None,
            read: None,
            rollback_of: None,
            sig: None,
            done: None,
        };
        // Kept even when they do not parse: the chain check says why.
        if let Some(b) = b {
            let a = api::read_archived(&b).await;
            if let Ok(m) = &a.header {
                row = Loaded::from(&a.id, m);
                row.id = s.id.clone();
                if let (Some(k), Some(t)) = (&key, &sig) {
                    row.done = Some(check_in_slices(k, t, &b).await);
                }
            }
            archived.push((s.manifest.clone(), a));
        }
        row.sig = sig;
        snapshots.push(row);
    }
    let (history, problems) = check_site_history(
        &current.id,
        &current.manifest,
        history_bytes.as_deref(),
        &mut |u| {
            let i = archived.iter().position(|(k, _)| k == u)?;
            Some(archived.swap_remove(i).1)
        },
    );
    Chain {
        key,
        snapshots,
        problems,
        has_history: history_bytes.is_some(),
        history,
    }
}

/// The snapshot `s` in full, for a diff: the current one as the page holds
/// it; a retained one fetched again, which must still hash to the id its
/// chain was checked under.
async fn open(root: &str, id: &str, current: &ManifestDoc) -> Result<ManifestDoc, String> {
    if id == current.id {
        return Ok(current.clone());
    }
    api::fetch_snapshot(root, id).await
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
    /// The current signature's verdict, by the signature panel: this
    /// snapshot's row shows it, and the monitor trusts only a valid one.
    signature: RwSignal<SigState>,
) -> impl IntoView {
    let chain: RwSignal<Option<Chain>> = RwSignal::new(None);
    let rollback: RwSignal<Option<Rollback>> = RwSignal::new(None);
    let current_seen = Seen {
        id: current.id.clone(),
        built_at: current.manifest.built_at.clone(),
    };
    let (from, set_from) = signal(String::new());
    let (to, set_to) = signal(current.id.clone());
    // Read at once, and again when another key is pinned.
    {
        let (root, current) = (root.clone(), current.clone());
        Effect::new(move |_| {
            let key = pinned.get();
            let stale =
                chain.with_untracked(|c| c.as_ref().is_none_or(|c| key.is_some() && c.key != key));
            if !stale {
                return;
            }
            let (root, current) = (root.clone(), current.clone());
            leptos::task::spawn_local(async move {
                let mut c = load(root, current, key.clone()).await;
                // A newer pin reads them again.
                if pinned.get_untracked() != key {
                    return;
                }
                // Read again under another key, the chain stays as first
                // read (a site republished since must not read as a broken
                // chain), and a row takes its new check only on the bytes
                // first read (its manifest's hash).
                chain.update(move |first| match first {
                    None => *first = Some(c),
                    Some(first) => {
                        for s in first.snapshots.iter_mut().skip(1) {
                            let again = c.snapshots.iter_mut().find(|n| n.read == s.read);
                            s.done = Some(
                                again
                                    .and_then(|n| n.done.take())
                                    .unwrap_or(Err(SignatureError::Changed)),
                            );
                        }
                        first.key = key;
                    }
                });
                // After the chain: the diff follows only the pair chosen.
                if from.get_untracked().is_empty()
                    && let Some(prev) =
                        chain.with_untracked(|c| Some(c.as_ref()?.snapshots.get(1)?.id.clone()))
                {
                    set_from.set(prev);
                }
            });
        });
    }
    // The monitor: per site and pinned key, the newest snapshot verified
    // here. An older head, or a history that dropped it, is a rollback.
    {
        let root = root.clone();
        Effect::new(move |_| {
            let SigState::Valid { key_id } = signature.get() else {
                return;
            };
            let seen = trust::seen(&root, &key_id);
            let judged = chain.with(|c| {
                let c = c.as_ref().filter(|c| c.problems.is_empty())?;
                Some(monitor::judge(
                    seen.as_ref(),
                    &current_seen.id,
                    &current_seen.built_at,
                    c.history.as_ref(),
                ))
            });
            let Some(judged) = judged else { return };
            match judged {
                Some(r) => rollback.set(Some(r)),
                None => {
                    if monitor::is_newer(seen.as_ref(), &current_seen) {
                        trust::remember_seen(&root, &key_id, &current_seen);
                    }
                }
            }
        });
    }
    let status = move || {
        chain.with(|c| match c {
            None => "checking",
            Some(c) if !c.problems.is_empty() => "broken",
            Some(_) if rollback.get().is_some() => "rolled-back",
            Some(c) if c.has_history => "intact",
            Some(_) => "none",
        })
    };
    if let Some(report) = report {
        Effect::new(move |_| report.set(status()));
    }
    let banner = move || {
        chain.with(|c| c.as_ref().map(|c| {
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
        }))
    };
    let rows = {
        let root = root.clone();
        move || {
            let root = root.clone();
            chain.with(|c| c.as_ref().map(|c| {
                c.snapshots
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let (read, sig_file, pre) = (s.read.clone(), s.sig.clone(), s.done.clone());
                        let checked_under = c.key.clone();
                        // Earlier snapshots' signatures were checked as their
                        // manifests were read; this one's is the signature
                        // panel's own check.
                        let sig = Memo::new(move |_| match (i, &read) {
                            (0, _) => signature.get(),
                            // Earlier snapshots are judged without expiry: they
                            // are history, not what the site serves now.
                            (_, Some(id)) => judge(id, Ok(sig_file.as_deref()), pinned.get().as_deref(), None, now(), |key, _| {
                                pre.clone().filter(|_| checked_under.as_deref() == Some(key))
                            }),
                            _ => SigState::Invalid { key_id: String::new(), why: "missing".into() },
                        });
                        view! {
                            <tr data-snapshot=s.id.clone() data-signature=move || sig.with(SigState::as_str)>
                                <td>
                                    <a href=format!("{root}{}", at(&s.id, i == 0, "index.html"))><code>{s.id[..16].to_owned()} "…"</code></a>
                                    {(i == 0).then_some(" (this snapshot)")}
                                    {s.rollback_of.clone().map(|to| {
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
            }))
        }
    };
    // What changed between the two snapshots chosen: the files, from their
    // manifests (a retained one fetched again, whole), then the gates and
    // declared statuses, from their audit trails, each checked against its
    // manifest. Only these two are held: a site keeps up to 20, and each
    // is as large as its evidence.
    // Both lists at once: (the files, unless a manifest could not be
    // opened; the statuses, or why not).
    let diffs = ArcRwSignal::new(None);
    {
        let root = root.clone();
        let diffs = diffs.clone();
        Effect::new(move |_| {
            let (f, t) = (from.get(), to.get());
            diffs.set(None);
            // Untracked: pinning another key checks the signatures again,
            // and must not fetch the pair again.
            let known = |id: &str| {
                chain.with_untracked(|c| {
                    c.as_ref()
                        .is_some_and(|c| c.snapshots.iter().any(|s| s.id == id))
                })
            };
            if !known(&f) || !known(&t) {
                return;
            }
            let (root, current, diffs) = (root.clone(), current.clone(), diffs.clone());
            leptos::task::spawn_local(async move {
                let docs = match open(&root, &f, &current).await {
                    Ok(x) => open(&root, &t, &current).await.map(|y| (x, y)),
                    Err(e) => Err(e),
                };
                let r = match docs {
                    Ok((x, y)) => {
                        let audit = async |d: &ManifestDoc| {
                            api::fetch_audit(
                                &root,
                                &at(&d.id, d.id == current.id, "audit.json"),
                                &d.manifest,
                            )
                            .await
                            .map_err(|e| e.to_string())
                        };
                        let statuses = match (audit(&x).await, audit(&y).await) {
                            (Ok(Some(a)), Ok(Some(b))) => Ok(status_changes(&a, &b)),
                            (Err(e), _) | (_, Err(e)) => Err(e),
                            _ => Err("one of these snapshots has no audit trail".to_owned()),
                        };
                        (Some(diff(&x.manifest, &y.manifest)), statuses)
                    }
                    Err(e) => (None, Err(e)),
                };
                // Unless another pair was chosen meanwhile.
                if from.get_untracked() == f && to.get_untracked() == t {
                    diffs.set(Some(r));
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
                {chooser("From ", "diff-from", chain, from, set_from)}
                {chooser(" to ", "diff-to", chain, to, set_to)}
                {let diffs = diffs.clone(); move || diffs.get().and_then(|(list, _)| list).map(|list| {
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
                {move || diffs.get().map(|(_, r)| match r {
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

/// One end of the diff: a choice of the snapshots loaded.
fn chooser(
    text: &'static str,
    id: &'static str,
    chain: RwSignal<Option<Chain>>,
    chosen: ReadSignal<String>,
    choose: WriteSignal<String>,
) -> impl IntoView {
    view! {
        <label>{text}
            <select id=id on:change=move |ev| choose.set(event_target_value(&ev))>
                {move || chain.with(|c| c.as_ref().map(|c| c.snapshots.iter().map(|s| {
                    let selected = s.id == chosen.get();
                    view! { <option value=s.id.clone() selected=selected>{format!("{} · {}…", s.built_at, &s.id[..12])}</option> }
                }).collect_view()))}
            </select>
        </label>
    }
}
