use leptos::prelude::*;
use vouch_core::Manifest;

use crate::{
    components::{ArtifactTable, ClaimEvidence, ManifestFailed, VerificationSummary},
    verify,
};

/// One artifact's page: verifies that artifact against the manifest.
#[component]
pub fn ArtifactPage(root: String, manifest: Manifest, path: String) -> impl IntoView {
    let Some(artifact) = manifest.artifacts.iter().find(|a| a.path == path).cloned() else {
        return view! {
            <ManifestFailed error=format!("manifest.json does not list {path:?}") />
        }
        .into_any();
    };
    let (rows, progress) = verify::start(&root, std::slice::from_ref(&artifact));
    view! {
        <section class="verify-panel compact">
            <VerificationSummary progress=progress />
            <ArtifactTable
                root=root.clone()
                rows=rows
                filter=Signal::derive(String::new)
                problems_only=Signal::derive(|| false)
            />
            <ClaimEvidence root=root.clone() manifest=manifest path=path />
        </section>
    }
    .into_any()
}
