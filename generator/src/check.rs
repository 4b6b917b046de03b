//! `vouch check`: the audit trail's problems, as compiler-style diagnostics
//! on stdout (`<path>:<line>: <kind>: <message>`), without building a site.

use anyhow::{Context, Result, bail};
use vouch_core::audit::DocKind;

use crate::{audit::Rules, build, cli::CheckArgs, extract, load, write::Staging};

/// `Ok(true)` when there are no problems.
pub fn run(args: &CheckArgs, quiet: bool) -> Result<bool> {
    let input = std::fs::canonicalize(&args.input)
        .with_context(|| format!("evidence folder {} not found", args.input.display()))?;
    if !input.is_dir() {
        bail!("{} is not a folder", args.input.display());
    }
    // The same stages a build runs, into a scratch object store that is
    // removed afterwards; the evidence folder is only read.
    let scratch = std::env::temp_dir().join(format!("vouch-check-{}", std::process::id()));
    let staging = Staging::create(&scratch.join("site"))?;
    let exclude = [staging.path().to_path_buf()];
    let mut site = load::load(&input, &exclude, &staging, false)?;
    site.built_at = build::build_time()?;
    extract::extract(
        &mut site,
        &staging,
        Rules {
            max_age: args.max_age,
        },
    )?;
    drop(staging);
    let _ = std::fs::remove_dir_all(&scratch);

    let problems = &site.audit.problems;
    let mut out = String::new();
    for p in problems {
        out.push_str(&p.to_string());
        out.push('\n');
    }
    print!("{out}");
    if !quiet {
        for d in &site.diagnostics {
            eprintln!("warning: {d}");
        }
        let docs = &site.audit.documents;
        let json = docs
            .iter()
            .filter(|d| matches!(d.kind, DocKind::BranchProtection | DocKind::GateSummary))
            .count();
        let gates = site.audit.gate_tally();
        eprintln!(
            "{} problem{} in {} documents ({} reports, {} JSON); gates: {} pass, {} fail, {} pending, {} unknown",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            docs.len(),
            docs.len() - json,
            json,
            gates.pass,
            gates.fail,
            gates.pending,
            gates.unknown,
        );
    }
    Ok(problems.is_empty())
}
