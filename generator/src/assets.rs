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

/// Bundled reads for the viewer (`vouchHash`, see `api::bundled`), offered
/// only on a page served from a loopback address, where `vouch serve`
/// answers `POST /.vouch/bundle` (`serve::bundle`). Reads asked for before
/// the next timer task go out as one bundle (a bundle is sent early at 256
/// files, 8 MiB or 128 KiB of paths); each file is hashed by WebCrypto and
/// answered as `"<sha256> <size>"`, or `null` when the bundle does not
/// carry it (the viewer then fetches it alone). A server that answers no
/// bundle, or none in 15 s, turns them off: `vouchHash` is removed. The
/// viewer judges every digest against the manifest itself. Only a file's
/// pathname is sent, so the server resolves it exactly as a GET of it.
/// Here, not in the wasm, which has no room to spare (250 KB gzip).
const BUNDLE_JS: &str = r#"if (["127.0.0.1", "localhost", "[::1]"].includes(location.hostname)) {
  let queue = [], bytes = 0, text = 0, off = false;
  const hex = (d) => Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
  const send = async (batch) => {
    try {
      const r = await fetch(new URL("/.vouch/bundle", location.href), {
        method: "POST", body: batch.map((b) => b.path).join("\n"), cache: "no-store", signal: AbortSignal.timeout(15000) });
      const lengths = r.headers.get("x-vouch-lengths")?.split(",");
      if (!r.ok || r.headers.get("content-type") !== "application/x-vouch-bundle" || lengths?.length !== batch.length) throw 0;
      const buf = await r.arrayBuffer();
      let at = 0;
      const parts = lengths.map((l) => {
        if (l === "-") return null;
        if (!/^[0-9]+$/.test(l) || at + Number(l) > buf.byteLength) throw 0;
        const p = new Uint8Array(buf, at, Number(l));
        at += p.length;
        return p;
      });
      if (at !== buf.byteLength) throw 0;
      parts.forEach((p, i) => batch[i].done(p && crypto.subtle.digest("SHA-256", p).then((d) => hex(d) + " " + p.length)));
    } catch {
      off = true;
      delete globalThis.vouchHash;
      batch.forEach((b) => b.done(null));
    }
  };
  const flush = () => { const b = queue; queue = []; bytes = text = 0; if (b.length) send(b); };
  globalThis.vouchHash = (url, size) => {
    const u = new URL(url, location.href);
    if (off || u.origin !== location.origin) return Promise.resolve(null);
    return new Promise((done) => {
      const path = u.pathname.slice(1);
      if (queue.push({ path, done }) === 1) setTimeout(flush, 0);
      bytes += size;
      text += path.length + 1;
      if (queue.length >= 256 || bytes >= 8 << 20 || text >= 128 << 10) flush();
    });
  };
}
"#;

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
             {BUNDLE_JS}\
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
