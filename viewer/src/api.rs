//! Everything the viewer fetches: `manifest.json` and artifacts' raw bytes.
//!
//! Files come over HTTP, or, for a downloaded copy the reader picked in the
//! independent verifier, from that folder (URLs under [`FOLDER_ROOT`]): the
//! same checks run on bytes that never left the reader's disk.

use std::sync::Arc;

use gloo_net::http::{Request, Response};
use js_sys::Uint8Array;
use vouch_core::{Manifest, ManifestError, Sha256Hasher};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::RequestCache;

/// The root of a site read from a folder the reader picked.
pub const FOLDER_ROOT: &str = "folder:/";

thread_local! {
    /// A JS `Map`, not a `HashMap`: one less map type in the wasm.
    static FOLDER: std::cell::RefCell<js_sys::Map> = std::cell::RefCell::new(js_sys::Map::new());
}

/// Uses `files` (site-relative path → `File`) for URLs under
/// [`FOLDER_ROOT`].
pub fn set_folder(files: js_sys::Map) {
    FOLDER.with(|f| *f.borrow_mut() = files);
}

/// `Some(file)` (or `Some(None)` when absent) for a URL under
/// [`FOLDER_ROOT`]; `None` for an HTTP URL.
fn folder_file(url: &str) -> Option<Option<web_sys::File>> {
    let rel = url.strip_prefix(FOLDER_ROOT)?;
    let rel = rel.split(['?', '#']).next().unwrap_or(rel);
    let rel = js_sys::decode_uri_component(rel)
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| rel.to_owned());
    Some(FOLDER.with(|f| f.borrow().get(&rel.into()).dyn_into().ok()))
}

/// The body at `url`, as the browser holds it: over HTTP (`Status` 404
/// when absent) or from the picked folder.
async fn get_buffer(url: &str) -> Result<js_sys::ArrayBuffer, ApiError> {
    let read_err = |e: wasm_bindgen::JsValue| ApiError::Read {
        url: url.to_owned(),
        message: format!("{e:?}"),
    };
    let buffer = match folder_file(url) {
        Some(Some(f)) => JsFuture::from(f.array_buffer()).await.map_err(read_err)?,
        Some(None) => {
            return Err(ApiError::Status {
                url: url.to_owned(),
                status: 404,
            });
        }
        None => {
            let resp: web_sys::Response = get(url).await?.into();
            let promise = resp.array_buffer().map_err(read_err)?;
            JsFuture::from(promise).await.map_err(read_err)?
        }
    };
    Ok(buffer.unchecked_into())
}

/// The bytes at `url`, copied into the wasm.
async fn get_bytes(url: &str) -> Result<Vec<u8>, ApiError> {
    let buffer = get_buffer(url).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Keeps long work in short tasks: [`Slices::breathe`] yields to the event
/// loop once [`TASK_MS`] have passed since the last yield, so the page can
/// paint and answer input while a 50 MB manifest is copied and parsed.
pub(crate) struct Slices {
    since: f64,
}

/// The longest stretch of work between two yields (milliseconds).
const TASK_MS: f64 = 30.0;

impl Slices {
    pub(crate) fn new() -> Self {
        Self {
            since: js_sys::Date::now(),
        }
    }

    pub(crate) async fn breathe(&mut self) {
        if js_sys::Date::now() - self.since >= TASK_MS {
            yield_now().await;
            self.since = js_sys::Date::now();
        }
    }
}

/// Ends this task and goes on in the next: the loader's `vouchYield`, a
/// message to itself, where there is one; else `setTimeout(0)`, which
/// browsers hold back by 4 ms once timers nest (a 52 MB manifest is some
/// 300 slices).
pub(crate) async fn yield_now() {
    match vouch_yield() {
        Ok(p) => {
            let _ = JsFuture::from(p).await;
        }
        Err(_) => gloo_timers::future::TimeoutFuture::new(0).await,
    }
}

/// Manifest entries parsed between two looks at the clock.
const ENTRIES_PER_LOOK: usize = 500;
/// Bytes of a manifest copied into the wasm, or hashed, between two looks
/// at the clock.
const COPY_SLICE: u32 = 1 << 20;

#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    #[error("could not fetch {url}: {message}")]
    Network { url: String, message: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("reading {url} failed part-way: {message}")]
    Read { url: String, message: String },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{url} does not match the SHA-256 manifest.json records for it; not used")]
    Tampered { url: String },
    #[error("{url}: {message}")]
    Invalid { url: String, message: String },
}

/// What the viewer computed from the bytes it received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hashed {
    pub sha256: String,
    pub size: u64,
}

/// How long a request may go without response headers before it is
/// abandoned and tried again.
const HEADERS_TIMEOUT_MS: f64 = 15_000.0;
const TRIES: u32 = 3;
/// How often the [`Watchdog`] looks for stalled requests.
const WATCH_EVERY_MS: u32 = 1_000;

/// A request waiting for its response headers, as the [`Watchdog`] sees it.
struct Waiting {
    since: f64,
    controller: web_sys::AbortController,
    /// Set when the watchdog aborted the request for stalling.
    stalled: std::cell::Cell<bool>,
}

/// One timer for every request in flight, not one each: it aborts those
/// that have waited [`HEADERS_TIMEOUT_MS`] for headers. (A timer per
/// request cost a fifth of the main thread's work per file.) It stops when
/// nothing waits.
#[derive(Default)]
struct Watchdog {
    waiting: Vec<std::rc::Weak<Waiting>>,
    timer: Option<gloo_timers::callback::Interval>,
}

thread_local! {
    static WATCHDOG: std::cell::RefCell<Watchdog> = std::cell::RefCell::new(Watchdog::default());
}

impl Watchdog {
    fn watch(w: &std::rc::Rc<Waiting>) {
        WATCHDOG.with(|d| {
            let mut d = d.borrow_mut();
            d.waiting.push(std::rc::Rc::downgrade(w));
            if d.timer.is_none() {
                d.timer = Some(gloo_timers::callback::Interval::new(
                    WATCH_EVERY_MS,
                    Self::look,
                ));
            }
        });
    }

    fn look() {
        let now = js_sys::Date::now();
        let stop = WATCHDOG.with(|d| {
            let mut d = d.borrow_mut();
            d.waiting.retain(|w| {
                let Some(w) = w.upgrade() else {
                    return false;
                };
                if now - w.since < HEADERS_TIMEOUT_MS {
                    return true;
                }
                w.stalled.set(true);
                w.controller.abort();
                false
            });
            d.waiting.is_empty().then(|| d.timer.take())
        });
        // Dropped outside the borrow: dropping cancels the timer.
        drop(stop);
    }
}

/// GET `url`, bypassing the HTTP cache: verification must see what the
/// server serves now, not what it served last time. A request that stalls
/// (no response headers in 15 s) is aborted and retried, so no verdict can
/// hang forever on a host that drops a request.
async fn get(url: &str) -> Result<Response, ApiError> {
    let network = |message: String| ApiError::Network {
        url: url.to_owned(),
        message,
    };
    for _ in 0..TRIES {
        let controller = web_sys::AbortController::new().map_err(|e| network(format!("{e:?}")))?;
        // One `Request`, built here: gloo-net's builder makes two, and
        // parses the URL, for every file.
        let init = web_sys::RequestInit::new();
        init.set_cache(RequestCache::NoStore);
        init.set_signal(Some(&controller.signal()));
        let request = web_sys::Request::new_with_str_and_init(url, &init)
            .map_err(|e| network(format!("{e:?}")))?;
        let waiting = std::rc::Rc::new(Waiting {
            since: js_sys::Date::now(),
            controller,
            stalled: std::cell::Cell::new(false),
        });
        Watchdog::watch(&waiting);
        match Request::from(request).send().await {
            Ok(resp) if resp.ok() => return Ok(resp),
            Ok(resp) => {
                return Err(ApiError::Status {
                    url: url.to_owned(),
                    status: resp.status(),
                });
            }
            Err(_) if waiting.stalled.get() => {}
            Err(e) => return Err(network(e.to_string())),
        }
    }
    Err(network(format!(
        "no response in {} s, {TRIES} tries",
        HEADERS_TIMEOUT_MS as u32 / 1000
    )))
}

/// A manifest as fetched: its bytes (what signatures and snapshot ids are
/// computed over), parsed, and its snapshot id, computed here. Shared, not
/// copied: a 100,000-entry manifest is 50 MB, and several views use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestDoc {
    pub bytes: Arc<Vec<u8>>,
    pub manifest: Arc<Manifest>,
    pub id: String,
}

/// The body at `url`, or `None` on a 404.
pub async fn fetch_optional(url: &str) -> Result<Option<Vec<u8>>, ApiError> {
    match get_bytes(url).await {
        Ok(b) => Ok(Some(b)),
        Err(ApiError::Status { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A text file, or `None` on a 404.
pub async fn fetch_text(url: &str) -> Result<Option<String>, ApiError> {
    Ok(fetch_optional(url)
        .await?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Fetches and validates a `manifest.json`: the site's, or an archived one
/// at `path` under `root`.
pub async fn fetch_manifest_at(root: &str, path: &str) -> Result<ManifestDoc, ApiError> {
    let url = format!("{root}{path}");
    manifest_doc(&get_buffer(&url).await?).await
}

/// A retained snapshot's archived manifest, which must still hash to its
/// id: for time travel, and for the history panel's diff.
pub async fn fetch_snapshot(root: &str, id: &str) -> Result<ManifestDoc, String> {
    match fetch_manifest_at(root, &vouch_core::history::archive_path(id)).await {
        Ok(doc) if doc.id != id => Err(format!(
            "snapshot {id} was rewritten: its archived manifest now hashes to {}",
            doc.id
        )),
        other => other.map_err(|e| e.to_string()),
    }
}

/// Copies, parses and validates a manifest's bytes, and computes its
/// snapshot id, in tasks of at most about [`TASK_MS`] each.
async fn manifest_doc(buffer: &js_sys::ArrayBuffer) -> Result<ManifestDoc, ApiError> {
    let mut slices = Slices::new();
    let whole = Uint8Array::new(buffer);
    let len = whole.length();
    let mut bytes = vec![0; len as usize];
    let mut at = 0;
    while at < len {
        let end = len.min(at + COPY_SLICE);
        whole
            .subarray(at, end)
            .copy_to(&mut bytes[at as usize..end as usize]);
        at = end;
        slices.breathe().await;
    }
    parse_manifest(Arc::new(bytes), slices).await
}

/// An archived manifest's bytes, hashed and their header read in short
/// tasks, for the chain check ([`vouch_core::history::Archived`]): its
/// entries are skipped, and the bytes need not be kept.
pub async fn read_archived(bytes: &[u8]) -> vouch_core::history::Archived {
    let mut slices = Slices::new();
    let id = digest_in(bytes, &mut slices).await;
    let header = read(vouch_core::ManifestReader::header_only(bytes), &mut slices).await;
    vouch_core::history::Archived { id, header }
}

async fn parse_manifest(bytes: Arc<Vec<u8>>, mut slices: Slices) -> Result<ManifestDoc, ApiError> {
    let id = digest_in(&bytes, &mut slices).await;
    let manifest = read(vouch_core::ManifestReader::new(&bytes), &mut slices).await?;
    Ok(ManifestDoc {
        id,
        bytes,
        manifest: Arc::new(manifest),
    })
}

/// The SHA-256 of `bytes` in short tasks, as [`digest_in`].
pub async fn digest(bytes: &[u8]) -> String {
    digest_in(bytes, &mut Slices::new()).await
}

/// The snapshot id (`history::snapshot_id`): the manifest's SHA-256, taken
/// a slice at a time by the wasm hasher. Not by WebCrypto: it copies its
/// input on the main thread first, which for 100,000 files' 52 MB manifest
/// was one task of 100 ms.
async fn digest_in(bytes: &[u8], slices: &mut Slices) -> String {
    let mut hasher = Sha256Hasher::new();
    for part in bytes.chunks(COPY_SLICE as usize) {
        hasher.update(part);
        slices.breathe().await;
    }
    hasher.finish_hex()
}

async fn read(
    mut reader: vouch_core::ManifestReader<'_>,
    slices: &mut Slices,
) -> Result<Manifest, ManifestError> {
    loop {
        if let Some(m) = reader.step(ENTRIES_PER_LOOK)? {
            return Ok(m);
        }
        slices.breathe().await;
    }
}

/// Fetches the audit trail at `path` under `root` and checks its bytes
/// against the SHA-256 that `manifest` records for `audit.json` (the
/// signature covers that hash). `None` when the manifest records none.
pub async fn fetch_audit(
    root: &str,
    path: &str,
    manifest: &Manifest,
) -> Result<Option<vouch_core::audit::AuditView>, ApiError> {
    let Some(recorded) = manifest.generated.iter().find(|g| g.path == "audit.json") else {
        return Ok(None);
    };
    let url = format!("{root}{path}");
    // Not fetched past the limit `vouch build` holds its own status diff
    // to: at 50,000 reports one trail is over 100 MB.
    if recorded.size > vouch_core::DOC_LIMIT {
        return Err(ApiError::Invalid {
            url,
            message: format!(
                "larger than {} MiB; not compared (nor by vouch build)",
                vouch_core::DOC_LIMIT >> 20
            ),
        });
    }
    let Some(bytes) = fetch_optional(&url).await? else {
        return Err(ApiError::Status { url, status: 404 });
    };
    // Hashed by WebCrypto (only its copy of the bytes is on the main
    // thread): the wasm hasher took 175 ms of one task over a 1,000-file
    // site's 2.4 MB audit trail.
    let sha256 = match webcrypto_sha256(&Uint8Array::from(bytes.as_slice())).await {
        Some(sha256) => sha256,
        None => vouch_core::sha256_hex(&bytes),
    };
    if sha256 != recorded.sha256 {
        return Err(ApiError::Tampered { url });
    }
    vouch_core::audit::AuditView::parse(&bytes)
        .map(Some)
        .map_err(|message| ApiError::Invalid { url, message })
}

/// Fetches and validates the site's `manifest.json`.
pub async fn fetch_manifest(root: &str) -> Result<ManifestDoc, ApiError> {
    fetch_manifest_at(root, "manifest.json").await
}

/// Files up to this size are read whole and hashed by the browser's own
/// SHA-256 (WebCrypto), which is fastest; larger ones stream through the
/// wasm hasher in slices, never held in memory whole.
const WHOLE: u64 = 8 << 20;
/// Files up to this size are asked for in bundles, where offered.
const BUNDLED: u64 = 1 << 20;

/// WebCrypto's SHA-256 of `data`, when the browser offers it here (the
/// loader's `vouchDigest`). The digest starts at once, off the main thread;
/// the future only collects it.
fn webcrypto_sha256(data: &js_sys::Object) -> impl Future<Output = Option<String>> + use<> {
    let promise = vouch_digest(data).ok();
    async move { JsFuture::from(promise?).await.ok()?.as_string() }
}

/// Hashes `url`, expected to be `expected` bytes long: whole by WebCrypto
/// when small, streamed through the wasm hasher when large (or when
/// WebCrypto is unavailable).
pub async fn hash(
    url: &str,
    expected: u64,
    mut progress: impl FnMut(u64) + 'static,
) -> Result<Hashed, ApiError> {
    if expected <= BUNDLED
        && bundles_offered()
        && let Some(h) = bundled(url, expected as u32).await
    {
        progress(h.size);
        return Ok(h);
    }
    if expected <= WHOLE {
        let buffer = get_buffer(url).await?;
        let size = u64::from(buffer.byte_length());
        if let Some(sha256) = webcrypto_sha256(&buffer).await {
            progress(size);
            return Ok(Hashed { sha256, size });
        }
        let bytes = Uint8Array::new(&buffer).to_vec();
        let mut hasher = Sha256Hasher::new();
        hasher.update(&bytes);
        progress(size);
        return Ok(Hashed {
            sha256: hasher.finish_hex(),
            size,
        });
    }
    hash_url(url, progress).await
}

/// Streams `url`'s body through SHA-256 without holding it in memory,
/// calling `progress(delta)` as bytes are hashed: the loader's
/// `vouchHashStream` reads it here and hashes it in its worker, so reading
/// and hashing overlap (on one thread a 200 MiB file took the sum of both),
/// or, where no worker runs, with this wasm's [`hash_update`].
pub async fn hash_url(url: &str, progress: impl FnMut(u64) + 'static) -> Result<Hashed, ApiError> {
    let read_err = |e: wasm_bindgen::JsValue| ApiError::Read {
        url: url.to_owned(),
        message: format!("{e:?}"),
    };
    let Some(body) = body(url).await? else {
        return Ok(Hashed {
            sha256: Sha256Hasher::new().finish_hex(),
            size: 0,
        });
    };
    let size = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counted = size.clone();
    let mut progress = progress;
    let on_hashed = wasm_bindgen::closure::Closure::<dyn FnMut(f64)>::new(move |n: f64| {
        counted.set(counted.get() + n as u64);
        progress(n as u64);
    });
    let promise = vouch_hash_stream(&body, on_hashed.as_ref().unchecked_ref()).map_err(read_err)?;
    let digest = JsFuture::from(promise).await.map_err(read_err)?;
    Ok(Hashed {
        sha256: digest.as_string().unwrap_or_default(),
        size: size.get(),
    })
}

/// `url`'s body: fetched, or read from the picked folder.
async fn body(url: &str) -> Result<Option<web_sys::ReadableStream>, ApiError> {
    match folder_file(url) {
        Some(Some(f)) => Ok(Some(f.stream())),
        Some(None) => Err(ApiError::Status {
            url: url.to_owned(),
            status: 404,
        }),
        None => Ok(get(url).await?.body()),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The site's loader's (`boot-….js`) bundled read, offered only on a
    /// page served from a loopback address: `url`'s file (`size` bytes by the
    /// manifest) fetched with others in
    /// one request to `vouch serve`, hashed by WebCrypto, as `"<sha256>
    /// <size>"`; `null` when no bundle carries it.
    #[wasm_bindgen(catch, js_name = vouchHash)]
    fn vouch_hash(url: &str, size: u32) -> Result<js_sys::Promise, wasm_bindgen::JsValue>;

    /// The loader's WebCrypto SHA-256 of `data`, as hex; throws where the
    /// browser offers no WebCrypto (a page not served over HTTPS).
    #[wasm_bindgen(catch, js_name = vouchDigest)]
    fn vouch_digest(data: &js_sys::Object) -> Result<js_sys::Promise, wasm_bindgen::JsValue>;

    /// The loader's yield: a promise that resolves in a new task.
    #[wasm_bindgen(catch, js_name = vouchYield)]
    fn vouch_yield() -> Result<js_sys::Promise, wasm_bindgen::JsValue>;

    /// The loader's streamed hashing: the digest of `stream`, in its worker
    /// or, where none runs, with this wasm's [`hash_update`];
    /// `progress(bytes)` as it goes.
    #[wasm_bindgen(catch, js_name = vouchHashStream)]
    fn vouch_hash_stream(
        stream: &web_sys::ReadableStream,
        progress: &js_sys::Function,
    ) -> Result<js_sys::Promise, wasm_bindgen::JsValue>;
}

thread_local! {
    /// The hashing worker's one file at a time ([`hash_update`]).
    static STREAMED: std::cell::RefCell<Sha256Hasher> = std::cell::RefCell::new(Sha256Hasher::new());
}

/// In the loader's hashing worker (`hash-worker-….js`, which runs this
/// wasm too): the next part of the file it is hashing.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = hashUpdate)]
pub fn hash_update(data: &[u8]) {
    STREAMED.with_borrow_mut(|h| h.update(data));
}

/// The file's SHA-256, in hex; the worker is ready for the next.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = hashFinish)]
pub fn hash_finish() -> String {
    STREAMED.with_borrow_mut(|h| std::mem::replace(h, Sha256Hasher::new()).finish_hex())
}

/// Whether the page offers bundled reads ([`vouch_hash`]) now: the loader
/// withdraws them when its server answers none. Never to the independent
/// verifier, whose loader has none, nor for a picked folder's files.
pub fn bundles_offered() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"vouchHash".into()).unwrap_or(false)
}

/// `url`'s file (`size` bytes, as the manifest says) from a bundle,
/// hashed; `None` when none carries it.
async fn bundled(url: &str, size: u32) -> Option<Hashed> {
    let text = JsFuture::from(vouch_hash(url, size).ok()?)
        .await
        .ok()?
        .as_string()?;
    let (sha256, size) = text.split_once(' ')?;
    Some(Hashed {
        sha256: sha256.to_owned(),
        size: size.parse().ok()?,
    })
}
