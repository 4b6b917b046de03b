//! `vouch build`: the four stages, in order, over one model.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, Result, bail};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    assets::Assets,
    cli::BuildArgs,
    extract, load,
    write::{self, Staging},
};

/// Runs a build. `Ok(false)` when `--strict` refused to publish.
pub fn run(args: &BuildArgs, quiet: bool) -> Result<bool> {
    let started = Instant::now();
    let input = std::fs::canonicalize(&args.input)
        .with_context(|| format!("evidence folder {} not found", args.input.display()))?;
    if !input.is_dir() {
        bail!("{} is not a folder", args.input.display());
    }
    let out = absolute_out(&args.out)?;
    if out == input || input.starts_with(&out) {
        bail!(
            "the output folder {} would contain the evidence folder {}; choose another --out",
            args.out.display(),
            args.input.display()
        );
    }
    let built_at = build_time()?;

    let staging = Staging::create(&out)?;
    let show_progress = !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut site = load::load(
        &input,
        &[out.clone(), staging.path().to_path_buf()],
        &staging,
        show_progress,
    )?;
    site.built_at = built_at;
    extract::extract(&mut site, &staging)?;
    let assets = Assets::new();
    let diagnostics = write::write_site(&staging, &site, &assets)?;
    for d in &diagnostics {
        eprintln!("warning: {d}");
    }
    if args.strict && !diagnostics.is_empty() {
        eprintln!(
            "error: --strict: {} warning{}; {} was left as it was",
            diagnostics.len(),
            if diagnostics.len() == 1 { "" } else { "s" },
            args.out.display()
        );
        return Ok(false);
    }
    staging.commit(&out)?;
    if !quiet {
        let bytes: u64 = site.artifacts.iter().map(|e| e.size).sum();
        eprintln!(
            "Built {} artifacts ({}) into {} in {:.2}s{}",
            site.artifacts.len(),
            vouch_core::human_bytes(bytes),
            args.out.display(),
            started.elapsed().as_secs_f64(),
            match diagnostics.len() {
                0 => String::new(),
                n => format!(", {n} warning{}", if n == 1 { "" } else { "s" }),
            }
        );
    }
    Ok(true)
}

/// `out` made absolute without requiring it to exist.
fn absolute_out(out: &Path) -> Result<PathBuf> {
    let abs =
        std::path::absolute(out).with_context(|| format!("bad output path {}", out.display()))?;
    let name = abs
        .file_name()
        .context("the output path has no folder name")?
        .to_owned();
    let parent = abs.parent().context("the output folder has no parent")?;
    // Resolve symlinks in the parent when it exists, so comparisons with the
    // (canonical) input folder are meaningful.
    let parent = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    Ok(parent.join(name))
}

/// The build time: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn build_time() -> Result<String> {
    let t = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => {
            let secs: i64 = v.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH={v:?} is not a whole number of seconds")
            })?;
            OffsetDateTime::from_unix_timestamp(secs)
                .with_context(|| format!("SOURCE_DATE_EPOCH={v:?} is out of range"))?
        }
        _ => OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| OffsetDateTime::now_utc()),
    };
    t.format(&Rfc3339).context("formatting the build time")
}
