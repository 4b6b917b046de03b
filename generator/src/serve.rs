//! `vouch serve`: a small static file server on 127.0.0.1 for previewing a
//! site exactly as a static host would serve it.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, Result, anyhow};
use tiny_http::{Header, Method, Request, Response, Server};

const WORKERS: usize = 4;

/// What `vouch serve` serves: a site folder, or the independent verifier
/// from memory.
pub enum Serve {
    Site(PathBuf),
    /// The verifier, and the site it should check.
    Verifier {
        site: String,
    },
}

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
    let server = Server::http(("127.0.0.1", port))
        .map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .context("the server has no IP address")?;
    match &what {
        Serve::Site(site) => println!("Serving {} at http://{addr}/", site.display()),
        Serve::Verifier { site } => println!(
            "Independent verifier at http://{addr}/verify.html#site={}",
            percent_encoding::utf8_percent_encode(site, percent_encoding::NON_ALPHANUMERIC)
        ),
    }
    std::io::stdout().flush().ok();
    eprintln!("Press Ctrl-C to stop.");

    let server = Arc::new(server);
    let content = Arc::new(content);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let content = Arc::clone(&content);
            std::thread::spawn(move || {
                while let Ok(rq) = server.recv() {
                    handle(&content, rq);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

enum Content {
    Dir(PathBuf),
    Memory(std::collections::HashMap<String, Vec<u8>>),
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn handle(content: &Content, rq: Request) {
    if !matches!(rq.method(), Method::Get | Method::Head) {
        let _ = rq.respond(Response::from_string("method not allowed").with_status_code(405));
        return;
    }
    let found: Option<(Box<dyn std::io::Read + Send>, Option<usize>, PathBuf)> = match content {
        Content::Dir(root) => resolve(root, rq.url()).and_then(|p| {
            let f = std::fs::File::open(&p).ok()?;
            let len = f.metadata().ok().map(|m| m.len() as usize);
            Some((Box::new(f) as Box<dyn std::io::Read + Send>, len, p))
        }),
        Content::Memory(files) => {
            let path = rq.url().split(['?', '#']).next().unwrap_or("");
            let path = path.trim_start_matches('/');
            let path = if path.is_empty() { "verify.html" } else { path };
            files.get(path).map(|b| {
                (
                    Box::new(std::io::Cursor::new(b.clone())) as Box<dyn std::io::Read + Send>,
                    Some(b.len()),
                    PathBuf::from(path),
                )
            })
        }
    };
    let Some((body, len, path)) = found else {
        let mut resp = Response::from_string("404 not found\n").with_status_code(404);
        if let Some(h) = header("Content-Type", "text/plain; charset=utf-8") {
            resp.add_header(h);
        }
        let _ = rq.respond(resp);
        return;
    };
    let mut resp = Response::new(200.into(), Vec::new(), body, len, None);
    for h in [
        header("Content-Type", &content_type(&path)),
        header("Cache-Control", "no-cache"),
        header("X-Content-Type-Options", "nosniff"),
        // A static, public site: any origin may read it, as GitHub Pages
        // allows, so an independent verifier elsewhere can check it.
        header("Access-Control-Allow-Origin", "*"),
        // tiny_http sometimes leaves a reused keep-alive connection without
        // an answer; one request per connection is fine for a preview.
        header("Connection", "close"),
    ]
    .into_iter()
    .flatten()
    {
        resp.add_header(h);
    }
    let _ = rq.respond(resp);
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
