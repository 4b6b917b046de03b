use leptos::prelude::*;
use vouch_core::Manifest;

use crate::{
    components::{ArtifactTable, ManifestFailed, VerificationSummary},
    verify::{self, Progress, RowStatus},
};

/// One artifact's page: verifies that artifact against the manifest.
#[component]
pub fn ArtifactPage(root: String, manifest: Manifest, path: String) -> impl IntoView {
    let Some(artifact) = manifest.artifacts.into_iter().find(|a| a.path == path) else {
        return view! {
            <ManifestFailed error=format!("manifest.json does not list {path:?}") />
        }
        .into_any();
    };
    let progress = Progress::new();
    let status = RwSignal::new(RowStatus::Pending);
    verify::run(root.clone(), vec![artifact.clone()], vec![status], progress);
    view! {
        <section class="verify-panel compact">
            <VerificationSummary progress=progress />
            <ArtifactTable
                root=root
                rows=vec![(artifact, status)]
                filter=Signal::derive(String::new)
                problems_only=Signal::derive(|| false)
            />
        </section>
    }
    .into_any()
}
