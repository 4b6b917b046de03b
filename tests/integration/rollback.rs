//! `vouch rollback` (issue 13): a rehearsal on a signed three-snapshot
//! site. Rolling back republishes a retained snapshot's evidence byte for
//! byte as a new head, keeps the chain (the replaced head stays in it),
//! records `rollback_of` under the signature, and verifies with `vouch
//! verify` and `minisign`. What cannot be rolled back changes nothing.

use std::path::Path;

use serde_json::Value;

use crate::common::{
    history_json, list_files, manifest, object_path, sha256sum, three_signed_snapshots, vouch,
};

fn rollback(site: &Path, id: &str, key: &Path) -> std::process::Output {
    vouch()
        .env(
            "SOURCE_DATE_EPOCH",
            (1_767_225_600 + 10 * 86_400).to_string(),
        )
        .args(["rollback", id, "--out"])
        .arg(site)
        .arg("--sign")
        .arg(key)
        .output()
        .expect("rollback")
}

/// (path, sha256, size) of each artifact.
fn evidence(m: &Value) -> Vec<(String, String, u64)> {
    m["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| {
            (
                a["path"].as_str().expect("path").to_owned(),
                a["sha256"].as_str().expect("sha").to_owned(),
                a["size"].as_u64().expect("size"),
            )
        })
        .collect()
}

#[test]
fn rollback_round_trips_and_keeps_the_chain() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (keys, _input, site) = three_signed_snapshots(tmp.path());
    let key = keys.join("vouch.key");
    let head = sha256sum(&site.join("manifest.json"));
    let h = history_json(&site);
    let oldest = h["snapshots"][1]["id"].as_str().expect("id").to_owned();
    let archived: Value = serde_json::from_slice(
        &std::fs::read(site.join(format!("snapshots/{oldest}/manifest.json"))).expect("archived"),
    )
    .expect("json");

    // Refusals first: each leaves the site exactly as it was.
    let before = list_files(&site);
    for (id, says) in [
        ("deadbeefdeadbeef", "is not retained"),
        (&head[..12], "is the current head"),
        ("abc", "is not a snapshot id"),
    ] {
        let out = rollback(&site, id, &key);
        assert_eq!(out.status.code(), Some(2), "{id}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{id}: {err}");
        assert_eq!(list_files(&site), before);
        assert_eq!(sha256sum(&site.join("manifest.json")), head);
    }

    // The rollback, by an id prefix.
    let out = rollback(&site, &oldest[..16], &key);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("(a rollback to snapshot {oldest})")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = manifest(&site);
    assert_eq!(m["rollback_of"], oldest.as_str());
    assert_eq!(
        m["previous"],
        head.as_str(),
        "the replaced head is the previous one"
    );
    // Nothing lost: the same evidence, byte for byte.
    assert_eq!(evidence(&m), evidence(&archived));
    for (path, sha, _) in evidence(&m) {
        assert_eq!(sha256sum(&object_path(&site, &sha)), sha, "{path}");
    }
    // The chain keeps every snapshot: the replaced head first.
    let h = history_json(&site);
    let ids: Vec<&str> = h["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], head);
    assert_eq!(ids[2], oldest);
    // It verifies with vouch and with the standard tools.
    let pubkey = keys.join("vouch.pub");
    let v = vouch()
        .args(["verify", "--pubkey"])
        .arg(&pubkey)
        .arg(&site)
        .output()
        .expect("verify");
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    crate::common::assert_minisign_accepts(&site, &pubkey);
    let sc = std::process::Command::new("sha256sum")
        .args(["--quiet", "-c", "SHA256SUMS"])
        .current_dir(&site)
        .output()
        .expect("sha256sum");
    assert!(
        sc.status.success(),
        "{}",
        String::from_utf8_lossy(&sc.stdout)
    );
    // The pages say so.
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(
        index.contains(&format!(r#"id="rollback" data-rollback-of="{oldest}""#)),
        "{index}"
    );

    // The next ordinary build chains onto the rollback, which the history
    // then shows as one.
    let out =
        crate::common::build_snapshot(&_input, &site, 11, &["--sign", key.to_str().expect("utf8")]);
    assert!(out.status.success());
    let h = history_json(&site);
    assert_eq!(h["snapshots"][0]["rollback_of"], oldest.as_str());
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(index.contains(&format!(
        r#"class="rollback-tag" data-rollback-of="{oldest}""#
    )));
}

#[test]
fn a_damaged_snapshot_is_not_rolled_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (keys, _input, site) = three_signed_snapshots(tmp.path());
    let key = keys.join("vouch.key");
    let oldest = history_json(&site)["snapshots"][1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let archived: Value = serde_json::from_slice(
        &std::fs::read(site.join(format!("snapshots/{oldest}/manifest.json"))).expect("archived"),
    )
    .expect("json");
    // Its CI log (unique to that snapshot) is altered on the host.
    let log = archived["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["path"] == "logs/ci.log")
        .expect("log");
    let object = object_path(&site, log["sha256"].as_str().expect("sha"));
    std::fs::write(&object, "run 0, rewritten\n").expect("tamper");
    let before = list_files(&site);
    let head = sha256sum(&site.join("manifest.json"));
    let out = rollback(&site, &oldest, &key);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("logs/ci.log") && err.contains("does not match"),
        "{err}"
    );
    assert_eq!(list_files(&site), before);
    assert_eq!(sha256sum(&site.join("manifest.json")), head);
}
