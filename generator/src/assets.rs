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
    /// The hashing worker the loader starts for large files.
    pub worker: String,
    #[serde(skip)]
    pub files: Vec<(String, Vec<u8>)>,
}

/// Bundled reads for the viewer (`vouchHash`, see `api::bundled`), offered
/// only on a page served from a loopback address, where `vouch serve`
/// answers `POST /.vouch/bundle` (`serve::bundle`). Reads asked for before
/// the next timer task go out as one bundle (a bundle is sent early at 256
/// files, 8 MiB or 128 KiB of paths); each file is hashed by WebCrypto
/// (`vouchDigest`, below) and answered as `"<sha256> <size>"`, or `null`
/// when the bundle does not carry it (the viewer then fetches it alone). A server that answers no
/// bundle, or none in 15 s, turns them off: `vouchHash` is removed. The
/// viewer judges every digest against the manifest itself. Only a file's
/// pathname is sent, so the server resolves it exactly as a GET of it.
/// Here, not in the wasm, which has no room to spare (250 KB gzip).
const BUNDLE_JS: &str = r#"if (["127.0.0.1", "localhost", "[::1]"].includes(location.hostname)) {
  let queue = [], bytes = 0, text = 0, off = false;
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
      parts.forEach((p, i) => batch[i].done(p && vouchDigest(p).then((d) => d + " " + p.length)));
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

/// Streamed hashing (`vouchHashStream`, see `api::hash_url`) of a file too
/// large to read whole. The page reads the body and hands each chunk
/// (transferred, not copied) to a module worker running the viewer's own
/// wasm hasher (`hashUpdate`, `hashFinish`), so reading and hashing overlap;
/// at most 8 MiB wait in the worker, so memory stays bounded however large
/// the file, and progress comes as the worker hashes. Where no worker starts
/// (no worker URL, as in the independent verifier; an old browser), the
/// page's own wasm hashes one file at a time, yielding every 30 ms. Resolves
/// to the hex digest; rejects if the read or the worker fails part-way.
/// The worker starts with the first such file or, on a page the generator
/// marked `data-vouch-stream` (it will stream one), as soon as the viewer
/// has started (`vouchStartWorker`): a 200 MiB file's first bytes were then
/// hashed 40–70 ms after its read began, instead of 170–240 ms.
/// Also `vouchYield` (see `api::yield_now`): a new task without the 4 ms
/// that nested `setTimeout(0)` costs; and `vouchDigest` (see
/// `api::webcrypto_sha256`): WebCrypto's SHA-256 as hex.
/// Here, not in the wasm, which has no room to spare. `{update}`, `{finish}`
/// and `{worker}` are filled in by each loader.
pub const STREAM_JS: &str = r#"{
  const yieldNow = globalThis.vouchYield = () => new Promise((resolve) => {
    const c = new MessageChannel();
    c.port1.onmessage = () => { c.port1.close(); resolve(); };
    c.port2.postMessage(0);
  });
  globalThis.vouchDigest = (d) => crypto.subtle.digest("SHA-256", d)
    .then((h) => Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0")).join(""));
  const update = {update}, finish = {finish}, url = {worker};
  let start = null, line = Promise.resolve();
  const worker = () => start ??= new Promise((ok) => {
    let w;
    try { w = new Worker(url, { type: "module" }); } catch { return ok(null); }
    const files = new Map();
    let next = 0;
    const fail = () => { ok(null); w.terminate(); start = Promise.resolve(null); files.forEach((f) => f(null)); files.clear(); };
    w.onerror = fail;
    w.onmessage = ({ data: [id, v] }) => id === "ready" ? (globalThis.vouchHashWorker = "ready", ok({ w, files, id: () => next++ })) : id === "failed" ? fail() : files.get(id)?.(v);
    setTimeout(() => ok(null), 15000);
  });
  const here = (stream, progress) => {
    const run = line.then(async () => {
      const reader = stream.getReader();
      let t = performance.now();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return finish();
          for (let at = 0; at < value.byteLength; at += 1 << 20) {
            const part = value.subarray(at, at + (1 << 20));
            update(part);
            progress(part.byteLength);
            if (performance.now() - t > 30) { await yieldNow(); t = performance.now(); }
          }
        }
      } catch (e) { finish(); throw e; }
    });
    line = run.catch(() => {});
    return run;
  };
  globalThis.vouchHashStream = async (stream, progress) => {
    const h = url && await worker();
    if (!h) return here(stream, progress);
    const id = h.id();
    let waiting = 0, wake = () => {}, failed = false, end;
    const digest = new Promise((ok, no) => { end = [ok, no]; });
    digest.catch(() => {});
    h.files.set(id, (v) => {
      if (v === null) { failed = true; end[1](new Error("the hashing worker stopped")); }
      else if (typeof v === "number") { waiting -= v; progress(v); }
      else { h.files.delete(id); end[0](v); }
      wake();
    });
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const chunk = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
        waiting += chunk.byteLength;
        h.w.postMessage([id, chunk], [chunk.buffer]);
        while (waiting > 8 << 20 && !failed) await new Promise((w) => { wake = w; });
        if (failed) break;
      }
    } catch (e) {
      h.files.delete(id);
      throw e;
    }
    if (!failed) h.w.postMessage([id, null]);
    return digest;
  };
  // A page that will stream a file says so (data-vouch-stream): the loader
  // calls this once the viewer's own wasm is up (not before: started with
  // the page, the worker delayed the viewer's start by 50 ms on two cores),
  // so the worker is ready and warm when the file's bytes come.
  globalThis.vouchStartWorker = () => { if (url && document.body?.hasAttribute("data-vouch-stream")) worker(); };
}
"#;

/// The hashing worker (see [`STREAM_JS`]): `{js}` and `{wasm}` are the
/// viewer's module and wasm, whose `hashUpdate` and `hashFinish` it uses.
/// One file at a time: the page's messages come in order, each file's
/// chunks then its end (a chunk of `null`), and files hashed at once take
/// turns by the queue below.
///
/// It warms up before it says it is ready. A browser runs new wasm code
/// unoptimised first (V8's Liftoff: SHA-256 at about a twelfth of the
/// speed) and uses the optimised code only from a later call on, so the
/// first 2 MiB chunk of a file took 80–110 ms instead of 7. Small calls,
/// until one runs at least four times faster than the slowest so far (or
/// 24 of them, 1.5 MiB, where the code was fast from the start or never
/// speeds up), get the optimised code in first.
const WORKER_JS: &str = r#"// vouch hashing worker: the SHA-256 of what a page streams to it
import init, { hashUpdate, hashFinish } from "./{js}";
const warm = () => {
  const z = new Uint8Array(64 << 10);
  for (let n = 0, slowest = 0; n < 24; n++) {
    const t = performance.now();
    hashUpdate(z);
    const d = performance.now() - t;
    if (d * 4 < slowest) break;
    slowest = Math.max(slowest, d);
  }
  hashFinish();
};
const ready = init({ module_or_path: new URL("{wasm}", import.meta.url) }).then(warm);
ready.then(() => postMessage(["ready"]), () => postMessage(["failed"]));
const queued = new Map();
let current = null;
const take = ([id, chunk]) => {
  if (chunk) { hashUpdate(chunk); postMessage([id, chunk.byteLength]); }
  else { postMessage([id, hashFinish()]); current = null; }
};
onmessage = async ({ data }) => {
  await ready;
  const [id] = data;
  if (current === null) current = id;
  if (id !== current) { (queued.get(id) ?? queued.set(id, []).get(id)).push(data); return; }
  take(data);
  while (current === null && queued.size) {
    const [next, list] = queued.entries().next().value;
    queued.delete(next);
    current = next;
    for (const m of list) take(m);
  }
};
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
        let worker_src = WORKER_JS.replace("{js}", &js).replace("{wasm}", &wasm);
        let worker = hashed("hash-worker", "js", worker_src.as_bytes());
        // A module script, so no inline script is needed anywhere and the
        // pages' Content-Security-Policy can forbid it.
        let stream = STREAM_JS
            .replace("{update}", "hashUpdate")
            .replace("{finish}", "hashFinish")
            .replace(
                "{worker}",
                &format!("new URL(\"{worker}\", import.meta.url)"),
            );
        let boot_src = format!(
            "// vouch viewer loader\n\
             import init, {{ hashUpdate, hashFinish }} from \"./{js}\";\n\
             {BUNDLE_JS}\
             {stream}\
             init({{ module_or_path: new URL(\"{wasm}\", import.meta.url) }})\n  \
             .then(() => globalThis.vouchStartWorker())\n  \
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
            (worker.clone(), worker_src.into_bytes()),
        ];
        Self {
            css,
            boot,
            js,
            wasm,
            icon,
            search,
            worker,
            files,
        }
    }
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}
