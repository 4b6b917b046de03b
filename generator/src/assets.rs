//! Files every site carries: the viewer's JS and wasm (built by
//! `cargo xtask build-viewer` and embedded here, so installing vouch needs no
//! wasm toolchain), its loader, and the stylesheet. Names are content-hashed
//! so a published site can be cached forever and never mixes versions.

use vouch_core::sha256_hex;

const VIEWER_JS: &[u8] = include_bytes!("../assets/viewer/vouch_viewer.js");
const VIEWER_WASM: &[u8] = include_bytes!("../assets/viewer/vouch_viewer_bg.wasm");
const STYLE_CSS: &[u8] = include_bytes!("../assets/style.css");
const ICON_SVG: &[u8] = include_bytes!("../assets/icon.svg");
const SEARCH_JS: &[u8] = include_bytes!("../assets/search.js");

/// The assets of one build, under `assets/` in the site.
#[derive(Debug, serde::Serialize)]
pub struct Assets {
    /// The stylesheet's file name.
    pub css: String,
    /// The loader module's file name: the only script a page references.
    pub boot: String,
    /// The viewer's wasm-bindgen module and its wasm, linked from every page
    /// so a site mirrored by a crawler (`wget -m`) is complete.
    pub js: String,
    pub wasm: String,
    /// The favicon (so browsers find one, rather than a 404).
    pub icon: String,
    /// The search script: classic, so it runs from `file://` too.
    pub search: String,
    #[serde(skip)]
    pub files: Vec<(String, Vec<u8>)>,
}

fn hashed(stem: &str, ext: &str, bytes: &[u8]) -> String {
    format!("{stem}-{}.{ext}", &sha256_hex(bytes)[..16])
}

impl Assets {
    pub fn new() -> Self {
        let js = hashed("viewer", "js", VIEWER_JS);
        let wasm = hashed("viewer", "wasm", VIEWER_WASM);
        let css = hashed("style", "css", STYLE_CSS);
        let icon = hashed("icon", "svg", ICON_SVG);
        let search = hashed("search", "js", SEARCH_JS);
        // A module script, so no inline script is needed anywhere and the
        // pages' Content-Security-Policy can forbid it.
        let boot_src = format!(
            "// vouch viewer loader\n\
             import init from \"./{js}\";\n\
             init({{ module_or_path: new URL(\"{wasm}\", import.meta.url) }})\n  \
             .catch((e) => console.error(\"vouch viewer failed to start:\", e));\n"
        );
        let boot = hashed("boot", "js", boot_src.as_bytes());
        let files = vec![
            (js.clone(), VIEWER_JS.to_vec()),
            (wasm.clone(), VIEWER_WASM.to_vec()),
            (css.clone(), STYLE_CSS.to_vec()),
            (icon.clone(), ICON_SVG.to_vec()),
            (search.clone(), SEARCH_JS.to_vec()),
            (boot.clone(), boot_src.into_bytes()),
        ];
        Self {
            css,
            boot,
            js,
            wasm,
            icon,
            search,
            files,
        }
    }
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}
