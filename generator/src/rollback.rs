//! `vouch rollback SNAPSHOT_ID --out DIR`: republishes a retained
//! snapshot's evidence as a new head.
//!
//! The chain is never cut: the new snapshot's `previous` is the head it
//! replaces, and its manifest (signed, with `--sign`) records
//! `rollback_of`, the snapshot whose evidence it carries. The evidence is
//! rebuilt from the snapshot's own objects, each checked against the
//! snapshot's archived manifest on the way, so the rolled-back head's
//! artifacts are byte-identical to the snapshot's, or nothing happens.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use vouch_core::Manifest;

use crate::{
    build, out,
    snapshot::{Previous, Store},
    store::copy_hashing,
};

/// What `vouch rollback` was asked to do (built by `cli.rs`).
pub struct Options {
    /// The snapshot to roll back to: its id, or an unambiguous prefix of at
    /// least 8 hex digits.
    pub id: String,
    /// The published site.
    pub out: PathBuf,
    pub sign: Option<PathBuf>,
    pub retain: usize,
    pub expires_in: Option<u32>,
    pub trust_previous_keys: Vec<String>,
    pub verbosity: crate::term::Verbosity,
}

/// `Ok(true)` when the rollback was published.
pub fn run(o: &Options) -> Result<bool> {
    let site = out::resolve(&o.out)?;
    let store = Store::Dir(site.clone());
    let Some(head) = Previous::load(store)? else {
        bail!(
            "{} holds no vouch site (no manifest.json) to roll back",
            o.out.display()
        );
    };
    let want = o.id.trim().to_ascii_lowercase();
    if want.len() < 8 || !want.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!(
            "{:?} is not a snapshot id (64 hex digits, or a prefix of at least 8)",
            o.id
        );
    }
    if head.id.starts_with(&want) {
        bail!(
            "snapshot {} is the current head of {}; there is nothing to roll back",
            head.id,
            o.out.display()
        );
    }
    let matches: Vec<&str> = head
        .history
        .snapshots
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| id.starts_with(&want))
        .collect();
    let id = match matches.as_slice() {
        [one] => (*one).to_owned(),
        [] => bail!(
            "snapshot {want} is not retained in {} (it keeps {}: {}); a snapshot past retention cannot be rolled back to",
            o.out.display(),
            head.history.snapshots.len(),
            head.history
                .snapshots
                .iter()
                .map(|s| &s.id[..12])
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => bail!(
            "{want} is the start of {} snapshot ids; give more of it",
            matches.len()
        ),
    };
    // `Previous::load` checked the chain: every archived manifest hashes to
    // its id.
    let snapshot = head
        .history
        .snapshots
        .iter()
        .find(|s| s.id == id)
        .with_context(|| format!("snapshot {id} was not loaded"))?;
    let (bytes, _) = head.archived(snapshot)?;
    let manifest = Manifest::parse(&bytes)
        .with_context(|| format!("the archived manifest of snapshot {id} is not valid"))?;

    // The evidence, rebuilt from the snapshot's objects into a folder of
    // our own, each checked against the archived manifest.
    let scratch = crate::verify::scratch_dir("vouch-rollback-")?;
    let input = scratch.path().join("evidence");
    for a in &manifest.artifacts {
        let dest = input.join(&a.path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // Where the site keeps it, in either layout it may have.
        let [spread, flat] = crate::model::Layout::ALL.map(|l| site.join(l.object_url(&a.sha256)));
        let object = if !spread.exists() && flat.exists() {
            flat
        } else {
            spread
        };
        let mut src = std::fs::File::open(&object).with_context(|| {
            format!(
                "{} of snapshot {id} is missing its object {}",
                a.path,
                object.display()
            )
        })?;
        let mut dst = std::fs::File::create(&dest)
            .with_context(|| format!("cannot write {}", dest.display()))?;
        let (sha, size) = copy_hashing(&mut src, Some(&mut dst), &object.display(), |_| {})?;
        if sha != a.sha256 || size != a.size {
            bail!(
                "the object of {} in snapshot {id} does not match its manifest (SHA-256 {sha}); the site is damaged, nothing was changed",
                a.path
            );
        }
    }
    build::run(&build::Options {
        input,
        out: o.out.clone(),
        strict: false,
        sign: o.sign.clone(),
        previous: None,
        retain: o.retain,
        max_age: None,
        expires_in: o.expires_in,
        trust_previous_keys: o.trust_previous_keys.clone(),
        verbosity: o.verbosity,
        title: manifest.title.clone(),
        rollback_of: Some(id),
        render_all: false,
        timings: false,
    })
}
