//! `cargo xtask <task>`: developer tasks that are not part of `vouch` itself.
//!
//! - `build-viewer`: compiles `viewer/` for wasm32 with the size profile, runs
//!   `wasm-bindgen --target web`, shrinks it with `wasm-opt` (npm's binaryen
//!   132), and writes the result to
//!   `generator/assets/viewer/`, which the `vouch` binary embeds. The result
//!   is committed, so installing vouch needs no wasm toolchain.
//! - `check-viewer`: fails when the committed viewer was built from sources
//!   other than the ones in the tree (compares `SOURCE_STAMP`).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail, ensure};
use vouch_core::sha256_hex;

const OUT: &str = "generator/assets/viewer";
const STAMP: &str = "generator/assets/viewer/SOURCE_STAMP";
/// What the committed viewer depends on. The versions Cargo.lock locks for
/// it also matter ([`locked_viewer_packages`]); rebuild after a bump
/// (`cargo xtask build-viewer`).
const SOURCES: &[&str] = &[
    "core/Cargo.toml",
    "core/src",
    "viewer/Cargo.toml",
    "viewer/src",
];

fn main() -> std::process::ExitCode {
    let result = workspace_root()
        .and_then(|root| Ok(std::env::set_current_dir(root)?))
        .and_then(|()| match std::env::args().nth(1).as_deref() {
            Some("build-viewer") => build_viewer(),
            Some("check-viewer") => check_viewer(),
            _ => bail!("usage: cargo xtask <build-viewer | check-viewer>"),
        });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> Result<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Ok(here
        .parent()
        .context("xtask has no parent folder")?
        .to_path_buf())
}

/// The `wasm-bindgen` version Cargo.lock pins; the CLI must match it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock").context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen entry")
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    ensure!(status.success(), "{cmd:?} failed with {status}");
    Ok(())
}

/// `--remap-path-prefix` for the workspace and for each crate registry
/// checkout: panic locations in the release wasm then read
/// `leptos-0.8.23/src/show.rs`, not the build machine's paths (and the
/// wasm is smaller).
fn remapped_paths() -> Result<Vec<String>> {
    let mut prefixes = vec![workspace_root()?];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(Ok(registries)) = cargo_home.map(|h| std::fs::read_dir(h.join("registry/src"))) {
        let mut found: Vec<PathBuf> = registries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        found.sort();
        prefixes.extend(found);
    }
    Ok(prefixes
        .into_iter()
        .map(|p| format!("--remap-path-prefix={}/=", p.display()))
        .collect())
}

fn build_viewer() -> Result<()> {
    let want = locked_wasm_bindgen()?;
    let have = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    ensure!(
        have == format!("wasm-bindgen {want}"),
        "wasm-bindgen {want} is required (found {:?}); install it with\n  cargo install wasm-bindgen-cli --version {want}",
        if have.is_empty() { "none" } else { &have }
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .args([
            "build",
            "-p",
            "vouch-viewer",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ])
        .env("CARGO_ENCODED_RUSTFLAGS", remapped_paths()?.join("\x1f")))?;
    let wasm = Path::new("target/wasm32-unknown-unknown/wasm-release/vouch_viewer.wasm");
    run(Command::new("wasm-bindgen")
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--remove-name-section",
        ])
        .args(["--remove-producers-section", "--out-dir", OUT])
        .arg(wasm))?;
    // The same wasm with a classic-script loader, for the independent
    // verifier opened from disk (`file://`), where browsers refuse module
    // scripts. Only its JS is kept: the wasm is the one above.
    let classic = Path::new("target/wasm-bindgen-classic");
    run(Command::new("wasm-bindgen")
        .args([
            "--target",
            "no-modules",
            "--no-typescript",
            "--remove-name-section",
        ])
        .args(["--remove-producers-section", "--out-dir"])
        .arg(classic)
        .arg(wasm))?;
    let same = std::fs::read(classic.join("vouch_viewer_bg.wasm"))?
        == std::fs::read(Path::new(OUT).join("vouch_viewer_bg.wasm"))?;
    ensure!(
        same,
        "the classic build's wasm differs from the module build's"
    );
    optimise(&Path::new(OUT).join("vouch_viewer_bg.wasm"))?;
    std::fs::copy(
        classic.join("vouch_viewer.js"),
        Path::new(OUT).join("vouch_viewer_classic.js"),
    )
    .context("copying the classic loader")?;
    std::fs::write(STAMP, stamp()?).context("writing SOURCE_STAMP")?;
    for f in [
        "vouch_viewer.js",
        "vouch_viewer_classic.js",
        "vouch_viewer_bg.wasm",
    ] {
        let len = std::fs::metadata(Path::new(OUT).join(f))?.len();
        eprintln!("xtask: {OUT}/{f}: {len} bytes");
    }
    Ok(())
}

/// The binaryen release whose `wasm-opt` shrinks the viewer (npm's
/// `binaryen` package; Debian's version 108 is broken).
const BINARYEN: &str = "132";
/// Its passes. Inlining is off: it makes the raw wasm smaller but the gzip,
/// which is what readers download, larger (268 KB → 260 KB gzip with these
/// flags; 283 KB with plain `-Oz`). Shrink level 1 after `-O2` saves another
/// 0.7 KB; `-Os`, `-Oz`, `-O3` and `--converge` did no better. The
/// target-features section is for tools, not browsers.
const WASM_OPT_ARGS: &[&str] = &[
    "-O2",
    "--strip-target-features",
    "--shrink-level",
    "1",
    "--always-inline-max-function-size",
    "0",
    "--one-caller-inline-max-function-size",
    "0",
];
/// The features rustc's wasm32 target emits, which wasm-opt must accept.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// `wasm-opt`: `$WASM_OPT`, or npm's binaryen installed under `target/`.
fn wasm_opt() -> Result<PathBuf> {
    let path = std::env::var_os("WASM_OPT").map_or_else(
        || PathBuf::from("target/binaryen/node_modules/binaryen/bin/wasm-opt"),
        PathBuf::from,
    );
    let version = Command::new(&path)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    ensure!(
        version.starts_with(&format!("wasm-opt version {BINARYEN}")),
        "wasm-opt {BINARYEN} is required (found {:?} at {}); install it with\n  \
         npm install --prefix target/binaryen binaryen@{BINARYEN}.0.0\n\
         or point WASM_OPT at it",
        if version.is_empty() { "none" } else { &version },
        path.display()
    );
    Ok(path)
}

/// Shrinks `wasm` in place with [`wasm_opt`].
fn optimise(wasm: &Path) -> Result<()> {
    let out = wasm.with_extension("opt.wasm");
    run(Command::new(wasm_opt()?)
        .args(WASM_OPT_ARGS)
        .args(WASM_FEATURES)
        .arg(wasm)
        .arg("-o")
        .arg(&out))?;
    std::fs::rename(&out, wasm).context("replacing the wasm with its optimised copy")
}

fn check_viewer() -> Result<()> {
    let committed = std::fs::read_to_string(STAMP).unwrap_or_default();
    let current = stamp()?;
    // A different compiler may produce other bytes from the same sources, but
    // the machine's compiler is not ours to pin (no toolchain downloads in
    // CI): say so rather than fail.
    let (committed_rest, committed_rustc) = split_compiler(&committed);
    let (current_rest, current_rustc) = split_compiler(&current);
    if committed_rustc != current_rustc {
        eprintln!(
            "xtask: warning: {OUT} was built with {committed_rustc:?}, this machine has \
             {current_rustc:?}; a rebuild here may give other bytes"
        );
    }
    ensure!(
        committed_rest == current_rest,
        "the viewer in {OUT} was built from other sources than the ones in this tree.\n\
         Run `cargo xtask build-viewer` and commit {OUT}."
    );
    eprintln!("xtask: {OUT} matches the viewer sources");
    Ok(())
}

/// The stamp without its compiler line, and that line.
fn split_compiler(stamp: &str) -> (String, &str) {
    let rustc = stamp
        .lines()
        .find(|l| l.starts_with("rustc "))
        .unwrap_or("");
    let rest = stamp
        .lines()
        .filter(|l| !l.starts_with("rustc "))
        .collect::<Vec<_>>()
        .join("\n");
    (rest, rustc)
}

/// The packages `Cargo.lock` resolves the viewer to for wasm32: its normal
/// and build dependencies, transitively, each as `name version source
/// [features]`, sorted; and how many. Only these decide the viewer's bytes:
/// a dependency of the generator alone changes the lock, not the viewer.
/// (Features are the workspace's unified ones, which may name more than
/// the viewer's build enables: a change there asks for a rebuild that was
/// not needed, never the reverse.)
fn locked_viewer_packages() -> Result<(usize, String)> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            "wasm32-unknown-unknown",
        ])
        .output()
        .context("running cargo metadata")?;
    ensure!(
        out.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata's output")?;
    let nodes = meta["resolve"]["nodes"]
        .as_array()
        .context("cargo metadata has no resolve graph")?;
    let node = |id: &str| nodes.iter().find(|n| n["id"] == id);
    let packages = meta["packages"].as_array().context("no packages")?;
    let viewer = packages
        .iter()
        .find(|p| p["name"] == "vouch-viewer")
        .and_then(|p| p["id"].as_str())
        .context("no vouch-viewer package")?;
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![viewer.to_owned()];
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let n = node(&id).with_context(|| format!("{id} is not in the resolve graph"))?;
        for dep in n["deps"].as_array().into_iter().flatten() {
            let used = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if let (true, Some(pkg)) = (used, dep["pkg"].as_str()) {
                todo.push(pkg.to_owned());
            }
        }
    }
    let mut lines: Vec<String> = seen
        .iter()
        .map(|id| {
            let p = packages.iter().find(|p| p["id"] == id.as_str());
            let field = |k: &str| p.and_then(|p| p[k].as_str()).unwrap_or("").to_owned();
            // A workspace member's own files are stamped above, by path.
            let source = p
                .and_then(|p| p["source"].as_str())
                .unwrap_or("(workspace)");
            let features = node(id)
                .map(|n| n["features"].to_string())
                .unwrap_or_default();
            format!("{} {} {source} {features}", field("name"), field("version"))
        })
        .collect();
    lines.sort();
    Ok((lines.len(), lines.join("\n") + "\n"))
}

/// One line per source file (`sha256  path`), then the wasm-bindgen version,
/// the viewer's part of `Cargo.lock`, the release profiles and the compiler
/// version: everything
/// that decides the committed viewer's bytes.
fn stamp() -> Result<String> {
    let mut files = Vec::new();
    for src in SOURCES {
        for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
            let entry = entry?;
            if entry.file_type().is_file() {
                files.push(entry.path().to_path_buf());
            }
        }
    }
    let mut out = String::new();
    for f in files {
        let bytes = std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
        let path = f.to_string_lossy().replace('\\', "/");
        out.push_str(&format!("{}  {path}\n", sha256_hex(&bytes)));
    }
    out.push_str(&format!("wasm-bindgen {}\n", locked_wasm_bindgen()?));
    out.push_str(&format!(
        "wasm-opt {BINARYEN} {}\n",
        WASM_OPT_ARGS.join(" ")
    ));
    out.push_str(
        "rustflags --remap-path-prefix for the workspace and each registry (remapped_paths)\n",
    );
    // What else decides the bytes: the locked dependency versions, the size
    // profile, and the compiler.
    let (packages, listed) = locked_viewer_packages()?;
    out.push_str(&format!(
        "{}  Cargo.lock, the viewer's {packages} packages (name, version, source, features)\n",
        sha256_hex(listed.as_bytes())
    ));
    let manifest = std::fs::read_to_string("Cargo.toml").context("reading Cargo.toml")?;
    let profile: String = manifest
        .split("\n[")
        .filter(|section| {
            section.starts_with("profile.wasm-release]") || section.starts_with("profile.release]")
        })
        .collect::<Vec<_>>()
        .join("\n[");
    out.push_str(&format!(
        "{}  Cargo.toml [profile.release], [profile.wasm-release]\n",
        sha256_hex(profile.as_bytes())
    ));
    let rustc =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("--version")
            .output()
            .context("running rustc --version")?;
    out.push_str(String::from_utf8_lossy(&rustc.stdout).trim());
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// The stamp's part of Cargo.lock is what the viewer is built from, and
    /// nothing the generator alone uses.
    #[test]
    fn the_stamp_names_the_viewers_packages_and_no_others() {
        let (count, listed) = super::locked_viewer_packages().expect("cargo metadata");
        let names: Vec<&str> = listed.lines().filter_map(|l| l.split(' ').next()).collect();
        assert_eq!(count, names.len());
        for want in [
            "vouch-viewer",
            "vouch-core",
            "leptos",
            "wasm-bindgen",
            "sha2",
            "gloo-net",
        ] {
            assert!(names.contains(&want), "{want} is missing: {names:?}");
        }
        for not in [
            "vouch",
            "minijinja",
            "ammonia",
            "pulldown-cmark",
            "tokio",
            "xtask",
        ] {
            assert!(!names.contains(&not), "{not} is listed");
        }
        // Each line names a version and a source.
        assert!(
            listed.lines().all(|l| l.split(' ').count() >= 4),
            "{listed}"
        );
    }
}
