//! vouch's viewer: a Leptos client-side app that runs inside a generated site.
//!
//! The static pages are complete without it. When it loads, it fetches
//! `manifest.json`, re-hashes every artifact's raw bytes in the reader's own
//! browser, and shows a live verdict per artifact and overall. It trusts only
//! hashes it computed itself; the manifest supplies claims, never verdicts.
//!
//! Layout follows Leptos's `hackernews` example: [`api`] talks to the network,
//! [`verify`] drives the verification, `pages/` holds one file per page and
//! `components/` the pieces they share.

pub mod api;
pub mod components;
pub mod pages;
pub mod trust;
pub mod verify;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, prelude::wasm_bindgen};

/// Lower-cases text for the filters with the browser's own
/// `String.prototype.toLowerCase`: Rust's `to_lowercase` brings its Unicode
/// case tables into the wasm. ASCII text, the common case, stays here.
pub fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        // The same answer, without a trip through JavaScript.
        return s.to_ascii_lowercase();
    }
    String::from(js_sys::JsString::from(s).to_lower_case())
}

/// Where the viewer is mounted, and what the page tells it through
/// `data-vouch-*` attributes on `<body>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageContext {
    /// Relative path from this page to the site root: `""` or `"../"`.
    pub root: String,
    pub page: PageKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// The site index: verify every artifact.
    Index,
    /// One artifact's page: verify that artifact.
    Artifact(String),
    /// A retained snapshot's page: verify that snapshot as it was published.
    Snapshot(String),
    /// The independent verifier (`verify.html`): a site by URL, or a folder.
    Remote,
}

#[wasm_bindgen]
extern "C" {
    /// `console.error`, for a panic's message.
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Entry point, run by the boot module once the wasm is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| console_error(&info.to_string())));
    // In the hashing worker there is no page: only `hashUpdate` and
    // `hashFinish` are used.
    if web_sys::window().is_none() {
        return;
    }
    let doc = document();
    pages::problems::install();
    let Some(mount) = doc.get_element_by_id("vouch-viewer") else {
        return;
    };
    // The static note for readers without the viewer ("has not run here").
    mount.set_inner_html("");
    let Some(body) = doc.body() else { return };
    let data = body.dataset();
    let root = data.get("vouchRoot").unwrap_or_default();
    let page = match data.get("vouchPage").as_deref() {
        Some("artifact") => data
            .get("vouchArtifact")
            .map_or(PageKind::Index, PageKind::Artifact),
        Some("snapshot") => data
            .get("vouchSnapshot")
            .map_or(PageKind::Index, PageKind::Snapshot),
        Some("remote") => PageKind::Remote,
        _ => PageKind::Index,
    };
    if let Some(html) = doc.document_element() {
        // Lets the stylesheet hide the static fallbacks the viewer replaces.
        let _ = html.class_list().add_1("vouch-live");
    }
    // The header's "Snapshots" link (`index.html#snapshots`) leads to the
    // live history panel, which takes the id from the static list it hides.
    if let Some(old) = doc.get_element_by_id("snapshots") {
        let _ = old.remove_attribute("id");
    }
    let ctx = PageContext { root, page };
    leptos::mount::mount_to(
        mount.unchecked_into(),
        move || view! { <pages::App ctx=ctx /> },
    )
    .forget();
}
