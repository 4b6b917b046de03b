//! The output folder: `build` never deletes or overwrites a file it did not
//! create (issue: a PWA's `public/manifest.json` made `public/` look like a
//! vouch site, and the user's files were deleted).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Output,
};

use crate::common::*;

/// A web app's output folder: a PWA web manifest and the files beside it.
fn web_app_public(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let files: BTreeMap<String, Vec<u8>> = [
        (
            "manifest.json",
            br#"{"name":"Shop","short_name":"Shop","start_url":"/","display":"standalone","icons":[]}"#
                .to_vec(),
        ),
        ("landing.html", b"<h1>Welcome</h1>".to_vec()),
        ("robots.txt", b"User-agent: *\nAllow: /\n".to_vec()),
        ("favicon.ico", vec![0, 0, 1, 0, 1, 0, 16, 16]),
        ("img/logo.svg", b"<svg/>".to_vec()),
    ]
    .into_iter()
    .map(|(p, b)| (p.to_owned(), b))
    .collect();
    for (p, b) in &files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, b).expect("write");
    }
    files
}

fn assert_untouched(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        list_files(dir),
        files.keys().cloned().collect::<Vec<_>>(),
        "files were added to or removed from {}",
        dir.display()
    );
    for (p, b) in files {
        assert_eq!(&std::fs::read(dir.join(p)).expect("read"), b, "{p} changed");
    }
}

fn build_into(out: &Path, extra: &[&str]) -> Output {
    vouch()
        .arg("build")
        .arg(fixture("basic"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run vouch build")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Only the named entries are left beside `out` (no staging folder).
fn assert_siblings(parent: &Path, expected: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected);
}

#[test]
fn pwa_web_manifest_in_out_is_not_a_vouch_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = tmp.path().join("public");
    let files = web_app_public(&public);
    let other = build(&fixture("basic"));
    let other_site = other.site.to_string_lossy().into_owned();
    // The default (previous = the output folder), the README's CI line with
    // another published site, and a deliberate new history.
    for extra in [
        vec![],
        vec!["--previous", &other_site],
        vec!["--previous", "none"],
    ] {
        let o = build_into(&public, &extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("not a vouch site"), "{extra:?}: {err}");
        assert!(err.contains("not a vouch manifest"), "{extra:?}: {err}");
        assert_untouched(&public, &files);
        assert_siblings(tmp.path(), &["public"]);
    }
}

/// A manifest naming vouch whose entries leave the site (or carry no
/// digest) is not one vouch wrote: the folder is left as it is, whatever
/// its lists name.
#[test]
fn manifest_with_entries_outside_the_site_is_not_a_vouch_site() {
    let b = build(&fixture("basic"));
    let original = manifest(&b.site);
    for (list, field, value) in [
        ("generated", "path", "../outside.html"),
        ("artifacts", "url", "/etc/hostname"),
        ("generated", "sha256", "not-a-digest"),
    ] {
        let mut m = original.clone();
        m[list][0][field] = value.into();
        let err = refused_with_manifest(&b.site, &m);
        assert!(
            err.contains("not a vouch manifest"),
            "{list}.{field}: {err}"
        );
        assert!(
            err.contains("does not stay inside the site"),
            "{list}.{field}: {err}"
        );
    }
}

/// Writes `m` as `site`'s manifest.json and builds into `site` (a new
/// history): refused (exit 2), nothing in `site` touched. The refusal.
fn refused_with_manifest(site: &Path, m: &serde_json::Value) -> String {
    std::fs::write(
        site.join("manifest.json"),
        serde_json::to_vec_pretty(m).expect("json"),
    )
    .expect("write");
    let before = list_files(site);
    let o = build_into(site, &["--previous", "none"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(list_files(site), before);
    stderr(&o)
}

#[test]
fn manifest_from_another_generator_is_not_a_vouch_site() {
    let b = build(&fixture("basic"));
    let mut m = manifest(&b.site);
    m["generator"]["name"] = "not-vouch".into();
    let err = refused_with_manifest(&b.site, &m);
    assert!(err.contains("\"not-vouch\""), "{err}");
}

#[test]
fn files_added_to_a_vouch_site_are_never_deleted() {
    let b = build(&fixture("basic"));
    std::fs::write(b.site.join("landing.html"), "mine").expect("write");
    std::fs::write(b.site.join("objects/notes.txt"), "mine too").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", b.site.join("link")).expect("symlink");
    // A link to a folder, at the top: itself foreign, and never followed
    // (the folder's files are not the site's to list, or to judge).
    #[cfg(unix)]
    std::os::unix::fs::symlink(fixture("basic"), b.site.join("linked-folder")).expect("symlink");
    let before = list_files(&b.site);
    for extra in [vec![], vec!["--previous", "none"]] {
        let o = build_into(&b.site, &extra);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("vouch did not write"), "{err}");
        assert!(err.contains("landing.html"), "{err}");
        assert!(err.contains("objects/notes.txt"), "{err}");
        #[cfg(unix)]
        {
            assert!(err.contains("linked-folder"), "{err}");
            assert!(!err.contains("linked-folder/"), "followed: {err}");
        }
        assert_eq!(list_files(&b.site), before);
        assert_eq!(
            std::fs::read_to_string(b.site.join("landing.html")).expect("kept"),
            "mine"
        );
    }
    // Once the user's files are moved away, the site is vouch's alone again
    // and is replaced, its history extended.
    std::fs::remove_file(b.site.join("landing.html")).expect("rm");
    std::fs::remove_file(b.site.join("objects/notes.txt")).expect("rm");
    #[cfg(unix)]
    for link in ["link", "linked-folder"] {
        std::fs::remove_file(b.site.join(link)).expect("rm");
    }
    let first = manifest(&b.site);
    let o = build_into(&b.site, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        manifest(&b.site)["built_at"],
        first["built_at"],
        "same SOURCE_DATE_EPOCH"
    );
    assert!(manifest(&b.site)["previous"].is_string());
}

/// The objects only archived snapshots need are vouch's even when
/// `SHA256SUMS` (which names them) is gone: the foreign-file check then
/// reads the archived manifests. A file of the user's among them is still
/// refused, and named alone; an archived manifest that no longer matches
/// the current manifest's record of it vouches for nothing.
#[test]
fn archived_objects_are_vouchs_without_sha256sums() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    let site = tmp.path().join("site");
    std::fs::create_dir_all(&input).expect("mkdir");
    // Snapshot n holds a report of its own, and a day later than the last.
    let build_n = |n: u32| {
        std::fs::write(input.join("report.md"), format!("# Report {n}\n")).expect("write");
        vouch()
            .env(
                "SOURCE_DATE_EPOCH",
                (1_767_225_600 + n * 86_400).to_string(),
            )
            .arg("build")
            .arg(&input)
            .arg("--out")
            .arg(&site)
            .output()
            .expect("build")
    };
    for n in 0..3 {
        let o = build_n(n);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let m = manifest(&site);
    let current: Vec<&str> = artifacts(&m)
        .iter()
        .map(|a| a["url"].as_str().expect("url"))
        .collect();
    let archived_only: Vec<String> = std::fs::read_to_string(site.join("SHA256SUMS"))
        .expect("sums")
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(_, p)| p.to_owned()))
        .filter(|p| p.starts_with("objects/") && !current.contains(&p.as_str()))
        .collect();
    assert!(
        !archived_only.is_empty(),
        "earlier snapshots keep objects of their own"
    );

    std::fs::remove_file(site.join("SHA256SUMS")).expect("rm");
    std::fs::write(site.join("objects/mine.txt"), "mine").expect("write");
    let o = build_n(3);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("holds 1 file vouch did not write"), "{err}");
    assert!(err.contains("objects/mine.txt"), "{err}");

    std::fs::remove_file(site.join("objects/mine.txt")).expect("rm");
    // A link where an archived snapshot's object was is not vouch's file,
    // though an archived manifest names its path.
    #[cfg(unix)]
    {
        let object = site.join(&archived_only[0]);
        let kept = tmp.path().join("object");
        std::fs::rename(&object, &kept).expect("mv");
        std::os::unix::fs::symlink(&kept, &object).expect("symlink");
        let o = build_n(3);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("holds 1 file vouch did not write"), "{err}");
        assert!(err.contains(&archived_only[0]), "{err}");
        assert!(object.is_symlink(), "the link is left as it was");
        std::fs::remove_file(&object).expect("rm");
        std::fs::rename(&kept, &object).expect("mv");
    }
    let o = build_n(3);
    assert!(o.status.success(), "{}", stderr(&o));

    // An archived manifest edited after the fact accounts for nothing: its
    // objects are foreign then, and the site is left as it is.
    std::fs::remove_file(site.join("SHA256SUMS")).expect("rm");
    let archived = manifest(&site)["generated"]
        .as_array()
        .expect("generated")
        .iter()
        .filter_map(|g| g["path"].as_str())
        .filter(|p| p.starts_with("snapshots/") && p.ends_with("/manifest.json"))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for a in &archived {
        let path = site.join(a);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes.push(b'\n');
        std::fs::write(&path, bytes).expect("write");
    }
    let before = list_files(&site);
    let o = build_n(4);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("vouch did not write"), "{}", stderr(&o));
    assert_eq!(list_files(&site), before);
}

#[test]
fn file_names_in_the_refusal_are_escaped_for_the_terminal() {
    let b = build(&fixture("basic"));
    std::fs::write(b.site.join("evil\u{1b}]0;pwned\u{7}.txt"), "x").expect("write");
    let o = build_into(&b.site, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        !err.contains('\u{1b}'),
        "raw escape reached the terminal: {err:?}"
    );
    assert!(err.contains("evil\\u{1b}]0;pwned\\u{7}.txt"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinked_out_is_written_through_and_the_link_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let real = tmp.path().join("real-site");
    let link = tmp.path().join("public");
    std::fs::create_dir(&real).expect("mkdir");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    for round in 0..2 {
        let o = build_into(&link, &[]);
        assert!(o.status.success(), "round {round}: {}", stderr(&o));
        let meta = std::fs::symlink_metadata(&link).expect("link");
        assert!(meta.file_type().is_symlink(), "the link was replaced");
        assert_eq!(std::fs::read_link(&link).expect("target"), real);
        assert!(real.join("manifest.json").is_file());
    }
    assert!(manifest(&real)["previous"].is_string(), "round 2 chains");
    let v = vouch().arg("verify").arg(&link).output().expect("verify");
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );

    // A link to a web app's folder is refused like the folder itself.
    let app = tmp.path().join("app");
    let files = web_app_public(&app);
    let link2 = tmp.path().join("public2");
    std::os::unix::fs::symlink(&app, &link2).expect("symlink");
    let o = build_into(&link2, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_untouched(&app, &files);
    assert!(
        std::fs::symlink_metadata(&link2)
            .expect("link")
            .file_type()
            .is_symlink()
    );

    // A dangling link is refused, and stays a link.
    let dangling = tmp.path().join("public3");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).expect("symlink");
    let o = build_into(&dangling, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&dangling)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert!(!tmp.path().join("nowhere").exists());
}

/// Two builds into one folder at once: the lock makes the second wait, then
/// chain onto the first, so neither snapshot drops out of the history.
#[test]
fn concurrent_builds_into_one_out_keep_every_snapshot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    let first = build_into(&site, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let initial = snapshot_id(&site);

    // Two different inputs, large enough that the builds overlap.
    let inputs: Vec<PathBuf> = (0..2)
        .map(|i| {
            let dir = tmp.path().join(format!("evidence-{i}"));
            copy_dir(&fixture("basic"), &dir);
            for n in 0..200 {
                std::fs::write(
                    dir.join(format!("report-{n}.md")),
                    format!("# Report {n} of build {i}\n\nStatus: PASS\n"),
                )
                .expect("write");
            }
            std::fs::write(dir.join("big.bin"), vec![i as u8; 16 << 20]).expect("write");
            dir
        })
        .collect();
    let children: Vec<_> = inputs
        .iter()
        .map(|input| {
            vouch()
                .arg("build")
                .arg(input)
                .arg("--out")
                .arg(&site)
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let ids: Vec<String> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().expect("wait");
            let err = stderr(&o);
            assert!(o.status.success(), "{err}");
            err.lines()
                .find_map(|l| l.strip_prefix("Snapshot "))
                .and_then(|l| l.split(',').next())
                .unwrap_or_else(|| panic!("no snapshot id in {err}"))
                .to_owned()
        })
        .collect();
    let last = snapshot_id(&site);
    assert!(ids.contains(&last), "{ids:?} vs {last}");
    let middle = ids.iter().find(|id| **id != last).expect("two ids");
    assert_eq!(manifest(&site)["previous"].as_str(), Some(middle.as_str()));
    let history = history_json(&site);
    let chain: Vec<&str> = history["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(chain, vec![middle.as_str(), initial.as_str()]);
    let v = vouch().arg("verify").arg(&site).output().expect("verify");
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
}

fn snapshot_id(site: &Path) -> String {
    sha256sum(&site.join("manifest.json"))
}
