//! Helpers shared by the integration tests.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
};

use tempfile::TempDir;

/// A fixed build time, so outputs are comparable.
pub const EPOCH: &str = "1767225600"; // 2026-01-01T00:00:00Z

pub fn vouch() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vouch"));
    cmd.env("SOURCE_DATE_EPOCH", EPOCH);
    // The secret that signs page records, kept out of the tester's home.
    cmd.env("XDG_CACHE_HOME", cache_home());
    cmd
}

/// One cache folder for every build of this test run.
pub fn cache_home() -> &'static Path {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"))
        .path()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

/// A site built into a temporary folder.
pub struct Built {
    pub tmp: TempDir,
    pub site: PathBuf,
    pub stderr: String,
}

/// Builds `input` into `<tmp>/site`, asserting success.
pub fn build(input: &Path) -> Built {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    let out = vouch()
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(&site)
        .output()
        .expect("run vouch build");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "vouch build failed: {stderr}");
    Built { tmp, site, stderr }
}

pub fn manifest(site: &Path) -> serde_json::Value {
    let bytes = std::fs::read(site.join("manifest.json")).expect("read manifest.json");
    serde_json::from_slice(&bytes).expect("manifest.json is JSON")
}

pub fn artifacts(m: &serde_json::Value) -> &Vec<serde_json::Value> {
    m["artifacts"].as_array().expect("artifacts is an array")
}

/// The manifest's entry for the artifact at `path`.
pub fn artifact_entry<'m>(m: &'m serde_json::Value, path: &str) -> &'m serde_json::Value {
    artifacts(m)
        .iter()
        .find(|a| a["path"] == path)
        .unwrap_or_else(|| panic!("{path} is not an artifact"))
}

/// The page of the artifact at `path`, as the manifest lists it.
pub fn artifact_page(m: &serde_json::Value, path: &str) -> String {
    artifact_entry(m, path)["page"]
        .as_str()
        .unwrap_or_else(|| panic!("{path} has no page"))
        .to_owned()
}

/// SHA-256 of a file by coreutils' `sha256sum`, independent of vouch's code.
pub fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_start_matches('\\')
        .to_owned()
}

/// Every regular file under `dir` except `.git`, relative, `/`-separated,
/// found with std::fs rather than walkdir.
pub fn list_files(dir: &Path) -> Vec<String> {
    fn go(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let entry = entry.expect("entry");
            let ft = entry.file_type().expect("file type");
            let path = entry.path();
            if ft.is_dir() && entry.file_name() != ".git" {
                go(base, &path, out);
            } else if ft.is_file() {
                let rel = path.strip_prefix(base).expect("prefix");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    go(dir, dir, &mut out);
    out.sort();
    out
}

/// Where a site stores the object `sha256`: `objects/<first two hex
/// digits>/<sha256>`, written out here rather than taken from vouch.
pub fn object_path(site: &Path, sha256: &str) -> PathBuf {
    site.join("objects").join(&sha256[..2]).join(sha256)
}

/// How many objects a site stores: the files under `objects/`.
pub fn object_count(site: &Path) -> usize {
    list_files(&site.join("objects")).len()
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read_dir") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("ft").is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

/// An evidence folder with the file names that break naive tools.
pub fn awkward_evidence(dir: &Path) {
    let files: &[(&str, &[u8])] = &[
        (
            "a b/report one.md",
            b"# Report one\n\nSee [two](../x%231.md).\n",
        ),
        ("x#1.md", b"# Hash in name\n"),
        ("why?.txt", b"question mark\n"),
        ("100%25 done.md", b"# Looks encoded\n"),
        ("100% done.md", b"# Really a percent\n"),
        ("\u{fc}n\u{ef}code \u{2705}.md", "# Unicode ✅\n".as_bytes()),
        ("Case.md", b"# Upper\n"),
        ("case.md", b"# Lower\n"),
        (".hidden/secret-looking.txt", b"hidden files are evidence\n"),
        (".github/workflows/ci.yml", b"on: push\n"),
        ("empty.log", b""),
        ("dup-a.txt", b"same bytes\n"),
        ("dup-b.txt", b"same bytes\n"),
        (".git/config", b"[core]\n\tbare = false\n"),
    ];
    for (path, bytes) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", dir.join("link-to-passwd")).expect("symlink");
}

/// Builds [`awkward_evidence`] from a fresh temporary folder. Keep the
/// returned `TempDir` alive while using the paths.
pub fn build_awkward() -> (TempDir, PathBuf, Built) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    awkward_evidence(&input);
    let built = build(&input);
    (tmp, input, built)
}

/// A running `vouch serve`; killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// `127.0.0.1:PORT`, for raw connections.
    pub fn addr(&self) -> String {
        let url = self.url.trim_start_matches("http://");
        url.trim_end_matches('/').to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(site: &Path) -> Server {
    let mut child = vouch()
        .args(["serve", "--port", "0"])
        .arg(site)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn vouch serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read serve output");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    Server { child, url }
}

pub struct Fetched {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

pub fn get(url: &str) -> Fetched {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = resp
        .into_body()
        .into_with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .expect("body");
    Fetched {
        status,
        content_type,
        body,
    }
}

/// Flips the lowest bit of the byte at `offset`.
pub fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[offset] ^= 1;
    std::fs::write(path, bytes).expect("write");
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every input file is listed once, with the hash and size coreutils
/// computes, and its raw bytes are served unchanged at `url`.
pub fn assert_manifest_matches_input(input: &Path, site: &Path) {
    let m = manifest(site);
    let listed: Vec<&str> = artifacts(&m)
        .iter()
        .map(|a| a["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        listed,
        list_files(input),
        "manifest must list every input file, sorted"
    );
    for a in artifacts(&m) {
        let path = a["path"].as_str().expect("path");
        let src = input.join(path);
        let sha = a["sha256"].as_str().expect("sha256");
        assert_eq!(
            sha,
            sha256sum(&src),
            "{path}: sha256 differs from sha256sum"
        );
        assert_eq!(
            a["size"].as_u64(),
            Some(std::fs::metadata(&src).expect("stat").len()),
            "{path}"
        );
        let url = a["url"].as_str().expect("url");
        let served = std::fs::read(site.join(url)).unwrap_or_else(|e| panic!("{path}: {url}: {e}"));
        assert_eq!(
            served,
            std::fs::read(&src).expect("read"),
            "{path}: bytes at {url} differ"
        );
        assert!(
            site.join(a["page"].as_str().expect("page")).is_file(),
            "{path}: no page"
        );
    }
    assert_eq!(m["schema_version"], 1);
    assert_eq!(m["generator"]["name"], "vouch");
    assert_eq!(
        m["built_at"], "2026-01-01T00:00:00Z",
        "SOURCE_DATE_EPOCH is the build time"
    );
}

/// The hostile fixture plus what is too big or too special to commit: a
/// 50 MB binary, a 5 MB line, 100,000-deep JSON and Markdown, deeply nested
/// raw HTML, symlinks out of the folder, and a FIFO.
pub fn hostile_evidence(dir: &Path) {
    copy_dir(&fixture("hostile"), dir);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let big: Vec<u8> = (0..50_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(dir.join("big.bin"), big).expect("write");
    let mut line = vec![b'x'; 5 << 20];
    line.push(b'\n');
    std::fs::write(dir.join("long-line.log"), line).expect("write");
    let n = 100_000;
    std::fs::write(
        dir.join("deep.json"),
        format!("{}{}", "[".repeat(n), "]".repeat(n)),
    )
    .expect("write");
    std::fs::write(
        dir.join("deep-object.json"),
        format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)),
    )
    .expect("write");
    std::fs::write(
        dir.join("deep-quote.md"),
        format!("{} deep\n", ">".repeat(n)),
    )
    .expect("write");
    std::fs::write(
        dir.join("deep-html.md"),
        format!("{}x{}", "<div>".repeat(80_000), "</div>".repeat(80_000)),
    )
    .expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd-link.md")).expect("symlink");
        std::os::unix::fs::symlink("/etc", dir.join("etc-link")).expect("symlink");
        let fifo = Command::new("mkfifo")
            .arg(dir.join("pipe"))
            .status()
            .expect("mkfifo");
        assert!(fifo.success());
    }
}

/// A temporary copy of fixture `name` at `<tmp>/evidence`, and where its
/// site goes (`<tmp>/site`, not built yet).
pub fn fixture_copy(name: &str) -> (TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    copy_dir(&fixture(name), &input);
    let site = tmp.path().join("site");
    (tmp, input, site)
}

/// Builds `input` into `site` as snapshot number `n` (its time), with `args`.
pub fn build_snapshot(input: &Path, site: &Path, n: u32, args: &[&str]) -> Output {
    build_snapshot_with(vouch(), input, site, n, args)
}

/// [`build_snapshot`] by `vouch`, a command set up by the caller.
pub fn build_snapshot_with(
    mut vouch: Command,
    input: &Path,
    site: &Path,
    n: u32,
    args: &[&str],
) -> Output {
    let out = vouch
        .env(
            "SOURCE_DATE_EPOCH",
            (1_767_225_600 + n * 86_400).to_string(),
        )
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(site)
        .args(args)
        .output()
        .expect("build");
    assert!(
        out.status.success(),
        "build {n}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A built site's `audit.json`.
pub fn audit_json(site: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(site.join("audit.json")).expect("audit.json"))
        .expect("audit.json is JSON")
}

/// A built site's `history.json`.
pub fn history_json(site: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(site.join("history.json")).expect("history.json"))
        .expect("history.json is JSON")
}

/// The id of the `i`th retained snapshot in a `history.json` (0: the
/// newest before the current one).
pub fn retained_id(history: &serde_json::Value, i: usize) -> String {
    history["snapshots"][i]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// One document of an `audit.json`, by path.
pub fn audit_doc<'a>(audit: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    audit["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["path"] == path)
        .unwrap_or_else(|| panic!("no document {path}"))
}

/// A fresh unencrypted key pair in `dir` (`vouch keygen`); returns `dir`.
pub fn keygen(dir: &std::path::Path) -> std::path::PathBuf {
    let out = vouch()
        .args(["keygen", "--unencrypted", "--out-dir"])
        .arg(dir)
        .output()
        .expect("keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.to_path_buf()
}

/// The `basic` fixture copied to `dir/evidence` and built three times into
/// `dir/site` (the CI log changes each time), with `args` added to each
/// build. Returns the input and the site.
pub fn three_snapshots(dir: &Path, args: &[&str]) -> (PathBuf, PathBuf) {
    let input = dir.join("evidence");
    copy_dir(&fixture("basic"), &input);
    let site = dir.join("site");
    for n in 0..3 {
        std::fs::write(input.join("logs/ci.log"), format!("run {n}\n")).expect("write");
        build_snapshot(&input, &site, n, args);
    }
    (input, site)
}

/// [`three_snapshots`], each signed by a fresh key pair made in
/// `dir/keys`; returns that folder (`vouch.key`, `vouch.pub`), the input
/// and the site.
pub fn three_signed_snapshots(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let keys = keygen(&dir.join("keys"));
    let key = keys.join("vouch.key");
    let (input, site) = three_snapshots(dir, &["--sign", key.to_str().expect("utf8")]);
    (keys, input, site)
}

/// Asserts that the real `minisign` accepts `site`'s manifest.json under
/// the public key file `pubkey`.
pub fn assert_minisign_accepts(site: &Path, pubkey: &Path) {
    let out = std::process::Command::new("minisign")
        .args(["-Vm", "manifest.json", "-p"])
        .arg(pubkey)
        .current_dir(site)
        .output()
        .expect("run minisign (Debian package minisign; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A host that misbehaves on purpose (or measures its client), on
/// 127.0.0.1: each request is answered by `respond(path, stream)` on a
/// thread of its own.
pub struct HostileHost {
    pub url: String,
    _thread: std::thread::JoinHandle<()>,
}

pub fn hostile_host(
    respond: impl Fn(&str, &mut std::net::TcpStream) + Send + Sync + 'static,
) -> HostileHost {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let respond = std::sync::Arc::new(respond);
    let thread = std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let respond = respond.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                respond(&path, &mut stream);
            });
        }
    });
    HostileHost {
        url,
        _thread: thread,
    }
}

/// Writes a response's status line and headers (`extra`: each ending in
/// `\r\n`), closing the connection after it.
pub fn headers(stream: &mut std::net::TcpStream, status: &str, extra: &str) {
    use std::io::Write;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nConnection: close\r\n{extra}\r\n"
    );
}

/// A static host for `site` that counts the requests for each path, and
/// the requests it holds at once: it holds each request `hold` picks until
/// four are held (or a second passes), so a client that keeps four or more
/// in flight shows it.
pub struct CountingHost {
    pub url: String,
    /// (requests held now, the most held at once)
    state: std::sync::Arc<(std::sync::Mutex<(usize, usize)>, std::sync::Condvar)>,
    requests: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, usize>>>,
    _host: HostileHost,
}

impl CountingHost {
    pub fn most_in_flight(&self) -> usize {
        self.state.0.lock().expect("lock").1
    }

    /// How many times each path was asked for.
    pub fn requests(&self) -> std::collections::BTreeMap<String, usize> {
        self.requests.lock().expect("lock").clone()
    }
}

pub fn counting_host(site: &Path, hold: fn(&str) -> bool) -> CountingHost {
    use std::io::Write;
    let state = std::sync::Arc::new((std::sync::Mutex::new((0, 0)), std::sync::Condvar::new()));
    let root = site.to_path_buf();
    let held = state.clone();
    let requests = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let asked = requests.clone();
    let host = hostile_host(move |path, stream| {
        let rel = path
            .trim_start_matches('/')
            .split(['?', '#'])
            .next()
            .unwrap_or("");
        *asked
            .lock()
            .expect("lock")
            .entry(rel.to_owned())
            .or_default() += 1;
        let (lock, cv) = &*held;
        if hold(rel) {
            let mut s = lock.lock().expect("lock");
            s.0 += 1;
            s.1 = s.1.max(s.0);
            cv.notify_all();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            while s.0 < 4 {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                s = cv.wait_timeout(s, left).expect("wait").0;
            }
        }
        match std::fs::read(root.join(rel)) {
            Ok(body) if !rel.is_empty() => {
                headers(
                    stream,
                    "200 OK",
                    &format!("Content-Length: {}\r\n", body.len()),
                );
                let _ = stream.write_all(&body);
            }
            _ => headers(stream, "404 Not Found", "Content-Length: 0\r\n"),
        }
        if hold(rel) {
            lock.lock().expect("lock").0 -= 1;
        }
    });
    CountingHost {
        url: host.url.clone(),
        state,
        requests,
        _host: host,
    }
}
