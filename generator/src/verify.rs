//! `vouch verify`: the viewer's checks, natively, for folders and URLs, plus
//! the signature, the snapshot chain, and optionally a rebuild.
//!
//! The manifest is untrusted: it is validated before use, and no URL in it
//! may leave the site (see `vouch_core::url`).

use std::{
    cell::RefCell,
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use vouch_core::{
    Manifest, Summary, Verdict,
    history::{Archived, History, check_site_history, snapshot_id},
    signature,
};

use crate::{
    build::{self, Plan},
    snapshot::{Previous, Store},
};

/// Streams `url` through SHA-256; `Err` means missing.
/// Hashes the bytes at `url`, reading at most one byte more than `size`
/// (a host that sends an endless body is cut off there).
fn hash(store: &Store, url: &str, size: u64) -> std::result::Result<(String, u64), String> {
    match store.reader(url, size) {
        // The reader's own error, as before: the row already names `url`.
        Ok(Some(mut r)) => crate::store::copy_hashing(&mut r, None, &url, |_| {})
            .map_err(|e| e.root_cause().to_string()),
        Ok(None) => Err("not found".into()),
        Err(e) => Err(format!("{e:#}")),
    }
}

fn open(site: &str) -> Result<Store> {
    let store = Store::open(site)?;
    if let Store::Dir(root) = &store {
        let root =
            std::fs::canonicalize(root).with_context(|| format!("site folder {site} not found"))?;
        if !root.is_dir() {
            bail!("{site} is not a folder");
        }
        return Ok(Store::Dir(root));
    }
    Ok(store)
}

struct Check<'m> {
    label: &'static str,
    path: &'m str,
    url: String,
    sha256: &'m str,
    size: u64,
}

/// The trusted key from `--pubkey`: a file's contents, or the key itself.
fn trusted_key(arg: &str) -> Result<String> {
    crate::sign::public_key_arg(arg, "--pubkey")
}

/// What `vouch verify` was asked to do (built by `cli.rs` from its flags).
#[derive(Clone, Debug)]
pub struct Options {
    /// A site folder or an http(s) URL.
    pub site: String,
    /// A `.pub` file or the `RW…` key itself.
    pub pubkey: Option<String>,
    /// An evidence folder to rebuild from and compare.
    pub rebuild: Option<std::path::PathBuf>,
    /// The monitor's state file (`--state`): the newest snapshot verified
    /// per site and key.
    pub state: Option<std::path::PathBuf>,
    pub quiet: bool,
}

/// Checks a site; `Ok(true)` when everything held.
pub fn run(args: &Options) -> Result<bool> {
    let quiet = args.quiet;
    let key = args.pubkey.as_deref().map(trusted_key).transpose()?;
    let store = open(&args.site)?;
    // Every file read whole on the way (signatures, history, lists,
    // archived manifests), with its digest and size: the byte check below
    // judges those bytes, and fetches none of them again.
    let seen: RefCell<BTreeMap<String, (String, u64)>> = RefCell::default();
    let read = |rel: &str| -> Result<Option<Vec<u8>>> {
        let bytes = store.read(rel)?;
        if let Some(b) = &bytes {
            let digest = (vouch_core::hash::sha256_hex(b), b.len() as u64);
            seen.borrow_mut().insert(rel.to_owned(), digest);
        }
        Ok(bytes)
    };
    let Some(bytes) = store.read("manifest.json")? else {
        bail!("no manifest.json at {}: not a vouch site", store.describe());
    };
    let manifest = match Manifest::parse(&bytes) {
        Ok(m) => m,
        Err(e) => {
            say(&format!("invalid   manifest.json: {e}"));
            say(&format!(
                "vouch verify: FAILED: {}: manifest.json is not valid",
                store.describe()
            ));
            return Ok(false);
        }
    };
    let id = snapshot_id(&bytes);
    let mut problems: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // 1. The signature, against the key the auditor trusts.
    let sig = read("manifest.json.minisig")?.map(|b| String::from_utf8_lossy(&b).into_owned());
    match (&key, &sig) {
        (Some(_), None) => problems.push("unsigned  manifest.json has no manifest.json.minisig, but --pubkey was given".into()),
        (Some(k), Some(s)) => match signature::verify(k, s, &bytes) {
            Ok(v) => match signature::snapshot_in_comment(&v.trusted_comment) {
                Some(named) if named != id => problems.push(format!(
                    "signature the signed comment names snapshot {named}, but manifest.json is snapshot {id}"
                )),
                _ => notes.push(format!("signature valid, by trusted key {}", v.key_id)),
            },
            Err(e) => problems.push(format!("signature {e}")),
        },
        (None, Some(s)) => notes.push(format!(
            "signature present (key {}), not checked: pass --pubkey with the key you trust",
            signature::signature_key_id(s).unwrap_or_else(|_| "unreadable".into())
        )),
        (None, None) => notes.push("signature none (unsigned site)".into()),
    }

    // Freshness: a snapshot signed with an expiry is not vouched for after it.
    if let Some(e) = &manifest.expires_at {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        match vouch_core::time::parse_rfc3339(e) {
            Some(t) if t <= now => problems.push(format!(
                "expired   this snapshot expired at {e} (built {}); the host may be serving an old snapshot, or the site was not re-published in time",
                manifest.built_at
            )),
            _ => notes.push(format!("expires   {e}")),
        }
    }

    // 2. The snapshot chain (the check the viewer runs too).
    let history_bytes = read("history.json")?;
    let mut retained = BTreeSet::new();
    let mut retained_sizes: BTreeMap<String, u64> = BTreeMap::new();
    let mut read_err = None;
    // Each archived manifest's signature (`None`: unsigned), checked as the
    // manifest is read, so no archived manifest is held (20 snapshots of
    // 50,000 files would be 500 MB).
    let mut signed: BTreeMap<String, Option<Result<(), String>>> = BTreeMap::new();
    let (history, chain) = check_site_history(
        &id,
        &manifest,
        history_bytes.as_deref(),
        &mut |rel| match read(rel) {
            Ok(b) => {
                if let Some(m) = b.as_deref().and_then(|b| Manifest::parse(b).ok()) {
                    for a in m.artifacts {
                        retained_sizes.insert(a.sha256.clone(), a.size);
                        retained.insert(a.sha256);
                    }
                }
                if let (Some(k), Some(bytes)) = (&key, &b) {
                    match read(&format!("{rel}.minisig")) {
                        Ok(sig) => {
                            let checked = sig.map(|sig| {
                                signature::verify(k, &String::from_utf8_lossy(&sig), bytes)
                                    .map(drop)
                                    .map_err(|e| e.to_string())
                            });
                            signed.insert(rel.to_owned(), checked);
                        }
                        Err(e) => read_err = Some(e),
                    }
                }
                b.as_deref().map(Archived::read)
            }
            Err(e) => {
                read_err = Some(e);
                None
            }
        },
    );
    if let Some(e) = read_err {
        return Err(e);
    }
    problems.extend(chain.iter().map(|p| format!("chain     {p}")));
    match &history {
        Some(h) => {
            // Every retained snapshot's signature, under the trusted key.
            if key.is_some() {
                let (mut good, mut unsigned) = (0usize, 0usize);
                for snap in &h.snapshots {
                    match signed.get(&snap.manifest) {
                        None => {} // not read: reported by the chain check
                        Some(None) => unsigned += 1,
                        Some(Some(Ok(()))) => good += 1,
                        Some(Some(Err(e))) => {
                            problems.push(format!("signature snapshot {}: {e}", snap.id));
                        }
                    }
                }
                if !h.snapshots.is_empty() {
                    notes.push(format!(
                        "signature {good} of {} retained snapshot{} verified under the trusted key{}",
                        h.snapshots.len(),
                        if h.snapshots.len() == 1 { "" } else { "s" },
                        match unsigned {
                            0 => String::new(),
                            n => format!("; {n} unsigned, not checked"),
                        }
                    ));
                }
            }
            notes.push(format!(
                "snapshot  {id}, {} earlier snapshot{} retained (of {})",
                h.snapshots.len(),
                if h.snapshots.len() == 1 { "" } else { "s" },
                h.retain
            ));
        }
        None => notes.push(format!("snapshot  {id}, no history")),
    }

    // 3. SHA256SUMS must say what the manifest says, so that the recipe
    // without vouch (`minisign -Vm SHA256SUMS && sha256sum -c SHA256SUMS`)
    // checks the same files.
    if let Some(sums) = read("SHA256SUMS")? {
        let signed = sig.is_some();
        let mut expected: BTreeSet<(String, String)> =
            crate::write::sha256sums(&manifest, &retained)
                .lines()
                .filter_map(vouch_core::hash::parse_sum_line)
                .collect();
        expected.insert((id.clone(), "manifest.json".into()));
        let listed: BTreeSet<(String, String)> = String::from_utf8_lossy(&sums)
            .lines()
            .filter_map(vouch_core::hash::parse_sum_line)
            .collect();
        // Sites from before SHA256SUMS listed the manifest: not a problem.
        let older = !listed.iter().any(|(_, p)| p == "manifest.json");
        for (hex, path) in expected.difference(&listed) {
            if older && path.starts_with("manifest.json") {
                continue;
            }
            problems.push(format!(
                "sums      SHA256SUMS does not list {path} (sha256 {hex}) as manifest.json does"
            ));
        }
        for (hex, path) in listed.difference(&expected) {
            problems.push(format!(
                "sums      SHA256SUMS lists {path} with sha256 {hex}, which manifest.json does not"
            ));
        }
        match (&key, read("SHA256SUMS.minisig")?) {
            (Some(k), Some(s)) => {
                if let Err(e) = signature::verify(k, &String::from_utf8_lossy(&s), &sums) {
                    problems.push(format!("signature SHA256SUMS.minisig: {e}"));
                }
            }
            (Some(_), None) if signed => notes.push(
                "signature SHA256SUMS is not signed (built by an older vouch); manifest.json is"
                    .into(),
            ),
            _ => {}
        }
    }

    // 4. Every byte: artifacts, generated files, and retained snapshots' objects.
    let current: BTreeSet<&str> = manifest
        .artifacts
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    let mut checks: Vec<Check<'_>> = manifest
        .artifacts
        .iter()
        .map(|a| Check {
            label: "artifact",
            path: &a.path,
            url: a.url.clone(),
            sha256: &a.sha256,
            size: a.size,
        })
        .collect();
    checks.extend(manifest.generated.iter().map(|g| Check {
        label: "generated",
        path: &g.path,
        url: g.path.clone(),
        sha256: &g.sha256,
        size: g.size,
    }));
    // Beside the artifacts, in the layout the site was built with.
    let layout = crate::model::Layout::of(&manifest);
    checks.extend(
        retained
            .iter()
            .filter(|s| !current.contains(s.as_str()))
            .map(|s| Check {
                label: "retained",
                path: s,
                url: layout.object_url(s),
                sha256: s,
                size: retained_sizes.get(s.as_str()).copied().unwrap_or(0),
            }),
    );
    let seen = seen.into_inner();
    let check_all = || -> Vec<(Verdict, String)> {
        checks
            .par_iter()
            .map(|c| {
                match seen
                    .get(&c.url)
                    .cloned()
                    .map_or_else(|| hash(&store, &c.url, c.size), Ok)
                {
                    Ok((sha, size)) => {
                        let v = Verdict::judge(c.sha256, c.size, &sha, size);
                        (
                            v,
                            format!("expected sha256 {}, got {sha} ({size} bytes)", c.sha256),
                        )
                    }
                    Err(why) => (Verdict::Missing, why),
                }
            })
            .collect()
    };
    let results = store.in_flight(check_all)?;
    let mut artifacts = Summary::new(manifest.artifacts.len());
    let mut others = Summary::new(checks.len() - manifest.artifacts.len());
    for (c, (verdict, detail)) in checks.iter().zip(&results) {
        if c.label == "artifact" {
            artifacts.record(*verdict);
        } else {
            others.record(*verdict);
        }
        if *verdict != Verdict::Verified {
            problems.push(format!(
                "{:<9} {} {} ({}): {detail}",
                verdict.as_str(),
                c.label,
                c.path,
                c.url
            ));
        }
    }

    // 4. Optionally, rebuild from the evidence and compare snapshot ids.
    if let Some(input) = &args.rebuild {
        match rebuild(input, &args.site, &manifest, history.as_ref(), &id)? {
            None => notes.push(format!(
                "rebuild   {} reproduces snapshot {id}",
                input.display()
            )),
            Some(diff) => problems.push(format!("rebuild   {}", diff)),
        }
    }

    // The monitor: never accept an older head than one verified before.
    if let Some(path) = &args.state {
        let key_id = key
            .as_deref()
            .and_then(|k| signature::public_key_id(k).ok())
            .unwrap_or_else(|| "unpinned".into());
        let site_key = format!("{} {key_id}", store.describe());
        let mut state = MonitorState::load(path)?;
        let seen = state.sites.get(&site_key);
        if let Some(r) = vouch_core::monitor::judge(seen, &id, &manifest.built_at, history.as_ref())
        {
            problems.push(format!("rollback  {r}"));
        }
        let current = vouch_core::monitor::Seen {
            id: id.clone(),
            built_at: manifest.built_at.clone(),
        };
        if problems.is_empty() && vouch_core::monitor::is_newer(seen, &current) {
            state.sites.insert(site_key, current);
            state.save(path)?;
        }
    }

    for p in &problems {
        say(p);
    }
    if !quiet || !problems.is_empty() {
        for n in &notes {
            say(n);
        }
    }
    if problems.is_empty() {
        if !quiet {
            say(&format!(
                "vouch verify: OK: {} and {} other file{} in {} match manifest.json (built {} by vouch {})",
                match artifacts.total {
                    1 => "the 1 artifact".to_owned(),
                    n => format!("all {n} artifacts"),
                },
                others.total,
                if others.total == 1 { "" } else { "s" },
                store.describe(),
                manifest.built_at,
                manifest.generator.version
            ));
        }
        Ok(true)
    } else {
        say(&format!(
            "vouch verify: FAILED: {} problem{}; artifacts: {} verified, {} mismatched, {} missing of {}; other files: {} verified, {} mismatched, {} missing of {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            artifacts.verified,
            artifacts.failed,
            artifacts.missing,
            artifacts.total,
            others.verified,
            others.failed,
            others.missing,
            others.total
        ));
        Ok(false)
    }
}

/// Rebuilds `site` from `input` as it was built (same time, source, previous
/// snapshot and retention). `None` when the snapshot ids match, else what
/// differs.
fn rebuild(
    input: &Path,
    site: &str,
    manifest: &Manifest,
    history: Option<&History>,
    id: &str,
) -> Result<Option<String>> {
    let empty = History::empty(20);
    let history = history.unwrap_or(&empty);
    let previous = Previous::before(open(site)?, manifest, history)?;
    let public_key = if manifest.generated.iter().any(|g| g.path == "vouch.pub") {
        open(site)?
            .read("vouch.pub")?
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    } else {
        None
    };
    // The rules the site was built with, as its audit.json records them.
    let max_age = open(site)?
        .read("audit.json")?
        .and_then(|b| vouch_core::audit::Audit::parse(&b).ok())
        .and_then(|a| a.max_age_days);
    let tmp = scratch_dir("vouch-rebuild-")?;
    let out = tmp.path().join("site");
    let plan = Plan {
        input: input.to_path_buf(),
        out: out.clone(),
        built_at: manifest.built_at.clone(),
        source: manifest.source.clone(),
        previous,
        retain: history.retain.max(1),
        signer: None,
        public_key,
        strict: false,
        show_progress: false,
        expires_at: manifest.expires_at.clone(),
        rules: vouch_audit::Rules { max_age },
        title: manifest.title.clone(),
        rollback_of: manifest.rollback_of.clone(),
        // Every page is made again from the evidence: none is taken from
        // the site being checked.
        page_keys: false,
        render_all: true,
    };
    let outcome = build::execute(plan, &crate::timings::Timings::new());
    let result = (|| {
        let outcome = outcome?;
        if outcome.snapshot_id == id {
            return Ok(None);
        }
        let rebuilt = Manifest::parse(&std::fs::read(out.join("manifest.json"))?)?;
        let mut diffs = Vec::new();
        for a in &manifest.artifacts {
            match rebuilt.artifacts.iter().find(|b| b.path == a.path) {
                None => diffs.push(format!("{} is not in the evidence", a.path)),
                Some(b) if b.sha256 != a.sha256 => diffs.push(format!("{} differs", a.path)),
                _ => {}
            }
        }
        for b in &rebuilt.artifacts {
            if !manifest.artifacts.iter().any(|a| a.path == b.path) {
                diffs.push(format!("{} was not published", b.path));
            }
        }
        if diffs.is_empty() {
            diffs.push(
                "the evidence matches; the generated files differ (another vouch version?)".into(),
            );
        }
        Ok(Some(format!(
            "rebuilt snapshot {} differs from published {id}: {}",
            outcome.snapshot_id,
            diffs.join("; ")
        )))
    })();
    drop(tmp);
    result
}

/// A new, uniquely named folder in the system's temporary folder, removed
/// when dropped: vouch only ever removes a folder it created itself (a fixed
/// name could be someone else's).
pub fn scratch_dir(prefix: &str) -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .context("cannot create a temporary folder")
}

/// One line of the report on stdout. Paths and manifest fields are
/// untrusted: control characters never reach the terminal raw.
fn say(line: &str) {
    println!("{}", crate::term::safe_lines(line));
}

/// `verify --state FILE`: the newest snapshot verified, per site and key.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct MonitorState {
    vouch_monitor: u32,
    sites: BTreeMap<String, vouch_core::monitor::Seen>,
}

impl MonitorState {
    /// A missing file is an empty state; a file that is not one is refused,
    /// never overwritten.
    fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let s: Self = serde_json::from_slice(&bytes).map_err(|e| {
                    anyhow::anyhow!(
                        "{} is not a vouch monitor state file ({e}); refusing to overwrite it",
                        path.display()
                    )
                })?;
                if s.vouch_monitor != 1 {
                    bail!(
                        "{} is a monitor state file of another version",
                        path.display()
                    );
                }
                Ok(s)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self {
                vouch_monitor: 1,
                sites: BTreeMap::new(),
            }),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Written beside, then renamed over: never half a file.
    fn save(&self, path: &Path) -> Result<()> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.vouch-tmp"));
        let mut text = serde_json::to_string_pretty(self).context("encoding the state")?;
        text.push('\n');
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    }
}
