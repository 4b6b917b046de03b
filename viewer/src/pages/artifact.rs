use leptos::prelude::*;
use vouch_core::Manifest;

use crate::{
    components::{
        ArtifactTable, ClaimEvidence, GeneratedTable, ManifestFailed, VerificationSummary,
    },
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
    // The page being read is checked too: an edited rendered page must not
    // sit under a green banner.
    let page: Vec<_> = manifest
        .generated
        .iter()
        .filter(|g| g.path == artifact.page)
        .map(verify::generated_target)
        .collect();
    let (rows, progress) = verify::start(&root, std::slice::from_ref(&artifact), &page);
    // The verdict also goes in the report's summary bar (`#bar-verdict`),
    // above the document, where a reader looks first.
    Effect::new(move |_| {
        let status = progress.summary.with(|s| s.status());
        if let Some(el) = document().get_element_by_id("bar-verdict") {
            let text = match status {
                "running" => " · checking in your browser…",
                "verified" => " · verified in your browser",
                _ => " · FAILED verification in your browser",
            };
            el.set_text_content(Some(text));
            let _ = el.set_attribute("data-status", status);
            let _ = el.remove_attribute("hidden");
        }
    });
    view! {
        <section class="verify-panel compact">
            <VerificationSummary progress=progress artifacts=1 what="page (this one)" />
            <ArtifactTable
                root=root.clone()
                rows=rows.artifacts
                filter=Signal::derive(String::new)
                problems_only=Signal::derive(|| false)
                tick=progress.tick
            />
            <GeneratedTable root=root.clone() rows=rows.generated tick=progress.tick />
            <ClaimEvidence root=root.clone() manifest=manifest path=path />
        </section>
    }
    .into_any()
}
