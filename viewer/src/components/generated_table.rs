//! The files vouch generated (pages, the viewer, `audit.json`,
//! `history.json`, archived snapshots), each re-hashed like an artifact:
//! `[data-generated=PATH][data-status]`. The banner is about the page you
//! read as much as about the evidence.

use leptos::prelude::*;
use vouch_core::{Artifact, Verdict};

use super::fmt_bytes;
use crate::verify::RowStatus;

#[component]
pub fn GeneratedTable(root: String, rows: Vec<(Artifact, RwSignal<RowStatus>)>) -> impl IntoView {
    if rows.is_empty() {
        return ().into_any();
    }
    let statuses: Vec<RwSignal<RowStatus>> = rows.iter().map(|(_, s)| *s).collect();
    let bad = move || {
        statuses
            .iter()
            .filter(|s| {
                matches!(s.get(), RowStatus::Done { verdict, .. } if verdict != Verdict::Verified)
            })
            .count()
    };
    let n = rows.len();
    let body = rows
        .into_iter()
        .map(|(g, st)| {
            let detail = move || match st.get() {
                RowStatus::Done {
                    verdict: Verdict::Mismatch,
                    computed: Some(c),
                    ..
                } => Some(format!("computed {c}")),
                RowStatus::Done {
                    detail: Some(d), ..
                } => Some(d),
                _ => None,
            };
            view! {
                <li data-generated=g.path.clone() data-status=move || st.with(RowStatus::as_str)>
                    <span class=move || format!("badge badge-{}", st.with(RowStatus::as_str))>
                        {move || st.with(RowStatus::as_str)}
                    </span>
                    " "
                    <a href=format!("{root}{}", g.url)><code>{g.path.clone()}</code></a>
                    " " <span class="muted">{fmt_bytes(g.size)}</span>
                    {move || detail().map(|d| view! { <div class="computed">{d}</div> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <details id="generated-files" class="generated-files">
            <summary>
                {format!("Site files vouch generated: {n} (pages, viewer, audit trail, history)")}
                {move || match bad() {
                    0 => String::new(),
                    b => format!(" · {b} FAILED"),
                }}
            </summary>
            <ul>{body}</ul>
        </details>
    }
    .into_any()
}
