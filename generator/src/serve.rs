//! `vouch serve`: a static file server on 127.0.0.1 for previewing a site
//! exactly as a static host would serve it (or the independent verifier,
//! from memory).
//!
//! hyper on tokio: keep-alive, one task per connection (a slow or stalled
//! client never holds up another), `HEAD`, single byte ranges (`Range:
//! bytes=a-b`), content types, and files streamed in chunks.

use std::{
    collections::HashMap,
    convert::Infallible,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::{
    Method, Request, Response, StatusCode,
    body::{Frame, Incoming},
    header::{self, HeaderValue},
    service::service_fn,
};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// What `vouch serve` serves: a site folder, or the independent verifier
/// from memory.
pub enum Serve {
    Site(PathBuf),
    /// The verifier, and the site it should check.
    Verifier {
        site: String,
    },
}

enum Content {
    Dir(PathBuf),
    Memory(HashMap<String, Vec<u8>>),
}

type Body = BoxBody<Bytes, std::io::Error>;

/// Bytes a file is streamed in.
const CHUNK: usize = 256 * 1024;

pub fn run(what: Serve, port: u16) -> Result<()> {
    let content = match &what {
        Serve::Site(site) => Content::Dir(std::fs::canonicalize(site).with_context(|| {
            format!(
                "site folder {} not found; build one first with `vouch build`",
                site.display()
            )
        })?),
        Serve::Verifier { .. } => Content::Memory(crate::verifier::files()?.into_iter().collect()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let addr = listener.local_addr().context("the server has no address")?;
        match &what {
            Serve::Site(site) => println!("Serving {} at http://{addr}/", site.display()),
            Serve::Verifier { site } => println!(
                "Independent verifier at http://{addr}/verify.html#site={}",
                percent_encoding::utf8_percent_encode(site, percent_encoding::NON_ALPHANUMERIC)
            ),
        }
        std::io::stdout().flush().ok();
        eprintln!("Press Ctrl-C to stop.");
        let content = Arc::new(content);
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => continue,
            };
            // Headers and body go out in separate writes: with Nagle's
            // algorithm on, each response waited for the client's delayed
            // ACK (about 40 ms), capping a keep-alive connection at ~25
            // requests a second.
            let _ = stream.set_nodelay(true);
            let content = Arc::clone(&content);
            tokio::spawn(async move {
                let service = service_fn(move |rq| {
                    let content = Arc::clone(&content);
                    async move { Ok::<_, Infallible>(handle(&content, rq).await) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

fn full(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from_static(text.as_bytes()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// `Range: bytes=a-b` (one range) against a body of `len` bytes:
/// `Some(Ok((start, end_inclusive)))`, `Some(Err(()))` when unsatisfiable,
/// `None` when absent or not a single byte range.
fn range(value: Option<&HeaderValue>, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value?.to_str().ok()?.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (len.saturating_sub(n), len.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, len.checked_sub(1)?),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.min(len.checked_sub(1)?),
        ),
    };
    Some(if start > end || start >= len {
        Err(())
    } else {
        Ok((start, end))
    })
}

async fn handle(content: &Content, rq: Request<Incoming>) -> Response<Body> {
    if let (Content::Dir(root), &Method::POST) = (content, rq.method())
        && rq.uri().path() == BUNDLE_PATH
    {
        return bundle(root, rq).await;
    }
    let head = rq.method() == Method::HEAD;
    if !head && rq.method() != Method::GET {
        return full(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    let target = rq.uri().path().to_owned();
    // Where the bytes come from: a file (streamed) or memory.
    enum Source {
        File(tokio::fs::File),
        Bytes(Bytes),
    }
    let found = match content {
        Content::Dir(root) => match resolve(root, &target) {
            Some(p) => match tokio::fs::File::open(&p).await {
                Ok(f) => {
                    let len = f.metadata().await.map(|m| m.len()).unwrap_or(0);
                    Some((Source::File(f), len, p))
                }
                Err(_) => None,
            },
            None => None,
        },
        Content::Memory(files) => {
            let path = target.trim_start_matches('/');
            let path = if path.is_empty() { "verify.html" } else { path };
            files.get(path).map(|b| {
                (
                    Source::Bytes(Bytes::from(b.clone())),
                    b.len() as u64,
                    PathBuf::from(path),
                )
            })
        }
    };
    let Some((source, len, path)) = found else {
        return full(StatusCode::NOT_FOUND, "404 not found\n");
    };
    let (status, start, end) = match range(rq.headers().get(header::RANGE), len) {
        Some(Ok((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b + 1),
        Some(Err(())) => {
            let mut r = full(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable\n");
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
        None => (StatusCode::OK, 0, len),
    };
    let body: Body = if head {
        Full::new(Bytes::new())
            .map_err(|never| match never {})
            .boxed()
    } else {
        match source {
            Source::Bytes(b) => Full::new(b.slice(start as usize..end as usize))
                .map_err(|never| match never {})
                .boxed(),
            Source::File(mut f) => {
                if start > 0 && f.seek(std::io::SeekFrom::Start(start)).await.is_err() {
                    return full(StatusCode::INTERNAL_SERVER_ERROR, "cannot read\n");
                }
                let remaining = end - start;
                let stream =
                    futures_util::stream::unfold((f, remaining), |(mut f, remaining)| async move {
                        if remaining == 0 {
                            return None;
                        }
                        let mut buf = vec![0u8; CHUNK.min(remaining as usize)];
                        match f.read(&mut buf).await {
                            Ok(0) => None,
                            Ok(n) => {
                                buf.truncate(n);
                                Some((Ok(Frame::data(Bytes::from(buf))), (f, remaining - n as u64)))
                            }
                            Err(e) => Some((Err(e), (f, 0))),
                        }
                    });
                BodyExt::boxed(StreamBody::new(stream))
            }
        }
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type(&path)),
        (header::CONTENT_LENGTH, (end - start).to_string()),
        (header::CACHE_CONTROL, "no-cache".into()),
        (header::ACCEPT_RANGES, "bytes".into()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        // A static, public site: any origin may read it, as GitHub Pages
        // allows, so an independent verifier elsewhere can check it.
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".into()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    r
}

/// Where the on-site viewer asks for many files in one request. One request
/// per file bounds a browser at about a millisecond each (Chromium's cost,
/// on 2 cores), so a site of 2,000 files took 2 s to check however fast the
/// server. The viewer asks only when it is served from this machine.
const BUNDLE_PATH: &str = "/.vouch/bundle";
/// How many files one bundle names at most, how large a request may be,
/// and how large a file (and a whole bundle) it carries; a file over the
/// limit is marked `-` and the viewer fetches it alone, streamed.
const BUNDLE_FILES: usize = 1024;
const BUNDLE_REQUEST: usize = 256 << 10;
const BUNDLE_FILE: u64 = 4 << 20;
const BUNDLE_BYTES: usize = 32 << 20;

/// At most this many bundles are read at once; others wait their turn.
static BUNDLES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// `POST /.vouch/bundle`, a body of site-relative URLs separated by `\n`:
/// their files' bytes one after another (`application/x-vouch-bundle`),
/// each file's length in `X-Vouch-Lengths` (comma-separated, `-` for a file
/// not carried: absent, outside the site, too large, or an empty line).
/// Each URL resolves exactly as a GET of it would, so a bundle carries the
/// bytes served at the URLs. Only the site's own pages may ask: a request
/// a browser marks as from another site is refused.
async fn bundle(root: &Path, rq: Request<Incoming>) -> Response<Body> {
    let from = rq.headers().get("sec-fetch-site");
    if from.is_some_and(|v| v != "same-origin") {
        return full(
            StatusCode::FORBIDDEN,
            "bundles are for this site's own pages\n",
        );
    }
    let Ok(body) = http_body_util::Limited::new(rq.into_body(), BUNDLE_REQUEST)
        .collect()
        .await
    else {
        return full(StatusCode::PAYLOAD_TOO_LARGE, "bundle request too large\n");
    };
    let Ok(text) = String::from_utf8(body.to_bytes().to_vec()) else {
        return full(StatusCode::BAD_REQUEST, "bundle request is not UTF-8\n");
    };
    if text.split('\n').count() > BUNDLE_FILES {
        return full(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too many files in one bundle\n",
        );
    }
    let Ok(_turn) = BUNDLES.acquire().await else {
        return full(StatusCode::SERVICE_UNAVAILABLE, "not serving bundles\n");
    };
    // Opening, resolving and reading block: off the runtime's threads.
    let root = root.to_owned();
    let Ok((out, lengths)) = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let lengths: Vec<String> = text
            .split('\n')
            .map(|url| {
                carry(&root, url, &mut out).map_or_else(|| "-".to_owned(), |n| n.to_string())
            })
            .collect();
        (out, lengths)
    })
    .await
    else {
        return full(StatusCode::INTERNAL_SERVER_ERROR, "cannot read\n");
    };
    let len = out.len();
    let mut r = Response::new(
        Full::new(Bytes::from(out))
            .map_err(|never| match never {})
            .boxed(),
    );
    let h = r.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_TYPE,
            "application/x-vouch-bundle".to_owned(),
        ),
        (header::CONTENT_LENGTH, len.to_string()),
        (header::CACHE_CONTROL, "no-store".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (
            header::HeaderName::from_static("x-vouch-lengths"),
            lengths.join(","),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    r
}

/// Appends the file at `url` to `out` and returns its length, or `None`
/// (nothing appended) when the bundle does not carry it.
fn carry(root: &Path, url: &str, out: &mut Vec<u8>) -> Option<usize> {
    use std::io::Read;
    if url.is_empty() {
        return None;
    }
    let mut file = std::fs::File::open(resolve(root, &format!("/{url}"))?).ok()?;
    let len = file.metadata().ok()?.len();
    if len > BUNDLE_FILE || out.len() as u64 + len > BUNDLE_BYTES as u64 {
        return None;
    }
    let start = out.len();
    let read = (&mut file).take(BUNDLE_FILE + 1).read_to_end(out);
    // Grown since its size was read: not carried either.
    if read.is_err() || (out.len() - start) as u64 > BUNDLE_FILE || out.len() > BUNDLE_BYTES {
        out.truncate(start);
        return None;
    }
    Some(out.len() - start)
}

/// Maps a request target to a file inside `root`, or `None`.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let mut out = root.to_path_buf();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains(['\\', '\0']) => return None,
            s => out.push(s),
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    let real = std::fs::canonicalize(&out).ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

fn content_type(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "SHA256SUMS") {
        return "text/plain; charset=utf-8".into();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    match mime.type_() {
        mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
        _ if mime.subtype() == "javascript" || mime.subtype() == "json" => {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types() {
        assert_eq!(
            content_type(Path::new("a/viewer-1.wasm")),
            "application/wasm"
        );
        assert!(content_type(Path::new("x.js")).contains("javascript"));
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("objects/ab12")),
            "application/octet-stream"
        );
        assert_eq!(
            content_type(Path::new("SHA256SUMS")),
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn byte_ranges() {
        let v = |s: &str| HeaderValue::from_str(s).ok();
        assert_eq!(range(v("bytes=0-9").as_ref(), 100), Some(Ok((0, 9))));
        assert_eq!(range(v("bytes=90-").as_ref(), 100), Some(Ok((90, 99))));
        assert_eq!(range(v("bytes=-10").as_ref(), 100), Some(Ok((90, 99))));
        assert_eq!(range(v("bytes=50-500").as_ref(), 100), Some(Ok((50, 99))));
        assert_eq!(range(v("bytes=100-").as_ref(), 100), Some(Err(())));
        assert_eq!(range(v("bytes=0-1,5-6").as_ref(), 100), None);
        assert_eq!(range(None, 100), None);
    }

    #[test]
    fn resolve_stays_inside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = std::fs::canonicalize(dir.path()).expect("canon");
        std::fs::write(root.join("index.html"), "x").expect("write");
        std::fs::write(root.join("a b.txt"), "x").expect("write");
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/a%20b.txt?x=1"), Some(root.join("a b.txt")));
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(&root, "/nope"), None);
    }
}
