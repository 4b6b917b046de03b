//! Hostile and broken evidence: the build completes, every file is hashed
//! and listed, nothing from outside the input appears, nothing can run, and
//! every problem is named.

use std::process::Command;

use crate::common::*;

fn build_hostile() -> (tempfile::TempDir, std::path::PathBuf, Built) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    hostile_evidence(&input);
    let built = build(&input);
    (tmp, input, built)
}

#[test]
fn hostile_folder_builds_into_a_complete_verifiable_site() {
    let (_tmp, input, b) = build_hostile();
    assert_manifest_matches_input(&input, &b.site);
    let verify = vouch().arg("verify").arg(&b.site).output().expect("verify");
    assert_eq!(verify.status.code(), Some(0), "{}", stdout_of(&verify));
    let sums = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&b.site)
        .status()
        .expect("sha256sum");
    assert!(sums.success());

    // Each problem is named, with a line where one helps, in `vouch check`'s
    // format (and on the problems page).
    let check = vouch().arg("check").arg(&input).output().expect("check");
    assert_eq!(check.status.code(), Some(1));
    let listed = stdout_of(&check);
    let expected = [
        "passwd-link.md:1: skipped-file: symlink (to /etc/passwd) not followed",
        "etc-link:1: skipped-file: symlink (to /etc) not followed",
        "pipe:1: skipped-file: not a regular file",
        "deep.json:1: not-analysed: JSON nested 100000 levels deep",
        "deep-object.json:1: not-analysed: JSON nested 100000 levels deep",
        "deep-quote.md:1: not-analysed: line 1: containers nested more than 64 deep",
        "deep-html.md:1: not-analysed: raw HTML nested about 80000 deep",
        "nan.json:1: unreadable-file: not valid JSON",
        "truncated.json:1: unreadable-file: not valid JSON",
        "invalid-utf8.md:1: unreadable-file: not valid UTF-8",
        "escape.md:3: broken-link: link to \"../../../../etc/passwd\" points outside the evidence folder",
        "escape.md:4: broken-link: link to \"file:///etc/passwd\" points outside",
        "escape.md:5: broken-link: link to \"..%2F..%2F..%2Fetc%2Fpasswd\" points outside",
        "escape.md:6: broken-link: link to \"/etc/passwd\" which is not in the evidence folder",
        "empty.json:1: unreadable-file: not valid JSON",
    ];
    for want in expected {
        assert!(
            listed.lines().any(|l| l.starts_with(want)),
            "missing problem {want:?} in:\n{listed}"
        );
    }
    // The build says the same, summarised; `-v` prints every line.
    assert!(b.stderr.contains("warning: 3 skipped-file"), "{}", b.stderr);
    assert!(b.stderr.contains("see `vouch check"), "{}", b.stderr);
    let problems = std::fs::read_to_string(b.site.join("problems.html")).expect("problems");
    assert!(
        problems.contains("JSON nested 100000 levels deep"),
        "listed on the problems page"
    );
    // Things that are fine are not flagged.
    for quiet in [
        "duplicate-keys.json",
        "huge-number.json",
        "bom-crlf.md",
        "empty.md",
        "bomb.xml",
        "big.bin",
    ] {
        assert!(
            !listed.lines().any(|l| l.starts_with(&format!("{quiet}:"))),
            "{quiet} flagged: {listed}"
        );
    }
}

#[test]
fn nothing_from_outside_the_input_and_nothing_that_runs() {
    let (_tmp, _input, b) = build_hostile();
    let passwd = std::fs::read("/etc/passwd").unwrap_or_default();
    let m = manifest(&b.site);
    for f in list_files(&b.site) {
        let bytes = std::fs::read(b.site.join(&f)).expect("read");
        assert_ne!(bytes, passwd, "{f} is /etc/passwd");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("root:x:0:0"), "{f} contains /etc/passwd");
        if f.ends_with(".html") {
            // vouch's own two: the viewer's loader and the search.
            assert_eq!(
                text.matches("<script").count(),
                2,
                "{f}: only vouch's own scripts"
            );
            for own in [r#"<script type="module" src=""#, r#"assets/search-"#] {
                assert_eq!(text.matches(own).count(), 1, "{f}: {own}");
            }
            // Text is escaped (`<` becomes `&lt;`), so every raw `<` opens a
            // real element: look for live attributes and elements only in
            // markup, not in evidence text shown verbatim in a `<pre>`.
            let markup: String = text
                .split('<')
                .skip(1)
                .map(|t| format!("<{}>", t.split('>').next().unwrap_or("")))
                .collect::<String>();
            for live in [
                "onerror=\"",
                "onload=\"",
                "onerror=window",
                "href=\"javascript:",
                "src=\"javascript:",
                "src=\"data:",
                "href=\"data:",
                "<iframe",
                "<object",
                "<embed",
                "<form",
                "<svg",
                "<math",
                "<base",
                "http-equiv=\"refresh\" content=\"0",
            ] {
                assert!(!markup.contains(live), "{f}: {live} survived");
            }
        }
    }
    for a in artifacts(&m) {
        let url = a["url"].as_str().expect("url");
        let name = url.rsplit('/').next().expect("name");
        assert!(
            !name.contains('.'),
            "{url}: raw bytes must not be served with an extension"
        );
    }
    // Raw HTML and SVG artifacts are shown as text.
    for evil in ["evil.html", "evil.svg"] {
        let a = artifacts(&m)
            .iter()
            .find(|a| a["path"] == evil)
            .expect("listed");
        let page =
            std::fs::read_to_string(b.site.join(a["page"].as_str().expect("page"))).expect("page");
        assert!(
            page.contains("&lt;script&gt;window.pwned=1"),
            "{evil}: {page}"
        );
    }
    // Outside references are not links.
    let esc = artifacts(&m)
        .iter()
        .find(|a| a["path"] == "escape.md")
        .expect("escape.md");
    let page =
        std::fs::read_to_string(b.site.join(esc["page"].as_str().expect("page"))).expect("page");
    let hrefs: Vec<&str> = page
        .split("href=\"")
        .skip(1)
        .map(|h| h.split('"').next().unwrap_or_default())
        .collect();
    assert!(
        !hrefs
            .iter()
            .any(|h| h.contains("passwd") || h.starts_with('/')),
        "{hrefs:?}"
    );
}

#[test]
fn strict_refuses_and_keeps_the_previous_site() {
    let (tmp, input, _) = build_hostile();
    let site = tmp.path().join("published");
    let ok = vouch()
        .arg("build")
        .arg(fixture("basic"))
        .arg("--out")
        .arg(&site)
        .output()
        .expect("run");
    assert!(ok.status.success());
    let before = std::fs::read(site.join("manifest.json")).expect("manifest");
    let out = vouch()
        .args(["build", "--strict"])
        .arg(&input)
        .arg("--out")
        .arg(&site)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--strict") && stderr.contains("deep-html.md:1: not-analysed"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(site.join("manifest.json")).expect("manifest"),
        before
    );
    // And a clean input passes --strict.
    let out = vouch()
        .args(["build", "--strict"])
        .arg(fixture("basic"))
        .arg("--out")
        .arg(&site)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Kill builds at many moments: the previous site must stay complete and
/// verifiable every time, and leftovers are cleaned up by the next build.
#[test]
fn killed_builds_never_leave_a_broken_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    for i in 0..150 {
        let dir = input.join(format!("stage{}", i % 7));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let body = format!(
            "# Report {i}\n\n{}\n",
            "| a | b |\n|---|---|\n| x | y |\n".repeat(200 + i)
        );
        std::fs::write(dir.join(format!("report-{i}.md")), body).expect("write");
    }
    std::fs::write(input.join("big.log"), vec![b'z'; 24 << 20]).expect("write");
    let site = tmp.path().join("site");
    let started = std::time::Instant::now();
    let first = vouch()
        .arg("build")
        .arg(&input)
        .arg("--out")
        .arg(&site)
        .output()
        .expect("build");
    assert!(first.status.success());
    let full = started.elapsed();

    for i in 0..12u32 {
        // Spread kill moments over the whole build, swap included.
        let delay = full.mul_f64(f64::from((i * 37) % 101) / 80.0);
        let mut child = vouch()
            .env("SOURCE_DATE_EPOCH", (1_767_225_600 + i).to_string())
            .args(["-q", "build"])
            .arg(&input)
            .arg("--out")
            .arg(&site)
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let v = vouch()
            .args(["-q", "verify"])
            .arg(&site)
            .output()
            .expect("verify");
        assert_eq!(
            v.status.code(),
            Some(0),
            "after a kill at {delay:?}: {}",
            stdout_of(&v)
        );
    }
    let last = vouch()
        .arg("build")
        .arg(&input)
        .arg("--out")
        .arg(&site)
        .output()
        .expect("build");
    assert!(last.status.success());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("vouch-staging"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "abandoned staging folders left: {leftovers:?}"
    );
}
