use leptos::prelude::*;

use crate::{
    api::ManifestDoc,
    components::{ArtifactTable, HistoryPanel, SignaturePanel, VerificationSummary, gate_cells},
    trust, verify,
};

/// The index: the signature under the reader's pinned key, every artifact
/// re-hashed (with a filter over the list), and the snapshot history.
#[component]
pub fn IndexPage(root: String, doc: ManifestDoc) -> impl IntoView {
    let (rows, progress) = verify::start(&root, &doc.manifest.artifacts);
    gate_cells::watch(&rows, progress);
    let pinned = RwSignal::new(trust::pinned(&root));
    let (filter, set_filter) = signal(String::new());
    let (problems_only, set_problems_only) = signal(false);
    view! {
        <section class="verify-panel">
            <SignaturePanel
                root=root.clone()
                bytes=doc.bytes.clone()
                id=doc.id.clone()
                sig_path="manifest.json.minisig".to_owned()
                pinned=pinned
            />
            <p class="snapshot-id">"This snapshot: " <code id="snapshot-id">{doc.id.clone()}</code></p>
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
            <ArtifactTable root=root.clone() rows=rows filter=filter problems_only=problems_only />
            <HistoryPanel root=root current=doc pinned=pinned />
        </section>
    }
}
