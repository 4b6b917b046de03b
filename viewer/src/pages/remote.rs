//! The independent verifier (`verify.html`, written by `vouch verifier` or
//! served by `vouch serve --verify URL`): the same viewer, loaded from an
//! origin the auditor trusts, checking a site the audited host cannot make
//! it lie about. Either a site by URL (`#site=https://…&pubkey=RW…`; GitHub
//! Pages allows cross-origin reads), or a downloaded copy picked from disk,
//! hashed locally.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::index::IndexPage;
use crate::{
    api::{self, ManifestDoc},
    components::ManifestFailed,
};

/// `#site=…` in the address, as the root of the site to check.
fn site_from_fragment() -> Option<String> {
    let hash = window().location().hash().ok()?;
    let value = hash
        .trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("site="))?;
    let mut site = js_sys::decode_uri_component(value).ok()?.as_string()?;
    if !(site.starts_with("https://") || site.starts_with("http://")) {
        return None;
    }
    if let Some(i) = site.find(['?', '#']) {
        site.truncate(i);
    }
    if site.ends_with(".html") {
        site.truncate(site.rfind('/').map_or(site.len(), |i| i + 1));
    }
    if !site.ends_with('/') {
        site.push('/');
    }
    Some(site)
}

/// Loads `root`'s manifest, then shows the index checks.
#[component]
fn CheckSite(root: String) -> impl IntoView {
    let loaded: RwSignal<Option<Result<ManifestDoc, String>>> = RwSignal::new(None);
    {
        let root = root.clone();
        leptos::task::spawn_local(async move {
            let result = api::fetch_manifest(&root).await.map_err(|e| e.to_string());
            loaded.set(Some(result));
        });
    }
    move || match loaded.get() {
        None => view! { <super::Loading /> }.into_any(),
        Some(Err(e)) => view! { <ManifestFailed error=e /> }.into_any(),
        Some(Ok(doc)) => view! { <IndexPage root=root.clone() doc=doc /> }.into_any(),
    }
}

#[component]
pub fn RemotePage() -> impl IntoView {
    let (draft, set_draft) = signal(String::new());
    let folder: RwSignal<Option<usize>> = RwSignal::new(None);
    let go = move |_| {
        let site = draft.get();
        let keep = window()
            .location()
            .hash()
            .unwrap_or_default()
            .trim_start_matches('#')
            .split('&')
            .filter(|kv| kv.starts_with("pubkey="))
            .map(str::to_owned)
            .collect::<Vec<_>>();
        let mut hash = format!("site={}", js_sys::encode_uri_component(&site));
        for kv in keep {
            hash.push('&');
            hash.push_str(&kv);
        }
        let _ = window().location().set_hash(&hash);
        let _ = window().location().reload();
    };
    let picked = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(list) = input.files() else { return };
        let files = js_sys::Map::new();
        for i in 0..list.length() {
            let Some(f) = list.item(i) else { continue };
            let rel = js_sys::Reflect::get(&f, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| f.name());
            // The picked folder's own name comes first: drop it.
            let rel = rel
                .split_once('/')
                .map_or(rel.clone(), |(_, r)| r.to_owned());
            files.set(&rel.into(), &f);
        }
        let n = files.size() as usize;
        api::set_folder(files);
        folder.set(Some(n));
    };
    // A folder picker (`webkitdirectory` has no typed attribute).
    let folder_input: NodeRef<leptos::html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(el) = folder_input.get() {
            let _ = el.set_attribute("webkitdirectory", "");
        }
    });
    let site = site_from_fragment();
    view! {
        <section class="remote">
            {match site {
                Some(root) => view! {
                    <p class="remote-site">"Checking " <a href=root.clone()><code id="remote-root">{root.clone()}</code></a>
                        " from this verifier: the host of that site serves none of the code checking it."</p>
                    <CheckSite root=root />
                }.into_any(),
                None => view! {
                    <div class="remote-form">
                        <label for="remote-site">"A vouch site's address"</label>
                        <input id="remote-site" type="url" placeholder="https://owner.github.io/repo/"
                            on:input=move |ev| set_draft.set(event_target_value(&ev)) />
                        <button id="remote-go" on:click=go>"Verify"</button>
                        <p class="note">"Add " <code>"#pubkey=RW…"</code> " to this page's address to pin the publisher's key."</p>
                    </div>
                    <div class="folder-check">
                        <label for="folder-input">"Or a downloaded copy of a site: pick its folder"</label>
                        <input id="folder-input" type="file" multiple=true node_ref=folder_input on:change=picked />
                        {move || folder.get().map(|n| view! {
                            <p class="note" id="folder-files" data-files=n.to_string()>{format!("{n} files picked; hashing them here, nothing is uploaded.")}</p>
                            <CheckSite root=api::FOLDER_ROOT.to_owned() />
                        })}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
