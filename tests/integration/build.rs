//! `vouch build`: the manifest, the stored bytes, the pages, SHA256SUMS.

use std::{collections::BTreeMap, path::Path, process::Command};

use crate::common::*;

#[test]
fn manifest_lists_every_file_with_independently_checked_hashes() {
    let input = fixture("basic");
    let b = build(&input);
    assert_manifest_matches_input(&input, &b.site);
}

#[test]
fn awkward_names_hidden_files_and_symlinks() {
    let (_tmp, input, b) = build_awkward();
    assert_manifest_matches_input(&input, &b.site);

    let m = manifest(&b.site);
    let paths: Vec<&str> = artifacts(&m)
        .iter()
        .filter_map(|a| a["path"].as_str())
        .collect();
    assert!(
        paths.contains(&".hidden/secret-looking.txt"),
        "hidden files are evidence"
    );
    assert!(paths.contains(&".github/workflows/ci.yml"));
    assert!(
        !paths.iter().any(|p| p.starts_with(".git/")),
        ".git is not evidence"
    );
    assert!(
        !paths.contains(&"link-to-passwd"),
        "symlinks are not followed"
    );
    assert!(
        b.stderr.contains("link-to-passwd") && b.stderr.contains("symlink"),
        "each symlink gets a warning: {}",
        b.stderr
    );
    // Nothing from outside the input was copied in.
    let passwd = std::fs::read("/etc/passwd").unwrap_or_default();
    for f in list_files(&b.site) {
        assert_ne!(std::fs::read(b.site.join(&f)).expect("read"), passwd, "{f}");
    }

    // Names differing only in case get distinct pages even on
    // case-insensitive file systems; nothing in the site is a dot file.
    let mut lower = BTreeMap::new();
    for f in list_files(&b.site) {
        // `.vouch-pages` (the page keys) is not for publishing: Pages is
        // right to drop it.
        if f == ".nojekyll" || f == ".vouch-pages" {
            continue;
        }
        assert!(
            !f.split('/').any(|s| s.starts_with('.')),
            "{f} would be dropped by GitHub Pages"
        );
        assert!(
            f.is_ascii() && !f.contains([' ', '#', '?', '%']),
            "{f} is not URL-safe"
        );
        if let Some(prev) = lower.insert(f.to_lowercase(), f.clone()) {
            panic!("{prev} and {f} collide on a case-insensitive file system");
        }
    }
    // Identical content is stored once.
    let objects = object_count(&b.site);
    let unique: std::collections::HashSet<_> =
        artifacts(&m).iter().map(|a| a["sha256"].clone()).collect();
    assert_eq!(objects, unique.len());
    assert!(
        unique.len() < artifacts(&m).len(),
        "the fixture has duplicate content"
    );
}

#[test]
fn sha256sums_checks_with_coreutils() {
    let b = build(&fixture("basic"));
    let check = |site: &Path| {
        Command::new("sha256sum")
            .args(["-c", "--strict", "SHA256SUMS"])
            .current_dir(site)
            .output()
            .expect("run sha256sum -c")
    };
    let ok = check(&b.site);
    assert!(
        ok.status.success(),
        "sha256sum -c failed: {}",
        stdout_of(&ok)
    );
    let m = manifest(&b.site);
    let sums = std::fs::read_to_string(b.site.join("SHA256SUMS")).expect("SHA256SUMS");
    for a in artifacts(&m) {
        let line = format!(
            "{}  {}",
            a["sha256"].as_str().expect("sha"),
            a["url"].as_str().expect("url")
        );
        assert!(sums.lines().any(|l| l == line), "SHA256SUMS lacks {line}");
    }
    assert!(sums.lines().any(|l| l.ends_with("  index.html")));

    let victim = b.site.join(artifacts(&m)[0]["url"].as_str().expect("url"));
    flip_byte(&victim, 0);
    let bad = check(&b.site);
    assert!(
        !bad.status.success(),
        "sha256sum -c must fail after tampering"
    );
    assert!(stdout_of(&bad).contains("FAILED"));
}

#[test]
fn pages_render_and_work_without_javascript() {
    let b = build(&fixture("basic"));
    let m = manifest(&b.site);
    let page_of = |path: &str| -> String {
        let a = artifacts(&m)
            .iter()
            .find(|a| a["path"] == path)
            .unwrap_or_else(|| panic!("{path} not in manifest"));
        std::fs::read_to_string(b.site.join(a["page"].as_str().expect("page"))).expect("page")
    };

    let index = std::fs::read_to_string(b.site.join("index.html")).expect("index");
    for a in artifacts(&m) {
        // Every artifact is listed with its full hash and links, statically.
        assert!(
            index.contains(a["sha256"].as_str().expect("sha")),
            "index lacks a hash"
        );
        assert!(index.contains(&format!("href=\"{}\"", a["page"].as_str().expect("page"))));
        assert!(index.contains(&format!("href=\"{}\"", a["url"].as_str().expect("url"))));
    }
    assert!(index.contains(r#"id="vouch-viewer""#));

    let phase0 = page_of("reports/PHASE0.md");
    assert!(phase0.contains(">Stage 9.1 Phase 0 Report: Fixture Gate</h1>"));
    assert!(
        phase0.contains("<table>") && phase0.contains("<th>Evidence</th>"),
        "GFM tables"
    );
    // Links between artifacts go to their pages; the fragment survives.
    let phase1_page = artifacts(&m)
        .iter()
        .find(|a| a["path"] == "reports/PHASE1.md")
        .expect("p1")["page"]
        .as_str()
        .expect("page")
        .trim_start_matches("pages/")
        .to_owned();
    assert!(
        phase0.contains(&format!("href=\"{phase1_page}#summary\"")),
        "{phase0}"
    );
    assert!(
        !phase0.contains("pwned"),
        "script from evidence must not survive"
    );
    assert!(phase0.contains("☑ reviewed"));

    let json = page_of("exports/branch_protection.json");
    assert!(
        json.contains("  \"enforce_admins\": {"),
        "pretty-printed: {json}"
    );
    assert!(
        json.contains("\"dup\": 1") && json.contains("\"dup\": 2"),
        "shown as written"
    );

    let log = page_of("logs/ci.log");
    assert!(
        log.contains("&lt;b&gt;not html&lt;/b&gt;"),
        "logs are escaped text"
    );
    assert!(page_of("bin/blob.bin").contains("not text"));

    // Every page: a strict CSP, vouch's two scripts (the viewer's module
    // loader and the classic search script), only relative links.
    for f in list_files(&b.site).iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(b.site.join(f)).expect("read");
        assert!(
            html.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{f}: CSP"
        );
        assert!(
            html.contains("object-src 'none'") && html.contains("base-uri 'none'"),
            "{f}"
        );
        assert_eq!(html.matches("<script").count(), 2, "{f}: two scripts");
        assert!(html.contains(r#"<script type="module" src=""#), "{f}");
        assert!(html.contains(r#"assets/search-"#), "{f}");
        for attr in ["href=\"/", "src=\"/", "href=\"http://127", "src=\"http"] {
            assert!(!html.contains(attr), "{f}: non-relative link {attr}");
        }
    }
}

#[test]
fn viewer_assets_are_embedded_and_content_hashed() {
    let b = build(&fixture("basic"));
    let assets = list_files(&b.site.join("assets"));
    let wasm: Vec<_> = assets.iter().filter(|f| f.ends_with(".wasm")).collect();
    assert_eq!(wasm.len(), 1, "{assets:?}");
    for f in &assets {
        let bytes = std::fs::read(b.site.join("assets").join(f)).expect("read");
        let hash = &sha256sum(&b.site.join("assets").join(f))[..16];
        assert!(f.contains(hash), "{f} is not named by its hash {hash}");
        assert!(!bytes.is_empty());
    }
    let wasm_bytes = std::fs::read(b.site.join("assets").join(wasm[0])).expect("wasm");
    assert_eq!(&wasm_bytes[..4], b"\0asm", "a real wasm module");
}

#[test]
fn same_input_gives_byte_identical_output() {
    let a = build(&fixture("basic"));
    let b = build(&fixture("basic"));
    let files = list_files(&a.site);
    assert_eq!(files, list_files(&b.site));
    for f in files {
        assert_eq!(
            std::fs::read(a.site.join(&f)).expect("a"),
            std::fs::read(b.site.join(&f)).expect("b"),
            "{f} differs between two builds"
        );
    }
}

#[test]
fn failed_build_leaves_previous_site_intact() {
    let b = build(&fixture("basic"));
    let before = list_files(&b.site);
    let index = std::fs::read(b.site.join("index.html")).expect("index");

    // An input that does not exist: usage/I-O error, exit 2, nothing touched.
    let out = vouch()
        .args(["build", "/nonexistent/evidence", "--out"])
        .arg(&b.site)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/evidence"));
    assert_eq!(list_files(&b.site), before);
    assert_eq!(
        std::fs::read(b.site.join("index.html")).expect("index"),
        index
    );
    let verify = vouch().arg("verify").arg(&b.site).output().expect("verify");
    assert_eq!(verify.status.code(), Some(0));
    // No staging folder is left behind.
    let siblings: Vec<_> = std::fs::read_dir(b.tmp.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(siblings, vec![std::ffi::OsString::from("site")]);
}

#[test]
fn refuses_to_replace_a_folder_that_is_not_a_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let precious = tmp.path().join("Documents");
    std::fs::create_dir_all(&precious).expect("mkdir");
    std::fs::write(precious.join("thesis.txt"), "do not delete").expect("write");
    let out = vouch()
        .arg("build")
        .arg(fixture("basic"))
        .arg("--out")
        .arg(&precious)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a vouch site"));
    assert_eq!(
        std::fs::read_to_string(precious.join("thesis.txt")).expect("kept"),
        "do not delete"
    );
}

#[test]
fn rebuild_replaces_the_site_and_output_inside_input_is_skipped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("repo");
    copy_dir(&fixture("basic"), &input);
    let site = input.join("public");
    for _ in 0..2 {
        let out = vouch()
            .arg("build")
            .arg(&input)
            .arg("--out")
            .arg(&site)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let m = manifest(&site);
    assert!(
        !artifacts(&m)
            .iter()
            .any(|a| a["path"].as_str().is_some_and(|p| p.starts_with("public"))),
        "the output folder must not be ingested as evidence"
    );
    assert_eq!(artifacts(&m).len(), list_files(&fixture("basic")).len());
}

#[test]
fn manifest_snapshot() {
    let b = build(&fixture("basic"));
    let m = manifest(&b.site);
    insta::assert_json_snapshot!("basic_artifacts", m["artifacts"]);
}

/// A crawler that follows links from index.html (`wget -m`) fetches every
/// file SHA256SUMS lists, so a mirrored copy checks with `sha256sum -c`.
#[test]
fn every_checksummed_file_is_reachable_by_links() {
    let b = build(&fixture("basic"));
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = vec!["index.html".to_owned()];
    while let Some(page) = queue.pop() {
        if !seen.insert(page.clone()) || !page.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(b.site.join(&page)).expect("page");
        let dir = Path::new(&page).parent().expect("dir").to_path_buf();
        for attr in ["href=\"", "src=\""] {
            for part in html.split(attr).skip(1) {
                let target = part.split('"').next().unwrap_or_default();
                if target.contains(':') || target.starts_with('#') {
                    continue;
                }
                let target = target.split('#').next().unwrap_or_default();
                let mut parts: Vec<String> = dir
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                for seg in target.split('/') {
                    match seg {
                        ".." => {
                            parts.pop();
                        }
                        "" | "." => {}
                        s => parts.push(s.to_owned()),
                    }
                }
                queue.push(parts.join("/"));
            }
        }
    }
    let sums = std::fs::read_to_string(b.site.join("SHA256SUMS")).expect("sums");
    for line in sums.lines() {
        let path = line.split_once("  ").expect("two spaces").1;
        // Hosts serve it for a missing address; nothing links to it.
        if path == "404.html" {
            continue;
        }
        assert!(
            seen.contains(path),
            "{path} is in SHA256SUMS but no page links to it"
        );
    }
    assert!(seen.contains("SHA256SUMS") && seen.contains("manifest.json"));
}

/// A 1.4 MB OpenAPI export became a 1.4 MB page, and problems.html listed
/// every path every plan mentioned. Pages of big text and JSON now show the
/// first 32 KiB, and the problems page lists the first 200 notes per kind.
#[test]
fn pages_stay_bounded_for_huge_text_and_many_notes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    let entries: Vec<String> = (0..40_000)
        .map(|i| format!("\"/api/v1/item{i}\": {{\"get\": {{\"summary\": \"item {i}\"}}}}"))
        .collect();
    std::fs::write(
        input.join("openapi.json"),
        format!("{{\"paths\": {{{}}}}}", entries.join(",")),
    )
    .expect("write");
    let log: String = (0..100_000)
        .map(|i| format!("line {i} of the build log\n"))
        .collect();
    std::fs::write(input.join("build.log"), log).expect("write");
    let plan: String = (0..1000)
        .map(|i| format!("- `src/module_{i}/file_{i}.py`\n"))
        .collect();
    std::fs::write(input.join("PLAN.md"), format!("# Plan\n\n{plan}")).expect("write");
    let b = build(&input);
    let m = manifest(&b.site);
    for path in ["openapi.json", "build.log"] {
        let a = artifacts(&m)
            .iter()
            .find(|a| a["path"] == path)
            .expect("artifact");
        assert!(a["size"].as_u64().expect("size") > 1 << 20);
        let page = b.site.join(a["page"].as_str().expect("page"));
        let html = std::fs::read_to_string(&page).expect("page");
        assert!(
            html.len() < 56 << 10,
            "{path}: page of {} bytes",
            html.len()
        );
        assert!(html.contains("only the beginning is shown"), "{path}");
        assert!(
            html.contains(a["url"].as_str().expect("url")),
            "{path}: raw link"
        );
    }
    let problems = std::fs::read_to_string(b.site.join("problems.html")).expect("problems");
    assert!(
        problems.contains(r#"data-more="800""#),
        "1000 notes, 200 listed"
    );
    assert_eq!(
        problems
            .matches(r#"data-problem data-kind="mention-not-in-evidence""#)
            .count(),
        200
    );
}

/// A report that cites hundreds of things (a changelog links every pull
/// request) gets a bounded page: its references table lists at most 200
/// rows, links out none (the document shows those); its problems at most 200,
/// and its pull requests at most 50. Every count stays exact, and audit.json
/// keeps every reference.
#[test]
fn report_pages_stay_bounded_for_many_references() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    std::fs::write(input.join("a.md"), "# A\n").expect("write");
    let mut log = String::from("# Changelog\n\nSee [a](a.md).\n\n");
    for i in 0..300 {
        log.push_str(&format!("- Fixed [item {i}](notes/missing-{i}.md).\n"));
    }
    for i in 0..250 {
        log.push_str(&format!(
            "- Merged [#{i}](https://github.com/o/r/pull/{i}).\n"
        ));
    }
    std::fs::write(input.join("CHANGELOG.md"), log).expect("write");
    let mut notes = String::from("# Notes\n\nSee [a](a.md).\n\n");
    for i in 0..100 {
        notes.push_str(&format!("- [site {i}](https://example.org/{i})\n"));
    }
    std::fs::write(input.join("NOTES.md"), notes).expect("write");
    std::fs::write(
        input.join("LINKS.md"),
        "# Links\n\n<https://example.org/x>\n",
    )
    .expect("write");
    let b = build(&input);
    let m = manifest(&b.site);
    let audit = audit_json(&b.site);
    let page =
        |path: &str| std::fs::read_to_string(b.site.join(artifact_page(&m, path))).expect("page");
    let rows = |html: &str| {
        let table = html
            .split(r#"<table class="audit references""#)
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("references table");
        let listed: Vec<String> = table
            .split("<tr data-reference=\"")
            .skip(1)
            .filter_map(|r| r.split('"').next().map(str::to_owned))
            .collect();
        (table.to_owned(), listed)
    };

    let html = page("CHANGELOG.md");
    let doc = audit_doc(&audit, "CHANGELOG.md");
    let refs = doc["references"].as_array().expect("references");
    // Links to pull requests are recorded once, as pull requests.
    assert_eq!(refs.len(), 301, "audit.json keeps every other reference");
    let pulls = doc["pull_requests"].as_array().expect("pull requests");
    assert_eq!(pulls.len(), 250, "and every pull request");
    assert_eq!(pulls[249]["url"], "https://github.com/o/r/pull/249");
    assert!(
        !refs
            .iter()
            .any(|r| r["target"] == "https://github.com/o/r/pull/0")
    );
    let (table, listed) = rows(&html);
    assert!(table.contains("200 of 301 listed"), "{table:.400}");
    // Files first, in the order written: the present one, then the first
    // 199 missing ones; no link out, since files fill the table.
    assert_eq!(listed.len(), 200);
    assert_eq!(listed[0], "a.md");
    assert_eq!(listed[1], "notes/missing-0.md");
    assert_eq!(listed[199], "notes/missing-198.md");
    assert!(!listed.iter().any(|t| t.starts_with("https://")));
    assert!(html.contains("301 references"), "summary counts all");
    assert!(html.contains("300 problems"), "summary counts all");
    assert_eq!(html.matches(r#"data-kind="broken-link""#).count(), 200);
    assert!(html.contains("… and 100 more: <code>vouch check</code> lists every one"));
    let prs = html
        .split("Pull requests: ")
        .nth(1)
        .and_then(|p| p.split(". ").next())
        .expect("pull requests");
    assert_eq!(
        prs.matches(r#"<a href="https://github.com/o/r/pull/"#)
            .count(),
        50
    );
    assert!(
        prs.contains("#49</a> and 200 more (all are in"),
        "{prs:.300}"
    );
    assert!(html.len() < 200 << 10, "page of {} bytes", html.len());

    // Links out are not rows: the document shows each as a link, and
    // audit.json records them.
    let html = page("NOTES.md");
    let (table, listed) = rows(&html);
    assert!(!table.contains(" listed"), "nothing cut: {table:.400}");
    assert_eq!(listed, ["a.md"]);
    assert!(
        html.contains(r#"<p class="note links-out">100 links out, not listed"#),
        "{html}"
    );
    assert_eq!(
        html.matches(r#"<a href="https://example.org/7" rel="nofollow">"#)
            .count(),
        1,
        "the document's own link, once"
    );
    let notes = audit_doc(&audit, "NOTES.md");
    assert_eq!(notes["references"].as_array().map(Vec::len), Some(101));
    // A page of links out alone has no table.
    let html = page("LINKS.md");
    assert!(!html.contains(r#"id="references""#), "{html}");
    assert!(html.contains(">1 link out, not listed: the document shows it,"));
}

/// A page's folder tree shows the way down to its folder, not every folder
/// beside that way: 355 crates' folders on each of 1,728 real pages were
/// 2.8 MB of tree. The page's own folder lists its first subfolders and its
/// files; each level says how many folders it leaves out and links the
/// folder's page, which lists them all.
#[test]
fn folder_tree_shows_the_way_down_and_counts_the_rest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    for top in ["a", "b", "c", "d", "e"] {
        std::fs::create_dir_all(input.join(top)).expect("mkdir");
        std::fs::write(input.join(top).join("x.md"), "# X\n").expect("write");
    }
    for side in ["k", "l", "m"] {
        std::fs::create_dir_all(input.join("c").join(side)).expect("mkdir");
        std::fs::write(input.join("c").join(side).join("y.md"), "# Y\n").expect("write");
    }
    for below in 0..8 {
        let dir = input.join("c/l").join(format!("s{below}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("z.md"), "# Z\n").expect("write");
    }
    let b = build(&input);
    let m = manifest(&b.site);
    let page = std::fs::read_to_string(b.site.join(artifact_page(&m, "c/l/y.md"))).expect("page");
    let tree = page
        .split(r#"<nav id="tree""#)
        .nth(1)
        .and_then(|t| t.split("</nav>").next())
        .expect("nav#tree");
    let folders: Vec<&str> = tree
        .split("\">")
        .filter_map(|t| t.split('<').next())
        .filter(|t| t.ends_with('/'))
        .collect();
    assert_eq!(
        folders,
        [
            "Evidence/",
            "c/",
            "l/",
            "s0/",
            "s1/",
            "s2/",
            "s3/",
            "s4/",
            "s5/"
        ],
        "{tree}"
    );
    assert!(tree.contains("y.md</strong>"), "{tree}");
    // The root leaves out a, b, d and e; c leaves out k and m; l lists six
    // of its eight subfolders.
    assert_eq!(tree.matches(">4 more folders…").count(), 1, "{tree}");
    assert_eq!(tree.matches(">2 more folders…").count(), 2, "{tree}");
    // The folder's own page (the tree's link for l/) has no tree: its
    // breadcrumb is the way down, and it lists all eight subfolders.
    let href = tree
        .split(r#"<a href=""#)
        .find(|t| t.contains("\">l/<"))
        .and_then(|t| t.split('"').next())
        .expect("l/ in the tree");
    let folder =
        std::fs::read_to_string(b.site.join(href.trim_start_matches("../"))).expect("folder page");
    assert!(!folder.contains("nav id=\"tree\""), "{folder}");
    assert!(
        folder.contains(r#">c</a> › <span aria-current="page">l</span></nav>"#),
        "{folder}"
    );
    for below in 0..8 {
        assert!(folder.contains(&format!(">s{below}/</a>")), "{folder}");
    }
}

/// A folder's page lists the first 200 of its files and links the list
/// page where the rest go on: the list is in path order, so with 250
/// files before the folder, its 201st file is the list's 451st, on page 3
/// (not page 2, where its position in the folder would put it).
#[test]
fn a_large_folder_links_the_list_page_where_its_files_go_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(input.join("ci")).expect("mkdir");
    for i in 0..250 {
        std::fs::write(input.join(format!("A{i:03}.md")), "# A note\n").expect("write");
    }
    for i in 0..205 {
        std::fs::write(
            input.join(format!("ci/run-{i:03}.log")),
            format!("run {i}\n"),
        )
        .expect("write");
    }
    let site = tmp.path().join("site");
    build_snapshot(&input, &site, 0, &[]);
    let m = manifest(&site);
    let page = artifact_page(&m, "ci/run-000.log");
    let page = std::fs::read_to_string(site.join(&page)).expect("page");
    let folder = page
        .split(r#"<nav class="crumbs" aria-label="Breadcrumb">"#)
        .nth(1)
        .and_then(|s| s.split(r#"href="../"#).nth(2))
        .and_then(|s| s.split('"').next())
        .expect("the folder is linked");
    let folder = std::fs::read_to_string(site.join(folder)).expect("folder page");
    assert_eq!(folder.matches("<tr data-path=").count(), 200);
    assert!(folder.contains(r#"<tr data-path="ci/run-199.log">"#));
    assert!(!folder.contains(r#"<tr data-path="ci/run-200.log">"#));
    assert!(folder.contains(r#"data-more="5""#));
    assert!(folder.contains(r#"<a href="../artifacts-3.html">artifact list</a>"#));
    let third = std::fs::read_to_string(site.join("artifacts-3.html")).expect("list page 3");
    assert!(third.contains(r#"<tr data-path="ci/run-200.log">"#));
    assert_eq!(third.matches("<tr data-path=").count(), 55);
    let second = std::fs::read_to_string(site.join("artifacts-2.html")).expect("list page 2");
    assert!(!second.contains(r#"<tr data-path="ci/run-200.log">"#));
}

/// The index lists the first 100 documents that declare or show failure,
/// and counts the rest; the tally and `audit.json` keep every one.
#[test]
fn the_index_lists_the_first_hundred_failures_and_counts_the_rest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    for i in 0..105 {
        std::fs::write(
            input.join(format!("STAGE3_PHASE1_REPORT_{i:03}.md")),
            format!("# Stage 3 phase 1 report {i}\n\n**Status:** FAIL\n"),
        )
        .expect("write");
    }
    let site = tmp.path().join("site");
    build_snapshot(&input, &site, 0, &[]);
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    let failed = index
        .split(r#"<details id="failed-evidence""#)
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .expect("#failed-evidence");
    assert!(failed.contains("<summary>105 documents declare or show failure</summary>"));
    assert_eq!(failed.matches("<li data-path=").count(), 100);
    assert!(failed.contains(r#"<li data-path="STAGE3_PHASE1_REPORT_099.md">"#));
    assert!(!failed.contains(r#"<li data-path="STAGE3_PHASE1_REPORT_100.md">"#));
    assert!(failed.contains(r#"data-more="5""#));
    assert!(
        index.contains(r#"<dd data-count="fail">105</dd>"#),
        "the tally counts all"
    );
    let audit = audit_json(&site);
    assert_eq!(
        audit["summary"]["failed_documents"]
            .as_array()
            .map(Vec::len),
        Some(105)
    );
}

/// A timeline of more rows than one page should hold keeps each stage's
/// heading, status and counts, and puts the stage's rows on a page of its
/// own, linked from it and from the gate matrix, listed in the manifest,
/// whose links all resolve (stage 1's table is cut, and its note links
/// `audit.json` from `timeline/`).
#[test]
fn a_long_timeline_gives_each_stage_a_page() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    let reports = |stage| if stage == 1 { 105 } else { 45 };
    for stage in 1..=8 {
        for i in 0..reports(stage) {
            std::fs::write(
                input.join(format!("STAGE{stage}_PHASE1_REPORT_{i:02}.md")),
                format!("# Stage {stage} phase 1 report {i}\n\n**Status:** PASS\n"),
            )
            .expect("write");
        }
    }
    let site = tmp.path().join("site");
    build_snapshot(&input, &site, 0, &[]);
    let timeline = std::fs::read_to_string(site.join("timeline.html")).expect("timeline");
    assert_eq!(timeline.matches("<tr data-path=").count(), 0);
    assert_eq!(timeline.matches(r#"<p class="stage-rows">"#).count(), 8);
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    let m = manifest(&site);
    let generated: Vec<&str> = m["generated"]
        .as_array()
        .expect("generated")
        .iter()
        .filter_map(|g| g["path"].as_str())
        .collect();
    for stage in 1..=8 {
        let section = timeline
            .split(&format!(r#"<li class="stage" id="stage-{stage}""#))
            .nth(1)
            .and_then(|s| s.split("</li>").next())
            .expect("the stage's section");
        assert!(
            section.contains(&format!("{} reports", reports(stage))),
            "{section}"
        );
        let href = section
            .split(r#"<p class="stage-rows"><a href=""#)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a link to the stage's page");
        assert!(href.starts_with("timeline/"), "{href}");
        assert!(generated.contains(&href), "{href} is in the manifest");
        let page = std::fs::read_to_string(site.join(href)).expect("the stage's page");
        assert!(index.contains(&format!(r#"<a class="to-timeline" href="{href}">"#)));
        assert_eq!(
            page.matches("<tr data-path=").count(),
            reports(stage).min(100)
        );
        if stage == 1 {
            assert!(
                page.contains(
                    r#"data-more="5">… and 5 more; <a href="../audit.json">audit.json</a>"#
                )
            );
        }
        assert!(page.contains(&format!(
            r#"<tr data-path="STAGE{stage}_PHASE1_REPORT_07.md">"#
        )));
        assert!(page.contains(r#"<a href="../timeline.html">Timeline</a>"#));
        // Every link on it resolves from `timeline/`.
        for part in page.split(r#"href=""#).skip(1) {
            let target = part.split(['"', '#']).next().unwrap_or_default();
            if target.is_empty() || target.contains(':') {
                continue;
            }
            let target = target.strip_prefix("../").expect("up to the root");
            assert!(
                site.join(target).is_file(),
                "{href} links {target}, not there"
            );
        }
    }
}

/// At scale, the site-wide pages list the first rows of each table and say
/// how many more there are; their counts stay exact. 1,010 reports in one
/// stage, each with a broken link: the problems page and the snapshot page
/// each list 200, the timeline 100 a table, failures first.
#[test]
fn site_wide_pages_stay_bounded_at_scale() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(&input).expect("mkdir");
    for i in 0..1010 {
        std::fs::write(
            input.join(format!("STAGE2_PHASE1_REPORT_{i:04}.md")),
            format!(
                "# Stage 2 phase 1 report {i}\n\n**Status:** {}\n\n\
                 See [the log](logs/run-{i}.log).\n",
                if i == 1005 { "FAIL" } else { "PASS" }
            ),
        )
        .expect("write");
    }
    let site = tmp.path().join("site");
    build_snapshot(&input, &site, 0, &[]);
    let timeline = std::fs::read_to_string(site.join("timeline.html")).expect("timeline");
    assert!(timeline.contains("1010 reports"), "the count stays exact");
    assert_eq!(timeline.matches("<tr data-path=").count(), 100);
    assert!(timeline.contains(r#"data-more="910">… and 910 more; <a href="audit.json">"#));
    // One page: its rows link from the site's root.
    assert!(timeline.contains(r#"<td><a href="pages/"#));
    assert!(!timeline.contains(r#"<p class="stage-rows">"#));
    assert!(
        timeline.contains(r#"<tr data-path="STAGE2_PHASE1_REPORT_1005.md""#),
        "the cut keeps the failing report, though it comes last"
    );
    let problems = std::fs::read_to_string(site.join("problems.html")).expect("problems");
    assert!(problems.contains(r#"<dd data-count="warning">1010</dd>"#));
    assert_eq!(
        problems
            .matches(r#"data-problem data-kind="broken-link""#)
            .count(),
        200
    );
    assert!(problems.contains(r#"data-more="810""#));
    // The static artifact list: 200 a page, the first on the index, the
    // rest on artifacts-2.html to artifacts-6.html, each linking the next
    // and the one before; every artifact's page is reachable.
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(index.contains("<dt>Artifacts</dt><dd>1010</dd>"));
    assert_eq!(index.matches("<tr data-path=").count(), 200);
    assert!(index.contains(r#"<a href="artifacts-2.html" rel="next">"#));
    assert!(index.contains(r#"<a href="artifacts-6.html" title="artifacts 1001–1010">6</a>"#));
    let lists: Vec<String> = (2..=6)
        .map(|n| {
            std::fs::read_to_string(site.join(format!("artifacts-{n}.html"))).expect("list page")
        })
        .collect();
    for list in &lists[..4] {
        assert_eq!(list.matches("<tr data-path=").count(), 200);
    }
    let last = &lists[4];
    assert_eq!(last.matches("<tr data-path=").count(), 10);
    assert!(last.contains(r#"<a href="index.html" title="artifacts 1–200">1</a>"#));
    assert!(last.contains(r#"<a href="artifacts-5.html" rel="prev">"#));
    assert!(last.contains(r#"<strong aria-current="page">6</strong>"#));
    assert!(!last.contains(r#"rel="next""#));
    let m = manifest(&site);
    for a in artifacts(&m) {
        let (path, page) = (
            a["path"].as_str().expect("path"),
            a["page"].as_str().expect("page"),
        );
        let row = format!(r#"<tr data-path="{path}">"#);
        let listed: Vec<&String> = std::iter::once(&index)
            .chain(&lists)
            .filter(|l| l.contains(&row))
            .collect();
        assert_eq!(listed.len(), 1, "{path} is listed on one list page");
        assert!(
            listed[0].contains(&format!(r#"href="{page}""#)),
            "{page} is linked there"
        );
    }
    assert!(!site.join("artifacts-7.html").exists());
    // Every page's folder tree stays small: a window of the folder's files
    // around the page, and a link to them all.
    let page =
        std::fs::read_to_string(site.join(artifact_page(&m, "STAGE2_PHASE1_REPORT_0500.md")))
            .expect("page");
    let tree = page
        .split(r#"<nav id="tree""#)
        .nth(1)
        .and_then(|t| t.split("</nav>").next())
        .expect("nav#tree");
    assert_eq!(tree.matches(r#"<li class="file">"#).count(), 12);
    assert!(tree.contains("STAGE2_PHASE1_REPORT_0500.md</strong>"));
    assert!(tree.contains("all 1010 files"));
    // audit.json keeps every one.
    let audit = audit_json(&site);
    let broken = audit["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["kind"] == "broken-link")
        .count();
    assert_eq!(broken, 1010);

    build_snapshot(&input, &site, 1, &[]);
    let snapshots: Vec<_> = std::fs::read_dir(site.join("snapshots"))
        .expect("snapshots")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(snapshots.len(), 1);
    let page = std::fs::read_to_string(snapshots[0].join("index.html")).expect("page");
    assert!(page.contains("<dd>1010</dd>"));
    assert_eq!(page.matches("<tr data-path=").count(), 200);
    assert!(page.contains(r#"data-more="810""#));
}

/// A rebuild links the files that did not change from the site it replaces
/// (or the local previous site) instead of writing them again, but only
/// regular files whose bytes are identical: a tampered or symlinked file in
/// the previous site is never linked into the new one.
#[cfg(unix)]
#[test]
fn rebuild_links_identical_files_and_only_those() {
    use std::os::unix::fs::MetadataExt;
    let (tmp, input, first) = fixture_copy("basic");
    build_snapshot(&input, &first, 0, &[]);
    let m = manifest(&first);
    let arts = artifacts(&m);
    assert!(arts.len() >= 3, "the fixture has several files");
    let (tampered, symlinked) = (&arts[0], &arts[1]);
    // Same size, other bytes.
    flip_byte(&first.join(tampered["url"].as_str().expect("url")), 0);
    // A symlink in place of an object, to a file with the same bytes.
    let sym = first.join(symlinked["url"].as_str().expect("url"));
    let outside = tmp.path().join("outside");
    std::fs::copy(&sym, &outside).expect("copy");
    std::fs::remove_file(&sym).expect("rm");
    std::os::unix::fs::symlink(&outside, &sym).expect("symlink");

    // A new output folder, following the first site: files come from it.
    let second = tmp.path().join("second");
    let previous = first.to_str().expect("UTF-8 path");
    build_snapshot(&input, &second, 1, &["--previous", previous]);
    let nlink = |p: &Path| std::fs::symlink_metadata(p).expect("stat").nlink();
    for a in arts {
        let url = a["url"].as_str().expect("url");
        let new = second.join(url);
        let meta = std::fs::symlink_metadata(&new).expect("object");
        assert!(meta.is_file(), "{url} is a regular file");
        assert_eq!(sha256sum(&new), a["sha256"].as_str().expect("sha"), "{url}");
        let linked = nlink(&new) == 2;
        let expect_linked = a["path"] != tampered["path"] && a["path"] != symlinked["path"];
        assert_eq!(linked, expect_linked, "{url}");
        // Pages do not change between builds (no build time on them).
        let page = a["page"].as_str().expect("page");
        assert_eq!(nlink(&second.join(page)), 2, "{page}");
    }
    let verify = vouch().arg("verify").arg(&second).output().expect("verify");
    assert!(verify.status.success(), "{}", stdout_of(&verify));
}

/// Earlier snapshots keep their manifests and objects (they still verify),
/// but only the newest few keep their audit trail: twenty copies of a large
/// `audit.json` would dwarf the evidence itself.
#[test]
fn only_the_newest_earlier_audit_trails_are_carried() {
    let (_tmp, input, site) = fixture_copy("basic");
    for n in 0..5 {
        std::fs::write(input.join("reports/run.txt"), format!("run {n}\n")).expect("write");
        build_snapshot(&input, &site, n, &[]);
    }
    let history = history_json(&site);
    let ids: Vec<&str> = history["snapshots"]
        .as_array()
        .expect("snapshots")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 4, "four earlier snapshots");
    let with_audit: Vec<bool> = ids
        .iter()
        .map(|id| site.join(format!("snapshots/{id}/audit.json")).exists())
        .collect();
    assert_eq!(with_audit, [true, true, true, false], "newest first");
    for id in &ids {
        assert!(site.join(format!("snapshots/{id}/manifest.json")).exists());
    }
    let verify = vouch().arg("verify").arg(&site).output().expect("verify");
    assert!(verify.status.success(), "{}", stdout_of(&verify));
}

/// A carried audit trail is the one its snapshot's manifest recorded, byte
/// for byte; one altered since is left out, and no part of it stays.
#[test]
fn a_carried_audit_trail_is_the_one_its_manifest_recorded() {
    let (_tmp, input, site) = fixture_copy("basic");
    let newest = |site: &Path| -> String {
        let h = history_json(site);
        h["snapshots"][0]["id"].as_str().expect("id").to_owned()
    };
    build_snapshot(&input, &site, 0, &[]);
    let first = std::fs::read(site.join("audit.json")).expect("audit");
    std::fs::write(input.join("reports/run.txt"), "run 1\n").expect("write");
    build_snapshot(&input, &site, 1, &[]);
    let id0 = newest(&site);
    let carried = site.join(format!("snapshots/{id0}/audit.json"));
    assert_eq!(std::fs::read(&carried).expect("carried"), first);

    // Alter the current audit trail (a new file: it may be hard-linked).
    let mut altered = std::fs::read(site.join("audit.json")).expect("audit");
    altered.extend_from_slice(b" ");
    std::fs::remove_file(site.join("audit.json")).expect("rm");
    std::fs::write(site.join("audit.json"), &altered).expect("write");
    std::fs::write(input.join("reports/run.txt"), "run 2\n").expect("write");
    build_snapshot(&input, &site, 2, &[]);
    let id1 = newest(&site);
    assert_ne!(id1, id0);
    assert!(
        !site.join(format!("snapshots/{id1}/audit.json")).exists(),
        "the altered audit trail is not carried"
    );
    assert_eq!(std::fs::read(&carried).expect("still carried"), first);
    let verify = vouch().arg("verify").arg(&site).output().expect("verify");
    assert!(verify.status.success(), "{}", stdout_of(&verify));
}

/// An audit trail that cannot be read is left out with a warning, which
/// `-q` (only errors and the result line) does not print.
#[test]
fn a_carried_audit_trail_left_out_is_a_warning_that_q_keeps_quiet() {
    let (_tmp, input, site) = fixture_copy("basic");
    let unreadable = |site: &Path| {
        // A folder where the file was: opened, it cannot be read.
        let audit = site.join("audit.json");
        std::fs::remove_file(&audit).expect("rm");
        std::fs::create_dir(&audit).expect("mkdir");
    };
    let warned = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with("warning: ") && l.contains("status diff against snapshot"))
            .count()
    };
    build_snapshot(&input, &site, 0, &[]);
    unreadable(&site);
    std::fs::write(input.join("reports/run.txt"), "run 1\n").expect("write");
    let out = build_snapshot(&input, &site, 1, &[]);
    assert_eq!(warned(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));

    unreadable(&site);
    std::fs::write(input.join("reports/run.txt"), "run 2\n").expect("write");
    let mut quiet = vouch();
    quiet.arg("-q");
    let out = build_snapshot_with(quiet, &input, &site, 2, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(warned(&out), 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(stderr.contains("Built "), "{stderr}");
}

/// Raising `--retain` after a smaller one dropped old snapshots is no cut
/// history: the site verifies, the next build extends it, and the history
/// grows by one snapshot a build up to the new number. (It was recorded at
/// once: `verify` reported "snapshots were dropped", and the next build
/// refused the site.) `verify --rebuild` replays each build, also once
/// retention has dropped a snapshot.
#[test]
fn raising_retain_after_snapshots_were_dropped_keeps_the_chain_intact() {
    let (_tmp, input, site) = fixture_copy("basic");
    let history = |site: &Path| -> (u64, usize) {
        let h = history_json(site);
        (
            h["retain"].as_u64().expect("retain"),
            h["snapshots"].as_array().expect("snapshots").len(),
        )
    };
    let verified = |site: &Path| {
        let out = vouch().arg("verify").arg(site).output().expect("verify");
        assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    };
    for n in 0..4 {
        std::fs::write(input.join("reports/run.txt"), format!("run {n}\n")).expect("write");
        build_snapshot(&input, &site, n, &["--retain", "3"]);
    }
    assert_eq!(history(&site), (3, 2));
    // Retention dropped a snapshot: the replay still finds the chain whole
    // (it failed on any site past its --retain).
    let replayed = verify_rebuild(&site, &input);
    assert!(replayed.status.success(), "{}", stdout_of(&replayed));
    for (n, want) in [(4, (4, 3)), (5, (5, 4)), (6, (6, 5))] {
        std::fs::write(input.join("reports/run.txt"), format!("run {n}\n")).expect("write");
        build_snapshot(&input, &site, n, &[]);
        assert_eq!(history(&site), want, "build {n}");
        verified(&site);
        let replayed = verify_rebuild(&site, &input);
        assert!(replayed.status.success(), "{}", stdout_of(&replayed));
    }
    // Lowered again, it drops at once, as before.
    std::fs::write(input.join("reports/run.txt"), "run 7\n").expect("write");
    build_snapshot(&input, &site, 7, &["--retain", "2"]);
    assert_eq!(history(&site), (2, 1));
    verified(&site);
}

/// `--timings` prints each stage's time after the result line, then the
/// total and (on Linux) the peak memory; without it, nothing of them.
#[test]
fn timings_name_each_stage_after_the_result_line() {
    let (_tmp, input, site) = fixture_copy("basic");
    let out = build_snapshot(&input, &site, 0, &[]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("timings:"));
    let out = build_snapshot(&input, &site, 1, &["-q", "--timings"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (before, after) = stderr.split_once("timings:\n").expect("timings");
    assert!(before.contains("\nSnapshot "), "{stderr}");
    let rows: Vec<(&str, &str)> = after
        .lines()
        .map(|l| {
            let l = l.trim();
            match l.split_once("  ") {
                Some((name, rest)) => (name, rest.trim()),
                None => (l, ""),
            }
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|(n, _)| *n).collect();
    let stages = [
        "previous site",
        "load",
        "audit",
        "pages",
        "site pages",
        "snapshots",
        "manifest",
        "swap",
        "total",
    ];
    assert_eq!(&names[..stages.len()], stages, "{stderr}");
    let secs = |rest: &str| -> f64 {
        rest.split(" s")
            .next()
            .expect("s")
            .trim()
            .parse()
            .expect("seconds")
    };
    let sum: f64 = rows[..stages.len() - 1].iter().map(|(_, r)| secs(r)).sum();
    let total = secs(rows[stages.len() - 1].1);
    assert!(sum <= total + 0.01 * stages.len() as f64, "{stderr}");
    if cfg!(target_os = "linux") {
        let peak = names.get(stages.len()).expect("peak memory");
        assert!(
            peak.starts_with("peak memory ") && peak.ends_with("MiB"),
            "{stderr}"
        );
    }
    // With --sign, reading the key is a stage of its own.
    let key = keygen(&site.with_file_name("keys")).join("vouch.key");
    let args = signed_with_timings(&key);
    let out = build_snapshot(&input, &site, 2, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let after = stderr.split_once("timings:\n").expect("timings").1;
    let names: Vec<&str> = after
        .lines()
        .map(|l| l.trim().split("  ").next().unwrap_or(""))
        .take(3)
        .collect();
    assert_eq!(names, ["previous site", "signing key", "load"], "{stderr}");
}

/// `--timings`, signing with `key` a site whose earlier snapshots are unsigned.
fn signed_with_timings(key: &Path) -> [&str; 5] {
    [
        "--timings",
        "--sign",
        key.to_str().expect("utf8"),
        "--trust-previous-key",
        "unsigned",
    ]
}

/// The site size `--timings` prints is what the site holds on disk: each
/// object once however many files share it, the objects only a retained
/// snapshot needs, and every generated file (signatures and vouch's own
/// page-key record aside).
#[test]
fn timings_give_the_site_size_on_disk() {
    let (_tmp, input, site) = fixture_copy("basic");
    build_snapshot(&input, &site, 0, &[]);
    // A copy shares an object; the changed report leaves its old object
    // to the retained snapshot alone.
    std::fs::copy(
        input.join("reports/PHASE0.md"),
        input.join("reports/COPY.md"),
    )
    .expect("copy");
    std::fs::write(
        input.join("reports/PHASE1.md"),
        "# Phase 1\n\nStatus: PASS\n",
    )
    .expect("write");
    let key = keygen(&site.with_file_name("keys")).join("vouch.key");
    let args = signed_with_timings(&key);
    let out = build_snapshot(&input, &site, 1, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("site size "))
        .expect("site size");
    let bytes: u64 = line
        .split_once(" (")
        .and_then(|(_, b)| b.strip_suffix(" bytes)"))
        .and_then(|b| b.parse().ok())
        .expect("bytes");
    let on_disk: u64 = list_files(&site)
        .iter()
        .filter(|f| !f.ends_with(".minisig") && *f != ".vouch-pages")
        .map(|f| std::fs::metadata(site.join(f)).expect("metadata").len())
        .sum();
    assert_eq!(bytes, on_disk, "{stderr}");
}

/// `--title` (else `title` in vouch.toml) names the site on every page and
/// is signed in the manifest, so `verify --rebuild` reproduces the site.
#[test]
fn title_names_the_site_and_rebuilds_identically() {
    let (tmp, input, site) = fixture_copy("basic");
    let out = build_snapshot(&input, &site, 0, &["--title", "Acme <release> evidence"]);
    assert!(out.status.success());
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(
        index.contains("· Acme &lt;release&gt; evidence</title>"),
        "{index}"
    );
    assert!(index.contains(r#"class="brand" href="index.html">Acme &lt;release&gt; evidence</a>"#));
    assert_eq!(manifest(&site)["title"], "Acme <release> evidence");
    let verify = verify_rebuild(&site, &input);
    assert!(verify.status.success(), "{}", stdout_of(&verify));

    // From the config file when no flag is given; the flag wins over it.
    std::fs::write(input.join("vouch.toml"), "title = \"From the config\"\n").expect("write");
    let other = tmp.path().join("other");
    build_snapshot(&input, &other, 0, &[]);
    assert_eq!(manifest(&other)["title"], "From the config");
    build_snapshot(&input, &other, 1, &["--title", "Flag"]);
    assert_eq!(manifest(&other)["title"], "Flag");
}

/// A title no page can show (a NUL, an escape; HTML's escaping leaves them
/// as they are) is refused with exit 2, at its line in vouch.toml, or as
/// `--title`'s value, and the site already built is left as it was.
#[test]
fn a_title_with_control_characters_is_refused_and_nothing_is_touched() {
    let (tmp, input, site) = fixture_copy("basic");
    build_snapshot(&input, &site, 0, &[]);
    let before = list_files(&site);
    let index = std::fs::read(site.join("index.html")).expect("index");
    let rebuild = |args: &[&str]| {
        vouch()
            .arg("build")
            .arg(&input)
            .arg("--out")
            .arg(&site)
            .args(args)
            .output()
            .expect("build")
    };
    std::fs::write(
        input.join("vouch.toml"),
        "max_age = 30\ntitle = \"Release\\u0000evidence\"\n",
    )
    .expect("write");
    let out = rebuild(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("vouch.toml:2: title holds the control character U+0000"),
        "{err}"
    );

    std::fs::write(input.join("vouch.toml"), "title = \"Release evidence\"\n").expect("write");
    let out = rebuild(&["--title", "Release \u{1b}[2Jevidence"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--title") && err.contains("U+001B"), "{err}");

    assert_eq!(list_files(&site), before);
    assert_eq!(
        std::fs::read(site.join("index.html")).expect("index"),
        index
    );
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name().into_string().expect("utf-8"))
        .collect();
    assert_eq!(
        names.len(),
        2,
        "no staging folder is left behind: {names:?}"
    );
}

/// `build --previous URL` fetches the objects its retained snapshots need
/// from the host several at a time (each is a round trip to it), and the
/// site it makes holds them all.
#[test]
fn objects_carried_from_a_host_are_fetched_several_at_once() {
    let (tmp, input, site) = fixture_copy("basic");
    build_snapshot(&input, &site, 0, &[]);
    let before: Vec<String> = artifacts(&manifest(&site))
        .iter()
        .map(|a| a["sha256"].as_str().expect("sha256").to_owned())
        .collect();
    // Every file changes, so every earlier object is carried from the host.
    for f in list_files(&input) {
        let mut bytes = std::fs::read(input.join(&f)).expect("read");
        bytes.extend_from_slice(b"\n");
        std::fs::write(input.join(&f), bytes).expect("write");
    }
    let host = counting_host(&site, |rel| rel.starts_with("objects/"));
    let next = tmp.path().join("next");
    build_snapshot(&input, &next, 1, &["--previous", &host.url]);
    let most = host.most_in_flight();
    assert!(most >= 4, "at most {most} objects were fetched at once");
    for sha in &before {
        assert!(object_path(&next, sha).is_file(), "{sha} not carried");
    }
    let verify = vouch().arg("verify").arg(&next).output().expect("verify");
    assert!(verify.status.success(), "{}", stdout_of(&verify));
}

/// `vouch verify SITE --rebuild INPUT`.
fn verify_rebuild(site: &std::path::Path, input: &std::path::Path) -> std::process::Output {
    vouch()
        .arg("verify")
        .arg(site)
        .arg("--rebuild")
        .arg(input)
        .output()
        .expect("verify")
}

/// `verify --rebuild` replays the build of a snapshot that followed another:
/// the previous snapshot's audit trail is carried from where the later
/// site keeps it, so a rebuild after a report changed reproduces the id
/// (it used to read the later site's own `audit.json`, and differ).
#[test]
fn rebuild_reproduces_a_snapshot_that_followed_another() {
    let (_tmp, input, site) = fixture_copy("basic");
    build_snapshot(&input, &site, 0, &[]);
    let report = std::fs::read_dir(input.join("reports"))
        .expect("reports")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "md"))
        .expect("a report");
    let mut text = std::fs::read_to_string(&report).expect("read");
    text.push_str("\n**Status:** FAIL\n");
    std::fs::write(&report, text).expect("write");
    build_snapshot(&input, &site, 1, &[]);
    let verify = verify_rebuild(&site, &input);
    assert!(verify.status.success(), "{}", stdout_of(&verify));
    assert!(stdout_of(&verify).contains("reproduces snapshot"));
}

/// Reading aids on every page: a skip link, named navigation, the colour
/// scheme declared, a favicon that exists; and a report's page puts the
/// document first, what vouch found in a bar that opens, each citation
/// once, and "Cited by" on the evidence it cites.
#[test]
fn pages_are_document_first_and_carry_reading_aids() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let page_of =
        |path: &str| std::fs::read_to_string(b.site.join(artifact_page(&m, path))).expect("page");
    let pack = page_of("docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md");
    for needle in [
        r##"<a class="skip-link" href="#main">"##,
        r#"<main id="main""#,
        r#"<nav aria-label="Site">"#,
        r#"<nav class="crumbs" aria-label="Breadcrumb">"#,
        r#"<meta name="color-scheme" content="light dark">"#,
        r#"<details id="claims" class="claims summary-bar">"#,
    ] {
        assert!(pack.contains(needle), "{needle}");
    }
    let icon = pack
        .split(r#"<link rel="icon" href="../"#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("favicon link");
    assert!(b.site.join(icon).is_file(), "{icon}");
    let not_found = std::fs::read_to_string(b.site.join("404.html")).expect("404.html");
    assert!(not_found.contains("<h1>Not found</h1>"));
    // The bar, then the document, then the file's facts.
    let bar = pack.find(r#"id="claims""#).expect("bar");
    let article = pack.find(r#"<article class="markdown">"#).expect("article");
    let facts = pack.find(r#"class="facts artifact-facts""#).expect("facts");
    assert!(bar < article && article < facts);
    // Each citation once: every data-reference value appears one time.
    let mut seen = std::collections::HashMap::new();
    for part in pack.split(r#"data-reference=""#).skip(1) {
        let target = part.split('"').next().expect("value");
        *seen.entry(target.to_owned()).or_insert(0) += 1;
    }
    assert!(!seen.is_empty());
    for (target, n) in &seen {
        assert_eq!(*n, 1, "{target} is listed {n} times");
    }
    // Structure: breadcrumb folders link to folder pages that list the
    // file; the folder tree marks the page; reports link within a stage.
    let crumbs = pack
        .split(r#"<nav class="crumbs" aria-label="Breadcrumb">"#)
        .nth(1)
        .and_then(|s| s.split("</nav>").next())
        .expect("crumbs");
    let folder = crumbs
        .split(r#"href="../"#)
        .filter_map(|s| s.split('"').next())
        .find(|h| h.starts_with("folders/docs-evidence-"))
        .expect("docs/evidence is linked");
    let folder_page = std::fs::read_to_string(b.site.join(folder)).expect("folder page");
    assert!(folder_page.contains("<h1>docs/evidence/</h1>"));
    assert!(folder_page.contains(r#"data-path="docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md""#));
    let tree = pack
        .split(r#"<nav id="tree" aria-label="Folders">"#)
        .nth(1)
        .and_then(|s| s.split("</nav>").next())
        .expect("nav#tree");
    assert!(tree.contains(r#"aria-current="page"><strong>STAGE1.0_ACCEPTANCE_PACK.md</strong>"#));
    assert!(pack.contains(r#"<nav class="prev-next" aria-label="Within stage 1.0">"#));
    assert!(pack.contains(r#"rel="prev""#) || pack.contains(r#"rel="next""#));
    // The print pack: the pack, then each file it cites as an appendix with
    // its SHA-256, then a sign-off block; linked from the pack's page.
    let print = pack
        .split(r#"class="print-pack-link"><a href="../"#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("print pack link");
    let printed = std::fs::read_to_string(b.site.join(print)).expect("print pack");
    let cited = artifact_entry(&m, "docs/evidence/STAGE1.0_PHASE0_REPORT.md");
    assert!(printed.contains(r#"id="appendix-A""#));
    assert!(printed.contains(cited["sha256"].as_str().expect("sha")));
    assert!(printed.contains("Stage 1.0 Phase 0 Completion Report"));
    assert!(printed.contains(r#"<section class="sign-off">"#));
    // Its links work from `print/`: to the cited file's appendix, or up to
    // `pages/`; none names a page as if `print/` held it.
    let hrefs: Vec<&str> = printed
        .split(r#"href=""#)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    for h in &hrefs {
        assert!(
            h.starts_with("../") || h.starts_with('#') || h.contains(':'),
            "{h} is broken from print/"
        );
        if let Some(page) = h.strip_prefix("../").filter(|p| p.starts_with("pages/")) {
            assert!(
                b.site
                    .join(page.split('#').next().unwrap_or(page))
                    .is_file(),
                "{h}"
            );
        }
    }
    assert!(
        hrefs.iter().any(|h| h.starts_with("#appendix-")),
        "{hrefs:?}"
    );
    // The phase report the pack cites says so.
    let phase = page_of("docs/evidence/STAGE1.0_PHASE0_REPORT.md");
    assert!(phase.contains(r#"id="cited-by""#));
    assert!(phase.contains(r#"data-cited-by="docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md""#));
    // The pack's page lists, for the viewer's `#claim-evidence`, each file
    // it cites that is present, once, with every way it wrote it, in the
    // order first cited: what audit.json records, without fetching it.
    let listed = pack
        .split(r#"data-vouch-cited=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("data-vouch-cited")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let listed: Vec<Vec<String>> = serde_json::from_str(&listed).expect("a JSON list");
    let audit = audit_json(&b.site);
    let mut expected: Vec<Vec<String>> = Vec::new();
    for r in audit_doc(&audit, "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md")["references"]
        .as_array()
        .expect("references")
    {
        let (Some(path), "present") = (r["path"].as_str(), r["state"].as_str().unwrap_or(""))
        else {
            continue;
        };
        let target = r["target"].as_str().expect("target").to_owned();
        match expected.iter_mut().find(|e| e[0] == path) {
            Some(e) if !e[1..].contains(&target) => e.push(target),
            Some(_) => {}
            None => expected.push(vec![path.to_owned(), target]),
        }
    }
    assert_eq!(listed, expected);
    assert_eq!(
        listed.len(),
        5,
        "two phase reports, gate summary, runbook, ADR"
    );
}

/// The pages whose viewer will stream a file over 8 MiB through the
/// hashing worker say so on `<body>` (`data-vouch-stream`), so the loader
/// starts that worker early: the index (it re-hashes every artifact), the
/// large file's page, and the page of a report that cites it; no other.
#[test]
fn pages_that_stream_a_large_file_say_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("evidence");
    std::fs::create_dir_all(input.join("logs")).expect("mkdir");
    // Exactly 8 MiB is read whole; one byte more is streamed.
    std::fs::write(input.join("logs/whole.log"), vec![b'w'; 8 << 20]).expect("write");
    std::fs::write(input.join("logs/big.log"), vec![b'b'; (8 << 20) + 1]).expect("write");
    std::fs::write(
        input.join("REPORT.md"),
        "# Phase 1 report\n\nStatus: PASS\n\nEvidence: [the log](logs/big.log)\n",
    )
    .expect("write");
    std::fs::write(
        input.join("NOTES.md"),
        "# Notes\n\nSee [the log](logs/whole.log).\n",
    )
    .expect("write");
    let b = build(&input);
    let m = manifest(&b.site);
    let marked = |page: &str| {
        let html = std::fs::read_to_string(b.site.join(page)).expect("read page");
        let body = html
            .split("<body")
            .nth(1)
            .expect("<body")
            .split('>')
            .next()
            .unwrap_or("");
        body.contains(" data-vouch-stream")
    };
    let page = |path: &str| {
        artifact_entry(&m, path)["page"]
            .as_str()
            .expect("page")
            .to_owned()
    };
    assert!(marked("index.html"));
    assert!(marked(&page("logs/big.log")));
    assert!(marked(&page("REPORT.md")), "the report cites the large log");
    assert!(!marked(&page("logs/whole.log")));
    assert!(!marked(&page("NOTES.md")));
    assert!(!marked("problems.html"));

    // Without a file over the limit, no page is marked.
    std::fs::remove_file(input.join("logs/big.log")).expect("remove");
    let b = build(&input);
    assert!(
        !std::fs::read_to_string(b.site.join("index.html"))
            .expect("index")
            .contains("data-vouch-stream")
    );
}

/// Objects are spread over folders named by their first two hex digits, so
/// no folder holds them all; and a site built when they were kept in one
/// folder (`objects/<sha256>`) still verifies, in full and against
/// `sha256sum -c`, and the next build carries its objects into the spread
/// layout, whether it replaces that site or reads it over HTTP.
#[test]
fn objects_are_spread_and_a_site_with_flat_objects_is_carried_forward() {
    let (tmp, input, site) = fixture_copy("basic");
    build_snapshot(&input, &site, 0, &[]);
    let m = manifest(&site);
    for a in artifacts(&m) {
        let sha = a["sha256"].as_str().expect("sha256");
        assert_eq!(a["url"], format!("objects/{}/{sha}", &sha[..2]));
        assert!(object_path(&site, sha).is_file());
    }
    // A second snapshot, so that one object is only a retained one's.
    std::fs::write(input.join("logs/ci.log"), "run 1\n").expect("write");
    build_snapshot(&input, &site, 1, &[]);
    let spread = list_files(&site.join("objects"));
    assert_eq!(spread.len(), artifacts(&m).len() + 1);
    let before: Vec<String> = spread
        .iter()
        .map(|p| match p.split_once('/') {
            Some((dir, sha)) if sha.len() == 64 && sha.starts_with(dir) => sha.to_owned(),
            _ => panic!("{p} is not objects/<first two digits>/<sha256>"),
        })
        .collect();

    flatten_objects(&site);
    assert!(site.join("objects").join(&before[0]).is_file());
    let v = vouch().arg("verify").arg(&site).output().expect("verify");
    assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));
    let sums = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&site)
        .output()
        .expect("sha256sum");
    assert!(sums.status.success(), "{}", stdout_of(&sums));
    let old = tmp.path().join("old");
    copy_dir(&site, &old);

    // Every file changes: the old snapshot's objects are only its own.
    for f in list_files(&input) {
        let mut bytes = std::fs::read(input.join(&f)).expect("read");
        bytes.extend_from_slice(b"\n");
        std::fs::write(input.join(&f), bytes).expect("write");
    }
    let host = counting_host(&old, |_| false);
    let fetched = tmp.path().join("fetched");
    for (n, (out, args)) in [
        (&site, vec![]),
        (&fetched, vec!["--previous", host.url.as_str()]),
    ]
    .into_iter()
    .enumerate()
    {
        let o = build_snapshot(&input, out, 2 + n as u32, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for sha in &before {
            assert!(object_path(out, sha).is_file(), "{sha} not carried");
            assert!(!out.join("objects").join(sha).exists(), "{sha} left flat");
        }
        let v = vouch().arg("verify").arg(out).output().expect("verify");
        assert_eq!(v.status.code(), Some(0), "{}", stdout_of(&v));
    }
}

/// Rewrites an unsigned site as vouch wrote sites before objects were
/// spread: each object at `objects/<sha256>`, the manifest's URLs and
/// `SHA256SUMS` to match (its archived manifests are left as they are: they
/// are hashed into the chain).
fn flatten_objects(site: &Path) {
    let objects = site.join("objects");
    for p in list_files(&objects) {
        let (dir, sha) = p.split_once('/').expect("spread");
        std::fs::rename(objects.join(&p), objects.join(sha)).expect("mv");
        std::fs::remove_dir(objects.join(dir)).ok();
    }
    let mut m = manifest(site);
    for a in m["artifacts"].as_array_mut().expect("artifacts") {
        let sha = a["sha256"].as_str().expect("sha256").to_owned();
        a["url"] = format!("objects/{sha}").into();
    }
    let bytes = serde_json::to_vec(&m).expect("json");
    std::fs::write(site.join("manifest.json"), &bytes).expect("write");
    let manifest_sha = sha256sum(&site.join("manifest.json"));
    let sums: String = std::fs::read_to_string(site.join("SHA256SUMS"))
        .expect("sums")
        .lines()
        .map(|l| {
            let (sha, path) = l.split_once("  ").expect("sum line");
            match path {
                "manifest.json" => format!("{manifest_sha}  {path}\n"),
                p if p.starts_with("objects/") => format!("{sha}  objects/{sha}\n"),
                p => format!("{sha}  {p}\n"),
            }
        })
        .collect();
    std::fs::write(site.join("SHA256SUMS"), sums).expect("write");
}
