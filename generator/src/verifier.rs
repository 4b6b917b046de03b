//! The independent verifier: `verify.html` and the viewer's assets, to be
//! served from an origin the auditor trusts (`vouch verifier --out DIR`), or
//! straight from memory on 127.0.0.1 (`vouch serve --verify URL`). The page
//! loads no code from the site it checks; its Content-Security-Policy lets
//! it read other origins, nothing more.

use std::path::Path;

use anyhow::{Context, Result, bail};
use minijinja::{Environment, context};

use crate::assets::Assets;

/// The verifier page's policy: the site pages' policy, except that it may
/// fetch from any origin (the site it checks), and load its own scripts when
/// opened from disk (`file:`).
pub const CSP: &str = "default-src 'none'; script-src 'self' file: 'wasm-unsafe-eval'; \
style-src 'self' file:; img-src 'self'; connect-src *; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-src 'none'";

/// The viewer with a classic-script loader: browsers refuse module scripts
/// from `file://`, so the verifier opened from disk loads these instead.
const CLASSIC_JS: &[u8] = include_bytes!("../assets/viewer/vouch_viewer_classic.js");

/// The verifier's classic scripts: the loader, the wasm as base64 (a file
/// page cannot fetch it), and the start-up, each content-hashed.
#[derive(serde::Serialize)]
struct Classic {
    glue: String,
    wasm: String,
    boot: String,
    #[serde(skip)]
    files: Vec<(String, Vec<u8>)>,
}

fn classic(assets: &Assets) -> Classic {
    use base64::Engine;
    let hashed =
        |stem: &str, bytes: &[u8]| format!("{stem}-{}.js", &vouch_core::sha256_hex(bytes)[..16]);
    let wasm_bytes = assets
        .files
        .iter()
        .find(|(n, _)| *n == assets.wasm)
        .map(|(_, b)| b.as_slice())
        .unwrap_or_default();
    let wasm_js = format!(
        "// vouch viewer wasm, for pages opened from disk\nwindow.__vouchWasm = \"{}\";\n",
        base64::engine::general_purpose::STANDARD.encode(wasm_bytes)
    );
    let boot_js = "// vouch verifier start-up (classic script: works from file://)\n\
        (function () {\n  \
          var b = atob(window.__vouchWasm), bytes = new Uint8Array(b.length);\n  \
          for (var i = 0; i < b.length; i++) bytes[i] = b.charCodeAt(i);\n  \
          wasm_bindgen({ module_or_path: bytes }).catch(function (e) {\n    \
            console.error(\"vouch verifier failed to start:\", e);\n  });\n})();\n"
        .to_owned()
        // Large files stream through the page's own wasm: no worker here.
        + &crate::assets::STREAM_JS
            .replace("{update}", "(d) => wasm_bindgen.hashUpdate(d)")
            .replace("{finish}", "() => wasm_bindgen.hashFinish()")
            .replace("{worker}", "null");
    let (glue, wasm, boot) = (
        hashed("viewer-classic", CLASSIC_JS),
        hashed("viewer-wasm", wasm_js.as_bytes()),
        hashed("verify-boot", boot_js.as_bytes()),
    );
    Classic {
        files: vec![
            (glue.clone(), CLASSIC_JS.to_vec()),
            (wasm.clone(), wasm_js.into_bytes()),
            (boot.clone(), boot_js.into_bytes()),
        ],
        glue,
        wasm,
        boot,
    }
}

/// Every file of the verifier: `(path, bytes)`.
pub fn files() -> Result<Vec<(String, Vec<u8>)>> {
    let assets = Assets::new();
    let classic = classic(&assets);
    let mut env = Environment::new();
    env.add_template("verify.html", include_str!("../templates/verify.html"))
        .context("built-in template verify.html is invalid")?;
    let html = env
        .get_template("verify.html")?
        .render(context! {
            csp => CSP,
            version => env!("CARGO_PKG_VERSION"),
            assets => &assets,
            classic => &classic,
        })
        .context("rendering verify.html")?;
    let mut out = vec![("verify.html".to_owned(), html.into_bytes())];
    // The stylesheet, and the classic scripts (the module build is not
    // needed: one loader serves both http(s) and file://).
    for (name, bytes) in assets
        .files
        .iter()
        .filter(|(n, _)| *n == assets.css)
        .chain(&classic.files)
    {
        out.push((format!("assets/{name}"), bytes.clone()));
    }
    Ok(out)
}

/// `vouch verifier --out DIR`. DIR must be new, empty, or an earlier
/// verifier (a `verify.html` vouch wrote and an `assets/` folder): vouch
/// never overwrites a file it did not create.
pub fn write(dir: &Path) -> Result<()> {
    if dir.exists() {
        let foreign: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_type().is_dir())
            .filter_map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .ok()?
                    .to_string_lossy()
                    .into_owned();
                let ours = (rel == "verify.html"
                    && std::fs::read_to_string(e.path())
                        .is_ok_and(|t| t.contains("<meta name=\"generator\" content=\"vouch ")))
                    || (rel.starts_with("assets/") && !rel[7..].contains('/'));
                (!ours).then_some(rel)
            })
            .collect();
        if !foreign.is_empty() {
            bail!(
                "{} holds files vouch did not write ({}); refusing to write the verifier there",
                dir.display(),
                foreign
                    .iter()
                    .take(5)
                    .map(|f| crate::term::safe(f).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for (path, bytes) in files()? {
        let p = dir.join(&path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(())
}
