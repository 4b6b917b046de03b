//! Trust gaps, each test named after the attack or mistake it replays
//! (issue 10). The data-loss cases of `--out` are in `out.rs`.

use std::process::Command;

use crate::common::*;

/// Names a file system allows and naive tools choke on: a backslash, a
/// newline, a tab, DEL, U+0085, and a terminal escape sequence.
#[cfg(unix)]
#[test]
fn odd_file_names_build_verify_and_check_with_sha256sum() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    let names = [
        "back\\slash.md",
        "new\nline.md",
        "tab\there.txt",
        "del\u{7f}.log",
        "nel\u{85}.md",
        "esc\u{1b}[31mred.md",
    ];
    for n in names {
        std::fs::write(input.join(n), format!("# {n:?}\n\nStatus: PASS\n")).expect("write");
    }
    let check = vouch().arg("check").arg(&input).output().expect("check");
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let b = build(&input);
    let m = manifest(&b.site);
    let paths: Vec<&str> = artifacts(&m)
        .iter()
        .filter_map(|a| a["path"].as_str())
        .collect();
    for n in names {
        assert!(paths.contains(&n), "{n:?} missing from {paths:?}");
    }
    let sums = Command::new("sha256sum")
        .args(["-c", "--quiet", "--strict", "SHA256SUMS"])
        .current_dir(&b.site)
        .output()
        .expect("sha256sum");
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
    let v = vouch().arg("verify").arg(&b.site).output().expect("verify");
    assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));

    // Tamper with the escape-named file: the report names it, escaped.
    let url = artifacts(&m)
        .iter()
        .find(|a| a["path"] == "esc\u{1b}[31mred.md")
        .and_then(|a| a["url"].as_str())
        .expect("url")
        .to_owned();
    flip_byte(&b.site.join(url), 2);
    let v = vouch().arg("verify").arg(&b.site).output().expect("verify");
    assert_eq!(v.status.code(), Some(1));
    let out = stdout_of(&v);
    assert!(
        !out.contains('\u{1b}'),
        "a raw escape reached the terminal: {out:?}"
    );
    assert!(out.contains("esc\\u{1b}[31mred.md"), "{out}");
}

/// `check` used a predictable `/tmp/vouch-check-<pid>` and followed a
/// symlink planted there. It now reads INPUT in place: nothing is created
/// in the temporary folder, and INPUT is untouched.
#[test]
fn check_writes_no_scratch_copy_anywhere() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scratch = tmp.path().join("tmp");
    std::fs::create_dir_all(&scratch).expect("mkdir");
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("audit"), &input);
    let before = list_files(&input);
    let out = vouch()
        .env("TMPDIR", &scratch)
        .arg("check")
        .arg(&input)
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_dir(&scratch).expect("ls").count(),
        0,
        "check wrote into the temporary folder"
    );
    assert_eq!(list_files(&input), before);
    let siblings: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(siblings.len(), 2, "{siblings:?}");
}

/// A secret key readable by others is used, with a warning as ssh gives.
#[cfg(unix)]
#[test]
fn world_readable_secret_key_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = keygen(&tmp.path().join("keys"));
    let key = keys.join("vouch.key");
    let sign = |mode: u32| {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).expect("chmod");
        vouch()
            .arg("build")
            .arg(fixture("basic"))
            .arg("--out")
            .arg(tmp.path().join(format!("site-{mode:o}")))
            .arg("--sign")
            .arg(&key)
            .output()
            .expect("build")
    };
    let exposed = sign(0o666);
    assert!(exposed.status.success());
    let err = String::from_utf8_lossy(&exposed.stderr);
    assert!(
        err.contains("accessible by others (mode 666)") && err.contains("chmod 600"),
        "{err}"
    );
    let private = sign(0o600);
    assert!(private.status.success());
    assert!(!String::from_utf8_lossy(&private.stderr).contains("accessible by others"));
}

fn key_id(keys: &std::path::Path) -> String {
    let text = std::fs::read_to_string(keys.join("vouch.pub")).expect("pub");
    text.lines()
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .expect("key id in the untrusted comment")
        .to_owned()
}

/// A host served a history signed by another key; a signed build chained
/// onto it and signed it, and the real history was gone. Now the build
/// refuses, naming both keys, unless the other key is trusted explicitly.
#[test]
fn forged_history_signed_by_another_key_is_not_laundered() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ours = keygen(&tmp.path().join("ours"));
    let theirs = keygen(&tmp.path().join("theirs"));
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    let forged = tmp.path().join("forged");
    let key = |k: &std::path::Path| k.join("vouch.key").to_string_lossy().into_owned();
    build_snapshot(&input, &forged, 0, &["--sign", &key(&theirs)]);

    let site = tmp.path().join("site");
    let forged_arg = forged.to_string_lossy().into_owned();
    let out = vouch()
        .arg("build")
        .arg(&input)
        .arg("--out")
        .arg(&site)
        .args(["--previous", &forged_arg, "--sign", &key(&ours)])
        .output()
        .expect("build");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&key_id(&theirs)) && err.contains(&key_id(&ours)),
        "{err}"
    );
    assert!(!site.exists(), "nothing was published");

    // After a real key rotation, the old key is trusted by name.
    let theirs_pub = theirs.join("vouch.pub").to_string_lossy().into_owned();
    build_snapshot(
        &input,
        &site,
        1,
        &[
            "--previous",
            &forged_arg,
            "--sign",
            &key(&ours),
            "--trust-previous-key",
            &theirs_pub,
        ],
    );
    // An unsigned history is refused too, unless that is said on purpose.
    let unsigned = tmp.path().join("unsigned");
    build_snapshot(&input, &unsigned, 0, &[]);
    let unsigned_arg = unsigned.to_string_lossy().into_owned();
    let out = vouch()
        .arg("build")
        .arg(&input)
        .arg("--out")
        .arg(tmp.path().join("site2"))
        .args(["--previous", &unsigned_arg, "--sign", &key(&ours)])
        .output()
        .expect("build");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trust-previous-key unsigned"));
    build_snapshot(
        &input,
        &tmp.path().join("site2"),
        1,
        &[
            "--previous",
            &unsigned_arg,
            "--sign",
            &key(&ours),
            "--trust-previous-key",
            "unsigned",
        ],
    );
}

/// `verify --pubkey` checked only the current signature: a retained
/// snapshot re-signed by another key passed.
#[test]
fn verify_checks_every_retained_snapshot_signature() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ours = keygen(&tmp.path().join("ours"));
    let theirs = keygen(&tmp.path().join("theirs"));
    let key = ours.join("vouch.key").to_string_lossy().into_owned();
    let (_, site) = three_snapshots(tmp.path(), &["--sign", &key]);
    let pubkey = ours.join("vouch.pub").to_string_lossy().into_owned();
    let ok = vouch()
        .arg("verify")
        .arg(&site)
        .args(["--pubkey", &pubkey])
        .output()
        .expect("verify");
    assert_eq!(ok.status.code(), Some(0), "{}", stdout_of(&ok));
    assert!(
        stdout_of(&ok).contains("2 of 2 retained snapshots verified"),
        "{}",
        stdout_of(&ok)
    );

    // Re-sign the oldest retained snapshot with another key (same bytes).
    let history = history_json(&site);
    let archived = history["snapshots"][1]["manifest"]
        .as_str()
        .expect("manifest")
        .to_owned();
    let other = tmp.path().join("other-site");
    std::fs::create_dir_all(&other).expect("mkdir");
    let status = Command::new("minisign")
        .args(["-S", "-s"])
        .arg(theirs.join("vouch.key"))
        .arg("-m")
        .arg(site.join(&archived))
        .arg("-x")
        .arg(site.join(format!("{archived}.minisig")))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("minisign");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let bad = vouch()
        .arg("verify")
        .arg(&site)
        .args(["--pubkey", &pubkey])
        .output()
        .expect("verify");
    assert_eq!(bad.status.code(), Some(1), "{}", stdout_of(&bad));
    let id = archived.split('/').nth(1).expect("id");
    assert!(
        stdout_of(&bad).contains(&format!("signature snapshot {id}")),
        "{}",
        stdout_of(&bad)
    );
}

/// Tamper with an artifact and delete its line from the unsigned
/// SHA256SUMS: `minisign -Vm manifest.json && sha256sum -c SHA256SUMS` both
/// passed. SHA256SUMS is now signed and lists the manifest, and `vouch
/// verify` reports any disagreement between the two.
#[test]
fn sha256sums_with_a_line_removed_is_caught() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = keygen(&tmp.path().join("keys"));
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    let site = tmp.path().join("site");
    let key = keys.join("vouch.key").to_string_lossy().into_owned();
    build_snapshot(&input, &site, 0, &["--sign", &key]);
    let pubkey = keys.join("vouch.pub");
    let minisign_ok = |file: &str| {
        Command::new("minisign")
            .args(["-V", "-m", file, "-p"])
            .arg(&pubkey)
            .current_dir(&site)
            .output()
            .expect("minisign")
            .status
            .success()
    };
    assert!(minisign_ok("manifest.json") && minisign_ok("SHA256SUMS"));
    let sums_ok = || {
        Command::new("sha256sum")
            .args(["-c", "--quiet", "SHA256SUMS"])
            .current_dir(&site)
            .status()
            .expect("sha256sum")
            .success()
    };
    assert!(sums_ok());
    let sums = std::fs::read_to_string(site.join("SHA256SUMS")).expect("sums");
    assert!(sums.lines().any(|l| l.ends_with("  manifest.json")));

    // The attack: flip a byte of an artifact, drop its line.
    let m = manifest(&site);
    let url = artifacts(&m)[0]["url"].as_str().expect("url").to_owned();
    flip_byte(&site.join(&url), 0);
    let edited: String = sums
        .lines()
        .filter(|l| !l.ends_with(&format!("  {url}")))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(site.join("SHA256SUMS"), edited).expect("write");
    assert!(sums_ok(), "sha256sum alone cannot see a missing line");
    assert!(!minisign_ok("SHA256SUMS"), "the signed SHA256SUMS shows it");
    let v = vouch()
        .arg("verify")
        .arg(&site)
        .arg("--pubkey")
        .arg(&pubkey)
        .output()
        .expect("verify");
    assert_eq!(v.status.code(), Some(1));
    let out = stdout_of(&v);
    assert!(
        out.contains(&format!("SHA256SUMS does not list {url}")),
        "{out}"
    );
    assert!(out.contains("signature SHA256SUMS.minisig"), "{out}");
}

/// `vouch verify URL` under a 2 GB address-space limit (a host that made it
/// grow past that would crash it), with a 2 s idle timeout; returns the
/// exit code, stdout and stderr, and how long it took.
fn verify_hostile(url: &str) -> (Option<i32>, String, String, std::time::Duration) {
    let started = std::time::Instant::now();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v 2000000; exec \"$0\" verify {url}",))
        .arg(env!("CARGO_BIN_EXE_vouch"))
        .env("VOUCH_HTTP_TIMEOUT", "2")
        .output()
        .expect("verify");
    (
        out.status.code(),
        stdout_of(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        started.elapsed(),
    )
}

/// An endless body, a gzip bomb, a stall, a cross-origin redirect, a
/// redirect to `file://`: each is given up quickly, in bounded memory, with
/// the host named and exit 2.
#[cfg(unix)]
#[test]
fn hostile_hosts_cannot_exhaust_memory_or_time() {
    use std::io::Write;
    let endless = hostile_host(|_, s| {
        headers(s, "200 OK", "Content-Type: application/json\r\n");
        let chunk = vec![b' '; 1 << 16];
        let _ = s.write_all(b"{\"schema_version\": 1, \"pad\": \"");
        while s.write_all(&chunk).is_ok() {}
    });
    let bomb = {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..600 {
            gz.write_all(&zeros).expect("gzip");
        }
        std::sync::Arc::new(gz.finish().expect("gzip"))
    };
    let bomber = hostile_host(move |_, s| {
        headers(
            s,
            "200 OK",
            &format!(
                "Content-Encoding: gzip\r\nContent-Length: {}\r\n",
                bomb.len()
            ),
        );
        let _ = s.write_all(&bomb);
    });
    let staller = hostile_host(|_, s| {
        headers(s, "200 OK", "Content-Type: application/json\r\n");
        let _ = s.write_all(b"{\"schema_");
        std::thread::sleep(std::time::Duration::from_secs(120));
    });
    let elsewhere = hostile_host(|_, s| headers(s, "200 OK", "Content-Length: 2\r\n"));
    let target = elsewhere.url.clone();
    let redirector = hostile_host(move |path, s| {
        let to = if path.contains("manifest") {
            format!("{target}manifest.json")
        } else {
            "file:///etc/passwd".to_owned()
        };
        headers(
            s,
            "302 Found",
            &format!("Location: {to}\r\nContent-Length: 0\r\n"),
        );
    });
    let to_file = hostile_host(|_, s| {
        headers(
            s,
            "302 Found",
            "Location: file:///etc/passwd\r\nContent-Length: 0\r\n",
        );
    });
    for (what, host) in [
        ("endless body", &endless),
        ("gzip bomb", &bomber),
        ("stall", &staller),
        ("cross-origin redirect", &redirector),
        ("redirect to file://", &to_file),
    ] {
        let (code, stdout, stderr, took) = verify_hostile(&host.url);
        assert_eq!(code, Some(2), "{what}: {stdout}{stderr}");
        assert!(
            stderr.contains(&host.url),
            "{what}: the host is not named: {stderr}"
        );
        assert!(took.as_secs() < 30, "{what}: took {took:?}");
        if what.contains("redirect") {
            assert!(stderr.contains("not followed"), "{what}: {stderr}");
        }
    }
}

/// Object bodies were not capped at their declared size: verify hashed
/// forever. Now a body longer than declared is cut off and reported.
#[cfg(unix)]
#[test]
fn object_longer_than_declared_is_cut_off() {
    use std::io::Write;
    let b = build(&fixture("basic"));
    let site = b.site.clone();
    let m = manifest(&site);
    let victim = artifacts(&m)[0]["url"].as_str().expect("url").to_owned();
    let victim_path = format!("/{victim}");
    let host = hostile_host(move |path, s| {
        let file = site.join(path.trim_start_matches('/'));
        match std::fs::read(&file) {
            Ok(bytes) if path == victim_path => {
                headers(s, "200 OK", "");
                let _ = s.write_all(&bytes);
                let chunk = vec![0u8; 1 << 16];
                while s.write_all(&chunk).is_ok() {}
            }
            Ok(bytes) => {
                headers(s, "200 OK", &format!("Content-Length: {}\r\n", bytes.len()));
                let _ = s.write_all(&bytes);
            }
            Err(_) => headers(s, "404 Not Found", "Content-Length: 0\r\n"),
        }
    });
    let (code, stdout, stderr, took) = verify_hostile(&host.url);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("mismatch") && stdout.contains(&victim),
        "{stdout}"
    );
    assert!(took.as_secs() < 30, "took {took:?}");
}

/// A host that keeps serving an old, validly signed snapshot passed. Now a
/// snapshot can carry a signed expiry, and verify reports it `expired`.
#[test]
fn expired_snapshot_is_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = keygen(&tmp.path().join("keys"));
    let key = keys.join("vouch.key").to_string_lossy().into_owned();
    let pubkey = keys.join("vouch.pub").to_string_lossy().into_owned();
    // Built 2026-01-01 (SOURCE_DATE_EPOCH), valid for 7 days: long expired.
    let old = tmp.path().join("old");
    build_snapshot(
        &fixture("basic"),
        &old,
        0,
        &["--sign", &key, "--expires-in", "7"],
    );
    assert_eq!(manifest(&old)["expires_at"], "2026-01-08T00:00:00Z");
    let sig = std::fs::read_to_string(old.join("manifest.json.minisig")).expect("sig");
    assert!(sig.contains("\texpires:2026-01-08T00:00:00Z"), "{sig}");
    let v = vouch()
        .arg("verify")
        .arg(&old)
        .args(["--pubkey", &pubkey])
        .output()
        .expect("verify");
    assert_eq!(v.status.code(), Some(1));
    assert!(stdout_of(&v).contains("expired   this snapshot expired at 2026-01-08T00:00:00Z"));
    // Built now, valid for 30 days: fine.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let fresh = tmp.path().join("fresh");
    let out = Command::new(env!("CARGO_BIN_EXE_vouch"))
        .env("SOURCE_DATE_EPOCH", now.to_string())
        .arg("build")
        .arg(fixture("basic"))
        .arg("--out")
        .arg(&fresh)
        .args(["--sign", &key, "--expires-in", "30"])
        .output()
        .expect("build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = vouch()
        .arg("verify")
        .arg(&fresh)
        .args(["--pubkey", &pubkey])
        .output()
        .expect("verify");
    assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));
    assert!(stdout_of(&v).contains("expires   "));
    // An expiry means nothing unsigned.
    let out = vouch()
        .arg("build")
        .arg(fixture("basic"))
        .arg("--out")
        .arg(tmp.path().join("unsigned"))
        .args(["--expires-in", "7"])
        .output()
        .expect("build");
    assert_eq!(out.status.code(), Some(2));
}

/// A host serving an older snapshot after a newer one was seen, or a
/// history cut short, passed `vouch verify`. `--state` remembers the newest
/// snapshot verified and catches both.
#[test]
fn rollback_and_cut_history_are_caught_by_the_monitor() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    let site = tmp.path().join("site");
    let older = tmp.path().join("older-copy");
    let state = tmp.path().join("monitor.json");
    let verify = || {
        vouch()
            .arg("verify")
            .arg(&site)
            .arg("--state")
            .arg(&state)
            .output()
            .expect("verify")
    };
    std::fs::write(input.join("logs/ci.log"), "run 0\n").expect("write");
    build_snapshot(&input, &site, 0, &[]);
    copy_dir(&site, &older);
    std::fs::write(input.join("logs/ci.log"), "run 1\n").expect("write");
    build_snapshot(&input, &site, 1, &[]);
    let v = verify();
    assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));
    let recorded = std::fs::read_to_string(&state).expect("state");
    assert!(
        recorded.contains(&sha256sum(&site.join("manifest.json"))),
        "{recorded}"
    );

    // The host rolls back to the older snapshot.
    let newer = tmp.path().join("newer-copy");
    std::fs::rename(&site, &newer).expect("mv");
    std::fs::rename(&older, &site).expect("mv");
    let v = verify();
    assert_eq!(v.status.code(), Some(1), "{}", stdout_of(&v));
    assert!(
        stdout_of(&v).contains("rollback  the site serves snapshot"),
        "{}",
        stdout_of(&v)
    );
    assert_eq!(
        std::fs::read_to_string(&state).expect("state"),
        recorded,
        "not updated"
    );

    // Back to the newer one: fine again. Then a new history that dropped it.
    std::fs::remove_dir_all(&site).expect("rm");
    std::fs::rename(&newer, &site).expect("mv");
    assert_eq!(verify().status.code(), Some(0));
    std::fs::write(input.join("logs/ci.log"), "run 2\n").expect("write");
    build_snapshot(&input, &site, 2, &["--previous", "none"]);
    let v = verify();
    assert_eq!(v.status.code(), Some(1), "{}", stdout_of(&v));
    assert!(
        stdout_of(&v).contains("no longer holds snapshot"),
        "{}",
        stdout_of(&v)
    );

    // A file that is not a state file is never overwritten.
    std::fs::write(&state, "my notes\n").expect("write");
    let v = verify();
    assert_eq!(v.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&state).expect("state"),
        "my notes\n"
    );
}

/// `vouch verifier --out DIR` writes the independent verifier, and, like
/// `build`, never overwrites a folder of someone else's files.
#[test]
fn verifier_is_written_only_where_vouch_may_write() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("verifier");
    for _ in 0..2 {
        let out = vouch()
            .arg("verifier")
            .arg("--out")
            .arg(&dir)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let html = std::fs::read_to_string(dir.join("verify.html")).expect("verify.html");
    assert!(html.contains(r#"data-vouch-page="remote""#));
    assert!(
        html.contains("connect-src *"),
        "it may read the site it checks"
    );
    assert!(!html.contains("<script>"), "no inline script");
    assert!(
        list_files(&dir)
            .iter()
            .any(|f| f.starts_with("assets/verify-boot-"))
    );

    let mine = tmp.path().join("mine");
    std::fs::create_dir_all(&mine).expect("mkdir");
    std::fs::write(mine.join("notes.txt"), "keep").expect("write");
    let out = vouch()
        .arg("verifier")
        .arg("--out")
        .arg(&mine)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(list_files(&mine), ["notes.txt"]);
}

/// With `--previous URL`, each archived manifest was fetched twice, and the
/// copy republished was not the copy whose chain was checked: a host could
/// serve a good copy to the check and another to the build. Now each is
/// fetched once.
#[cfg(unix)]
#[test]
fn previous_snapshots_are_fetched_once_and_republished_as_checked() {
    use std::io::Write;
    let tmp = tempfile::tempdir().expect("tempdir");
    let (input, site) = three_snapshots(tmp.path(), &[]);
    let counts: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> =
        Default::default();
    let seen = counts.clone();
    let root = site.clone();
    let host = hostile_host(move |path, s| {
        *seen
            .lock()
            .expect("lock")
            .entry(path.to_owned())
            .or_default() += 1;
        match std::fs::read(root.join(path.trim_start_matches('/'))) {
            Ok(bytes) => {
                headers(s, "200 OK", &format!("Content-Length: {}\r\n", bytes.len()));
                let _ = s.write_all(&bytes);
            }
            Err(_) => headers(s, "404 Not Found", "Content-Length: 0\r\n"),
        }
    });
    let next = tmp.path().join("next");
    std::fs::write(input.join("logs/ci.log"), "run 3\n").expect("write");
    build_snapshot(&input, &next, 3, &["--previous", &host.url]);
    let history = history_json(&site);
    let counts = counts.lock().expect("lock");
    for s in history["snapshots"].as_array().expect("snapshots") {
        let archived = format!("/{}", s["manifest"].as_str().expect("manifest"));
        assert_eq!(counts.get(&archived), Some(&1), "{archived}: {counts:?}");
        // Republished byte for byte.
        assert_eq!(
            std::fs::read(next.join(archived.trim_start_matches('/'))).expect("republished"),
            std::fs::read(site.join(archived.trim_start_matches('/'))).expect("original")
        );
    }
}
