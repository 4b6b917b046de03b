//! Long lists, a page at a time: at most [`PAGE`] rows are in the document,
//! however many files a site has, so a list of 100,000 stays responsive.
//! `nav.pager[data-pager=ID]` holds the buttons (`[data-page=prev]`,
//! `[data-page=next]`) and the range shown (`[data-range]`,
//! `data-total` = rows that match).

use leptos::prelude::*;

/// Rows per page.
pub const PAGE: usize = 100;

/// The page of `order` (row indices, already filtered and sorted) to show,
/// and the page number, which callers reset when the order changes.
pub fn page_of(order: Memo<Vec<usize>>, page: RwSignal<usize>) -> Memo<Vec<usize>> {
    Memo::new(move |_| {
        order.with(|o| {
            let start = (page.get() * PAGE).min(o.len().saturating_sub(1) / PAGE * PAGE);
            o[start..(start + PAGE).min(o.len())].to_vec()
        })
    })
}

/// The pager under a list; nothing when everything fits on one page.
#[component]
pub fn Pager(
    /// Names the list in `data-pager` and for screen readers.
    id: &'static str,
    label: &'static str,
    order: Memo<Vec<usize>>,
    page: RwSignal<usize>,
) -> impl IntoView {
    let total = move || order.with(Vec::len);
    let pages = move || total().div_ceil(PAGE).max(1);
    let current = move || page.get().min(pages() - 1);
    let range = move || {
        let n = total();
        if n == 0 {
            "no rows match".to_owned()
        } else {
            let start = current() * PAGE;
            format!("rows {}–{} of {n}", start + 1, (start + PAGE).min(n))
        }
    };
    move || {
        (total() > PAGE).then(|| {
            view! {
                <nav class="pager" data-pager=id aria-label=label>
                    <button
                        type="button"
                        data-page="prev"
                        disabled=move || { current() == 0 }
                        on:click=move |_| page.set(current().saturating_sub(1))
                    >
                        "‹ Previous"
                    </button>
                    <span data-range data-total=move || total().to_string() aria-live="polite">
                        {range}
                    </span>
                    <button
                        type="button"
                        data-page="next"
                        disabled=move || { current() + 1 >= pages() }
                        on:click=move |_| page.set((current() + 1).min(pages() - 1))
                    >
                        "Next ›"
                    </button>
                </nav>
            }
        })
    }
}
