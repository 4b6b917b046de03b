//! `vouch verify`: exit codes 0 (intact), 1 (tampered), 2 (usage or I/O).

use crate::common::*;

fn verify(site: &str) -> std::process::Output {
    vouch()
        .args(["verify", site])
        .output()
        .expect("run vouch verify")
}

#[test]
fn intact_site_exits_0() {
    let b = build(&fixture("basic"));
    let out = verify(b.site.to_str().expect("utf8"));
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    assert!(stdout_of(&out).contains("vouch verify: OK"));
}

#[test]
fn any_altered_artifact_exits_1_and_is_named() {
    let b = build(&fixture("basic"));
    let m = manifest(&b.site);
    for a in artifacts(&m)
        .iter()
        .filter(|a| a["size"].as_u64() > Some(0))
    {
        let obj = b.site.join(a["url"].as_str().expect("url"));
        flip_byte(&obj, 0);
        let out = verify(b.site.to_str().expect("utf8"));
        let text = stdout_of(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let path = a["path"].as_str().expect("path");
        assert!(
            text.lines()
                .any(|l| l.starts_with("mismatch") && l.contains(path)),
            "{path} not reported: {text}"
        );
        assert!(text.contains("1 mismatched"), "{text}");
        flip_byte(&obj, 0);
    }
    assert_eq!(
        verify(b.site.to_str().expect("utf8")).status.code(),
        Some(0)
    );
}

#[test]
fn missing_artifact_and_altered_page_exit_1() {
    let b = build(&fixture("basic"));
    let m = manifest(&b.site);
    let a = &artifacts(&m)[1];
    std::fs::remove_file(b.site.join(a["url"].as_str().expect("url"))).expect("rm");
    let out = verify(b.site.to_str().expect("utf8"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).contains(&format!(
        "missing   artifact {}",
        a["path"].as_str().expect("p")
    )));

    let b = build(&fixture("basic"));
    std::fs::write(b.site.join("index.html"), "<h1>defaced</h1>").expect("write");
    let out = verify(b.site.to_str().expect("utf8"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("generated index.html"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn hostile_manifest_is_rejected_without_reading_outside() {
    let b = build(&fixture("basic"));
    let path = b.site.join("manifest.json");
    let text = std::fs::read_to_string(&path).expect("read");
    let m = manifest(&b.site);
    let url = artifacts(&m)[0]["url"].as_str().expect("url").to_owned();
    std::fs::write(&path, text.replace(&url, "../../../../etc/passwd")).expect("write");
    let out = verify(b.site.to_str().expect("utf8"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("does not stay inside the site"),
        "{}",
        stdout_of(&out)
    );

    std::fs::write(&path, "{ not json").expect("write");
    assert_eq!(
        verify(b.site.to_str().expect("utf8")).status.code(),
        Some(1)
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    let out = verify("/nonexistent/site");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/site"));

    let empty = tempfile::tempdir().expect("tempdir");
    let out = verify(empty.path().to_str().expect("utf8"));
    assert_eq!(out.status.code(), Some(2), "a folder without manifest.json");
    assert!(String::from_utf8_lossy(&out.stderr).contains("manifest.json"));

    let out = vouch()
        .args(["verify", "--no-such-flag"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verifies_over_http() {
    let (_tmp, _input, b) = build_awkward();
    let server = serve(&b.site);
    let out = verify(&server.url);
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    // A subpath URL without the trailing slash, as people paste them.
    let out = verify(&format!("{}index.html", server.url));
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));

    let m = manifest(&b.site);
    let a = &artifacts(&m)[0];
    flip_byte(&b.site.join(a["url"].as_str().expect("url")), 0);
    let out = verify(&server.url);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).contains(a["path"].as_str().expect("path")));

    drop(server);
    let out = verify("http://127.0.0.1:9/");
    assert_eq!(
        out.status.code(),
        Some(2),
        "unreachable site is an I/O error"
    );
}

/// A site checked by URL is asked for several files at once, not one per
/// core: a far host's round trips would otherwise add up (2,094 files 20 ms
/// away took 22 s).
#[test]
fn a_site_by_url_is_fetched_several_files_at_once() {
    let b = build(&fixture("basic"));
    let host = counting_host(&b.site, |_| true);
    let out = verify(&host.url);
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    let most = host.most_in_flight();
    assert!(most >= 4, "at most {most} requests were in flight at once");
}

/// `vouch verify URL --pubkey` asks for each file once: a signature, the
/// history, SHA256SUMS and each retained snapshot's manifest and signature
/// are read whole for their checks, and their bytes are what the byte check
/// judges (they used to be fetched again; at 50,000 files each manifest is
/// 25 MB).
#[test]
fn a_site_by_url_is_fetched_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (keys, _input, site) = three_signed_snapshots(tmp.path());
    let host = counting_host(&site, |_| false);
    let pubkey = keys.join("vouch.pub");
    let out = vouch()
        .args(["verify", &host.url, "--pubkey"])
        .arg(&pubkey)
        .output()
        .expect("verify");
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    let asked = host.requests();
    let twice: Vec<_> = asked.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "asked for more than once: {twice:?}");
    // The check still covered them: every file the manifest lists was asked for.
    let m = manifest(&site);
    for g in m["generated"].as_array().expect("generated") {
        let path = g["path"].as_str().expect("path");
        assert_eq!(asked.get(path), Some(&1), "{path}");
    }
    assert!(
        asked
            .keys()
            .any(|p| p.starts_with("snapshots/") && p.ends_with("manifest.json.minisig"))
    );
}

/// A broken or deleted `history.json` is named as what it is: not as a
/// snapshot "history.json" whose manifest is invalid.
#[test]
fn a_broken_or_missing_history_is_named_as_such() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_input, site) = three_snapshots(tmp.path(), &[]);
    let previous = manifest(&site)["previous"]
        .as_str()
        .expect("previous")
        .to_owned();
    let history = site.join("history.json");
    std::fs::write(&history, b"{\"broken\":").expect("write");
    let out = verify(site.to_str().expect("utf8"));
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.lines().any(|l| l
            == "chain     history.json is not valid: EOF while parsing a value at line 1 column 10"),
        "{text}"
    );
    assert!(!text.contains("not a valid manifest"), "{text}");
    std::fs::remove_file(&history).expect("rm");
    let out = verify(site.to_str().expect("utf8"));
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.lines().any(|l| l
            == format!(
                "chain     history.json is missing, but manifest.json names {previous} as the previous snapshot"
            )),
        "{text}"
    );
    assert!(!text.contains("snapshot history.json"), "{text}");
}
