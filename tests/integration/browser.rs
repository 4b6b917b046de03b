//! End to end in real headless Chromium, driven over WebDriver.
//!
//! Needs `chromium` and `chromedriver` (Debian: chromium, chromium-driver).
//! Set `VOUCH_CHROMIUM` / `VOUCH_CHROMEDRIVER` to use other binaries.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tempfile::TempDir;

use crate::common::*;

const TIMEOUT: Duration = Duration::from_secs(60);

struct Browser {
    client: Client,
    driver: Child,
    _profile: TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Killing chromedriver leaves the Chromium it started running when
        // the session was not closed (a test that failed, or ended without
        // `close`): end every process of this profile.
        kill_profile(self._profile.path());
    }
}

/// Kills the processes started with `--user-data-dir=<profile>` (Linux).
fn kill_profile(profile: &std::path::Path) {
    let arg = format!("--user-data-dir={}", profile.display());
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for p in procs.flatten() {
        let is_pid = p
            .file_name()
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        let ours = is_pid
            && std::fs::read(p.path().join("cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).any(|a| a == arg.as_bytes()));
        if ours {
            let _ = Command::new("kill")
                .arg("-9")
                .arg(p.file_name())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn launch() -> Browser {
    launch_with(&[], false).await
}

/// `site` behind `vouch serve`, and a browser at `page` of it (`""`: the
/// index). Both are the caller's to hold: dropped, the browser quits and
/// the server stops.
async fn open_site(site: &std::path::Path, page: &str) -> (Server, Browser) {
    let server = serve(site);
    let browser = launch().await;
    browser
        .client
        .goto(&format!("{}{page}", server.url))
        .await
        .unwrap_or_else(|e| panic!("open {page:?}: {e}"));
    (server, browser)
}

/// [`launch`] with more Chromium flags (`--force-dark-mode`), and as a
/// phone (390 × 844, touch) when `phone`.
async fn launch_with(extra: &[&str], phone: bool) -> Browser {
    let chromium = std::env::var("VOUCH_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let chromedriver =
        std::env::var("VOUCH_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {chromedriver}: {e}. Install Debian's chromium and chromium-driver (.ci/run does).")
        });
    let profile = tempfile::tempdir().expect("profile dir");
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        if phone {
            serde_json::json!({ "binary": chromium, "args": args, "mobileEmulation": {
                "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
            } })
        } else {
            serde_json::json!({ "binary": chromium, "args": args })
        },
    );
    caps.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({ "browser": "ALL" }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let client = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a Chromium session via {chromedriver}: {e}"),
        }
    };
    Browser {
        client,
        driver,
        _profile: profile,
    }
}

/// Chromium's console log since the last call (chromedriver's `se/log`).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

async fn console_messages(c: &Client) -> Vec<String> {
    let log = c.issue_cmd(BrowserLog).await.expect("read the browser log");
    log.as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["message"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The value of `attr` on the first element matching `css`, if any.
async fn attr(c: &Client, css: &str, attr: &str) -> Option<String> {
    let el = c.find(Locator::Css(css)).await.ok()?;
    el.attr(attr).await.ok().flatten()
}

/// Waits until `#verification-summary` has a final status, and returns it.
async fn final_status(c: &Client) -> String {
    let started = Instant::now();
    loop {
        if let Some(s) = attr(c, "#verification-summary", "data-status").await
            && s != "running"
        {
            return s;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "verification did not finish in {TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn statuses(c: &Client) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for el in c
        .find_all(Locator::Css("[data-artifact]"))
        .await
        .expect("rows")
    {
        let path = el
            .attr("data-artifact")
            .await
            .expect("attr")
            .unwrap_or_default();
        let status = el
            .attr("data-status")
            .await
            .expect("attr")
            .unwrap_or_default();
        out.push((path, status));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn viewer_verifies_then_flags_exactly_the_tampered_artifact() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    awkward_evidence(&input);
    let b = build(&input);
    let m = manifest(&b.site);
    let n = artifacts(&m).len();
    let server = serve(&b.site);
    let browser = launch().await;
    let c = &browser.client;

    // 1. Intact: every artifact verified, in the browser.
    c.goto(&server.url).await.expect("open index");
    assert_eq!(final_status(c).await, "verified");
    assert_eq!(
        shown_snapshot_id(c).await,
        sha256sum(&b.site.join("manifest.json"))
    );
    // Every file the manifest lists is counted: the artifacts and the
    // generated files (pages, viewer, audit trail, history).
    let generated = m["generated"].as_array().expect("generated").len();
    assert_eq!(
        attr(c, "#verification-summary", "data-verified")
            .await
            .as_deref(),
        Some((n + generated).to_string().as_str())
    );
    assert_eq!(
        attr(c, "#verification-summary", "data-artifacts")
            .await
            .as_deref(),
        Some(n.to_string().as_str())
    );
    // The generated files' list is paged: the first page's rows are all
    // verified, and the pager counts them all.
    assert_eq!(
        c.find_all(Locator::Css("[data-generated][data-status=verified]"))
            .await
            .expect("generated rows")
            .len(),
        generated.min(100)
    );
    if generated > 100 {
        assert_eq!(
            attr(c, r#"[data-pager="generated"] [data-range]"#, "data-total")
                .await
                .as_deref(),
            Some(generated.to_string().as_str())
        );
    }
    assert_eq!(
        attr(c, "#verification-summary", "data-failed")
            .await
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        attr(c, "#verification-summary", "data-missing")
            .await
            .as_deref(),
        Some("0")
    );
    let rows = statuses(c).await;
    assert_eq!(rows.len(), n, "one [data-artifact] element per artifact");
    let listed: Vec<&str> = artifacts(&m)
        .iter()
        .filter_map(|a| a["path"].as_str())
        .collect();
    for (path, status) in &rows {
        assert!(
            listed.contains(&path.as_str()),
            "unknown data-artifact {path}"
        );
        assert_eq!(status, "verified", "{path}");
    }
    let title = c.title().await.expect("title");
    assert!(!title.contains("pwned"), "evidence script ran: {title}");
    // Behind `vouch serve` the files came in bundles, not one request each.
    let (bundles, alone) = requests(c).await;
    assert!(bundles >= 1, "no bundle was asked for");
    assert_eq!(alone, 0, "artifacts fetched one by one behind vouch serve");

    // 2. Flip one byte of one artifact: exactly it shows mismatch.
    let victim = artifacts(&m)
        .iter()
        .find(|a| a["path"] == "reports/PHASE0.md")
        .expect("victim");
    let victim_path = victim["path"].as_str().expect("path");
    flip_byte(&b.site.join(victim["url"].as_str().expect("url")), 10);
    c.refresh().await.expect("reload");
    assert_eq!(final_status(c).await, "failed");
    assert_eq!(
        attr(c, "#verification-summary", "data-failed")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        attr(c, "#verification-summary", "data-missing")
            .await
            .as_deref(),
        Some("0")
    );
    for (path, status) in statuses(c).await {
        let want = if path == victim_path {
            "mismatch"
        } else {
            "verified"
        };
        assert_eq!(status, want, "{path}");
    }

    // 3. A deleted artifact shows as missing.
    let gone = artifacts(&m)
        .iter()
        .find(|a| a["path"] == "logs/ci.log")
        .expect("log");
    std::fs::remove_file(b.site.join(gone["url"].as_str().expect("url"))).expect("rm");
    c.refresh().await.expect("reload");
    assert_eq!(final_status(c).await, "failed");
    assert_eq!(
        attr(c, "#verification-summary", "data-missing")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        attr(c, r#"[data-artifact="logs/ci.log"]"#, "data-status")
            .await
            .as_deref(),
        Some("missing")
    );

    // 4. An artifact's own page verifies that artifact.
    let page = format!("{}{}", server.url, victim["page"].as_str().expect("page"));
    c.goto(&page).await.expect("open page");
    assert_eq!(final_status(c).await, "failed");
    let rows = statuses(c).await;
    assert_eq!(rows, vec![(victim_path.to_owned(), "mismatch".to_owned())]);
    let other = artifacts(&m)
        .iter()
        .find(|a| a["path"] == "README.md")
        .expect("readme");
    c.goto(&format!(
        "{}{}",
        server.url,
        other["page"].as_str().expect("page")
    ))
    .await
    .expect("open page");
    assert_eq!(final_status(c).await, "verified");

    // 5. Works under a subpath, as on GitHub Pages (owner.github.io/repo/).
    let nest = tempfile::tempdir().expect("tempdir");
    let fresh = build(&fixture("basic"));
    copy_dir(&fresh.site, &nest.path().join("repo"));
    let nested = serve(nest.path());
    c.goto(&format!("{}repo/", nested.url))
        .await
        .expect("open subpath");
    assert_eq!(final_status(c).await, "verified");

    browser.client.clone().close().await.expect("close");
}

/// How many bundles the page asked for, and how many objects it fetched
/// one by one.
async fn requests(c: &Client) -> (u64, u64) {
    let r = c
        .execute(
            "const n = performance.getEntriesByType('resource').map(e => e.name);
             return [n.filter(u => u.endsWith('/.vouch/bundle')).length,
                     n.filter(u => u.includes('/objects/')).length];",
            vec![],
        )
        .await
        .expect("resource timing");
    (
        r[0].as_u64().expect("bundles"),
        r[1].as_u64().expect("objects"),
    )
}

/// A static server that is not `vouch serve`: GET and HEAD of files under
/// `root`, and 405 for anything else (a bundle), one request per
/// connection.
fn plain_server(root: &Path) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let root = root.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let mut head = String::new();
                while reader.read_line(&mut head).is_ok_and(|n| n > 2) {
                    head.clear();
                }
                let mut parts = line.split_whitespace();
                let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
                let path = target
                    .split('?')
                    .next()
                    .unwrap_or("/")
                    .trim_start_matches('/');
                let path = if path.is_empty() || path.ends_with('/') {
                    format!("{path}index.html")
                } else {
                    path.to_owned()
                };
                let file = (!path.contains(".."))
                    .then(|| std::fs::read(root.join(&path)).ok())
                    .flatten();
                let (status, body) = match (method, file) {
                    ("GET" | "HEAD", Some(b)) => ("200 OK", b),
                    ("GET" | "HEAD", None) => ("404 Not Found", Vec::new()),
                    _ => ("405 Method Not Allowed", Vec::new()),
                };
                let kind = if path.ends_with(".html") {
                    "text/html"
                } else if path.ends_with(".js") {
                    "text/javascript"
                } else if path.ends_with(".wasm") {
                    "application/wasm"
                } else if path.ends_with(".css") {
                    "text/css"
                } else {
                    "application/octet-stream"
                };
                let mut out = &stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                if method != "HEAD" {
                    let _ = out.write_all(&body);
                }
            });
        }
    });
    url
}

/// Behind a server that offers no bundles (any host but `vouch serve`),
/// the viewer fetches every file alone and judges exactly as before.
#[tokio::test(flavor = "multi_thread")]
async fn without_bundles_every_file_is_fetched_alone() {
    let b = build(&fixture("basic"));
    let m = manifest(&b.site);
    let n = artifacts(&m).len() as u64;
    let url = plain_server(&b.site);
    let browser = launch().await;
    let c = &browser.client;
    c.goto(&url).await.expect("open index");
    assert_eq!(final_status(c).await, "verified");
    let (bundles, alone) = requests(c).await;
    assert!(bundles >= 1, "a bundle is tried on this machine");
    assert_eq!(alone, n, "then every artifact alone");
    let victim = artifacts(&m)
        .iter()
        .find(|a| a["path"] == "reports/PHASE0.md")
        .expect("victim");
    // A report's page: its claims share the page's own check, so the page
    // is fetched to be hashed once, not once more for them.
    let page = format!("{url}{}", victim["page"].as_str().expect("page"));
    c.goto(&page).await.expect("open report");
    assert_ne!(
        settled(c, "#claim-evidence", "data-status", &["checking"]).await,
        "tampered"
    );
    assert_eq!(fetched(c, &page).await, 1, "{page}");
    c.goto(&url).await.expect("open index");
    flip_byte(&b.site.join(victim["url"].as_str().expect("url")), 10);
    c.refresh().await.expect("reload");
    assert_eq!(final_status(c).await, "failed");
    assert_eq!(
        attr(c, r#"[data-artifact="reports/PHASE0.md"]"#, "data-status")
            .await
            .as_deref(),
        Some("mismatch")
    );
    browser.client.clone().close().await.expect("close");
}

/// A large artifact is hashed in slices: while it runs, the page answers
/// WebDriver (which needs the main thread) and shows partial progress.
#[tokio::test(flavor = "multi_thread")]
async fn large_artifact_hashes_in_chunks_without_freezing_the_page() {
    const SIZE: usize = 256 << 20;
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    let block: Vec<u8> = (0..(1 << 20))
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut big = Vec::with_capacity(SIZE);
    while big.len() < SIZE {
        big.extend_from_slice(&block);
    }
    std::fs::write(input.join("huge.log"), &big).expect("write");
    drop(big);
    std::fs::write(input.join("small.md"), "# small\n").expect("write");
    let b = build(&input);
    let (server, browser) = open_site(&b.site, "").await;
    let c = &browser.client;
    let mut partial = Vec::new();
    let started = Instant::now();
    loop {
        let status = attr(c, r#"[data-artifact="huge.log"]"#, "data-status").await;
        if status.as_deref() == Some("hashing")
            && let Some(v) = attr(c, "#verification-summary progress", "value").await
        {
            let v: u64 = v.parse().unwrap_or(0);
            if v > 0 && v < SIZE as u64 {
                partial.push(v);
            }
        }
        if matches!(status.as_deref(), Some("verified" | "mismatch" | "missing")) {
            break;
        }
        assert!(started.elapsed() < TIMEOUT, "hashing did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(final_status(c).await, "verified");
    assert!(
        !partial.is_empty(),
        "never saw partial progress while the 256 MiB artifact was hashed"
    );
    // It was hashed in the loader's worker, off the page's thread.
    let worker = c
        .execute("return globalThis.vouchHashWorker || null", vec![])
        .await
        .expect("execute");
    assert_eq!(worker.as_str(), Some("ready"));

    // One byte changed, far into the file: the worker's digest differs.
    let m = manifest(&b.site);
    let object = artifact_entry(&m, "huge.log")["url"]
        .as_str()
        .expect("url")
        .to_owned();
    flip_byte(&b.site.join(&object), 200 << 20);
    // The site's own viewer, then the independent verifier, which has no
    // worker: the page's own wasm hashes it, with the same verdict.
    let (verifier, verify_url) = serve_verifier(&server.url);
    let _verifier = Killed(verifier);
    for url in [&server.url, &verify_url] {
        c.goto(url).await.expect("open");
        assert_eq!(final_status(c).await, "failed", "{url}");
        assert_eq!(
            attr(c, r#"[data-artifact="huge.log"]"#, "data-status")
                .await
                .as_deref(),
            Some("mismatch"),
            "{url}"
        );
    }

    // A page that will stream a file (data-vouch-stream) starts the worker
    // as soon as the viewer is up, before any bytes come: here none ever
    // do (the object is gone), yet the worker is started and ready.
    std::fs::remove_file(b.site.join(&object)).expect("remove the object");
    c.goto(&server.url).await.expect("open");
    assert_eq!(final_status(c).await, "failed");
    let started = Instant::now();
    loop {
        let worker = c
            .execute("return globalThis.vouchHashWorker || null", vec![])
            .await
            .expect("execute");
        if worker.as_str() == Some("ready") {
            break;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "the marked page never started its worker ({worker})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A page that streams nothing starts none.
    c.goto(&format!(
        "{}{}",
        server.url,
        artifact_entry(&m, "small.md")["page"]
            .as_str()
            .expect("page")
    ))
    .await
    .expect("open small.md");
    assert_eq!(final_status(c).await, "verified");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let worker = c
        .execute("return globalThis.vouchHashWorker || null", vec![])
        .await
        .expect("execute");
    assert!(
        worker.is_null(),
        "small.md's page started a worker: {worker}"
    );
    browser.client.clone().close().await.expect("close");
}

/// Every page of a site built from hostile evidence: no evidence-borne script
/// runs (the title and a canary global are untouched), the viewer still
/// verifies everything, and the site's own code causes no CSP violation.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_evidence_never_runs_and_pages_obey_the_csp() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    hostile_evidence(&input);
    let b = build(&input);
    let m = manifest(&b.site);
    let server = serve(&b.site);
    let browser = launch().await;
    let c = &browser.client;

    let mut pages = vec![(
        String::from("index.html"),
        String::from("Evidence · Release evidence"),
    )];
    for a in artifacts(&m) {
        let title = a["title"].as_str().expect("title");
        pages.push((
            a["page"].as_str().expect("page").to_owned(),
            format!("{title} · Release evidence"),
        ));
    }
    for (page, title) in &pages {
        c.goto(&format!("{}{page}", server.url))
            .await
            .expect("open");
        assert_eq!(final_status(c).await, "verified", "{page}");
        let pwned = c
            .execute("return typeof window.pwned", vec![])
            .await
            .expect("execute");
        assert_eq!(
            pwned,
            serde_json::json!("undefined"),
            "{page}: evidence script ran"
        );
        assert_eq!(
            &c.title().await.expect("title"),
            title,
            "{page}: title changed"
        );
    }
    let messages = console_messages(c).await;
    let violations: Vec<_> = messages
        .iter()
        .filter(|m| m.contains("Content Security Policy") || m.contains("Refused to"))
        .collect();
    assert!(violations.is_empty(), "CSP violations: {violations:#?}");
    assert!(
        !messages.iter().any(|m| m.contains("vouch viewer failed")),
        "{messages:#?}"
    );
    browser.client.clone().close().await.expect("close");
}

/// Waits until `attr` on `css` is something other than `pending`, and
/// returns it.
/// The settled verdict of a generated file's row (`[data-generated]`).
async fn generated_status(c: &Client, path: &str) -> String {
    settled(
        c,
        &format!(r#"[data-generated="{path}"]"#),
        "data-status",
        &["pending", "hashing"],
    )
    .await
}

async fn settled(c: &Client, css: &str, attr_name: &str, pending: &[&str]) -> String {
    let started = Instant::now();
    loop {
        let v = attr(c, css, attr_name).await;
        if let Some(v) = &v
            && !pending.contains(&v.as_str())
        {
            return v.clone();
        }
        if started.elapsed() > TIMEOUT {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let log = console_messages(c).await;
            let resources = c
                .execute(
                    "return performance.getEntriesByType('resource').map(e => e.name.split('/').pop() + ' ' + Math.round(e.duration) + 'ms ' + e.responseStatus)",
                    vec![],
                )
                .await
                .unwrap_or_default();
            panic!(
                "{css}[{attr_name}] did not settle on {url} (last {v:?}); console: {log:#?}; fetched: {resources:#}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The snapshot id the viewer shows: it computes it from the manifest's
/// bytes, and it must be their SHA-256 (`sha256sum`), as `vouch verify`
/// and `history.json` have it.
async fn shown_snapshot_id(c: &Client) -> String {
    c.find(Locator::Css("#snapshot-id"))
        .await
        .expect("#snapshot-id")
        .text()
        .await
        .expect("text")
}

async fn signature_status(c: &Client) -> String {
    settled(c, "#signature-status", "data-status", &["checking"]).await
}

/// `#chain-status` once the chain is checked.
async fn chain_status(c: &Client) -> String {
    settled(c, "#chain-status", "data-status", &["checking"]).await
}

/// Signed snapshots in the browser: `#signature-status` under a pinned key,
/// the chain, the history, the diff, time travel, and tampering.
#[tokio::test(flavor = "multi_thread")]
async fn signatures_history_diff_and_time_travel_in_the_browser() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    let keys = tmp.path().join("keys");
    let other = tmp.path().join("other");
    for dir in [&keys, &other] {
        keygen(dir);
    }
    let site = tmp.path().join("site");
    for n in 0..3u32 {
        std::fs::write(input.join("logs/ci.log"), format!("run {n}\n")).expect("write");
        if n == 2 {
            std::fs::write(input.join("reports/PHASE2.md"), "# Phase 2\n").expect("write");
        }
        let key = keys.join("vouch.key");
        build_snapshot(&input, &site, n, &["--sign", key.to_str().expect("utf8")]);
    }
    let key_line = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join("vouch.pub"))
            .expect("pub")
            .lines()
            .nth(1)
            .expect("key")
            .to_owned()
    };
    let (key, other_key) = (key_line(&keys), key_line(&other));
    let key_id = vouch_core::signature::public_key_id(&key).expect("id");
    let server = serve(&site);
    let browser = launch().await;
    let c = &browser.client;

    // No pinned key: signed, but by nobody the reader trusts yet.
    c.goto(&server.url).await.expect("open");
    assert_eq!(signature_status(c).await, "untrusted-key");
    assert_eq!(
        attr(c, "#signature-status", "data-key-id").await.as_deref(),
        Some(key_id.as_str())
    );

    // Pinned from the URL: valid, and remembered for the site.
    c.goto(&format!("{}index.html#pubkey={key}", server.url))
        .await
        .expect("open");
    assert_eq!(signature_status(c).await, "valid");
    c.goto(&format!("{}index.html", server.url))
        .await
        .expect("open");
    c.refresh().await.expect("reload");
    assert_eq!(
        signature_status(c).await,
        "valid",
        "the pinned key is remembered"
    );

    // The chain and the history: three snapshots, each signature valid.
    assert_eq!(chain_status(c).await, "intact");
    let rows = c
        .find_all(Locator::Css("#snapshot-history [data-snapshot]"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    // Earlier snapshots' signatures are checked on the manifests the chain
    // check read: none is fetched again for it.
    let mut ids = Vec::new();
    for r in rows {
        let id = r.attr("data-snapshot").await.expect("attr").expect("id");
        let row = format!(r#"#snapshot-history [data-snapshot="{id}"]"#);
        assert_eq!(
            settled(c, &row, "data-signature", &["checking"]).await,
            "valid"
        );
        ids.push(id);
    }
    let history = history_json(&site);
    let (previous, oldest) = (
        history["snapshots"][0]["manifest"]
            .as_str()
            .expect("m")
            .to_owned(),
        history["snapshots"][1]["manifest"]
            .as_str()
            .expect("m")
            .to_owned(),
    );
    assert_eq!(fetched(c, &oldest).await, 1, "{oldest}: read once");
    // The previous one is also the diff's default `from`, opened whole.
    assert!(fetched(c, &previous).await <= 2, "{previous}");
    assert_eq!(fetched(c, "manifest.json.minisig").await, 1);

    // The diff between the last two snapshots.
    let changes = diff_changes(c, 2).await;
    let mut seen = Vec::new();
    for ch in changes {
        seen.push((
            ch.attr("data-change").await.expect("a").unwrap_or_default(),
            ch.attr("data-path").await.expect("a").unwrap_or_default(),
        ));
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("added".into(), "reports/PHASE2.md".into()),
            ("changed".into(), "logs/ci.log".into())
        ]
    );
    // From the oldest snapshot instead.
    let oldest = history["snapshots"][1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    choose(c, "#diff-from", &oldest).await;
    assert_eq!(
        diff_changes(c, 2).await.len(),
        2,
        "ci.log changed and PHASE2.md added since the oldest too"
    );

    // Pasting another key: the signature is not by the trusted key.
    paste_key(c, &other_key).await;
    // Another key is pinned already: replacing it needs a confirmation
    // that names both keys.
    let confirm = c
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("#pin-confirm"))
        .await
        .expect("#pin-confirm");
    assert_ne!(
        confirm.attr("data-old-key").await.expect("attr"),
        confirm.attr("data-new-key").await.expect("attr")
    );
    assert_eq!(signature_status(c).await, "valid", "not replaced yet");
    c.find(Locator::Css("#pin-replace"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(signature_status(c).await, "untrusted-key");
    // The history is read again, its signatures checked under the new pin.
    for id in &ids {
        let row = format!(r#"#snapshot-history [data-snapshot="{id}"]"#);
        assert_eq!(
            settled(c, &row, "data-signature", &["checking"]).await,
            "untrusted-key",
            "{id}"
        );
    }
    c.find(Locator::Css("#forget-key"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    c.goto(&format!("{}index.html#pubkey={key}", server.url))
        .await
        .expect("open");
    assert_eq!(signature_status(c).await, "valid");

    // Time travel: the oldest snapshot, verified as it was published.
    c.goto(&format!("{}snapshots/{oldest}/index.html", server.url))
        .await
        .expect("open");
    assert_eq!(final_status(c).await, "verified");
    assert_eq!(signature_status(c).await, "valid");
    let old_log = statuses(c)
        .await
        .into_iter()
        .find(|(p, _)| p == "logs/ci.log");
    assert_eq!(old_log.map(|(_, s)| s).as_deref(), Some("verified"));
    assert!(
        c.find(Locator::Css(r#"[data-artifact="reports/PHASE2.md"]"#))
            .await
            .is_err(),
        "not in that snapshot"
    );

    // Tampering: one byte of manifest.json breaks the signature; a rewritten
    // archived snapshot breaks the chain, loudly.
    let manifest_path = site.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).expect("read");
    std::fs::write(
        &manifest_path,
        original.replacen("2026-01-03T00", "2026-01-04T00", 1),
    )
    .expect("write");
    c.goto(&format!("{}index.html", server.url))
        .await
        .expect("open");
    c.refresh().await.expect("reload");
    assert_eq!(signature_status(c).await, "invalid");
    std::fs::write(&manifest_path, &original).expect("restore");
    c.refresh().await.expect("reload");
    assert_eq!(chain_status(c).await, "intact");
    let middle_id = history["snapshots"][0]["id"].as_str().expect("id");
    let middle = site.join(history["snapshots"][0]["manifest"].as_str().expect("m"));
    let text = std::fs::read_to_string(&middle).expect("read");
    std::fs::write(&middle, text.replacen("\"vouch\"", "\"vouch \"", 1)).expect("write");
    // Rewritten after the page checked the chain: the panel keeps no
    // earlier manifest, and one it opens again for a diff must still hash
    // to its id.
    choose(c, "#diff-from", &oldest).await;
    assert_eq!(diff_changes(c, 2).await.len(), 2);
    choose(c, "#diff-from", middle_id).await;
    let started = Instant::now();
    while attr(c, "#status-diff", "data-changes").await.as_deref() != Some("unknown")
        && started.elapsed() < TIMEOUT
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let why = c
        .find(Locator::Css("#status-diff"))
        .await
        .expect("#status-diff")
        .text()
        .await
        .expect("text");
    assert!(why.contains("was rewritten"), "{why}");
    assert!(diff_changes(c, 0).await.is_empty(), "no file list from it");
    c.refresh().await.expect("reload");
    assert_eq!(chain_status(c).await, "broken");
    browser.client.clone().close().await.expect("close");
}

/// The audit fixture built into `dir/site` twice: as it is, then with the
/// acceptance pack's restore drill gate declared passed. Returns the
/// evidence folder (as last built) and the site.
fn audit_site_gate_passed(dir: &Path) -> (PathBuf, PathBuf) {
    let input = dir.join("evidence");
    copy_dir(&fixture("audit"), &input);
    let site = dir.join("site");
    build_snapshot(&input, &site, 0, &[]);
    let pack = input.join("docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md");
    let text = std::fs::read_to_string(&pack).expect("pack");
    std::fs::write(
        &pack,
        text.replace("**Status**: IN PROGRESS", "**Status**: ✅ PASSED"),
    )
    .expect("write");
    build_snapshot(&input, &site, 1, &[]);
    (input, site)
}

/// The rows of the history panel's file diff, once there are `n` (it
/// opens the two manifests it compares first); what there are after
/// [`TIMEOUT`].
async fn diff_changes(c: &Client, n: usize) -> Vec<fantoccini::elements::Element> {
    let started = Instant::now();
    loop {
        let rows = c
            .find_all(Locator::Css("#snapshot-diff [data-change]"))
            .await
            .expect("diff");
        if rows.len() == n || started.elapsed() > TIMEOUT {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Pastes `key` into the signature panel and pins it.
async fn paste_key(c: &Client, key: &str) {
    c.find(Locator::Css("#pubkey-input"))
        .await
        .expect("input")
        .send_keys(key)
        .await
        .expect("type");
    c.find(Locator::Css("#pin-key"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
}

/// Chooses `value` in the `<select>` at `css`.
async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .expect("select")
        .select_by_value(value)
        .await
        .expect("choose");
}

/// How many times the page fetched `path` (relative to the page's address,
/// or absolute). Fails if the browser's resource list is full (it keeps 250
/// entries), where a second fetch would go unseen.
async fn fetched(c: &Client, path: &str) -> usize {
    let r = c
        .execute(
            "const want = new URL(arguments[0], location.href).pathname;
             const all = performance.getEntriesByType('resource');
             return [all.filter(e => new URL(e.name).pathname === want).length, all.length];",
            vec![path.into()],
        )
        .await
        .expect("resource timing");
    assert!(
        r[1].as_u64().expect("count") < 250,
        "the resource list is full"
    );
    r[0].as_u64().expect("count") as usize
}

/// A key pinned after the page loaded checks the retained snapshots'
/// signatures again, and only those: the chain stays as the page first
/// read it. Before, pinning read the whole history again, so a site
/// republished meanwhile (its new `history.json` no longer the one the
/// page's manifest records) read as a tampered chain, and the diff fetched
/// its pair again. A retained manifest changed since the first read is not
/// judged on its new bytes.
#[tokio::test(flavor = "multi_thread")]
async fn pinning_a_key_later_keeps_the_chain_as_first_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (keys, input, site) = three_signed_snapshots(tmp.path());
    let history = history_json(&site);
    let id = |i: usize| retained_id(&history, i);
    let (middle, oldest) = (id(0), id(1));
    let row = |id: &str| format!(r#"#snapshot-history [data-snapshot="{id}"]"#);
    let (_server, browser) = open_site(&site, "").await;
    let c = &browser.client;
    assert_eq!(chain_status(c).await, "intact");
    for id in [&middle, &oldest] {
        assert_eq!(
            settled(c, &row(id), "data-signature", &["checking"]).await,
            "untrusted-key"
        );
    }
    // The default diff (the previous snapshot to this one) has its pair.
    assert_eq!(diff_changes(c, 1).await.len(), 1);
    let previous_audit = format!("snapshots/{middle}/audit.json");
    let audits = fetched(c, &previous_audit).await;
    assert_eq!(audits, 1);

    // Republished while the page is open, and the oldest archived manifest
    // rewritten on the host.
    std::fs::write(input.join("logs/ci.log"), "run 3\n").expect("write");
    let key_file = keys.join("vouch.key");
    build_snapshot(
        &input,
        &site,
        3,
        &["--sign", key_file.to_str().expect("utf8")],
    );
    let archived = site.join(format!("snapshots/{oldest}/manifest.json"));
    let text = std::fs::read_to_string(&archived).expect("read");
    std::fs::write(&archived, text.replacen("\"vouch\"", "\"vouch \"", 1)).expect("write");

    let key = std::fs::read_to_string(keys.join("vouch.pub")).expect("pub");
    paste_key(c, key.lines().nth(1).expect("key line")).await;
    assert_eq!(signature_status(c).await, "valid");
    assert_eq!(
        settled(c, &row(&middle), "data-signature", &["checking"]).await,
        "valid",
        "its manifest is the one first read"
    );
    assert_eq!(
        settled(c, &row(&oldest), "data-signature", &["checking"]).await,
        "invalid",
        "its manifest changed since the page read it"
    );
    assert_eq!(
        attr(c, "#chain-status", "data-status").await.as_deref(),
        Some("intact"),
        "the chain as the page read it"
    );
    assert_eq!(
        fetched(c, &previous_audit).await,
        audits,
        "the diff's pair is not fetched again"
    );
    browser.client.clone().close().await.expect("close");
}

/// The audit trails the page fetched (paths under the site), and whether
/// the browser's resource list is complete (it keeps 250 entries).
async fn audits_fetched(c: &Client) -> (Vec<String>, bool) {
    let r = c
        .execute(
            "const n = performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);
             return [n.filter(p => p.endsWith('/audit.json')), n.length < 250];",
            vec![],
        )
        .await
        .expect("resource timing");
    let list = r[0]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("path").trim_start_matches('/').to_owned())
        .collect();
    (list, r[1].as_bool().expect("complete"))
}

/// The history panel fetches the audit trails of the two snapshots it
/// compares, when they are chosen, not of every snapshot the site keeps.
#[tokio::test(flavor = "multi_thread")]
async fn status_diff_fetches_only_the_audit_trails_it_compares() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (input, site) = audit_site_gate_passed(tmp.path());
    // The third snapshot declares what the second did.
    build_snapshot(&input, &site, 2, &[]);
    let history = history_json(&site);
    let id = |i: usize| retained_id(&history, i);
    let (previous, oldest) = (id(0), id(1));

    let (server, browser) = open_site(&site, "").await;
    let c = &browser.client;
    // The default: the previous snapshot against this one, no change.
    assert_eq!(settled(c, "#status-diff", "data-changes", &[]).await, "0");
    let (fetched, complete) = audits_fetched(c).await;
    assert!(complete, "the resource list overflowed");
    assert!(
        fetched.contains(&"audit.json".to_owned())
            && fetched.contains(&format!("snapshots/{previous}/audit.json")),
        "{fetched:?}"
    );
    assert!(
        !fetched.iter().any(|p| p.contains(&oldest)),
        "the oldest snapshot's audit trail was fetched unasked: {fetched:?}"
    );
    // From the oldest: its trail is fetched now, and the gate it had
    // pending is passed since.
    choose(c, "#diff-from", &oldest).await;
    assert_eq!(
        settled(c, "#status-diff", "data-changes", &["0"]).await,
        "1"
    );
    let (fetched, _) = audits_fetched(c).await;
    assert!(
        fetched.contains(&format!("snapshots/{oldest}/audit.json")),
        "{fetched:?}"
    );

    // A trail the manifest records as larger than 64 MiB is not fetched
    // (`vouch build` does not read one for its status diff either): at
    // 50,000 reports each is over 100 MB.
    let mut m = manifest(&site);
    let audit = m["generated"]
        .as_array_mut()
        .expect("generated")
        .iter_mut()
        .find(|g| g["path"] == "audit.json")
        .expect("audit.json");
    audit["size"] = ((64u64 << 20) + 1).into();
    std::fs::write(
        site.join("manifest.json"),
        serde_json::to_vec(&m).expect("json"),
    )
    .expect("write");
    c.goto(&format!("{}index.html", server.url))
        .await
        .expect("open");
    assert_eq!(
        settled(c, "#status-diff", "data-changes", &[]).await,
        "unknown"
    );
    let said = c
        .find(Locator::Css("#status-diff"))
        .await
        .expect("status diff")
        .text()
        .await
        .expect("text");
    // (The index still hashes it, as every file, so a fetch of it proves
    // nothing here; the refusal's own words do.)
    assert!(said.contains("larger than 64 MiB"), "{said}");
    browser.client.clone().close().await.expect("close");
}

/// The audit trail in the browser: a report's cited evidence is re-hashed
/// and a tampered citation flagged; between two snapshots, the gates whose
/// declared status changed are listed.
#[tokio::test(flavor = "multi_thread")]
async fn cited_evidence_is_verified_live_and_status_changes_are_diffed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, site) = audit_site_gate_passed(tmp.path());
    assert!(
        site.join("snapshots")
            .read_dir()
            .expect("snapshots")
            .count()
            == 1
    );

    let (server, browser) = open_site(&site, "").await;
    let c = &browser.client;
    assert_eq!(
        settled(c, "#status-diff", "data-changes", &[]).await,
        "1",
        "only the gate changed"
    );
    let rows = c
        .find_all(Locator::Css("#status-diff [data-status-change]"))
        .await
        .expect("rows");
    let mut seen = Vec::new();
    for r in rows {
        let a = |n: &'static str| {
            let r = r.clone();
            async move { r.attr(n).await.expect("attr").unwrap_or_default() }
        };
        seen.push((
            a("data-claim").await,
            a("data-before").await,
            a("data-after").await,
        ));
    }
    assert!(
        seen.contains(&(
            "Gate 2: Restore Drill".into(),
            "pending".into(),
            "pass".into()
        )),
        "{seen:?}"
    );

    // The acceptance pack's page: every cited file verified here.
    let m = manifest(&site);
    let page = |path: &str| {
        artifacts(&m)
            .iter()
            .find(|a| a["path"] == path)
            .expect("artifact")
            .clone()
    };
    let pack = page("docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md");
    let url = format!("{}{}", server.url, pack["page"].as_str().expect("page"));
    c.goto(&url).await.expect("open");
    assert_eq!(
        settled(c, "#claim-evidence", "data-status", &["checking"]).await,
        "intact"
    );
    let cited = c
        .find_all(Locator::Css("#claim-evidence [data-cited]"))
        .await
        .expect("cited");
    assert_eq!(
        cited.len(),
        5,
        "two phase reports, gate summary, runbook, ADR"
    );

    // Tamper with one cited report: the claim shows it.
    let phase0 = page("docs/evidence/STAGE1.0_PHASE0_REPORT.md");
    flip_byte(&site.join(phase0["url"].as_str().expect("url")), 3);
    c.refresh().await.expect("reload");
    assert_eq!(
        settled(c, "#claim-evidence", "data-status", &["checking"]).await,
        "tampered"
    );
    assert_eq!(
        settled(
            c,
            r#"#claim-evidence [data-cited="docs/evidence/STAGE1.0_PHASE0_REPORT.md"]"#,
            "data-status",
            &["pending", "hashing"]
        )
        .await,
        "mismatch"
    );

    // The list comes from the page, not from the whole audit.json.
    let (fetched, complete) = audits_fetched(c).await;
    assert!(complete, "the resource list overflowed");
    assert!(
        fetched.is_empty(),
        "a report's page fetched an audit trail: {fetched:?}"
    );

    // The cited report restored, then the page's list edited to hide it:
    // the page no longer matches the manifest, so the claim is not believed.
    flip_byte(&site.join(phase0["url"].as_str().expect("url")), 3);
    c.refresh().await.expect("reload");
    assert_eq!(
        settled(c, "#claim-evidence", "data-status", &["checking"]).await,
        "intact"
    );
    // The report's own file altered: the claims shown are no longer the
    // published report's.
    let own = site.join(pack["url"].as_str().expect("url"));
    flip_byte(&own, 3);
    c.refresh().await.expect("reload");
    assert_eq!(
        settled(c, "#claim-evidence", "data-status", &["checking"]).await,
        "tampered"
    );
    flip_byte(&own, 3);
    let html = site.join(pack["page"].as_str().expect("page"));
    let text = std::fs::read_to_string(&html).expect("page");
    assert!(
        text.contains("data-vouch-cited="),
        "the page lists what it cites"
    );
    std::fs::write(&html, text.replacen("data-vouch-cited=", "data-x=", 1)).expect("write");
    c.refresh().await.expect("reload");
    assert_eq!(
        settled(c, "#claim-evidence", "data-status", &["checking"]).await,
        "tampered"
    );

    // A list garbled past reading is no way out of the check either: the
    // page is still verified, and fails.
    let garbled = text.replacen(r#"data-vouch-cited="[["#, r#"data-vouch-cited="[[1,"#, 1);
    assert_ne!(garbled, text);
    std::fs::write(&html, garbled).expect("write");
    c.refresh().await.expect("reload");
    assert_eq!(
        settled(c, "#claim-evidence", "data-status", &["checking"]).await,
        "tampered"
    );
    let note = c
        .find(Locator::Css("#claim-evidence p.note"))
        .await
        .expect("note")
        .text()
        .await
        .expect("text");
    assert!(note.contains("could not be read"), "{note}");
}

/// The dashboard after the browser checked the evidence: a gate whose cited
/// evidence was tampered with turns red, one whose evidence verified says
/// so; and the problems page filters as you type.
#[tokio::test(flavor = "multi_thread")]
async fn gate_cells_turn_red_on_tampered_evidence_and_problems_filter() {
    let b = build(&fixture("triage"));
    let m = manifest(&b.site);
    let object = |path: &str| {
        artifacts(&m)
            .iter()
            .find(|a| a["path"] == path)
            .and_then(|a| a["url"].as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no artifact {path}"))
    };
    // Stage 2.0's Gate 2 cites this log.
    flip_byte(&b.site.join(object("logs/unit-tests.log")), 5);
    let (server, browser) = open_site(&b.site, "").await;
    let c = &browser.client;
    assert_eq!(final_status(c).await, "failed");
    let cell = |stage: &str, gate: &str| {
        format!(r#"#gate-matrix tr[data-stage="{stage}"] [data-gate-cell][data-gate="{gate}"]"#)
    };
    assert_eq!(
        settled(c, &cell("2.0", "2"), "data-evidence", &[]).await,
        "mismatch"
    );
    assert_eq!(
        settled(c, &cell("2026.03", "SMOKE"), "data-evidence", &[]).await,
        "verified"
    );

    c.goto(&format!("{}problems.html", server.url))
        .await
        .expect("open problems");
    let filter = {
        let started = Instant::now();
        loop {
            let el = c
                .find(Locator::Css("#problem-filter"))
                .await
                .expect("filter");
            if el.is_displayed().await.unwrap_or(false) {
                break el;
            }
            assert!(started.elapsed() < TIMEOUT, "the filter never appeared");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    filter.send_keys("placeholder").await.expect("type");
    let started = Instant::now();
    loop {
        let visible = c
            .execute(
                "return [...document.querySelectorAll('li[data-problem]')].filter(e => !e.closest('[hidden]')).map(e => e.dataset.kind)",
                vec![],
            )
            .await
            .expect("script");
        let kinds: Vec<&str> = visible
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if !kinds.is_empty() && kinds.iter().all(|k| *k == "placeholder-evidence") {
            assert_eq!(kinds.len(), 2, "{kinds:?}");
            break;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "filter did not apply: {kinds:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.client.clone().close().await.expect("close");
}

fn keygen_in(dir: &std::path::Path) -> (String, String) {
    keygen(dir);
    let key = dir.join("vouch.key").to_string_lossy().into_owned();
    let public = std::fs::read_to_string(dir.join("vouch.pub")).expect("pub");
    let line = public.lines().nth(1).expect("key line").to_owned();
    (key, line)
}

/// An edited rendered page (a sign-off changed from "GO (with LED-412
/// noted)" to "GO") still showed "Verified". The viewer now checks the page
/// it shows, and every generated file on the index.
#[tokio::test(flavor = "multi_thread")]
async fn edited_rendered_page_is_not_under_a_green_banner() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let pack = artifact_entry(&m, "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md").clone();
    let page = pack["page"].as_str().expect("page").to_owned();
    let html = std::fs::read_to_string(b.site.join(&page)).expect("page");
    std::fs::write(b.site.join(&page), html.replacen("COMPLETE", "GO", 1)).expect("edit");
    let (server, browser) = open_site(&b.site, &page).await;
    let c = &browser.client;
    assert_eq!(final_status(c).await, "failed");
    assert_eq!(generated_status(c, &page).await, "mismatch");
    assert_eq!(
        settled(
            c,
            r#"[data-artifact="docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md"]"#,
            "data-status",
            &["pending", "hashing"]
        )
        .await,
        "verified",
        "the evidence itself is intact; the page is not"
    );
    c.goto(&server.url).await.expect("index");
    assert_eq!(final_status(c).await, "failed");
    browser.client.clone().close().await.expect("close");
}

/// With a key pinned, a deleted signature showed as plain "unsigned" while
/// the summary said verified; pinning a key on an unsigned site left the
/// page green. Both now fail.
#[tokio::test(flavor = "multi_thread")]
async fn stripped_signature_under_a_pinned_key_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (key, public) = keygen_in(&tmp.path().join("keys"));
    let site = tmp.path().join("site");
    build_snapshot(&fixture("basic"), &site, 0, &["--sign", &key]);
    std::fs::remove_file(site.join("manifest.json.minisig")).expect("strip");
    let (_server, browser) = open_site(&site, &format!("index.html#pubkey={public}")).await;
    let c = &browser.client;
    assert_eq!(signature_status(c).await, "missing");
    assert_eq!(final_status(c).await, "failed");

    let unsigned = build(&fixture("basic"));
    let server2 = serve(&unsigned.site);
    c.goto(&format!("{}index.html#pubkey={public}", server2.url))
        .await
        .expect("open");
    assert_eq!(signature_status(c).await, "missing");
    assert_eq!(final_status(c).await, "failed");
    browser.client.clone().close().await.expect("close");
}

/// A `#pubkey=` link silently replaced the pinned key. Now it is only
/// offered, with both key ids, until the reader confirms.
#[tokio::test(flavor = "multi_thread")]
async fn pubkey_link_never_replaces_a_pin_silently() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (key, public) = keygen_in(&tmp.path().join("ours"));
    let (_, other) = keygen_in(&tmp.path().join("theirs"));
    let site = tmp.path().join("site");
    build_snapshot(&fixture("basic"), &site, 0, &["--sign", &key]);
    let (server, browser) = open_site(&site, &format!("index.html#pubkey={public}")).await;
    let c = &browser.client;
    assert_eq!(signature_status(c).await, "valid");
    c.goto(&format!("{}index.html#pubkey={other}", server.url))
        .await
        .expect("open");
    c.refresh().await.expect("reload");
    assert_eq!(signature_status(c).await, "valid", "the pin stayed");
    let confirm = c
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("#pin-confirm"))
        .await
        .expect("#pin-confirm");
    let (old, new) = (
        confirm
            .attr("data-old-key")
            .await
            .expect("a")
            .unwrap_or_default(),
        confirm
            .attr("data-new-key")
            .await
            .expect("a")
            .unwrap_or_default(),
    );
    assert_ne!(old, new);
    c.find(Locator::Css("#pin-keep"))
        .await
        .expect("keep")
        .click()
        .await
        .expect("click");
    assert_eq!(signature_status(c).await, "valid");
    browser.client.clone().close().await.expect("close");
}

/// The viewer believed history.json: dropped snapshots and forged commit
/// or CI-run links showed as "chain intact". It now runs the CLI's check.
#[tokio::test(flavor = "multi_thread")]
async fn forged_history_is_caught_in_the_browser() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, site) = three_snapshots(tmp.path(), &[]);
    let path = site.join("history.json");
    let mut h: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("h")).expect("json");
    h["snapshots"][0]["source"]["run_url"] =
        "https://github.com/attacker/repo/actions/runs/1".into();
    std::fs::write(&path, serde_json::to_vec_pretty(&h).expect("json")).expect("write");
    let (_server, browser) = open_site(&site, "").await;
    let c = &browser.client;
    assert_eq!(chain_status(c).await, "broken");
    assert_eq!(final_status(c).await, "failed");
    let v = vouch().arg("verify").arg(&site).output().expect("verify");
    assert_eq!(v.status.code(), Some(1), "the CLI agrees");
    browser.client.clone().close().await.expect("close");
}

/// A host serving an older, validly signed snapshot after a newer one, or
/// an expired one, passed in the viewer. The viewer now remembers the
/// newest snapshot it verified under the pinned key, and reads expiry.
#[tokio::test(flavor = "multi_thread")]
async fn rollback_and_expiry_show_in_the_browser() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (key, public) = keygen_in(&tmp.path().join("keys"));
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    let site = tmp.path().join("site");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let build_at = |t: u64, extra: &[&str]| {
        let out = vouch()
            .env("SOURCE_DATE_EPOCH", t.to_string())
            .arg("build")
            .arg(&input)
            .arg("--out")
            .arg(&site)
            .args(["--sign", &key])
            .args(extra)
            .output()
            .expect("build");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(input.join("logs/ci.log"), "run 1\n").expect("write");
    build_at(now - 7200, &["--expires-in", "30"]);
    let older = tmp.path().join("older");
    copy_dir(&site, &older);
    std::fs::write(input.join("logs/ci.log"), "run 2\n").expect("write");
    build_at(now - 3600, &["--expires-in", "30"]);
    let (server, browser) = open_site(&site, &format!("index.html#pubkey={public}")).await;
    let c = &browser.client;
    assert_eq!(final_status(c).await, "verified");
    assert_eq!(chain_status(c).await, "intact");

    // The host goes back to the older snapshot.
    let newer = tmp.path().join("newer");
    std::fs::rename(&site, &newer).expect("mv");
    std::fs::rename(&older, &site).expect("mv");
    c.goto(&format!("{}index.html", server.url))
        .await
        .expect("open");
    c.refresh().await.expect("reload");
    assert_eq!(
        settled(
            c,
            "#chain-status",
            "data-status",
            &["checking", "intact", "none"]
        )
        .await,
        "rolled-back"
    );
    assert_eq!(final_status(c).await, "failed");

    // An expired snapshot (built 40 days ago, valid for 30).
    std::fs::remove_dir_all(&site).expect("rm");
    std::fs::rename(&newer, &site).expect("mv");
    std::fs::write(input.join("logs/ci.log"), "run 3\n").expect("write");
    build_at(
        now - 40 * 86_400 + 10_000,
        &["--expires-in", "30", "--previous", "none"],
    );
    c.refresh().await.expect("reload");
    assert_eq!(
        settled(
            c,
            "#signature-status",
            "data-status",
            &["checking", "valid"]
        )
        .await,
        "expired"
    );
    assert_eq!(final_status(c).await, "failed");
    browser.client.clone().close().await.expect("close");
}

/// A `vouch rollback` head (issue 13) shows as a rollback in the viewer,
/// read from its signed manifest, and verifies.
#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_head_shows_as_one_in_the_viewer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (key, public) = keygen_in(&tmp.path().join("keys"));
    let (_input, site) = crate::common::three_snapshots(tmp.path(), &["--sign", &key]);
    let h = history_json(&site);
    let oldest = h["snapshots"][1]["id"].as_str().expect("id").to_owned();
    let out = vouch()
        .args(["rollback", &oldest, "--sign", &key, "--out"])
        .arg(&site)
        .output()
        .expect("rollback");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = serve(&site);
    let browser = launch().await;
    let c = &browser.client;
    open_settled(c, &format!("{}index.html#pubkey={public}", server.url)).await;
    assert_eq!(final_status(c).await, "verified");
    assert_eq!(
        attr(c, "#viewer-rollback", "data-rollback-of")
            .await
            .as_deref(),
        Some(oldest.as_str())
    );
    assert_eq!(chain_status(c).await, "intact");
    browser.client.clone().close().await.expect("close");
}

/// `vouch serve --verify URL`: the verifier, from an origin the audited host
/// does not control. Returns the server and the address it printed.
fn serve_verifier(site_url: &str) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = vouch()
        .args(["serve", "--port", "0", "--verify", site_url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn vouch serve --verify");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    (child, url)
}

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Replacing one boot file made a tampered, unsigned site show valid and
/// verified: an in-page check cannot defend against a host that rewrites
/// the checker. The independent verifier, served from elsewhere, is not
/// fooled; and a downloaded copy can be checked from disk by picking it.
#[tokio::test(flavor = "multi_thread")]
async fn independent_verifier_is_not_fooled_by_a_rewritten_viewer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (key, public) = keygen_in(&tmp.path().join("keys"));
    let site = tmp.path().join("site");
    build_snapshot(&fixture("basic"), &site, 0, &["--sign", &key]);
    let m = manifest(&site);
    let boot = m["generated"]
        .as_array()
        .expect("generated")
        .iter()
        .filter_map(|g| g["path"].as_str())
        .find(|p| p.starts_with("assets/boot-"))
        .expect("boot file")
        .to_owned();
    // The attack: a "viewer" that always says verified.
    std::fs::write(
        site.join(&boot),
        "document.documentElement.classList.add('vouch-live');\n\
         document.getElementById('vouch-viewer').innerHTML = \
         '<div id=\"verification-summary\" data-status=\"verified\">Verified</div>';\n",
    )
    .expect("write");
    let (server, browser) = open_site(&site, "").await;
    let c = &browser.client;
    assert_eq!(
        final_status(c).await,
        "verified",
        "the rewritten checker lies"
    );

    let (verifier, url) = serve_verifier(&server.url);
    let _verifier = Killed(verifier);
    c.goto(&format!("{url}&pubkey={public}"))
        .await
        .expect("open verifier");
    assert_eq!(signature_status(c).await, "valid");
    assert_eq!(final_status(c).await, "failed");
    assert_eq!(generated_status(c, &boot).await, "mismatch");

    // A downloaded copy, picked from disk: hashed locally, nothing fetched.
    let verify_page = url.split('#').next().expect("page").to_owned();
    c.goto(&verify_page).await.expect("open");
    let input = c
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("#folder-input"))
        .await
        .expect("#folder-input");
    input
        .send_keys(site.to_str().expect("utf8"))
        .await
        .expect("pick the folder");
    assert_eq!(final_status(c).await, "failed");
    assert_eq!(generated_status(c, &boot).await, "mismatch");
    // The same from a verifier opened from disk (file://), where module
    // scripts are refused: its classic loader runs.
    let intact = build(&fixture("basic"));
    let dir = tmp.path().join("verifier");
    let out = vouch()
        .arg("verifier")
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("verifier");
    assert!(out.status.success());
    let verify_page = format!("file://{}", dir.join("verify.html").display());
    c.goto(&verify_page).await.expect("open");
    c.wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("#folder-input"))
        .await
        .expect("#folder-input")
        .send_keys(intact.site.to_str().expect("utf8"))
        .await
        .expect("pick");
    assert_eq!(final_status(c).await, "verified");
    browser.client.clone().close().await.expect("close");
}

/// The artifact list at scale: at most 100 rows in the document, a pager,
/// sorting by a column, and a filter that matches titles as well as paths.
#[tokio::test(flavor = "multi_thread")]
async fn artifact_list_is_paged_sorted_and_filtered_by_title() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    for i in 0..150 {
        std::fs::write(
            input.join(format!("report-{i:03}.md")),
            format!("# Phase {i} report\n\n{}\n", "x".repeat(i)),
        )
        .expect("write");
    }
    std::fs::write(
        input.join("zz-pack.md"),
        "# Stage 2.1 Acceptance Pack\n\n**Status:** PASS\n",
    )
    .expect("write");
    let b = build(&input);
    let (_server, browser) = open_site(&b.site, "").await;
    let c = &browser.client;
    assert_eq!(final_status(c).await, "verified");
    let rows = statuses(c).await;
    assert_eq!(rows.len(), 100, "one page of rows");
    assert_eq!(rows[0].0, "report-000.md");
    assert_eq!(
        attr(c, r#"[data-pager="artifacts"] [data-range]"#, "data-total")
            .await
            .as_deref(),
        Some("151")
    );
    let click = |css: &'static str| async move {
        c.find(Locator::Css(css))
            .await
            .expect(css)
            .click()
            .await
            .expect("click");
    };
    click(r#"[data-pager="artifacts"] [data-page="next"]"#).await;
    let rows = rows_when(c, |r| r.len() != 100).await;
    assert_eq!(rows.len(), 51, "the second page");
    assert_eq!(rows[0].0, "report-100.md");
    assert!(rows.iter().all(|(_, s)| s == "verified"));

    // Sorting by size, twice: largest first (and back to the first page).
    click(r#"button[data-sort="size"]"#).await;
    rows_when(c, |r| r.len() == 100).await;
    click(r#"button[data-sort="size"]"#).await;
    let rows = rows_when(c, |r| r[0].0 != "report-000.md").await;
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[0].0, "report-149.md");
    assert_eq!(
        attr(c, r#"th:has(button[data-sort="size"])"#, "aria-sort")
            .await
            .as_deref(),
        Some("descending")
    );

    // The filter matches a title that is not in the path.
    c.find(Locator::Css("#artifact-filter"))
        .await
        .expect("filter")
        .send_keys("acceptance pack")
        .await
        .expect("type");
    let rows = rows_when(c, |r| r.len() < 100).await;
    assert_eq!(rows, [("zz-pack.md".to_owned(), "verified".to_owned())]);
    assert!(
        attr(c, r#"[data-pager="artifacts"]"#, "data-pager")
            .await
            .is_none(),
        "no pager when everything fits"
    );
    browser.client.clone().close().await.expect("close");
}

/// A manifest of more entries than the viewer parses in one slice (500),
/// with a tampered file near the end of each list: the verdict, the
/// "only failed" filter and the generated-file list (failures first) come
/// from the list of failed rows, not from a scan of every row.
#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_read_in_slices_finds_failures_at_its_end() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    for i in 0..700 {
        std::fs::write(
            input.join(format!("r-{i:03}.md")),
            format!("# Report {i}\n\n**Status:** PASS\n"),
        )
        .expect("write");
    }
    let b = build(&input);
    let m = manifest(&b.site);
    assert!(m["artifacts"].as_array().expect("artifacts").len() > 500);
    let late = artifact_entry(&m, "r-690.md").clone();
    let object = late["url"].as_str().expect("url");
    std::fs::write(b.site.join(object), "# Report 690\n\n**Status:** FAIL\n").expect("tamper");
    let page = artifact_entry(&m, "r-680.md")["page"]
        .as_str()
        .expect("page")
        .to_owned();
    let html = std::fs::read_to_string(b.site.join(&page)).expect("page");
    std::fs::write(
        b.site.join(&page),
        html.replacen("Report 680", "Report 6800", 1),
    )
    .expect("edit");
    let (_server, browser) = open_site(&b.site, "").await;
    let c = &browser.client;
    assert_eq!(final_status(c).await, "failed");
    assert_eq!(
        attr(c, r#"[data-pager="artifacts"] [data-range]"#, "data-total")
            .await
            .as_deref(),
        Some("700")
    );
    assert_eq!(
        shown_snapshot_id(c).await,
        sha256sum(&b.site.join("manifest.json"))
    );
    c.find(Locator::Css("#problems-only"))
        .await
        .expect("checkbox")
        .click()
        .await
        .expect("click");
    let rows = rows_when(c, |r| r.len() < 100).await;
    assert_eq!(rows, [("r-690.md".to_owned(), "mismatch".to_owned())]);
    // Failures first: the edited page heads the generated files.
    c.find(Locator::Css("#generated-files summary"))
        .await
        .expect("summary")
        .click()
        .await
        .expect("open");
    assert_eq!(
        attr(c, "#generated-files li[data-generated]", "data-generated")
            .await
            .as_deref(),
        Some(page.as_str())
    );
    assert_eq!(generated_status(c, &page).await, "mismatch");
    let summary = c
        .find(Locator::Css("#generated-files summary"))
        .await
        .expect("summary")
        .text()
        .await
        .expect("text");
    assert!(summary.ends_with("· 1 FAILED"), "{summary}");
    browser.client.clone().close().await.expect("close");
}

/// The artifact rows once `ready` holds of them (the view redraws after a
/// click, not during it).
async fn rows_when(
    c: &Client,
    ready: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    let started = Instant::now();
    loop {
        let rows = statuses(c).await;
        if ready(&rows) || started.elapsed() > TIMEOUT {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The name of the first entry of `dir`.
fn list_dir_first(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .next()
        .expect("an entry")
        .expect("entry")
        .file_name()
        .to_string_lossy()
        .into_owned()
}

/// Opens `url` and, on a page the viewer runs on, waits for its verdict.
async fn open_settled(c: &Client, url: &str) {
    c.goto(url).await.expect("open");
    if c.find(Locator::Css("#vouch-viewer")).await.is_ok() {
        final_status(c).await;
    }
}

/// axe-core's source: `VOUCH_AXE`, else where `scripts/test.sh` installs it.
fn axe_source() -> String {
    let path = std::env::var("VOUCH_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../target/axe/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read axe-core at {}: {e}. scripts/test.sh installs it \
             (npm install --prefix target/axe axe-core@4.14.1), or set VOUCH_AXE.",
            path.display()
        )
    })
}

/// WCAG 2.1 AA, as axe-core checks it, on every kind of page, in the light
/// and the dark theme, with the viewer running: no violation at all.
#[tokio::test(flavor = "multi_thread")]
async fn axe_finds_no_accessibility_violations_in_either_theme() {
    let axe = axe_source();
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let page_of = |path: &str| artifact_page(&m, path);
    let pages = [
        "index.html".to_owned(),
        page_of("docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md"),
        page_of("docs/evidence/STAGE1.0_PHASE0_REPORT.md"),
        "timeline.html".to_owned(),
        "problems.html".to_owned(),
        "404.html".to_owned(),
        format!("print/{}", list_dir_first(&b.site.join("print"))),
        format!("folders/{}", list_dir_first(&b.site.join("folders"))),
    ];
    let server = serve(&b.site);
    // A larger site: its list pages have pagers, and its timeline a page
    // per stage.
    let big = tempfile::tempdir().expect("tempdir");
    for i in 0..450 {
        std::fs::write(
            big.path()
                .join(format!("STAGE{}_PHASE1_REPORT_{i:03}.md", i % 4 + 1)),
            format!(
                "# Report {i}\n\n**Status:** {}\n",
                if i % 9 == 0 { "FAIL" } else { "PASS" }
            ),
        )
        .expect("write");
    }
    let big = build(big.path());
    let big_server = serve(&big.site);
    let pages: Vec<String> = pages
        .iter()
        .map(|p| format!("{}{p}", server.url))
        .chain(
            [
                "index.html".to_owned(),
                "artifacts-2.html".to_owned(),
                "timeline.html".to_owned(),
                format!("timeline/{}", list_dir_first(&big.site.join("timeline"))),
            ]
            .map(|p| format!("{}{p}", big_server.url)),
        )
        .collect();
    let mut found = Vec::new();
    for theme in ["light", "dark"] {
        let dark: &[&str] = if theme == "dark" {
            &["--force-dark-mode"]
        } else {
            &[]
        };
        let browser = launch_with(dark, false).await;
        let c = &browser.client;
        for page in &pages {
            open_settled(c, page).await;
            if *page == format!("{}index.html", server.url) {
                // With search results open.
                assert!(!search_results(c, "stage").await.is_empty());
            }
            let dark = c
                .execute(
                    "return matchMedia('(prefers-color-scheme: dark)').matches",
                    vec![],
                )
                .await
                .expect("theme");
            assert_eq!(dark, serde_json::json!(theme == "dark"), "{theme} theme");
            c.execute(&format!("{axe}\nreturn 1;"), vec![])
                .await
                .expect("load axe");
            let violations = c
                .execute_async(
                    "const done = arguments[arguments.length - 1];\n\
                     axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\n\
                       .then(r => done(r.violations.map(v => v.id + ' (' + v.nodes.length + '): ' +\n\
                         v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))\n\
                       .catch(e => done(['axe failed: ' + e]));",
                    vec![],
                )
                .await
                .expect("run axe");
            for v in violations.as_array().expect("a list") {
                found.push(format!(
                    "{theme} {page}: {}",
                    v.as_str().unwrap_or_default()
                ));
            }
        }
        browser.client.clone().close().await.expect("close");
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}

/// On a phone-sized screen (390 px) no page is wider than the screen: wide
/// tables scroll inside their own box.
#[tokio::test(flavor = "multi_thread")]
async fn no_page_is_wider_than_a_phone() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let mut pages: Vec<String> = ["index.html", "timeline.html", "problems.html", "404.html"]
        .map(String::from)
        .into();
    pages.extend(
        artifacts(&m)
            .iter()
            .filter_map(|a| a["page"].as_str().map(String::from)),
    );
    for dir in ["print", "folders"] {
        pages.push(format!("{dir}/{}", list_dir_first(&b.site.join(dir))));
    }
    let server = serve(&b.site);
    let browser = launch_with(&[], true).await;
    let c = &browser.client;
    let mut wide = Vec::new();
    for page in &pages {
        open_settled(c, &format!("{}{page}", server.url)).await;
        let r = c
            .execute(
                "return [document.documentElement.clientWidth, document.documentElement.scrollWidth];",
                vec![],
            )
            .await
            .expect("widths");
        let (client, scroll) = (r[0].as_u64().expect("w"), r[1].as_u64().expect("w"));
        assert!(client <= 390, "the viewport is a phone's: {client}");
        if scroll > client {
            wide.push(format!("{page}: {scroll} px"));
        }
    }
    assert!(wide.is_empty(), "wider than the screen: {wide:?}");
    browser.client.clone().close().await.expect("close");
}

/// A Chrome DevTools Protocol command, through chromedriver.
#[derive(Debug)]
struct Cdp(serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// Printed (print media, on an A4 page's printable width: 182 mm = 688 CSS
/// px), an acceptance pack's page has no text under 10 pt, nothing wider
/// than the page (which would make Chromium shrink it all), the verifier
/// chrome hidden, and the file's SHA-256 in a footer.
#[tokio::test(flavor = "multi_thread")]
async fn printed_pack_keeps_text_at_10pt_and_fits_the_page() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let pack = artifact_entry(&m, "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md");
    let server = serve(&b.site);
    let printed = format!("print/{}", list_dir_first(&b.site.join("print")));
    for page in [pack["page"].as_str().expect("page"), printed.as_str()] {
        print_check(&server.url, page, pack["sha256"].as_str().expect("sha")).await;
    }
}

async fn print_check(base: &str, page: &str, sha256: &str) {
    let browser = launch().await;
    let c = &browser.client;
    open_settled(c, &format!("{base}{page}")).await;
    for cmd in [
        serde_json::json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}}),
        serde_json::json!({"cmd": "Emulation.setDeviceMetricsOverride",
            "params": {"width": 688, "height": 1000, "deviceScaleFactor": 1, "mobile": false}}),
    ] {
        c.issue_cmd(Cdp(cmd)).await.expect("cdp");
    }
    let r = c
        .execute(
            "const small = []; let min = 1e9;
             for (const e of document.querySelectorAll('body *')) {
               const s = getComputedStyle(e);
               if (s.display === 'none' || s.visibility === 'hidden' || !e.getClientRects().length) continue;
               const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
               if (!text || e.closest('.visually-hidden, .sr')) continue;
               const px = parseFloat(s.fontSize); min = Math.min(min, px);
               if (px < 13.3) small.push(e.tagName + '.' + e.className + ' ' + px + 'px');
             }
             const viewer = document.getElementById('vouch-viewer');
             return {min, small: small.slice(0, 8), width: document.documentElement.scrollWidth,
               viewer: viewer ? getComputedStyle(viewer).display : 'none',
               footer: [...document.querySelectorAll('.print-footer')].map(e => getComputedStyle(e).display + ' ' + e.textContent).join('')};",
            vec![],
        )
        .await
        .expect("measure");
    assert_eq!(
        r["small"],
        serde_json::json!([]),
        "{page}: text under 10 pt: {r}"
    );
    assert!(
        r["width"].as_u64().expect("width") <= 688,
        "{page}: wider than the page: {r}"
    );
    assert_eq!(
        r["viewer"], "none",
        "{page}: the verifier chrome is not printed"
    );
    let footer = r["footer"].as_str().expect("footer");
    assert!(
        footer.starts_with("block") && footer.contains(sha256),
        "{page}: {footer}"
    );
    browser.client.clone().close().await.expect("close");
}

/// Opened from disk (`file://`), every static page reads, and where the
/// viewer cannot start the page says what to do instead; served, the note
/// is gone.
#[tokio::test(flavor = "multi_thread")]
async fn opened_from_disk_pages_read_and_say_how_to_check() {
    let b = build(&fixture("audit"));
    let browser = launch().await;
    let c = &browser.client;
    let url = url::Url::from_file_path(b.site.join("index.html")).expect("file URL");
    c.goto(url.as_str()).await.expect("open");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let note = c
        .find(Locator::Css("[data-viewer-fallback]"))
        .await
        .expect("the note is there");
    assert!(note.is_displayed().await.expect("displayed"));
    assert!(note.text().await.expect("text").contains("vouch serve"));
    // The static pages work: follow the first artifact link to its page.
    let link = c
        .find(Locator::Css("table.artifacts td.path a"))
        .await
        .expect("an artifact link");
    link.click().await.expect("click");
    let html = c.source().await.expect("source");
    assert!(html.contains(r#"class="facts artifact-facts""#), "{html}");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .as_str()
            .starts_with("file://")
    );

    // Served, the viewer runs and the note is gone.
    let server = serve(&b.site);
    c.goto(&server.url).await.expect("open");
    final_status(c).await;
    assert!(
        c.find(Locator::Css("[data-viewer-fallback]"))
            .await
            .is_err(),
        "the viewer removes the note"
    );
    browser.client.clone().close().await.expect("close");
}

/// A 3 × 2 red PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x03\x00\x00\x00\x02\x08\x02\x00\x00\x00\x12\x16\xf1\x4d\x00\x00\x00\x10\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x41\x0c\x70\x16\x00\x41\xd2\x05\xfb\x87\xf0\xb9\x48\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/// Image evidence (a branch-protection screenshot) is shown on its page,
/// from its content-addressed object, under the site's CSP; a file that
/// only claims to be an image by its name is not.
#[tokio::test(flavor = "multi_thread")]
async fn image_evidence_is_shown_inline() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    std::fs::write(input.join("branch-protection.png"), PNG).expect("write");
    std::fs::write(input.join("fake.png"), b"not an image").expect("write");
    let b = build(&input);
    let m = manifest(&b.site);
    let page = |path: &str| artifact_page(&m, path);
    let fake = std::fs::read_to_string(b.site.join(page("fake.png"))).expect("page");
    assert!(!fake.contains("<img"), "only real images are shown");
    let server = serve(&b.site);
    let browser = launch().await;
    let c = &browser.client;
    open_settled(
        c,
        &format!("{}{}", server.url, page("branch-protection.png")),
    )
    .await;
    let size = c
        .execute(
            "const i = document.querySelector('.evidence-image img'); \
             return i ? [i.complete, i.naturalWidth, i.naturalHeight, i.alt] : null;",
            vec![],
        )
        .await
        .expect("image");
    assert_eq!(size[0], true, "{size}");
    assert_eq!(
        (size[1].as_u64(), size[2].as_u64()),
        (Some(3), Some(2)),
        "{size}"
    );
    assert!(size[3].as_str().expect("alt").contains("PNG image"));
    browser.client.clone().close().await.expect("close");
}

/// The search results' links (`a[data-search-result]`) once they appear.
async fn search_results(c: &Client, query: &str) -> Vec<(String, String)> {
    // Waited for: on a loaded runner (CI's two cores, every browser test
    // at once) the page may still be coming in when `goto` returns.
    let input = match c
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("input#search"))
        .await
    {
        Ok(input) => input,
        Err(e) => panic!(
            "input#search on {:?}: {e}",
            c.current_url().await.map(|u| u.to_string())
        ),
    };
    input.clear().await.expect("clear");
    input.send_keys(query).await.expect("type");
    let started = Instant::now();
    loop {
        let count = attr(c, "#search-results .search-count", "class").await;
        if count.is_some() || started.elapsed() > TIMEOUT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut out = Vec::new();
    for a in c
        .find_all(Locator::Css("a[data-search-result]"))
        .await
        .expect("results")
    {
        out.push((
            a.attr("data-search-result")
                .await
                .expect("attr")
                .unwrap_or_default(),
            a.attr("href").await.expect("href").unwrap_or_default(),
        ));
    }
    out
}

/// Full-text search from every page's header: a stage's acceptance pack is
/// the first result for "stage 1.0 acceptance", a word from a report's text
/// finds it, nothing is found for a word no file has; and the same works
/// opened from disk.
#[tokio::test(flavor = "multi_thread")]
async fn search_finds_a_stage_pack_served_and_from_disk() {
    let b = build(&fixture("audit"));
    let server = serve(&b.site);
    let browser = launch().await;
    let c = &browser.client;
    let phase = artifact_page(
        &manifest(&b.site),
        "docs/evidence/STAGE1.0_PHASE0_REPORT.md",
    );
    for start in [
        server.url.clone(),
        format!("{}{phase}", server.url),
        url::Url::from_file_path(b.site.join("index.html"))
            .expect("file URL")
            .to_string(),
    ] {
        c.goto(&start).await.expect("open");
        let results = search_results(c, "stage 1.0 acceptance").await;
        assert_eq!(
            results.first().map(|r| r.0.as_str()),
            Some("docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md"),
            "{start}: {results:?}"
        );
        // The link leads to the pack's page.
        let href = &results[0].1;
        let target = url::Url::parse(&start)
            .expect("url")
            .join(href)
            .expect("join");
        c.goto(target.as_str()).await.expect("follow");
        assert!(c.title().await.expect("title").contains("Acceptance Pack"));
        c.goto(&start).await.expect("back");
        let none = search_results(c, "zyxwvutsrq").await;
        assert!(none.is_empty(), "{none:?}");
        assert!(
            c.find(Locator::Css("#search-results .search-count"))
                .await
                .expect("count")
                .text()
                .await
                .expect("text")
                .starts_with("No results")
        );
    }
    // A match in a heading links to that heading, which the page has.
    c.goto(&server.url).await.expect("open");
    let results = search_results(c, "parser fuzzing").await;
    let (_, href) = results
        .iter()
        .find(|r| r.0 == "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md")
        .unwrap_or_else(|| panic!("the pack is found: {results:?}"));
    assert!(href.ends_with("#h-gate-1-parser-fuzzing-green"), "{href}");
    c.goto(&format!("{}{href}", server.url))
        .await
        .expect("follow");
    let heading = c
        .find(Locator::Css("#h-gate-1-parser-fuzzing-green"))
        .await
        .expect("the heading has that id");
    assert!(
        heading
            .text()
            .await
            .expect("text")
            .starts_with("Gate 1: Parser Fuzzing Green")
    );
    browser.client.clone().close().await.expect("close");
}

/// An index large enough to be split into many shards: each report has a
/// word of its own, the words start with different pairs of letters, so
/// they hash to different shards, and every one is found, alone and with a
/// word from another shard. The shard each term is in is computed by the
/// generator and again by the search script: this fails when they differ.
#[tokio::test(flavor = "multi_thread")]
async fn search_finds_words_in_every_shard() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    let a = |k: usize| char::from(b'a' + (k % 26) as u8);
    let letters = |i: usize| format!("{}{}{}quill", a(i), a(i / 26 + 7), a(i * 7 + 3));
    // 1,800 words of three letters, all within the 8 KiB of text indexed:
    // 64 documents make about 115,000 postings, 32 shards.
    let filler: String = (0..1800)
        .map(|k| format!("{}{}{} ", a(k), a(k / 26), a(k / 676)))
        .collect();
    for i in 0..64 {
        std::fs::write(
            input.join(format!("REPORT_{i:02}.md")),
            format!(
                "# Report {i}\n\nThis report mentions {} once.\n\n{filler}\n",
                letters(i)
            ),
        )
        .expect("write");
    }
    let b = build(&input);
    let meta = std::fs::read_to_string(b.site.join("search/meta.js")).expect("meta");
    let shards: u32 = meta
        .split("\"shards\":")
        .nth(1)
        .and_then(|t| t.split('}').next()?.parse().ok())
        .expect("shard count");
    assert!(shards >= 16, "{meta}");
    let (_server, browser) = open_site(&b.site, "").await;
    let c = &browser.client;
    for i in (0..64).step_by(5) {
        let want = format!("REPORT_{i:02}.md");
        for query in [letters(i), format!("report {}", letters(i))] {
            let results = search_results(c, &query).await;
            assert_eq!(
                results.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
                [want.as_str()],
                "{query}"
            );
        }
    }
    browser.client.clone().close().await.expect("close");
}

/// A report's page: the verdict shows in the bar above the document. The
/// folder tree in the browser: opened, it marks the page being read,
/// and its folder link leads to a folder page that lists that file.
#[tokio::test(flavor = "multi_thread")]
async fn folder_tree_marks_the_page_and_leads_to_its_folder() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let server = serve(&b.site);
    let browser = launch().await;
    let c = &browser.client;
    let pack = artifact_page(&m, "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md");
    open_settled(c, &format!("{}{pack}", server.url)).await;
    // The verdict is in the summary bar above the document.
    assert_eq!(
        settled(c, "#bar-verdict", "data-status", &["running"]).await,
        "verified"
    );
    c.find(Locator::Css(".tree-box > summary"))
        .await
        .expect("tree")
        .click()
        .await
        .expect("open the tree");
    let current = c
        .find(Locator::Css(r#"nav#tree a[aria-current="page"]"#))
        .await
        .expect("the current page is marked");
    assert!(current.is_displayed().await.expect("shown"));
    assert_eq!(
        current.text().await.expect("text"),
        "STAGE1.0_ACCEPTANCE_PACK.md"
    );
    let folders = c
        .find_all(Locator::Css("nav#tree li.open > a"))
        .await
        .expect("open folders");
    let evidence = {
        let mut found = None;
        for a in folders {
            if a.text().await.expect("text") == "evidence/" {
                found = Some(a);
            }
        }
        found.expect("docs/evidence is open in the tree")
    };
    evidence.click().await.expect("follow");
    assert!(c.title().await.expect("title").starts_with("docs/evidence"));
    assert!(
        c.find(Locator::Css(
            r#"tr[data-path="docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md"]"#
        ))
        .await
        .is_ok()
    );
    browser.client.clone().close().await.expect("close");
}

/// A long timeline lays out only the stages near the viewport: 25 stages of
/// 400 rows took one 1.4 s task at 50,000 reports. The stages further down
/// are skipped until scrolled to, and a link to one still reaches it.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_timeline_lays_out_only_the_stages_in_view() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    for stage in 1..=30 {
        for phase in 1..=4 {
            std::fs::write(
                input.join(format!("STAGE{stage}_PHASE{phase}_REPORT.md")),
                format!("# Stage {stage} phase {phase} report\n\n**Status:** PASS\n"),
            )
            .expect("write");
        }
    }
    let b = build(&input);
    let server = serve(&b.site);
    let browser = launch().await;
    let c = &browser.client;
    c.goto(&format!("{}timeline.html", server.url))
        .await
        .expect("open");
    // A stage's heading is skipped while the stage's content is. Which
    // stages are laid out is settled as a frame is drawn: asked after two.
    let shown = |id: &'static str| async move {
        c.execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => done(\
                 document.querySelector('#{id} h2').checkVisibility({{contentVisibilityAuto: true}}))));"
            ),
            vec![],
        )
        .await
        .expect("checkVisibility")
        .as_bool()
        .expect("a boolean")
    };
    assert!(shown("stage-1").await, "the first stage is laid out");
    assert!(!shown("stage-30").await, "the last stage waits");
    c.goto(&format!("{}timeline.html#stage-30", server.url))
        .await
        .expect("follow the link");
    assert!(
        shown("stage-30").await,
        "a link to the last stage reaches it"
    );
    browser.client.clone().close().await.expect("close");
}
