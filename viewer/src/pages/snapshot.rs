use leptos::prelude::*;

use crate::{
    api::{self, ManifestDoc},
    components::{ArtifactTable, ManifestFailed, SignaturePanel, VerificationSummary},
    trust, verify,
};

/// Time travel: a retained snapshot, verified exactly as it was published.
/// Its archived manifest must hash to its id; its artifacts' bytes are
/// re-hashed from the site's content-addressed store.
#[component]
pub fn SnapshotPage(root: String, id: String) -> impl IntoView {
    let loaded: RwSignal<Option<Result<ManifestDoc, String>>> = RwSignal::new(None);
    {
        let (root, id) = (root.clone(), id.clone());
        leptos::task::spawn_local(async move {
            loaded.set(Some(api::fetch_snapshot(&root, &id).await));
        });
    }
    move || match loaded.get() {
        None => view! { <super::Loading /> }.into_any(),
        Some(Err(e)) => view! {
            <div id="chain-status" class="chain chain-broken" data-status="broken">
                <p class="chain-alarm">{e.clone()}</p>
            </div>
            <ManifestFailed error=e />
        }
        .into_any(),
        Some(Ok(doc)) => {
            let artifacts = doc.manifest.artifacts.len();
            let (rows, progress) =
                verify::start(&root, verify::Files::all(doc.manifest.clone(), false));
            let pinned = RwSignal::new(trust::pinned(&root));
            view! {
                <section class="verify-panel">
                    <div id="chain-status" class="chain chain-intact" data-status="intact">
                        <p>{format!("Archived manifest hashes to snapshot {}", doc.id)}</p>
                    </div>
                    <SignaturePanel
                        root=root.clone()
                        bytes=doc.bytes.clone()
                        id=doc.id.clone()
                        sig_path=format!("{}.minisig", vouch_core::history::archive_path(&doc.id))
                        pinned=pinned
                    />
                    <VerificationSummary progress=progress artifacts=artifacts />
                    <ArtifactTable
                        root=root.clone()
                        rows=rows
                        filter=Signal::derive(String::new)
                        problems_only=Signal::derive(|| false)
                        tick=progress.tick
                        // Archived artifacts have no pages of their own.
                        link_raw=true
                    />
                </section>
            }
            .into_any()
        }
    }
}
