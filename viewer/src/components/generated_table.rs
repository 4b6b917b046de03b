//! The files vouch generated (pages, the viewer, `audit.json`,
//! `history.json`, archived snapshots), each re-hashed like an artifact:
//! `[data-generated=PATH][data-status]`. The banner is about the page you
//! read as much as about the evidence. Files that failed come first; the
//! list is paged like the artifact list.

use super::{
    artifact_table::{failure_detail, row_key},
    fmt_bytes,
    pager::{Pager, page_of},
};
use crate::verify::Rows;
use leptos::prelude::*;

#[component]
pub fn GeneratedTable(
    root: String,
    /// The verification's rows; this lists its generated files.
    rows: Rows,
    /// The verification's batch counter ([`crate::verify::Progress::tick`]).
    tick: RwSignal<u64>,
) -> impl IntoView {
    let n = rows.generated();
    if n == 0 {
        return ().into_any();
    }
    let first = rows.artifacts();
    // Failures first, in path order; recomputed per batch, from the list of
    // failed rows rather than by looking at every row.
    let bad_rows = Memo::new(move |_| {
        tick.track();
        let mut bad: Vec<usize> =
            rows.with_failed(|f| f.iter().copied().filter(|&r| r >= first).collect());
        bad.sort_unstable();
        bad
    });
    let order = Memo::new(move |_| {
        bad_rows.with(|bad| {
            let mut order = bad.clone();
            order.extend((first..first + n).filter(|r| bad.binary_search(r).is_err()));
            order
        })
    });
    let page = RwSignal::new(0usize);
    let shown = page_of(order, page);
    let item = move |i: usize| {
        let (path, size) = rows.with_generated(i, |g| (g.path.clone(), g.size));
        let key = row_key(rows, i, tick);
        let detail = {
            let key = key.clone();
            move || failure_detail(rows, i, &key)
        };
        let st = move || {
            key.get();
            rows.with_status(i, |s| s.as_str())
        };
        let (st1, st2) = (st.clone(), st.clone());
        view! {
            <li data-generated=path.clone() data-status=st1>
                <span class=move || format!("badge badge-{}", st2())>{st}</span>
                " "
                <a href=format!("{root}{path}")><code>{path.clone()}</code></a>
                " " <span class="muted">{fmt_bytes(size)}</span>
                {detail}
            </li>
        }
    };
    view! {
        <details id="generated-files" class="generated-files">
            <summary>
                {format!("Site files vouch generated: {n} (pages, viewer, audit trail, history)")}
                {move || match bad_rows.with(Vec::len) {
                    0 => String::new(),
                    b => format!(" · {b} FAILED"),
                }}
            </summary>
            <ul>
                {move || shown.get().into_iter().map(&item).collect_view()}
            </ul>
            <Pager id="generated" label="Pages of the generated files" order=order page=page />
        </details>
    }
    .into_any()
}
