use leptos::prelude::*;
use vouch_core::Manifest;

use crate::{
    components::{ArtifactTable, VerificationSummary},
    verify::{self, Progress, RowStatus},
};

/// The index: verifies every artifact, with a filter over the list.
#[component]
pub fn IndexPage(root: String, manifest: Manifest) -> impl IntoView {
    let progress = Progress::new();
    let rows: Vec<_> = manifest
        .artifacts
        .iter()
        .map(|a| (a.clone(), RwSignal::new(RowStatus::Pending)))
        .collect();
    verify::run(
        root.clone(),
        manifest.artifacts.clone(),
        rows.iter().map(|(_, s)| *s).collect(),
        progress,
    );
    let (filter, set_filter) = signal(String::new());
    let (problems_only, set_problems_only) = signal(false);
    view! {
        <section class="verify-panel">
            <VerificationSummary progress=progress />
            <div class="controls">
                <input
                    type="search"
                    id="artifact-filter"
                    placeholder="Filter by path…"
                    aria-label="Filter artifacts by path"
                    on:input=move |ev| set_filter.set(event_target_value(&ev))
                />
                <label>
                    <input
                        type="checkbox"
                        id="problems-only"
                        on:change=move |ev| set_problems_only.set(event_target_checked(&ev))
                    />
                    " Problems only"
                </label>
            </div>
            <ArtifactTable root=root rows=rows filter=filter problems_only=problems_only />
        </section>
    }
}
