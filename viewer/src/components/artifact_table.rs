use leptos::prelude::*;
use vouch_core::{Artifact, Verdict};

use super::fmt_bytes;
use crate::verify::RowStatus;

fn label(s: &RowStatus) -> String {
    match s {
        RowStatus::Pending => "pending".into(),
        RowStatus::Hashing(n) => format!("hashing {}", fmt_bytes(*n)),
        RowStatus::Done { verdict, .. } => verdict.as_str().into(),
    }
}

/// One row per artifact, each carrying `data-artifact="<path>"` and a live
/// `data-status`.
#[component]
pub fn ArtifactTable(
    root: String,
    rows: Vec<(Artifact, RwSignal<RowStatus>)>,
    #[prop(into)] filter: Signal<String>,
    #[prop(into)] problems_only: Signal<bool>,
) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|(a, st)| {
            let path_lower = a.path.to_lowercase();
            let visible = move || {
                let f = filter.get().to_lowercase();
                let problem = matches!(
                    st.get(),
                    RowStatus::Done { verdict, .. } if verdict != Verdict::Verified
                );
                (f.is_empty() || path_lower.contains(&f)) && (!problems_only.get() || problem)
            };
            let file_name = a.path.rsplit('/').next().unwrap_or(&a.path).to_owned();
            let claimed = a.sha256.clone();
            let detail = move || match st.get() {
                RowStatus::Done {
                    verdict: Verdict::Mismatch,
                    computed: Some(c),
                    ..
                } => Some(view! {
                    <div class="computed">"computed " <code>{c}</code></div>
                }.into_any()),
                RowStatus::Done { detail: Some(d), .. } => {
                    Some(view! { <div class="computed">{d}</div> }.into_any())
                }
                _ => None,
            };
            view! {
                <tr
                    data-artifact=a.path.clone()
                    data-status=move || st.with(RowStatus::as_str)
                    class:hidden=move || !visible()
                >
                    <td class="status">
                        <span class=move || format!("badge badge-{}", st.with(RowStatus::as_str))>
                            {move || st.with(label)}
                        </span>
                    </td>
                    <td class="path">
                        <a href=format!("{root}{}", a.page)>{a.path.clone()}</a>
                        {(a.title != file_name).then(|| view! { <div class="title">{a.title.clone()}</div> })}
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
        })
        .collect_view();
    view! {
        <table class="artifacts live">
            <thead>
                <tr>
                    <th>"Status"</th>
                    <th>"Artifact"</th>
                    <th>"Kind"</th>
                    <th>"Size"</th>
                    <th>"SHA-256 (claimed)"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{body}</tbody>
        </table>
    }
}
