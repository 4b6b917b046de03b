//! `vouch build`: the four stages, in order, over one model.

use std::{path::PathBuf, time::Instant};

use anyhow::{Context, Result, bail};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use vouch_core::history::Source;

use vouch_core::audit::Problem;

use crate::{
    assets::Assets,
    audit::Rules,
    cli::BuildArgs,
    extract, load,
    model::Diagnostic,
    out,
    sign::{self, KeySigner},
    snapshot::{self, Previous, Store},
    write::{self, Publish, Staging},
};

/// Everything a build needs, decided before it starts.
pub struct Plan {
    pub input: PathBuf,
    pub out: PathBuf,
    pub built_at: String,
    pub source: Option<Source>,
    pub previous: Option<Previous>,
    pub retain: usize,
    pub signer: Option<KeySigner>,
    /// `vouch.pub` for a rebuild without the signing key.
    pub public_key: Option<String>,
    pub strict: bool,
    pub show_progress: bool,
    pub rules: Rules,
}

pub struct Outcome {
    /// False when `--strict` refused to publish.
    pub published: bool,
    pub snapshot_id: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The audit trail's problems (`vouch check` prints the same).
    pub problems: Vec<Problem>,
    pub artifacts: usize,
    pub bytes: u64,
}

/// Runs a build from the command line. `Ok(false)` when `--strict` refused.
pub fn run(args: &BuildArgs, quiet: bool) -> Result<bool> {
    let started = Instant::now();
    if args.retain == 0 {
        bail!("--retain must be at least 1 (the new snapshot itself)");
    }
    let out = out::resolve(&args.out)?;
    // Held until the new site is in place: a second build into the same
    // folder waits, then chains onto this one's snapshot.
    let _lock = out::OutLock::acquire(&out, quiet)?;
    // Refuse early, before any work, if --out holds anything vouch did not
    // write (checked again just before the swap).
    out::ensure_replaceable(&out)?;
    // `--previous none` starts a new history on purpose (for example after
    // a broken chain was reported and investigated).
    let previous = match args.previous.as_deref() {
        Some("none") => None,
        spec => {
            let store = match spec {
                Some(spec) => Store::open(spec)?,
                None => Store::Dir(out.clone()),
            };
            let described = store.describe();
            let previous = Previous::load(store)?;
            if spec.is_some() && previous.is_none() && !quiet {
                eprintln!("note: no published site at {described}; starting a new history");
            }
            previous
        }
    };
    let plan = Plan {
        input: args.input.clone(),
        out,
        built_at: build_time()?,
        source: snapshot::source_from_env(),
        previous,
        retain: args.retain,
        signer: sign::signing_key(args.sign.as_deref())?,
        public_key: None,
        strict: args.strict,
        show_progress: !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        rules: Rules {
            max_age: args.max_age,
        },
    };
    let signed = plan.signer.as_ref().map(KeySigner::key_id);
    let o = execute(plan)?;
    for d in &o.diagnostics {
        eprintln!("warning: {d}");
    }
    for p in &o.problems {
        eprintln!("warning: {p}");
    }
    let warnings = o.diagnostics.len() + o.problems.len();
    if !o.published {
        eprintln!(
            "error: --strict: {warnings} warning{} ({} in the audit trail); {} was left as it was",
            if warnings == 1 { "" } else { "s" },
            o.problems.len(),
            args.out.display()
        );
        return Ok(false);
    }
    if !quiet {
        eprintln!(
            "Built {} artifacts ({}) into {} in {:.2}s{}\nSnapshot {}{}",
            o.artifacts,
            vouch_core::human_bytes(o.bytes),
            args.out.display(),
            started.elapsed().as_secs_f64(),
            match warnings {
                0 => String::new(),
                n => format!(", {n} warning{}", if n == 1 { "" } else { "s" }),
            },
            o.snapshot_id,
            match signed {
                Some(id) => format!(", signed by key {id}"),
                None => ", unsigned".into(),
            }
        );
    }
    Ok(true)
}

/// The stages, in order: load, extract, render and write, then commit.
pub fn execute(plan: Plan) -> Result<Outcome> {
    let input = std::fs::canonicalize(&plan.input)
        .with_context(|| format!("evidence folder {} not found", plan.input.display()))?;
    if !input.is_dir() {
        bail!("{} is not a folder", plan.input.display());
    }
    let out = &plan.out;
    if out == &input || input.starts_with(out) {
        bail!(
            "the output folder {} would contain the evidence folder {}; choose another --out",
            out.display(),
            plan.input.display()
        );
    }
    let staging = Staging::create(out)?;
    let exclude = [out.clone(), staging.path().to_path_buf()];
    let mut site = load::load(&input, &exclude, &staging, plan.show_progress)?;
    site.built_at = plan.built_at.clone();
    extract::extract(&mut site, &staging, plan.rules)?;
    let assets = Assets::new();
    let public_key = match &plan.signer {
        Some(s) => Some(s.public_key_file()?),
        None => plan.public_key.clone(),
    };
    let publish = Publish {
        previous: plan.previous.as_ref(),
        retain: plan.retain,
        signer: plan.signer.as_ref(),
        public_key,
        source: plan.source.clone(),
    };
    let written = write::write_site(&staging, &site, &assets, &publish)?;
    let problems = site.audit.problems.clone();
    let published = !plan.strict || (written.diagnostics.is_empty() && problems.is_empty());
    if published {
        staging.commit(out)?;
    }
    Ok(Outcome {
        published,
        snapshot_id: written.snapshot_id,
        diagnostics: written.diagnostics,
        problems,
        artifacts: site.artifacts.len(),
        bytes: site.artifacts.iter().map(|e| e.size).sum(),
    })
}

/// The build time: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
pub fn build_time() -> Result<String> {
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
