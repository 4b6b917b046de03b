use std::sync::Arc;

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
pub fn ArtifactPage(root: String, manifest: Arc<Manifest>, path: String) -> impl IntoView {
    let Some(index) = manifest.artifacts.iter().position(|a| a.path == path) else {
        return view! {
            <ManifestFailed error=format!("manifest.json does not list {path:?}") />
        }
        .into_any();
    };
    // The page being read is checked too: an edited rendered page must not
    // sit under a green banner.
    let page = &manifest.artifacts[index].page;
    let generated: Vec<usize> = manifest
        .generated
        .iter()
        .position(|g| &g.path == page)
        .into_iter()
        .collect();
    let files = verify::Files {
        manifest: manifest.clone(),
        artifacts: vec![index],
        generated,
    };
    let (rows, progress) = verify::start(&root, files);
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
                rows=rows
                filter=Signal::derive(String::new)
                problems_only=Signal::derive(|| false)
                tick=progress.tick
            />
            <GeneratedTable root=root.clone() rows=rows tick=progress.tick />
            <ClaimEvidence root=root.clone() manifest=manifest page=progress.summary />
        </section>
    }
    .into_any()
}
