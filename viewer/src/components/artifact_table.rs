//! The artifact list with JavaScript on: filtered (path and title), sorted
//! by any column (`th[aria-sort] button[data-sort]`), and paged (see
//! [`super::pager`]), so it stays responsive at 100,000 rows. Each row
//! carries `data-artifact="<path>"` and a live `data-status`.

use leptos::prelude::*;
use vouch_core::{Artifact, Verdict};

use super::{
    fmt_bytes,
    pager::{Pager, page_of},
};
use crate::verify::{RowStatus, Rows};

fn label(s: &RowStatus) -> String {
    match s {
        RowStatus::Pending => "pending".into(),
        RowStatus::Hashing(n) => format!("hashing {}", fmt_bytes(*n)),
        RowStatus::Done { verdict, .. } => verdict.as_str().into(),
    }
}

/// A row's state as one number that changes only when the row does: its
/// views follow this rather than every batch. Each view following the batch
/// counter itself re-subscribed to it on every batch, which costs time
/// quadratic in the views shown (a shift-remove from the counter's
/// subscriber list each): 0.5 s of a 2,000-file check. Views read it with
/// `get`, not `track`: a memo never read is never computed, so would follow
/// nothing.
pub fn row_key(rows: Rows, row: usize, tick: RwSignal<u64>) -> ArcMemo<u64> {
    ArcMemo::new(move |_| {
        tick.track();
        rows.with_status(row, |s| match s {
            RowStatus::Pending => 0,
            RowStatus::Done { verdict, .. } => 1 + *verdict as u64,
            RowStatus::Hashing(n) => 4 + n,
        })
    })
}

/// Under a failed row, read afresh when the row changes: the SHA-256
/// computed here for a mismatch, or why the file could not be read.
pub fn failure_detail(rows: Rows, row: usize, key: &ArcMemo<u64>) -> Option<AnyView> {
    key.get();
    // One view for both, so the wasm holds one.
    let (label, text) = rows.with_status(row, |s| match s {
        RowStatus::Done {
            verdict: Verdict::Mismatch,
            computed: Some(c),
            ..
        } => Some(("computed ", c.clone())),
        RowStatus::Done {
            detail: Some(d), ..
        } => Some(("", d.clone())),
        _ => None,
    })?;
    Some(view! { <div class="computed">{label}<code>{text}</code></div> }.into_any())
}

/// Failures first, then files still being checked, then verified ones.
fn status_rank(s: &RowStatus) -> u8 {
    match s {
        RowStatus::Done { verdict, .. } if *verdict != Verdict::Verified => 0,
        RowStatus::Pending | RowStatus::Hashing(_) => 1,
        RowStatus::Done { .. } => 2,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortKey {
    Status,
    Path,
    Kind,
    Size,
}

impl SortKey {
    fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Path => "path",
            Self::Kind => "kind",
            Self::Size => "size",
        }
    }
}

#[component]
pub fn ArtifactTable(
    root: String,
    /// The verification's rows; this lists its artifacts.
    rows: Rows,
    #[prop(into)] filter: Signal<String>,
    #[prop(into)] problems_only: Signal<bool>,
    /// The verification's batch counter ([`crate::verify::Progress::tick`]).
    tick: RwSignal<u64>,
    /// Link each artifact's raw bytes, not its page (an archived snapshot's
    /// artifacts have no pages of their own).
    #[prop(optional)]
    link_raw: bool,
) -> impl IntoView {
    let n = rows.artifacts();
    // What the filter matches: the path and the title, lowercased once,
    // when a filter is first typed.
    let haystacks: StoredValue<Vec<String>> = StoredValue::new(Vec::new());
    let sort = RwSignal::new((SortKey::Path, true));
    let page = RwSignal::new(0usize);
    let order = Memo::new(move |_| {
        let f = crate::lowercase(&filter.get());
        let only_failed = problems_only.get();
        let (key, ascending) = sort.get();
        if only_failed || key == SortKey::Status {
            tick.track();
        }
        if !f.is_empty() && haystacks.with_value(Vec::is_empty) {
            let all = (0..n)
                .map(|i| {
                    rows.with_artifact(i, |a| crate::lowercase(&format!("{}\n{}", a.path, a.title)))
                })
                .collect();
            haystacks.set_value(all);
        }
        let mut failed = vec![false; if only_failed { n } else { 0 }];
        if only_failed {
            rows.with_failed(|rs| {
                rs.iter()
                    .filter(|&&r| r < n)
                    .for_each(|&r| failed[r] = true)
            });
        }
        let mut idx: Vec<usize> = haystacks.with_value(|h| {
            (0..n)
                .filter(|&i| f.is_empty() || h[i].contains(&f))
                .filter(|&i| !only_failed || failed[i])
                .collect()
        });
        // The manifest lists artifacts by path already; other keys tie-break
        // on that order. One comparator, so one sort in the wasm.
        if key != SortKey::Path {
            idx.sort_unstable_by(|&i, &j| {
                let by = match key {
                    SortKey::Path => std::cmp::Ordering::Equal,
                    SortKey::Kind => rows
                        .with_artifact(i, |a| a.kind.as_str())
                        .cmp(rows.with_artifact(j, |b| b.kind.as_str())),
                    SortKey::Size => rows
                        .with_artifact(i, |a| a.size)
                        .cmp(&rows.with_artifact(j, |b| b.size)),
                    SortKey::Status => rows
                        .with_status(i, status_rank)
                        .cmp(&rows.with_status(j, status_rank)),
                };
                by.then(i.cmp(&j))
            });
        }
        if !ascending {
            idx.reverse();
        }
        idx
    });
    // A new filter or order starts again at the first page.
    Effect::new(move |_| {
        filter.track();
        problems_only.track();
        sort.track();
        page.set(0);
    });
    let shown = page_of(order, page);
    let header = move |key: SortKey, text: &'static str| {
        let aria = move || match sort.get() {
            (k, true) if k == key => "ascending",
            (k, false) if k == key => "descending",
            _ => "none",
        };
        view! {
            <th aria-sort=aria>
                <button
                    type="button"
                    class="sort"
                    data-sort=key.as_str()
                    on:click=move |_| {
                        sort.update(|(k, asc)| {
                            *asc = if *k == key { !*asc } else { true };
                            *k = key;
                        })
                    }
                >
                    {text}
                </button>
            </th>
        }
    };
    let row = move |i: usize| {
        let a = rows.with_artifact(i, Artifact::clone);
        // A row's state, read afresh when it changes.
        let key = row_key(rows, i, tick);
        let detail = {
            let key = key.clone();
            move || failure_detail(rows, i, &key)
        };
        let st = move |f: fn(&RowStatus) -> String| {
            key.get();
            rows.with_status(i, f)
        };
        let (st1, st2) = (st.clone(), st.clone());
        let file_name = a.path.rsplit('/').next().unwrap_or(&a.path).to_owned();
        let claimed = a.sha256.clone();
        let link = if link_raw { &a.url } else { &a.page };
        view! {
            <tr data-artifact=a.path.clone() data-status=move || st1(|s| s.as_str().to_owned())>
                <td class="status">
                    <span class=move || st2(|s| format!("badge badge-{}", s.as_str()))>
                        {move || st(label)}
                    </span>
                </td>
                <td class="path">
                    <a href=format!("{root}{link}")>{a.path.clone()}</a>
                    {(a.title != file_name)
                        .then(|| view! { <div class="title">{a.title.clone()}</div> })}
                </td>
                <td class="kind">{a.kind.as_str()}</td>
                <td class="size">{fmt_bytes(a.size)}</td>
                <td class="hash">
                    <code title=claimed.clone()>{claimed[..16.min(claimed.len())].to_owned()} "…"</code>
                    {detail}
                </td>
                <td class="raw">
                    <a href=format!("{root}{}", a.url) download=file_name>"raw"</a>
                </td>
            </tr>
        }
    };
    view! {
        <div class="table-scroll">
            <table class="artifacts live">
                <thead>
                    <tr>
                        {header(SortKey::Status, "Status")}
                        {header(SortKey::Path, "Artifact")}
                        {header(SortKey::Kind, "Kind")}
                        {header(SortKey::Size, "Size")}
                        <th>"SHA-256 (claimed)"</th>
                        <th><span class="visually-hidden">"Raw bytes"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {move || shown.get().into_iter().map(&row).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager id="artifacts" label="Pages of the artifact list" order=order page=page />
    }
}
