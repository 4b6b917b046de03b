//! One file per page, as in Leptos's `hackernews` example.

mod artifact;
mod index;

use leptos::prelude::*;
use vouch_core::Manifest;

use crate::{PageContext, PageKind, api, components::ManifestFailed};
use artifact::ArtifactPage;
use index::IndexPage;

/// Loads the manifest, then shows the page the static HTML asked for.
#[component]
pub fn App(ctx: PageContext) -> impl IntoView {
    let loaded: RwSignal<Option<Result<Manifest, String>>> = RwSignal::new(None);
    let root = ctx.root.clone();
    leptos::task::spawn_local(async move {
        let result = api::fetch_manifest(&root).await.map_err(|e| e.to_string());
        loaded.set(Some(result));
    });
    move || match loaded.get() {
        None => view! {
            <div id="verification-summary" class="summary summary-running" data-status="running"
                data-verified="0" data-failed="0" data-missing="0">
                <p class="summary-headline">"Loading manifest.json…"</p>
            </div>
        }
        .into_any(),
        Some(Err(e)) => view! { <ManifestFailed error=e /> }.into_any(),
        Some(Ok(m)) => match &ctx.page {
            PageKind::Index => view! { <IndexPage root=ctx.root.clone() manifest=m /> }.into_any(),
            PageKind::Artifact(path) => view! {
                <ArtifactPage root=ctx.root.clone() manifest=m path=path.clone() />
            }
            .into_any(),
        },
    }
}
