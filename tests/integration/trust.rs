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
    let keys = tmp.path().join("keys");
    let out = vouch()
        .args(["keygen", "--unencrypted", "--out-dir"])
        .arg(&keys)
        .output()
        .expect("keygen");
    assert!(out.status.success());
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

fn keygen(dir: &std::path::Path) -> std::path::PathBuf {
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
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    let site = tmp.path().join("site");
    let key = ours.join("vouch.key").to_string_lossy().into_owned();
    for n in 0..3 {
        std::fs::write(input.join("logs/ci.log"), format!("run {n}\n")).expect("write");
        build_snapshot(&input, &site, n, &["--sign", &key]);
    }
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
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("history.json")).expect("h"))
            .expect("json");
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
