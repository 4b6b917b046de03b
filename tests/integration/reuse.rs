//! Pages taken unchanged from the previous snapshot (`generator/src/reuse.rs`):
//! a rebuild that reuses pages makes, byte for byte, the site that
//! `--render-all` makes, through every kind of change a page depends on.

use std::path::Path;

use crate::common::*;

/// "(N pages unchanged" on a build's summary line, 0 when absent.
fn pages_reused(stderr: &str) -> usize {
    let Some(at) = stderr.find(" unchanged, not rendered again") else {
        return 0;
    };
    let before = stderr[..at]
        .trim_end_matches(" pages")
        .trim_end_matches(" page");
    let n = &before[before.rfind('(').expect("a count in brackets") + 1..];
    n.parse().expect("a number of pages")
}

/// Every file of two sites, the same bytes.
fn assert_same_site(a: &Path, b: &Path, step: &str) {
    let files = list_files(a);
    assert_eq!(files, list_files(b), "{step}: the sites list other files");
    for f in &files {
        let (x, y) = (
            std::fs::read(a.join(f)).expect("read"),
            std::fs::read(b.join(f)).expect("read"),
        );
        assert!(
            x == y,
            "{step}: {f} differs between the reusing build and --render-all:\n{}\n---\n{}",
            String::from_utf8_lossy(&x),
            String::from_utf8_lossy(&y)
        );
    }
}

fn write(input: &Path, rel: &str, text: &str) {
    let path = input.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn edit(input: &Path, rel: &str, from: &str, to: &str) {
    let path = input.join(rel);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{rel} does not say {from:?}");
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// A PNG's first bytes, then `tail`: enough for vouch to take it as an image.
fn png(tail: &[u8]) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    b.extend_from_slice(tail);
    b
}

const DIAGRAM: &str = "docs/evidence/img/diagram.png";
const LINKER: &str = "docs/evidence/STAGE1.0_PHASE2_REPORT.md";

#[test]
fn reused_pages_are_the_pages_a_full_render_makes() {
    let (tmp, input, site) = fixture_copy("audit");
    std::fs::create_dir_all(input.join("docs/evidence/img")).expect("mkdir");
    std::fs::write(input.join(DIAGRAM), png(b"one")).expect("png");
    // A report that embeds the image, links a report, a folder, and a file
    // that is not there yet.
    write(
        &input,
        LINKER,
        "# Stage 1.0 Phase 2 Completion Report: Drills\n\nDate: 2026-02-21\nStatus: PASSED\n\n\
         ![diagram](img/diagram.png)\n\nSee [phase 1](STAGE1.0_PHASE1_REPORT.md#gate-1), \
         [the runbooks](../runbooks/), and [the drill notes](drills/NOTES.md).\n",
    );
    let reference = tmp.path().join("reference");
    let mut step = 0;
    let mut rebuild = |what: &str, input: &Path, args: &[&str]| -> usize {
        // The reference starts from the same previous site and renders all.
        if site.exists() {
            let _ = std::fs::remove_dir_all(&reference);
            copy_dir(&site, &reference);
        }
        let out = build_snapshot(input, &site, step, args);
        let all: Vec<&str> = args.iter().copied().chain(["--render-all"]).collect();
        build_snapshot(input, &reference, step, &all);
        step += 1;
        assert_same_site(&site, &reference, what);
        pages_reused(&String::from_utf8_lossy(&out.stderr))
    };

    assert_eq!(
        rebuild("first build", &input, &[]),
        0,
        "nothing to reuse yet"
    );
    let recorded = std::fs::read_to_string(site.join(".vouch-pages")).expect("keys");
    let all = artifacts(&manifest(&site)).len();
    assert!(recorded.lines().count() > all / 2, "{recorded}");
    assert!(
        !list_files(&site).is_empty() && manifest(&site).to_string().find(".vouch-pages").is_none(),
        "the keys are not part of the snapshot"
    );
    let unchanged = rebuild("nothing changed", &input, &[]);
    assert!(
        unchanged > all / 2,
        "an unchanged rebuild reuses most pages ({unchanged} of {all})"
    );

    edit(
        &input,
        "docs/evidence/STAGE1.0_PHASE1_REPORT.md",
        "Parser Limits",
        "Parser Bounds",
    );
    let reused = rebuild("a cited report's title changed", &input, &[]);
    assert!(reused > 0 && reused < unchanged, "{reused} of {unchanged}");

    std::fs::write(input.join(DIAGRAM), png(b"two")).expect("png");
    rebuild("an embedded image changed", &input, &[]);

    write(
        &input,
        "docs/evidence/drills/NOTES.md",
        "# Drill notes\n\nAll clear.\n",
    );
    rebuild("a dangling link's target appeared", &input, &[]);

    std::fs::remove_file(input.join("docs/runbooks/RESTORE.md")).expect("rm");
    rebuild("a linked file and its folder went", &input, &[]);

    edit(&input, LINKER, "Status: PASSED", "Status: FAILED");
    rebuild("a report's status changed", &input, &[]);

    write(
        &input,
        "docs/evidence/STAGE1.0_PHASE3_REPORT.md",
        "# Stage 1.0 Phase 3 Completion Report\n\nDate: 2026-02-22\nStatus: PASSED\n",
    );
    rebuild("a report joined the stage and the folder", &input, &[]);

    // A page edited in the site since: its key still matches, its bytes
    // are not the ones recorded, so it is rendered again.
    let m = manifest(&site);
    let page = site.join(artifact_page(&m, LINKER));
    let text = std::fs::read_to_string(&page).expect("page");
    std::fs::write(&page, text.replacen("Drills", "Forged", 1)).expect("tamper");
    let reused = rebuild("a page edited in the site", &input, &[]);
    assert!(reused > 0);
    let after = std::fs::read_to_string(&page).expect("page");
    assert!(after.contains("Drills") && !after.contains("Forged"));

    // Records edited in the site: a page's recorded SHA-256 made to match
    // a forged page. The record no longer carries this user's MAC, so the
    // page is rendered again, whatever the record says.
    let keys = site.join(".vouch-pages");
    let page = site.join(artifact_page(&manifest(&site), LINKER));
    let name = page
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name")
        .to_owned();
    let text = std::fs::read_to_string(&page).expect("page");
    let forged = text.replacen("Drills", "Forged", 1);
    std::fs::write(&page, &forged).expect("forge");
    let forged_sha = sha256sum(&page);
    let records = std::fs::read_to_string(&keys).expect("keys");
    let edited: String = records
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split('\t').map(str::to_owned).collect();
            if f[0].ends_with(&name) {
                f[2] = forged_sha.clone();
            }
            f.join("\t") + "\n"
        })
        .collect();
    assert_ne!(edited, records);
    std::fs::write(&keys, edited).expect("edit");
    rebuild("a page and its record forged", &input, &[]);
    let after = std::fs::read_to_string(&page).expect("page");
    assert!(after.contains("Drills") && !after.contains("Forged"));

    let renamed = rebuild(
        "the site's title changed",
        &input,
        &["--title", "Drill evidence"],
    );
    assert_eq!(renamed, 0, "every page shows the title");
    assert!(rebuild("the title stayed", &input, &["--title", "Drill evidence"]) > 0);

    let verify = vouch()
        .arg("verify")
        .arg(&site)
        .arg("--rebuild")
        .arg(&input)
        .output()
        .expect("verify");
    assert!(verify.status.success(), "{}", stdout_of(&verify));
}

/// Records made under another user's secret (another machine, a CI runner)
/// are not trusted: nothing is reused, and the keys are recorded again.
#[test]
fn another_users_records_are_not_trusted() {
    let (tmp, input, site) = fixture_copy("audit");
    let other = tmp.path().join("other-cache");
    let run = |n: u32, cache: Option<&Path>| {
        let mut cmd = vouch();
        if let Some(c) = cache {
            cmd.env("XDG_CACHE_HOME", c);
        }
        let out = build_snapshot_with(cmd, &input, &site, n, &[]);
        pages_reused(&String::from_utf8_lossy(&out.stderr))
    };
    run(0, None);
    assert!(run(1, None) > 0);
    assert_eq!(run(2, Some(&other)), 0, "another user's records");
    assert!(
        run(3, Some(&other)) > 0,
        "now recorded under that user's secret"
    );
    let secret = other.join("vouch/page-records.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&secret).expect("secret").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "the secret is the user's alone");
}

/// A page is taken only from inside the previous site: not through a
/// folder of it that is a link to elsewhere, nor when the page itself is a
/// link, even to the same bytes. (A site replaced in place that holds such
/// links is refused whole; a previous site named by `--previous` is read.)
#[test]
fn pages_behind_links_are_not_taken() {
    let (tmp, input, site) = fixture_copy("audit");
    let run = |out: &Path, n: u32, args: &[&str]| {
        let out = build_snapshot(&input, out, n, args);
        pages_reused(&String::from_utf8_lossy(&out.stderr))
    };
    run(&site, 0, &[]);
    let all = run(&site, 1, &[]);
    assert!(all > 1, "{all}");
    let from = |prev: &Path, n: u32| {
        let prev = prev.to_str().expect("path");
        run(
            &tmp.path().join(format!("out-{n}")),
            n,
            &["--previous", prev],
        )
    };

    let linked_folder = tmp.path().join("linked-folder");
    copy_dir(&site, &linked_folder);
    let moved = tmp.path().join("elsewhere");
    std::fs::rename(linked_folder.join("pages"), &moved).expect("move");
    std::os::unix::fs::symlink(&moved, linked_folder.join("pages")).expect("symlink");
    assert_eq!(
        from(&linked_folder, 2),
        0,
        "pages through a folder that is a link"
    );

    let linked_pages = tmp.path().join("linked-pages");
    copy_dir(&site, &linked_pages);
    let copies = tmp.path().join("copies");
    std::fs::create_dir(&copies).expect("mkdir");
    for page in std::fs::read_dir(linked_pages.join("pages")).expect("pages") {
        let page = page.expect("page").path();
        let copy = copies.join(page.file_name().expect("name"));
        std::fs::rename(&page, &copy).expect("move");
        std::os::unix::fs::symlink(&copy, &page).expect("symlink");
    }
    assert_eq!(from(&linked_pages, 3), 0, "pages that are links");

    assert_eq!(from(&site, 4), all, "the same site without the links");
}

/// A Markdown page marks the text it shows (a reused page gives it to the
/// search index).
#[test]
fn pages_mark_their_content() {
    let b = build(&fixture("audit"));
    let m = manifest(&b.site);
    let page = std::fs::read_to_string(
        b.site
            .join(artifact_page(&m, "docs/evidence/STAGE1.0_PHASE0_REPORT.md")),
    )
    .expect("page");
    let start = page.find("<!--vouch:content-->").expect("start");
    let end = page.find("<!--/vouch:content-->").expect("end");
    assert!(page[start..end].contains("<h1"), "{}", &page[start..end]);
}

/// `vouch verify --rebuild` renders every page, and the keys a site keeps
/// are vouch's own: a later build replaces them, and a site holding them
/// verifies.
#[test]
fn a_site_with_keys_verifies_and_rebuilds() {
    use std::os::unix::fs::MetadataExt;
    let (_tmp, input, site) = fixture_copy("audit");
    for n in 0..3 {
        build_snapshot(&input, &site, n, &[]);
    }
    assert!(site.join(".vouch-pages").is_file());
    // The previous head's audit trail is carried by a link, not a copy.
    let id = sha256sum(&site.join("manifest.json"));
    let inode = std::fs::metadata(site.join("audit.json"))
        .expect("audit")
        .ino();
    build_snapshot(&input, &site, 3, &[]);
    let carried = site.join(format!("snapshots/{id}/audit.json"));
    assert_eq!(std::fs::metadata(&carried).expect("carried").ino(), inode);
    let verify = vouch().arg("verify").arg(&site).output().expect("verify");
    assert!(verify.status.success(), "{}", stdout_of(&verify));
    let rebuilt = vouch()
        .arg("verify")
        .arg(&site)
        .arg("--rebuild")
        .arg(&input)
        .output()
        .expect("verify");
    assert!(rebuilt.status.success(), "{}", stdout_of(&rebuilt));

    // A new site that follows a served one (CI's way) computes no keys.
    let server = serve(&site);
    let next = site.with_file_name("next");
    build_snapshot(&input, &next, 4, &["--previous", &server.url]);
    assert!(next.join("manifest.json").is_file());
    assert!(!next.join(".vouch-pages").exists());
}

/// The reference to `target` in the audit document of `doc`, in `site`'s
/// `audit.json`.
fn reference(site: &Path, doc: &str, target: &str) -> serde_json::Value {
    let audit: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("audit.json")).expect("audit.json"))
            .expect("JSON");
    let documents = audit["documents"].as_array().expect("documents");
    let d = documents
        .iter()
        .find(|d| d["path"] == doc)
        .unwrap_or_else(|| panic!("no document {doc}"));
    let references = d["references"].as_array().expect("references");
    references
        .iter()
        .find(|r| r["target"] == target)
        .unwrap_or_else(|| panic!("{doc} has no reference to {target}: {references:?}"))
        .clone()
}

/// "analyses remembered from the last build N" in `--timings`.
fn analyses_taken(out: &std::process::Output) -> usize {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("analyses remembered from the last build ")
        })
        .unwrap_or_else(|| panic!("no count of analyses taken in:\n{stderr}"));
    line.parse().expect("a number of analyses")
}

/// The record of remembered analyses in the cache folder `cache`: the
/// one file there (one evidence folder built).
fn analyses_record(cache: &Path) -> std::path::PathBuf {
    let dir = cache.join("vouch/analyses");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the record's folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "one folder, one record: {files:?}");
    files.pop().expect("record")
}

/// How many files' analyses the record in `cache` holds (a line each,
/// after its header).
fn analyses_recorded(cache: &Path) -> usize {
    let record = std::fs::read_to_string(analyses_record(cache)).expect("record");
    record.lines().count() - 1
}

/// Builds `input` into `site` as snapshot `step` with its cache folder
/// `cache`, then (from a copy of the previous site) with `--render-all`,
/// which analyses every file again; asserts the two sites are the same,
/// and returns how many analyses the first build took.
fn build_against_fresh(input: &Path, site: &Path, cache: &Path, step: u32, what: &str) -> usize {
    let reference = site.with_file_name(format!("reference-{step}"));
    if site.exists() {
        copy_dir(site, &reference);
    }
    let mut cmd = vouch();
    cmd.env("XDG_CACHE_HOME", cache);
    let out = build_snapshot_with(cmd, input, site, step, &["--timings"]);
    let mut cmd = vouch();
    cmd.env("XDG_CACHE_HOME", cache);
    build_snapshot_with(cmd, input, &reference, step, &["--render-all"]);
    assert_same_site(site, &reference, what);
    analyses_taken(&out)
}

/// Analyses remembered from one build to the next (`generator/src/memo.rs`)
/// give the site a fresh analysis gives, byte for byte, for every fixture
/// (reports, JSON exports, coverage, JUnit and SARIF reports, hostile
/// files, a report streamed whole) and, on one, after an edit, a file
/// added, and a record gone bad.
#[test]
fn remembered_analyses_give_the_site_a_fresh_one_gives() {
    for fixture in ["audit", "basic", "ci", "hostile", "triage"] {
        let (tmp, input, site) = fixture_copy(fixture);
        // A cache folder of its own: the shared one keeps only the newest
        // folders' records, and other tests' builds would push this one out.
        let cache = tmp.path().join("cache");
        if fixture == "ci" {
            // Over the analysis limit: analysed by streaming it whole.
            let cases: String = (0..12_000)
                .map(|i| {
                    format!("<testcase classname=\"t.big\" name=\"case_{i}\" time=\"0.001\"/>\n")
                })
                .collect();
            write(
                &input,
                "qa/stage3/big-junit.xml",
                &format!(
                    "<?xml version=\"1.0\"?>\n<testsuite name=\"big\" tests=\"12000\" failures=\"0\">\n{cases}</testsuite>\n"
                ),
            );
        }
        let first = build_against_fresh(&input, &site, &cache, 0, fixture);
        assert_eq!(first, 0, "{fixture}: nothing remembered yet");
        let analysed = analyses_recorded(&cache);
        assert!(analysed > 0, "{fixture}: nothing analysed");
        let second = build_against_fresh(&input, &site, &cache, 1, fixture);
        assert_eq!(second, analysed, "{fixture}: every analysis taken");
    }

    let (tmp, input, site) = fixture_copy("audit");
    let cache = tmp.path().join("cache");
    let mut step = 0;
    let mut rebuild = |what: &str| -> usize {
        step += 1;
        build_against_fresh(&input, &site, &cache, step - 1, what)
    };
    assert_eq!(rebuild("first build"), 0, "nothing remembered yet");
    let analysed = analyses_recorded(&cache);
    assert!(analysed > 10, "{analysed} files analysed");
    assert_eq!(rebuild("nothing changed"), analysed);

    edit(
        &input,
        "docs/evidence/STAGE1.0_PHASE1_REPORT.md",
        "Parser Limits",
        "Parser Bounds",
    );
    assert_eq!(rebuild("a report edited"), analysed - 1);

    // Another path beside them, which no report asks about: every
    // analysis still holds.
    write(
        &input,
        "docs/evidence/STAGE1.0_PHASE3_REPORT.md",
        "# Stage 1.0 Phase 3 Completion Report\n\nDate: 2026-02-22\nStatus: PASSED\n",
    );
    assert_eq!(rebuild("a report added"), analysed, "none cites it");
    let analysed = analysed + 1;
    assert_eq!(rebuild("and kept"), analysed);

    // The file the acceptance pack links to, missing until now: the pack's
    // reference resolves now, so the pack alone is analysed again (a taken
    // analysis would still call the link broken, and the sites differ).
    const PACK: &str = "docs/evidence/STAGE1.0_ACCEPTANCE_PACK.md";
    let cited = "docs/evidence/ROLLBACK_PLAN.md";
    let plan = || reference(&site, PACK, "./ROLLBACK_PLAN.md");
    assert_eq!(plan()["state"], "missing");
    write(
        &input,
        cited,
        "# Rollback plan\n\nRevert the release tag.\n",
    );
    assert_eq!(rebuild("a cited file added"), analysed - 1);
    assert_eq!(plan()["state"], "present");
    let analysed = analysed + 1;
    assert_eq!(rebuild("and kept"), analysed);
    std::fs::remove_file(input.join(cited)).expect("remove");
    let analysed = analysed - 1;
    assert_eq!(rebuild("a cited file removed"), analysed - 1);
    assert_eq!(plan()["state"], "missing");

    // A bare file name a report mentions means the nearest file of that
    // name: a nearer one added changes which, and only that report is
    // analysed again.
    let checklist = "docs/evidence/ops/CHECKLIST.md";
    write(&input, "logs/runbook.txt", "step 1: revert\n");
    write(
        &input,
        checklist,
        "# Release checklist\n\nFollow `runbook.txt` line by line.\n",
    );
    assert_eq!(rebuild("a bare mention"), analysed);
    let analysed = analysed + 2;
    let runbook = || reference(&site, checklist, "runbook.txt")["path"].clone();
    assert_eq!(runbook(), "logs/runbook.txt");
    write(
        &input,
        "docs/evidence/ops/runbook.txt",
        "step 1: roll back\n",
    );
    assert_eq!(rebuild("a nearer namesake added"), analysed - 1);
    assert_eq!(runbook(), "docs/evidence/ops/runbook.txt");
    let analysed = analysed + 1;

    // A line cut short, a line not JSON: those files are analysed again.
    let path = analyses_record(&cache);
    let bytes = std::fs::read(&path).expect("record");
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let half = lines[1].len() / 2;
    lines[1].truncate(half);
    let tab = lines[2].iter().position(|&b| b == b'\t').expect("a tab");
    lines[2].insert(tab + 1, b'{');
    std::fs::write(&path, lines.join(&b'\n')).expect("spoil");
    assert_eq!(rebuild("a record gone bad"), analysed - 2);

    // Another record's header (another program, another root): none taken.
    let text = std::fs::read(&path).expect("record");
    let mut spoiled = b"vouch analyses 2 0".to_vec();
    spoiled.extend_from_slice(&text["vouch analyses 2 ".len()..]);
    std::fs::write(&path, spoiled).expect("spoil");
    assert_eq!(rebuild("another header"), 0);

    // A record others can write to is not believed.
    rebuild("recorded again");
    let path = analyses_record(&cache);
    let mode = |m: u32| <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(m);
    std::fs::set_permissions(&path, mode(0o666)).expect("chmod");
    assert_eq!(rebuild("a record others can write"), 0);
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(cache.join("vouch/analyses"))
                .expect("folder")
                .permissions()
        ) & 0o777,
        0o700,
        "the records' folder is the user's alone"
    );
}

/// `vouch check` takes the analyses a build of the folder remembered, and
/// writes nothing: it prints what it prints without them, leaves the
/// record and the cache folder as they were, and makes no cache folder
/// where there is none. (A record edited by hand shows that it was read;
/// once others can write to it, it is not.) Linux only: elsewhere check
/// cannot ask who it runs as, and takes nothing.
#[cfg(target_os = "linux")]
#[test]
fn check_takes_remembered_analyses_and_writes_nothing() {
    let (tmp, input, site) = fixture_copy("audit");
    let cache = tmp.path().join("cache");
    let none = tmp.path().join("no-cache");
    let check = |cache: &Path| {
        let out = vouch()
            .env("XDG_CACHE_HOME", cache)
            .arg("check")
            .arg(&input)
            .output()
            .expect("vouch check");
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        stdout_of(&out)
    };
    let fresh = check(&none);
    assert!(fresh.lines().count() > 3, "{fresh}");
    assert!(!none.exists(), "check made a cache folder");

    let mut cmd = vouch();
    cmd.env("XDG_CACHE_HOME", &cache);
    build_snapshot_with(cmd, &input, &site, 0, &[]);
    let record = analyses_record(&cache);
    // Each file's name, bytes, inode and modification time: a record
    // written again is a new file, whatever it holds.
    let listing = |dir: &Path| -> Vec<(String, Vec<u8>, u64, std::time::SystemTime)> {
        list_files(dir)
            .into_iter()
            .map(|f| {
                let path = dir.join(&f);
                let m = std::fs::metadata(&path).expect("stat");
                let ino = std::os::unix::fs::MetadataExt::ino(&m);
                let bytes = std::fs::read(&path).expect("read");
                (f, bytes, ino, m.modified().expect("mtime"))
            })
            .collect()
    };
    let before = listing(&cache);
    assert_eq!(check(&cache), fresh);
    assert!(listing(&cache) == before, "check changed the cache folder");

    // References made to resolve in the record: the broken links analysis
    // finds are not reported, so check took what the record says.
    let text = std::fs::read_to_string(&record).expect("record");
    let edited = text.replace("\"state\":\"missing\"", "\"state\":\"ignored\"");
    assert!(edited != text, "no missing reference recorded");
    std::fs::write(&record, edited).expect("edit");
    let taken = check(&cache);
    assert!(
        taken.matches("which is not in the evidence folder").count()
            < fresh.matches("which is not in the evidence folder").count(),
        "check did not read the record:\n{taken}"
    );
    let mode = |m: u32| <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(m);
    std::fs::set_permissions(&record, mode(0o664)).expect("chmod");
    assert_eq!(
        check(&cache),
        fresh,
        "a record others can write to is taken"
    );
    std::fs::set_permissions(&record, mode(0o600)).expect("chmod");
    std::fs::set_permissions(cache.join("vouch/analyses"), mode(0o777)).expect("chmod");
    assert_eq!(check(&cache), fresh, "a folder others can write to is read");
}
