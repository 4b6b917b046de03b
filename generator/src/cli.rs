//! Command-line interface and exit codes.
//!
//! Exit codes (documented in `docs/cli.md`):
//! - 0: success; for `verify`, everything matched.
//! - 1: verification failed: something mismatched, is missing, or the
//!   manifest is not valid; `check` found problems; or `build --strict`
//!   found warnings or problems.
//! - 2: usage error, or an I/O error that stopped the command.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::{build, check, serve, sign, term::Verbosity, verify};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(name = "vouch", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 verification failed or problems found, 2 usage or I/O error."
)]
pub struct Cli {
    /// Print only errors and the final result.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print every problem line, not a summary.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build a site from an evidence folder.
    Build(BuildArgs),
    /// Check a built site (folder or http(s) URL) against its manifest.
    Verify(VerifyArgs),
    /// Serve a built site on 127.0.0.1 for local preview.
    Serve(ServeArgs),
    /// Check an evidence folder's audit trail: missing evidence, gates
    /// without evidence, contradictions, placeholders, broken links and
    /// (with --max-age) stale evidence. Reads INPUT in place; writes nothing.
    Check(CheckArgs),
    /// Create a minisign key pair for signing snapshots.
    Keygen(KeygenArgs),
    /// Write the independent verifier (verify.html and the viewer) into a
    /// folder, to publish from an origin you trust.
    Verifier(VerifierArgs),
    /// Republish a retained snapshot's evidence as a new head: the chain is
    /// kept, and the new snapshot records that it rolls back to that one.
    Rollback(RollbackArgs),
    /// Set a repository up: a commented vouch.toml in the evidence folder
    /// and a CI workflow that publishes the site. Never overwrites a file.
    Init(InitArgs),
}

#[derive(clap::Args, Debug)]
pub struct RollbackArgs {
    /// The snapshot to roll back to: its id, or an unambiguous prefix of at
    /// least 8 hex digits (the index page and history.json list them).
    #[arg(value_name = "SNAPSHOT_ID")]
    pub id: String,
    /// The published site to roll back (a folder holding the chain).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Sign the new snapshot with this minisign secret key (else
    /// $VOUCH_SIGNING_KEY), as `vouch build --sign`.
    #[arg(long, value_name = "KEYFILE")]
    pub sign: Option<PathBuf>,
    /// How many snapshots the site keeps, the new one included.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub retain: usize,
    /// With --sign: the new snapshot expires DAYS days after it is built.
    #[arg(long, value_name = "DAYS")]
    pub expires_in: Option<u32>,
    /// As `vouch build --trust-previous-key`.
    #[arg(long, value_name = "FILE|KEY|unsigned")]
    pub trust_previous_key: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The repository's root.
    #[arg(default_value = ".")]
    pub repo: PathBuf,
    /// The evidence folder, relative to the repository root.
    #[arg(long, value_name = "DIR", default_value = "docs/evidence")]
    pub evidence: String,
    /// Which CI the workflow is for: `github` writes
    /// .github/workflows/vouch.yml (GitHub Pages, through vouch's action);
    /// `gitlab` writes .gitlab-ci.yml (GitLab Pages).
    #[arg(long, value_enum, default_value_t = InitCi::Github)]
    pub ci: InitCi,
    /// The action to use, as owner/repo@ref (default: vouch's own, at this
    /// version's release tag).
    #[arg(long, value_name = "OWNER/REPO@REF")]
    pub action: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitCi {
    Github,
    Gitlab,
}

#[derive(clap::Args, Debug)]
pub struct VerifierArgs {
    /// Where verify.html and assets/ are written (new, empty, or an earlier
    /// verifier).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The evidence folder.
    #[arg(default_value = "evidence")]
    pub input: PathBuf,
    /// Flag evidence whose declared date is more than DAYS days old (the
    /// drift rule of many governance processes is 7).
    #[arg(long, value_name = "DAYS")]
    pub max_age: Option<u32>,
    /// Also print notes: paths mentioned in prose that are not evidence,
    /// and what documents do not say (no date, no status).
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    /// One `path:line: kind: message` line per problem.
    Text,
    /// `{"summary": …, "problems": [{severity, path, line, kind, message}]}`.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The evidence folder.
    #[arg(default_value = "evidence")]
    pub input: PathBuf,
    /// Where the site is written. An existing site there is replaced
    /// atomically, only once the new one is complete.
    #[arg(long, short, default_value = "public")]
    pub out: PathBuf,
    /// Treat warnings as errors: print them, exit 1, and leave the existing
    /// output untouched.
    #[arg(long)]
    pub strict: bool,
    /// Sign manifest.json with this minisign secret key. Without it, the key
    /// file's contents may come from $VOUCH_SIGNING_KEY; an encrypted key's
    /// password from $VOUCH_KEY_PASSWORD (or a prompt).
    #[arg(long, value_name = "KEYFILE")]
    pub sign: Option<PathBuf>,
    /// The last published site (folder or http(s) URL), whose snapshot this
    /// one follows. Default: the existing site in --out. `none` starts a new
    /// history on purpose.
    #[arg(long, value_name = "DIR|URL")]
    pub previous: Option<String>,
    /// How many snapshots the site keeps, this one included.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub retain: usize,
    /// Flag evidence whose declared date is more than DAYS days before the
    /// build time, as `vouch check --max-age` does.
    #[arg(long, value_name = "DAYS")]
    pub max_age: Option<u32>,
    /// With --sign: the snapshot expires DAYS days after its build time;
    /// verify and the viewer then report it as expired. Re-publish (a
    /// scheduled build) before then to keep a quiet site fresh.
    #[arg(long, value_name = "DAYS")]
    pub expires_in: Option<u32>,
    /// With --sign: also accept a previous snapshot signed by this key (a
    /// .pub file or the RW… key), after a key rotation. `unsigned` accepts
    /// an unsigned previous snapshot (the first signed build of a history).
    /// Repeatable.
    #[arg(long, value_name = "FILE|KEY|unsigned")]
    pub trust_previous_key: Vec<String>,
    /// The site's name, shown on every page and signed in the manifest
    /// (else `title` in vouch.toml, else "Release evidence").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Render every artifact's page. By default a rebuild over a local
    /// previous site takes a page unchanged from it when everything the page
    /// is made of (the file, its audit, what it links to and is cited by,
    /// this vouch) is unchanged; the site is the same either way.
    #[arg(long)]
    pub render_all: bool,
    /// Print how long each stage took (the previous site, load, audit,
    /// pages, site pages, snapshots, manifest, swap), each with the peak
    /// memory by its end, and the peak memory, after the result line.
    #[arg(long)]
    pub timings: bool,
}

#[derive(clap::Args, Debug)]
pub struct KeygenArgs {
    /// Where vouch.key and vouch.pub are written.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Leave the secret key unencrypted (for a CI secret). Otherwise the
    /// password comes from $VOUCH_KEY_PASSWORD or a prompt.
    #[arg(long)]
    pub unencrypted: bool,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// A built site folder, or the http(s) URL of a published site.
    #[arg(default_value = "public")]
    pub site: String,
    /// The trusted public key (a .pub file or the `RW…` key itself). With it,
    /// a missing or bad signature fails verification.
    #[arg(long, value_name = "FILE|KEY")]
    pub pubkey: Option<String>,
    /// Also rebuild the site from this evidence folder (e.g. a checkout of the
    /// published commit) and compare snapshot ids.
    #[arg(long, value_name = "INPUT")]
    pub rebuild: Option<PathBuf>,
    /// Remember the newest snapshot verified for this site (and key) in
    /// FILE, and fail (exit 1) if a later run finds an older one, or a
    /// history that dropped it: a rolled-back or frozen host.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The built site folder to serve.
    #[arg(default_value = "public")]
    pub site: PathBuf,
    /// Serve the independent verifier instead, set to check the site at URL
    /// (the address to open is printed).
    #[arg(long, value_name = "URL")]
    pub verify: Option<String>,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, short, default_value_t = 8000)]
    pub port: u16,
}

/// Parses arguments, runs the command, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    let pass_fail = |ok: bool| if ok { EXIT_OK } else { EXIT_FAILED };
    let result = match cli.command {
        Command::Build(a) => build::run(&build::Options {
            input: a.input,
            out: a.out,
            strict: a.strict,
            sign: a.sign,
            previous: a.previous,
            retain: a.retain,
            max_age: a.max_age,
            trust_previous_keys: a.trust_previous_key,
            expires_in: a.expires_in,
            verbosity,
            title: a.title,
            rollback_of: None,
            render_all: a.render_all,
            timings: a.timings,
        })
        .map(pass_fail),
        Command::Verify(a) => verify::run(&verify::Options {
            site: a.site,
            pubkey: a.pubkey,
            rebuild: a.rebuild,
            state: a.state,
            quiet: cli.quiet,
        })
        .map(pass_fail),
        Command::Check(a) => check::run(&check::Options {
            input: a.input,
            max_age: a.max_age,
            all: a.all,
            format: match a.format {
                CheckFormat::Text => check::Format::Text,
                CheckFormat::Json => check::Format::Json,
            },
            quiet: cli.quiet,
        })
        .map(pass_fail),
        Command::Serve(args) => serve::run(
            match args.verify {
                Some(site) => serve::Serve::Verifier { site },
                None => serve::Serve::Site(args.site),
            },
            args.port,
        )
        .map(|()| EXIT_OK),
        Command::Verifier(args) => crate::verifier::write(&args.out).map(|()| {
            if !cli.quiet {
                println!(
                    "Wrote the independent verifier to {0}; publish it from an origin you trust and open {0}/verify.html#site=<site URL>&pubkey=<key>",
                    args.out.display()
                );
            }
            EXIT_OK
        }),
        Command::Rollback(a) => crate::rollback::run(&crate::rollback::Options {
            id: a.id,
            out: a.out,
            sign: a.sign,
            retain: a.retain,
            expires_in: a.expires_in,
            trust_previous_keys: a.trust_previous_key,
            verbosity,
        })
        .map(pass_fail),
        Command::Init(a) => crate::init::run(&crate::init::Options {
            repo: a.repo.clone(),
            evidence: a.evidence,
            ci: match a.ci {
                InitCi::Github => crate::init::Ci::GitHub,
                InitCi::Gitlab => crate::init::Ci::GitLab,
            },
            action: a.action,
        })
        .map(|written| {
            if !cli.quiet {
                for w in &written {
                    println!("wrote {}", a.repo.join(w).display());
                }
                println!(
                    "Next: `vouch keygen --unencrypted --out-dir .vouch-key`, store vouch.key as the secret VOUCH_SIGNING_KEY, publish vouch.pub for your auditors, delete .vouch-key (the workflow's header says more)."
                );
            }
            EXIT_OK
        }),
        Command::Keygen(args) => sign::keygen(&args.out_dir, args.unencrypted, args.force).map(|id| {
            println!(
                "Wrote {0}/vouch.key (secret: keep it out of the repository) and {0}/vouch.pub (key id {id})",
                args.out_dir.display()
            );
            EXIT_OK
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", crate::term::safe_lines(&format!("{e:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
