//! The files vouch generated (pages, the viewer, `audit.json`,
//! `history.json`, archived snapshots), each re-hashed like an artifact:
//! `[data-generated=PATH][data-status]`. The banner is about the page you
//! read as much as about the evidence. Files that failed come first; the
//! list is paged like the artifact list.

use leptos::prelude::*;
use vouch_core::{Artifact, Verdict};

use super::{
    artifact_table::failed,
    fmt_bytes,
    pager::{Pager, page_of},
};
use crate::verify::RowStatus;

#[component]
pub fn GeneratedTable(
    root: String,
    rows: Vec<(Artifact, RwSignal<RowStatus>)>,
    /// The verification's batch counter ([`crate::verify::Progress::tick`]).
    tick: RwSignal<u64>,
) -> impl IntoView {
    if rows.is_empty() {
        return ().into_any();
    }
    let n = rows.len();
    let rows = StoredValue::new(rows);
    // Failures first, in path order; recomputed per batch, not per file.
    let order = Memo::new(move |_| {
        tick.track();
        rows.with_value(|rows| {
            let (mut bad, good): (Vec<usize>, Vec<usize>) =
                (0..rows.len()).partition(|&i| rows[i].1.with_untracked(failed));
            bad.extend(good);
            bad
        })
    });
    let bad = Memo::new(move |_| {
        tick.track();
        rows.with_value(|rows| rows.iter().filter(|r| r.1.with_untracked(failed)).count())
    });
    let page = RwSignal::new(0usize);
    let shown = page_of(order, page);
    let item = move |i: usize| {
        let (g, st) = rows.with_value(|r| r[i].clone());
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
    };
    view! {
        <details id="generated-files" class="generated-files">
            <summary>
                {format!("Site files vouch generated: {n} (pages, viewer, audit trail, history)")}
                {move || match bad.get() {
                    0 => String::new(),
                    b => format!(" · {b} FAILED"),
                }}
            </summary>
            <ul>
                <For each=move || shown.get() key=|i| *i children=item />
            </ul>
            <Pager id="generated" label="Pages of the generated files" order=order page=page />
        </details>
    }
    .into_any()
}
