//! `vouch serve`: what a static host would serve, byte for byte.

use crate::common::*;

#[test]
fn serves_every_artifact_and_correct_mime_types() {
    let (_tmp, input, b) = build_awkward();
    let server = serve(&b.site);
    let m = manifest(&b.site);
    for a in artifacts(&m) {
        let path = a["path"].as_str().expect("path");
        let r = get(&format!(
            "{}{}",
            server.url,
            a["url"].as_str().expect("url")
        ));
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            r.body,
            std::fs::read(input.join(path)).expect("read"),
            "{path}"
        );
        let page = get(&format!(
            "{}{}",
            server.url,
            a["page"].as_str().expect("page")
        ));
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.content_type.starts_with("text/html"),
            "{}",
            page.content_type
        );
    }
    let index = get(&server.url);
    assert_eq!(index.status, 200);
    assert!(index.content_type.starts_with("text/html"));
    for f in list_files(&b.site.join("assets")) {
        let r = get(&format!("{}assets/{f}", server.url));
        let want = if f.ends_with(".wasm") {
            "application/wasm"
        } else if f.ends_with(".js") {
            "javascript"
        } else if f.ends_with(".svg") {
            "image/svg+xml"
        } else {
            "text/css"
        };
        assert!(r.content_type.contains(want), "{f}: {}", r.content_type);
    }
    assert_eq!(get(&format!("{}nope.html", server.url)).status, 404);
    assert_eq!(
        get(&format!("{}..%2f..%2fetc/passwd", server.url)).status,
        404
    );
}

/// Raw HTTP/1.1 on one connection, so keep-alive is what is tested.
fn exchange(stream: &mut std::net::TcpStream, request: &str) -> (String, Vec<u8>) {
    use std::io::{BufRead, BufReader, Read, Write};
    stream.write_all(request.as_bytes()).expect("send");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("read");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    if !request.starts_with("HEAD") {
        reader.read_exact(&mut body).expect("body");
    } else {
        body.clear();
    }
    (head, body)
}

/// tiny_http dropped `Connection: close` and four slow clients stalled it.
/// Now: keep-alive, HEAD, byte ranges, and a stalled client holds up nobody.
#[test]
fn serve_keeps_connections_alive_and_is_not_stalled_by_slow_clients() {
    use std::io::Write;
    let b = build(&fixture("basic"));
    let server = serve(&b.site);
    let addr = server.addr();
    // Slow clients: connected, sending half a request, then nothing.
    let stalled: Vec<std::net::TcpStream> = (0..8)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).expect("connect");
            s.write_all(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")
                .expect("half");
            s
        })
        .collect();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let index = std::fs::read(b.site.join("index.html")).expect("index");
    for _ in 0..3 {
        let (head, body) = exchange(&mut s, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("connection: close"),
            "{head}"
        );
        assert_eq!(body, index);
    }
    let (head, body) = exchange(&mut s, "HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}", index.len()))
    );
    assert!(body.is_empty());
    let (head, body) = exchange(
        &mut s,
        "GET /index.html HTTP/1.1\r\nHost: x\r\nRange: bytes=5-14\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 206"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-range: bytes 5-14/{}", index.len())),
        "{head}"
    );
    assert_eq!(body, &index[5..15]);
    drop(stalled);
}

fn post_bundle(s: &mut std::net::TcpStream, body: &str) -> (String, Vec<u8>) {
    let len = body.len();
    let request =
        format!("POST /.vouch/bundle HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n{body}");
    exchange(s, &request)
}

/// `POST /.vouch/bundle`: the viewer's batched read. Each named file's
/// bytes, in order, as a GET of its URL would serve them; `-` for one it
/// does not carry (absent, outside the site, a folder's escape, too large);
/// nothing is read outside the site.
#[test]
fn serve_bundles_files_exactly_as_it_serves_them() {
    let (_tmp, _input, b) = build_awkward();
    let server = serve(&b.site);
    let addr = server.addr();
    let m = manifest(&b.site);
    let urls: Vec<String> = artifacts(&m)
        .iter()
        .map(|a| a["url"].as_str().expect("url").to_owned())
        .chain(["index.html", "search/", "assets/"].map(str::to_owned))
        .collect();
    // Outside the site, at a site path's parent, and a huge file.
    std::fs::write(b.site.parent().expect("parent").join("secret.txt"), "no").expect("secret");
    std::fs::write(b.site.join("big.bin"), vec![7u8; (4 << 20) + 1]).expect("big");
    let mut asked = urls.clone();
    asked.extend(
        [
            "nope.html",
            "../secret.txt",
            "%2e%2e/secret.txt",
            "big.bin",
            "",
        ]
        .map(str::to_owned),
    );
    let body = asked.join("\n");
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    let (head, bytes) = post_bundle(&mut s, &body);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/x-vouch-bundle"),
        "{head}"
    );
    let lengths: Vec<&str> = head
        .lines()
        .find_map(|l| l.strip_prefix("x-vouch-lengths: "))
        .expect("x-vouch-lengths")
        .trim()
        .split(',')
        .collect();
    assert_eq!(lengths.len(), asked.len());
    let mut at = 0;
    for (url, len) in urls.iter().zip(&lengths) {
        let want = get(&format!("{}{url}", server.url));
        if want.status == 404 {
            assert_eq!(*len, "-", "{url}");
            continue;
        }
        let want = want.body;
        let n: usize = len.parse().unwrap_or_else(|_| panic!("{url}: {len}"));
        assert_eq!(&bytes[at..at + n], want.as_slice(), "{url}");
        at += n;
    }
    assert_eq!(at, bytes.len(), "nothing else in the bundle");
    assert_eq!(&lengths[urls.len()..], ["-"; 5], "{head}");

    // A page of another site may not ask (a browser says where it came from).
    let (head, _) = exchange(
        &mut s,
        "POST /.vouch/bundle HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 10\r\n\r\nindex.html",
    );
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");

    // A GET is what it was; other methods and paths are refused.
    let (head, _) = exchange(&mut s, "GET /.vouch/bundle HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    let (head, _) = exchange(
        &mut s,
        "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
    let many = vec!["index.html"; 1025].join("\n");
    let (head, _) = post_bundle(&mut s, &many);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

/// `vouch check | head` panicked with exit 101 on the closed pipe.
#[cfg(unix)]
#[test]
fn check_into_a_closed_pipe_exits_quietly() {
    // Far more output than a pipe holds: 5,000 notes.
    let tmp = tempfile::tempdir().expect("tempdir");
    let report: String = (0..5000)
        .map(|i| format!("- `src/module_{i}/implementation_file_{i}.py`\n"))
        .collect();
    std::fs::write(tmp.path().join("PLAN.md"), format!("# Plan\n\n{report}")).expect("write");
    // As lines and as JSON, both written as they are made.
    for format in ["text", "json"] {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(
                "\"$0\" check --all --format \"$2\" \"$1\" | head -1 >/dev/null; \
                 echo \"${PIPESTATUS[0]}\"",
            )
            .arg(env!("CARGO_BIN_EXE_vouch"))
            .arg(tmp.path())
            .arg(format)
            .output()
            .expect("bash");
        let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            code == "1" || code == "0",
            "{format}: exit {code}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert!(!stderr.contains("standard output"), "{format}: {stderr}");
    }
}
