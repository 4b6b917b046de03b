//! One file per page, as in Leptos's `hackernews` example.

mod artifact;
pub(crate) mod index;
pub mod problems;
mod remote;
mod snapshot;

use artifact::ArtifactPage;
use index::IndexPage;
use leptos::prelude::*;
use remote::RemotePage;
use snapshot::SnapshotPage;

use crate::{
    PageContext, PageKind,
    api::{self, ManifestDoc},
    components::ManifestFailed,
};

/// Shown while a manifest loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div id="verification-summary" class="summary summary-running" data-status="running"
            data-verified="0" data-failed="0" data-missing="0">
            <p class="summary-headline">"Loading manifest.json…"</p>
        </div>
    }
}

/// Loads what the page needs, then shows the page the static HTML asked for.
#[component]
pub fn App(ctx: PageContext) -> impl IntoView {
    match ctx.page.clone() {
        PageKind::Snapshot(id) => view! { <SnapshotPage root=ctx.root id=id /> }.into_any(),
        PageKind::Remote => view! { <RemotePage /> }.into_any(),
        _ => view! { <SitePage ctx=ctx /> }.into_any(),
    }
}

/// The current snapshot's pages: the index and artifact pages.
#[component]
fn SitePage(ctx: PageContext) -> impl IntoView {
    let loaded: RwSignal<Option<Result<ManifestDoc, String>>> = RwSignal::new(None);
    let root = ctx.root.clone();
    leptos::task::spawn_local(async move {
        let result = api::fetch_manifest(&root).await.map_err(|e| e.to_string());
        // Parsing a large manifest is many short tasks; building the page
        // is another.
        crate::api::yield_now().await;
        loaded.set(Some(result));
    });
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => view! { <ManifestFailed error=e /> }.into_any(),
        Some(Ok(doc)) => match &ctx.page {
            PageKind::Artifact(path) => view! {
                <ArtifactPage root=ctx.root.clone() manifest=doc.manifest path=path.clone() />
            }
            .into_any(),
            _ => view! { <IndexPage root=ctx.root.clone() doc=doc /> }.into_any(),
        },
    }
}
