//! Signed snapshots: minisign interop both ways, tamper and wrong-key
//! rejection, the snapshot chain, retention with deduplicated storage,
//! reproducibility, `--previous URL`, `verify --rebuild`, in-toto.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use crate::common::*;

fn minisign(args: &[&str], dir: &Path) -> Output {
    Command::new("minisign")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run minisign (Debian package minisign; .ci/run installs it)")
}

fn verify_site(site: &Path, extra: &[&str]) -> Output {
    vouch()
        .arg("verify")
        .arg(site)
        .args(extra)
        .output()
        .expect("verify")
}

#[test]
fn vouch_keys_and_signatures_work_with_minisign_and_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = keygen(&tmp.path().join("keys"));
    let key = keys.join("vouch.key");
    let site = tmp.path().join("site");
    build_snapshot(
        &fixture("basic"),
        &site,
        0,
        &["--sign", key.to_str().expect("utf8")],
    );

    // The standard tool accepts vouch's signature, and the signed comment
    // names the snapshot (sha256 of manifest.json) and the build time.
    let pubkey = keys.join("vouch.pub");
    let out = minisign(
        &["-Vm", "manifest.json", "-p", pubkey.to_str().expect("utf8")],
        &site,
    );
    assert!(
        out.status.success(),
        "minisign -V: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    let id = sha256sum(&site.join("manifest.json"));
    assert!(said.contains(&format!("vouch snapshot:{id}")), "{said}");
    assert!(said.contains("built:2026-01-01T00:00:00Z"), "{said}");
    let v = verify_site(&site, &["--pubkey", pubkey.to_str().expect("utf8")]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));
    assert!(stdout_of(&v).contains("signature valid"));

    // minisign's own keys (made by the minisign tool) sign vouch builds.
    let mk = tmp.path().join("mk");
    std::fs::create_dir_all(&mk).expect("mkdir");
    let made = minisign(&["-G", "-W", "-p", "m.pub", "-s", "m.key"], &mk);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let site2 = tmp.path().join("site2");
    build_snapshot(
        &fixture("basic"),
        &site2,
        0,
        &["--sign", mk.join("m.key").to_str().expect("utf8")],
    );
    let out = minisign(
        &[
            "-Vm",
            "manifest.json",
            "-p",
            mk.join("m.pub").to_str().expect("utf8"),
        ],
        &site2,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = verify_site(
        &site2,
        &["--pubkey", mk.join("m.pub").to_str().expect("utf8")],
    );
    assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));

    // And a minisign-made signature verifies in vouch: sign the manifest with
    // the tool, then verify with vouch's bare-key form of --pubkey.
    std::fs::remove_file(site2.join("manifest.json.minisig")).expect("rm");
    let s = minisign(
        &[
            "-Sm",
            "manifest.json",
            "-s",
            mk.join("m.key").to_str().expect("utf8"),
        ],
        &site2,
    );
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let bare = std::fs::read_to_string(mk.join("m.pub")).expect("pub");
    let bare = bare.lines().nth(1).expect("key line");
    let v = verify_site(&site2, &["--pubkey", bare]);
    // The manifest is intact and the signature good; the site's own
    // vouch.pub/manifest are unchanged, so only the signature file differs.
    assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));
}

#[test]
fn key_from_environment_and_encrypted_keys() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = keygen(&tmp.path().join("keys"));
    let contents = std::fs::read_to_string(keys.join("vouch.key")).expect("key");
    let site = tmp.path().join("site");
    let out = vouch()
        .env("VOUCH_SIGNING_KEY", &contents)
        .arg("build")
        .arg(fixture("basic"))
        .arg("--out")
        .arg(&site)
        .output()
        .expect("build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pubkey = keys.join("vouch.pub");
    assert_eq!(
        verify_site(&site, &["--pubkey", pubkey.to_str().expect("utf8")])
            .status
            .code(),
        Some(0)
    );

    // A password-protected key, as people keep them.
    let enc = tmp.path().join("enc");
    let out = vouch()
        .env("VOUCH_KEY_PASSWORD", "correct horse")
        .args(["keygen", "--out-dir"])
        .arg(&enc)
        .output()
        .expect("keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sign = |pw: &str| {
        vouch()
            .env("VOUCH_KEY_PASSWORD", pw)
            .arg("build")
            .arg(fixture("basic"))
            .arg("--out")
            .arg(tmp.path().join("enc-site"))
            .arg("--sign")
            .arg(enc.join("vouch.key"))
            .output()
            .expect("build")
    };
    let wrong = sign("wrong");
    assert_eq!(wrong.status.code(), Some(2), "a wrong password is an error");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("vouch.key"));
    assert!(sign("correct horse").status.success());
    let out = minisign(
        &[
            "-Vm",
            "manifest.json",
            "-p",
            enc.join("vouch.pub").to_str().expect("utf8"),
        ],
        &tmp.path().join("enc-site"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn any_changed_byte_and_any_other_key_are_rejected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = keygen(&tmp.path().join("keys"));
    let other = keygen(&tmp.path().join("other"));
    let site = tmp.path().join("site");
    build_snapshot(
        &fixture("basic"),
        &site,
        0,
        &["--sign", keys.join("vouch.key").to_str().expect("utf8")],
    );
    let pubkey = keys.join("vouch.pub");
    let p = pubkey.to_str().expect("utf8");

    let manifest_path = site.join("manifest.json");
    let original = std::fs::read(&manifest_path).expect("read");
    for offset in [
        0,
        1,
        original.len() / 3,
        original.len() / 2,
        original.len() - 2,
    ] {
        flip_byte(&manifest_path, offset);
        let m = minisign(&["-Vm", "manifest.json", "-p", p], &site);
        assert!(
            !m.status.success(),
            "minisign accepted a manifest changed at byte {offset}"
        );
        let v = verify_site(&site, &["--pubkey", p]);
        assert_eq!(
            v.status.code(),
            Some(1),
            "changed at {offset}: {}",
            stdout_of(&v)
        );
        std::fs::write(&manifest_path, &original).expect("restore");
    }
    assert_eq!(verify_site(&site, &["--pubkey", p]).status.code(), Some(0));

    // Another key is not trusted, even though the signature is well-formed.
    let v = verify_site(
        &site,
        &["--pubkey", other.join("vouch.pub").to_str().expect("utf8")],
    );
    assert_eq!(v.status.code(), Some(1));
    assert!(
        stdout_of(&v).contains("not by the trusted key"),
        "{}",
        stdout_of(&v)
    );
    let m = minisign(
        &[
            "-Vm",
            "manifest.json",
            "-p",
            other.join("vouch.pub").to_str().expect("utf8"),
        ],
        &site,
    );
    assert!(!m.status.success());

    // No signature at all, when a key was given.
    std::fs::remove_file(site.join("manifest.json.minisig")).expect("rm");
    let v = verify_site(&site, &["--pubkey", p]);
    assert_eq!(v.status.code(), Some(1));
    assert!(stdout_of(&v).contains("unsigned"), "{}", stdout_of(&v));
    // Without --pubkey an unsigned site still verifies (its bytes are intact).
    assert_eq!(verify_site(&site, &[]).status.code(), Some(0));
}

/// Five snapshots, one file changed each time.
fn five_snapshots(tmp: &Path) -> (PathBuf, PathBuf) {
    let input = tmp.join("evidence");
    copy_dir(&fixture("basic"), &input);
    let site = tmp.join("site");
    for n in 0..5 {
        std::fs::write(input.join("logs/ci.log"), format!("run {n}\nok\n")).expect("write");
        build_snapshot(&input, &site, n, &[]);
    }
    (input, site)
}

#[test]
fn chain_detects_a_rewritten_or_removed_middle_snapshot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_input, site) = five_snapshots(tmp.path());
    assert_eq!(verify_site(&site, &[]).status.code(), Some(0));
    let history = history_json(&site);
    let snaps = history["snapshots"].as_array().expect("snapshots");
    assert_eq!(snaps.len(), 4, "four earlier snapshots, newest first");
    assert!(snaps[0]["built_at"].as_str() > snaps[3]["built_at"].as_str());
    let m = manifest(&site);
    assert_eq!(m["previous"], snaps[0]["id"]);

    // Rewrite the middle snapshot's archived manifest.
    let middle = snaps[2]["id"].as_str().expect("id").to_owned();
    let archived = site.join(snaps[2]["manifest"].as_str().expect("manifest"));
    let original = std::fs::read(&archived).expect("read");
    let text = String::from_utf8_lossy(&original).replace("\"built_at\"", "\"built_at\" ");
    std::fs::write(&archived, text).expect("write");
    let v = verify_site(&site, &[]);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        stdout_of(&v).contains(&format!("snapshot {middle} was rewritten")),
        "{}",
        stdout_of(&v)
    );
    std::fs::write(&archived, &original).expect("restore");

    // Remove the middle snapshot from the history.
    let mut h = history.clone();
    h["snapshots"].as_array_mut().expect("array").remove(2);
    std::fs::write(
        site.join("history.json"),
        serde_json::to_vec_pretty(&h).expect("json"),
    )
    .expect("write");
    let v = verify_site(&site, &[]);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        stdout_of(&v).contains(&format!("names {middle} as previous")),
        "{}",
        stdout_of(&v)
    );

    // And the next build refuses to extend a broken chain.
    let out = vouch()
        .arg("build")
        .arg(fixture("basic"))
        .arg("--out")
        .arg(&site)
        .output()
        .expect("build");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken snapshot chain"));
    // Unless a new history is started on purpose.
    let out = vouch()
        .args(["build", "--previous", "none"])
        .arg(fixture("basic"))
        .arg("--out")
        .arg(&site)
        .output()
        .expect("build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(manifest(&site)["previous"], serde_json::Value::Null);
    assert_eq!(verify_site(&site, &[]).status.code(), Some(0));
}

fn dir_size(dir: &Path) -> u64 {
    list_files(dir)
        .iter()
        .map(|f| std::fs::metadata(dir.join(f)).expect("stat").len())
        .sum()
}

#[test]
fn storage_is_deduplicated_and_retention_applies() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    copy_dir(&fixture("basic"), &input);
    // Something big that never changes.
    std::fs::write(input.join("big.log"), vec![b'x'; 4 << 20]).expect("write");
    let site = tmp.path().join("site");
    build_snapshot(&input, &site, 0, &[]);
    let single = dir_size(&site);
    let objects_first = object_count(&site);
    for n in 1..20 {
        std::fs::write(input.join("logs/ci.log"), format!("run {n}\n")).expect("write");
        build_snapshot(&input, &site, n, &[]);
    }
    let objects = object_count(&site);
    assert_eq!(
        objects,
        objects_first + 19,
        "one new object per changed file"
    );
    let twenty = dir_size(&site);
    eprintln!("site size: 1 snapshot {single} bytes, 20 snapshots {twenty} bytes");
    assert!(
        twenty < single * 3 / 2,
        "20 snapshots ({twenty}) should cost far less than 20 × {single}"
    );
    assert_eq!(verify_site(&site, &[]).status.code(), Some(0));

    // Retention: keep 5; older objects and archives go.
    std::fs::write(input.join("logs/ci.log"), "run 20\n").expect("write");
    build_snapshot(&input, &site, 20, &["--retain", "5"]);
    let h = history_json(&site);
    assert_eq!(h["snapshots"].as_array().expect("a").len(), 4);
    assert_eq!(
        std::fs::read_dir(site.join("snapshots"))
            .expect("ls")
            .count(),
        4
    );
    assert_eq!(object_count(&site), objects_first + 4);
    assert_eq!(verify_site(&site, &[]).status.code(), Some(0));
    let sums = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&site)
        .status();
    assert!(sums.expect("sha256sum").success());
}

#[test]
fn same_input_previous_and_key_give_a_byte_identical_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = keygen(&tmp.path().join("keys"));
    let key = keys.join("vouch.key");
    let (input, base) = five_snapshots(tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    // The base history is unsigned: the first signed build says so.
    let args = [
        "--sign",
        key.to_str().expect("utf8"),
        "--previous",
        base.to_str().expect("utf8"),
        "--trust-previous-key",
        "unsigned",
    ];
    build_snapshot(&input, &a, 9, &args);
    build_snapshot(&input, &b, 9, &args);
    let files = list_files(&a);
    assert_eq!(files, list_files(&b));
    assert!(files.contains(&"manifest.json.minisig".to_owned()));
    for f in files {
        assert_eq!(
            std::fs::read(a.join(&f)).expect("a"),
            std::fs::read(b.join(&f)).expect("b"),
            "{f} differs"
        );
    }
}

#[test]
fn previous_from_a_url_and_rebuild_from_evidence() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (input, published) = five_snapshots(tmp.path());
    let server = serve(&published);
    // CI starts from a clean checkout: the previous site comes over HTTP.
    let fresh = tmp.path().join("fresh");
    std::fs::write(input.join("logs/ci.log"), "run 5\n").expect("write");
    build_snapshot(&input, &fresh, 5, &["--previous", &server.url]);
    let m = manifest(&fresh);
    assert_eq!(
        m["previous"].as_str(),
        Some(sha256sum(&published.join("manifest.json")).as_str())
    );
    assert_eq!(verify_site(&fresh, &[]).status.code(), Some(0));
    drop(server);

    // An auditor rebuilds from the evidence and compares snapshot ids.
    let ok = verify_site(&fresh, &["--rebuild", input.to_str().expect("utf8")]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout_of(&ok));
    assert!(stdout_of(&ok).contains("reproduces snapshot"));
    std::fs::write(input.join("reports/PHASE1.md"), "# edited after sign-off\n").expect("write");
    let bad = verify_site(&fresh, &["--rebuild", input.to_str().expect("utf8")]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stdout_of(&bad).contains("reports/PHASE1.md differs"),
        "{}",
        stdout_of(&bad)
    );
}

#[test]
fn intoto_statement_names_every_artifact() {
    let b = build(&fixture("basic"));
    let st: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.site.join("statement.intoto.json")).expect("read"))
            .expect("json");
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    let m = manifest(&b.site);
    let subjects = st["subject"].as_array().expect("subjects");
    assert_eq!(subjects.len(), artifacts(&m).len());
    for (s, a) in subjects.iter().zip(artifacts(&m)) {
        assert_eq!(s["name"], a["path"]);
        assert_eq!(s["digest"]["sha256"], a["sha256"]);
    }
    assert!(st["predicateType"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        m["generated"]
            .as_array()
            .expect("g")
            .iter()
            .any(|g| g["path"] == "statement.intoto.json")
    );
}
