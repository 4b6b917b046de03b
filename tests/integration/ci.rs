//! One-step CI (issue 13): `action.yml` and the workflows are valid against
//! SchemaStore's schemas (through `check-jsonschema`, which
//! `scripts/test.sh` installs into `target/cj`), the action's own steps
//! build and sign a site when run as GitHub runs them (bash, with the
//! inputs in the environment), and `vouch init` sets a repository up
//! without ever overwriting a file.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{fixture, keygen, manifest, sha256sum, vouch};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `python3 -m check_jsonschema`, from `VOUCH_CHECK_JSONSCHEMA` (a folder for
/// PYTHONPATH), else where `scripts/test.sh` installs it.
fn python() -> Command {
    let lib = std::env::var("VOUCH_CHECK_JSONSCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/cj"));
    assert!(
        lib.join("check_jsonschema").is_dir(),
        "check-jsonschema is not installed in {} (scripts/test.sh installs it)",
        lib.display()
    );
    let mut c = Command::new("python3");
    c.env("PYTHONPATH", lib);
    c
}

fn schema_check(schema: &str, files: &[&Path]) {
    let out = python()
        .args(["-m", "check_jsonschema", "--builtin-schema", schema])
        .args(files)
        .output()
        .expect("check-jsonschema");
    assert!(
        out.status.success(),
        "{schema}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn init(repo: &Path, args: &[&str]) -> std::process::Output {
    vouch()
        .arg("init")
        .arg(repo)
        .args(args)
        .output()
        .expect("init")
}

#[test]
fn action_and_workflows_match_their_schemas() {
    schema_check("vendor.github-actions", &[&root().join("action.yml")]);
    let tmp = tempfile::tempdir().expect("tmp");
    let gh = tmp.path().join("gh");
    let gl = tmp.path().join("gl");
    std::fs::create_dir_all(&gh).expect("mkdir");
    std::fs::create_dir_all(&gl).expect("mkdir");
    assert!(init(&gh, &[]).status.success());
    assert!(
        init(&gl, &["--ci", "gitlab", "--evidence", "evidence"])
            .status
            .success()
    );
    schema_check(
        "vendor.github-workflows",
        &[
            &root().join(".github/workflows/release.yml"),
            &gh.join(".github/workflows/vouch.yml"),
        ],
    );
    schema_check("vendor.gitlab-ci", &[&gl.join(".gitlab-ci.yml")]);
    // The schema check can fail: a workflow without `jobs` is refused.
    let bad = tmp.path().join("bad.yml");
    std::fs::write(&bad, "name: x\non: push\n").expect("write");
    let out = python()
        .args([
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
        ])
        .arg(&bad)
        .output()
        .expect("check-jsonschema");
    assert!(!out.status.success());
}

#[test]
fn init_sets_a_repository_up_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("tmp");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("docs/evidence")).expect("mkdir");
    std::fs::write(
        repo.join("docs/evidence/REPORT.md"),
        "# Stage 1 Report\n\n**Status**: ✅ COMPLETE\n",
    )
    .expect("write");
    let out = init(&repo, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let workflow =
        std::fs::read_to_string(repo.join(".github/workflows/vouch.yml")).expect("workflow");
    assert!(workflow.contains("evidence: docs/evidence"), "{workflow}");
    assert!(
        workflow.contains(&format!(
            "uses: vouch-dev/vouch@v{}",
            env!("CARGO_PKG_VERSION")
        )),
        "{workflow}"
    );
    assert!(workflow.contains("actions/deploy-pages@v4"));
    // The config it writes is valid, and the folder checks clean.
    let check = vouch()
        .arg("check")
        .arg(repo.join("docs/evidence"))
        .output()
        .expect("check");
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // A second run, or any existing file, is refused whole.
    let config = repo.join("docs/evidence/vouch.toml");
    std::fs::write(&config, "title = \"mine\"\n").expect("write");
    std::fs::remove_file(repo.join(".github/workflows/vouch.yml")).expect("rm");
    let out = init(&repo, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites"));
    assert_eq!(
        std::fs::read_to_string(&config).expect("config"),
        "title = \"mine\"\n"
    );
    assert!(
        !repo.join(".github/workflows/vouch.yml").exists(),
        "nothing is written"
    );

    // A named action; a folder that leaves the repository is refused.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    assert!(
        init(&other, &["--action", "acme/vouch@main"])
            .status
            .success()
    );
    let w = std::fs::read_to_string(other.join(".github/workflows/vouch.yml")).expect("w");
    assert!(w.contains("uses: acme/vouch@main"));
    let out = init(&tmp.path().join("third"), &["--evidence", "../x"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The action's `run:` scripts, by step name (with `ruamel.yaml`, which
/// check-jsonschema brings).
fn action_scripts() -> Vec<(String, String)> {
    let out = python()
        .args([
            "-c",
            "import sys, json\nfrom ruamel.yaml import YAML\nd = YAML(typ='safe').load(open(sys.argv[1]))\nprint(json.dumps([[s.get('name',''), s.get('run','')] for s in d['runs']['steps']]))",
        ])
        .arg(root().join("action.yml"))
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn the_actions_steps_check_build_and_sign_a_site() {
    let scripts = action_scripts();
    // Inputs reach the scripts only through the environment: an input can
    // never be spliced into shell code.
    for (name, run) in &scripts {
        assert!(
            !run.contains("${{"),
            "step {name:?} interpolates an expression into its script"
        );
    }
    let script = |name: &str| {
        scripts
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no step {name}"))
            .1
            .clone()
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let keys = keygen(&tmp.path().join("keys"));
    let key = std::fs::read_to_string(keys.join("vouch.key")).expect("key");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_vouch"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let site = tmp.path().join("public");
    let summary = tmp.path().join("summary.md");
    let output = tmp.path().join("output");
    let run = |name: &str, env: &[(&str, &str)]| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(script(name))
            .current_dir(tmp.path())
            .env("PATH", &path)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output)
            .envs(env.iter().copied())
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let evidence = fixture("ci");
    let ev = evidence.to_str().expect("utf8").to_owned();
    let out_dir = site.to_str().expect("utf8").to_owned();
    let ev = ev.as_str();
    let out_dir = out_dir.as_str();
    run("Check the audit trail", &[("EVIDENCE", ev)]);
    let s = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        s.contains("### vouch check") && s.contains("contradiction"),
        "{s}"
    );
    fn inputs<'a>(
        ev: &'a str,
        out: &'a str,
        previous: &'a str,
        key: &'a str,
    ) -> Vec<(&'static str, &'a str)> {
        vec![
            ("EVIDENCE", ev),
            ("OUT", out),
            ("PREVIOUS", previous),
            ("STRICT", "false"),
            ("EXPIRES_IN", "30"),
            ("TITLE", "Ledgerline evidence"),
            ("RETAIN", "20"),
            ("VOUCH_SIGNING_KEY", key),
        ]
    }
    run("Build and sign the site", &inputs(ev, out_dir, "", &key));
    let m = manifest(&site);
    assert_eq!(m["title"], "Ledgerline evidence");
    assert!(m["expires_at"].is_string(), "signed, so it expires");
    let id = sha256sum(&site.join("manifest.json"));
    let o = std::fs::read_to_string(&output).expect("output");
    assert!(o.contains(&format!("snapshot-id={id}")), "{o}");
    crate::common::assert_minisign_accepts(&site, &keys.join("vouch.pub"));
    // The next run follows the published site.
    run(
        "Build and sign the site",
        &inputs(ev, out_dir, out_dir, &key),
    );
    assert_eq!(manifest(&site)["previous"], id.as_str());
}
