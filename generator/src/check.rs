//! `vouch check`: the audit trail's problems, as compiler-style diagnostics
//! on stdout (`<path>:<line>: <kind>: <message>`), without building a site.
//!
//! It runs the same load and analyse stages as `vouch build`, reading INPUT
//! in place (nothing is written anywhere), so it reports exactly what
//! `vouch build --strict` acts on.

use std::io::Write;

use anyhow::{Context, Result, bail};
use vouch_core::audit::Problem;

use crate::{analyse, build, load};

/// What `vouch check` was asked to do (built by `cli.rs` from its flags).
#[derive(Clone, Debug)]
pub struct Options {
    pub input: std::path::PathBuf,
    pub max_age: Option<u32>,
    /// Print notes too.
    pub all: bool,
    pub format: Format,
    pub quiet: bool,
}

/// `vouch check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One `path:line: kind: message` line per problem.
    Text,
    /// `{"summary": …, "problems": [{severity, path, line, kind, message}]}`.
    Json,
}

/// `Ok(true)` when there are no errors or warnings.
pub fn run(args: &Options) -> Result<bool> {
    let quiet = args.quiet;
    let input = std::fs::canonicalize(&args.input)
        .with_context(|| format!("evidence folder {} not found", args.input.display()))?;
    if !input.is_dir() {
        bail!("{} is not a folder", args.input.display());
    }
    // Analyses a build of this folder remembered are taken, not recorded.
    let loaded = load::load(&input, &[], None, false, crate::memo::Use::Take)?;
    let config = analyse::config(loaded.config.as_deref())?;
    let mut site = loaded.site;
    site.built_at = build::build_time()?;
    analyse::finish(
        &mut site,
        loaded.documents,
        loaded.problems,
        &config,
        vouch_audit::Rules {
            max_age: args.max_age,
        },
        &|e| {
            use std::io::Read;
            let mut buf = Vec::new();
            let path = input.join(&e.path);
            // Read in place: never through a link swapped in since loading.
            if !std::fs::symlink_metadata(&path).ok()?.is_file() {
                return None;
            }
            std::fs::File::open(path)
                .ok()?
                .take(vouch_audit::TEXT_LIMIT as u64 + 1)
                .read_to_end(&mut buf)
                .ok()?;
            Some(buf)
        },
    );
    let audit = &site.audit;
    let shown: Vec<&Problem> = audit
        .problems
        .iter()
        .filter(|p| args.all || p.severity.is_problem())
        .collect();
    // Streamed, not gathered into one text first (at 50,000 reports the
    // list alone is megabytes). A closed pipe (`vouch check | head`) ends
    // the output quietly.
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    let written = match args.format {
        Format::Text => shown.iter().try_for_each(|p| {
            out.write_all(crate::term::safe(&p.to_string()).as_bytes())?;
            out.write_all(b"\n")
        }),
        Format::Json => {
            // Serialised as it goes: a `serde_json::Value` of the list was
            // a copy of every problem.
            #[derive(serde::Serialize)]
            struct Report<'a> {
                summary: &'a vouch_core::audit::AuditSummary,
                problems: &'a [&'a Problem],
            }
            let report = Report {
                summary: &audit.summary,
                problems: &shown,
            };
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
        }
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e).context("writing to standard output"),
    }
    drop(out);
    if !quiet {
        let s = &audit.summary;
        let problems: Vec<Problem> = audit
            .problems
            .iter()
            .filter(|p| p.severity.is_problem())
            .cloned()
            .collect();
        eprintln!(
            "{} in {} document{} ({} note{}{}); {} stage{}; distinct gates: {} pass, {} fail, {} pending, {} unknown",
            analyse::count_phrase(&problems),
            audit.documents.len(),
            plural(audit.documents.len()),
            s.notes,
            plural(s.notes),
            if args.all { "" } else { ", shown with --all" },
            s.stages,
            plural(s.stages),
            s.gates.pass,
            s.gates.fail,
            s.gates.pending,
            s.gates.unknown,
        );
    }
    Ok(audit.summary.problems() == 0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
