use leptos::prelude::*;

use crate::{
    api::ManifestDoc,
    components::{
        ArtifactTable, GeneratedTable, HistoryPanel, SignaturePanel, Trust, VerificationSummary,
        gate_cells,
    },
    trust, verify,
};

/// The index: the signature under the reader's pinned key, every artifact
/// and every generated file re-hashed (with a filter over the list), the
/// snapshot history, and one verdict over all of it.
#[component]
pub fn IndexPage(root: String, doc: ManifestDoc) -> impl IntoView {
    let (rows, progress) = verify::start(&root, verify::Files::all(doc.manifest.clone(), true));
    gate_cells::watch(rows, progress);
    let pinned = RwSignal::new(trust::pinned(&root));
    let trust = Trust::new(Signal::derive(move || pinned.get().is_some()));
    let (filter, set_filter) = signal(String::new());
    let (problems_only, set_problems_only) = signal(false);
    let artifacts = doc.manifest.artifacts.len();
    view! {
        <section class="verify-panel">
            <SignaturePanel
                root=root.clone()
                bytes=doc.bytes.clone()
                id=doc.id.clone()
                sig_path="manifest.json.minisig".to_owned()
                pinned=pinned
                expires_at=doc.manifest.expires_at.clone().unwrap_or_default()
                report=trust.signature
            />
            <p class="snapshot-id">"This snapshot: " <code id="snapshot-id">{doc.id.clone()}</code></p>
            // Read from the manifest the signature above covers.
            {doc.manifest.rollback_of.clone().map(|to| {
                let shown = to.clone();
                view! {
                <p class="rollback" id="viewer-rollback" data-rollback-of=to>
                    "A rollback: this snapshot republishes the evidence of snapshot " <code>{shown}</code>
                    ", as its manifest records; the snapshot it replaced stays in the history below."
                </p>
                }
            })}
            <VerificationSummary progress=progress artifacts=artifacts trust=trust />
            <div class="controls">
                <input
                    type="search"
                    id="artifact-filter"
                    placeholder="Filter by path or title…"
                    aria-label="Filter artifacts by path or title"
                    on:input=move |ev| set_filter.set(event_target_value(&ev))
                />
                <label>
                    <input
                        type="checkbox"
                        id="problems-only"
                        on:change=move |ev| set_problems_only.set(event_target_checked(&ev))
                    />
                    " Only files that failed verification"
                </label>
            </div>
            <ArtifactTable root=root.clone() rows=rows filter=filter problems_only=problems_only tick=progress.tick />
            <GeneratedTable root=root.clone() rows=rows tick=progress.tick />
            <HistoryPanel root=root current=doc pinned=pinned report=trust.chain signature=trust.signature />
        </section>
    }
}
