//! The snapshot chain: what the previous published site contributes to a
//! build (its manifest becomes `previous`, its history is extended, the
//! objects of retained snapshots are carried forward), and how retention
//! trims it.

use std::{
    collections::{BTreeMap, HashMap},
    fs::File,
    io::Read,
    path::{Path, PathBuf},
    time::Duration,
};

use std::borrow::Cow;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use vouch_core::{
    Manifest,
    history::{self, History, Snapshot, check_chain, snapshot_id},
};

use crate::store::Staging;
use vouch_core::manifest::GeneratedFile;

/// Where a published site's files come from.
pub enum Store {
    Dir(PathBuf),
    Http { base: String, agent: ureq::Agent },
}

pub use vouch_core::DOC_LIMIT;
/// The most a file that lists every file of a site may be: `manifest.json`
/// (current or archived) and `SHA256SUMS`. They grow with the site, the
/// manifest by about 500 bytes a file (its artifact entry and its page's),
/// so [`DOC_LIMIT`] would refuse a site of 130,000 files; this allows about
/// a million.
pub const LIST_LIMIT: u64 = 512 << 20;

/// The limit for reading `rel`: [`LIST_LIMIT`] for the per-file lists,
/// [`DOC_LIMIT`] for any other metadata.
fn limit_for(rel: &str) -> u64 {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name == "manifest.json" || rel == "SHA256SUMS" {
        LIST_LIMIT
    } else {
        DOC_LIMIT
    }
}
/// Same-origin redirects followed at most (a site at `…/repo` answers with
/// `…/repo/`); a redirect to another origin is never followed.
const MAX_REDIRECTS: u32 = 5;

/// Requests kept in flight to a host (`vouch verify URL`, and objects
/// carried by `build --previous URL`), and the connections kept open for
/// them (`Store::in_flight`). One per core left a far host's
/// round trips end to end: 2,094 files 20 ms away took 22 s.
pub const FETCHES_IN_FLIGHT: usize = 16;

/// How long a host may take to connect, to answer, or between two reads of
/// a body before it is given up: 30 s, or `VOUCH_HTTP_TIMEOUT` seconds.
pub fn http_timeout() -> Duration {
    std::env::var("VOUCH_HTTP_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(Duration::from_secs(30), Duration::from_secs)
}

/// `scheme://host:port` of an http(s) URL.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

impl Store {
    /// `--previous DIR|URL` (or the output folder).
    pub fn open(spec: &str) -> Result<Self> {
        if spec.starts_with("http://") || spec.starts_with("https://") {
            let mut base = spec.split(['?', '#']).next().unwrap_or(spec).to_owned();
            if base.ends_with(".html") {
                base.truncate(base.rfind('/').map_or(base.len(), |i| i + 1));
            }
            if !base.ends_with('/') {
                base.push('/');
            }
            let t = http_timeout();
            let agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_connect(Some(t))
                .timeout_recv_response(Some(t))
                .timeout_per_read(Some(t))
                .max_idle_connections(FETCHES_IN_FLIGHT)
                .max_idle_connections_per_host(FETCHES_IN_FLIGHT)
                .user_agent(concat!("vouch/", env!("CARGO_PKG_VERSION")))
                .build()
                .into();
            Ok(Self::Http { base, agent })
        } else {
            Ok(Self::Dir(PathBuf::from(spec)))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Dir(d) => d.display().to_string(),
            Self::Http { base, .. } => base.clone(),
        }
    }

    /// Where site-relative `rel` is, for messages.
    fn locate(&self, rel: &str) -> String {
        match self {
            Self::Dir(d) => d.join(rel).display().to_string(),
            Self::Http { base, .. } => format!("{}/{rel}", base.trim_end_matches('/')),
        }
    }

    /// The bytes at site-relative `rel`, `None` when absent. At most
    /// [`limit_for`] `rel`: this is for metadata, not objects.
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        let limit = limit_for(rel);
        match self.reader(rel, limit)? {
            Some(mut r) => {
                r.read_to_end(&mut out)
                    .with_context(|| format!("cannot read {rel} from {}", self.describe()))?;
                // A manifest may be held for the whole build: not with up to
                // as much again of spare capacity.
                out.shrink_to_fit();
                if out.len() as u64 > limit {
                    bail!(
                        "{} is larger than {} MiB; refusing to read more",
                        self.locate(rel),
                        limit >> 20
                    );
                }
                Ok(Some(out))
            }
            None => Ok(None),
        }
    }

    /// Where the file at `rel` of a local site is (`None` when absent, or
    /// when the site is remote), refused if it resolves outside the site.
    pub fn local_path(&self, rel: &str) -> Result<Option<PathBuf>> {
        let Self::Dir(root) = self else {
            return Ok(None);
        };
        if !vouch_core::url::is_site_relative(rel) {
            bail!("refusing to read {rel:?}: not inside the site");
        }
        let mut path = root.clone();
        for seg in rel.split('/') {
            let seg = percent_encoding::percent_decode_str(seg)
                .decode_utf8()
                .with_context(|| format!("{rel:?} is not valid UTF-8"))?;
            path.push(seg.as_ref());
        }
        let real = match std::fs::canonicalize(&path) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        // A symlink in the site must not lead a verifier out of it.
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        if !real.starts_with(&root) {
            bail!("{rel} resolves outside the site folder");
        }
        Ok(Some(real))
    }

    /// A reader over the bytes at `rel`, `None` when absent, that yields at
    /// most `limit` + 1 bytes (so that a body longer than expected shows, but
    /// never costs more than one byte too many).
    pub fn reader(&self, rel: &str, limit: u64) -> Result<Option<Box<dyn Read + '_>>> {
        if !vouch_core::url::is_site_relative(rel) {
            bail!("refusing to read {rel:?}: not inside the site");
        }
        let cap = limit.saturating_add(1);
        match self {
            Self::Dir(_) => {
                let Some(real) = self.local_path(rel)? else {
                    return Ok(None);
                };
                let f =
                    File::open(&real).with_context(|| format!("cannot read {}", real.display()))?;
                Ok(Some(Box::new(f.take(cap))))
            }
            Self::Http { base, agent } => {
                let first = format!("{base}{rel}");
                let mut url = first.clone();
                for _ in 0..=MAX_REDIRECTS {
                    let resp = agent
                        .get(&url)
                        .call()
                        .with_context(|| format!("cannot fetch {url}"))?;
                    let status = resp.status().as_u16();
                    if (300..400).contains(&status) {
                        let location = resp
                            .headers()
                            .get("location")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned();
                        let next = resolve_location(&url, &location);
                        match next {
                            Some(n) if origin(&n) == origin(&url) => {
                                url = n;
                                continue;
                            }
                            _ => bail!(
                                "the host redirected {url} to {location:?}, another origin; \
                                 not followed (a site is checked where it was asked for)"
                            ),
                        }
                    }
                    return match status {
                        200 => Ok(Some(Box::new(
                            resp.into_body()
                                .into_with_config()
                                .limit(cap)
                                .reader()
                                .take(cap),
                        ))),
                        404 => Ok(None),
                        s => bail!("{url} answered HTTP {s}"),
                    };
                }
                bail!("{first}: more than {MAX_REDIRECTS} redirects; not followed")
            }
        }
    }

    /// Runs `work`, whose parallel iterators read from this store, on
    /// threads suited to it: a file per core from a folder, and
    /// `FETCHES_IN_FLIGHT` at once from a host, since each request mostly
    /// waits on the network.
    pub fn in_flight<R: Send>(&self, work: impl FnOnce() -> R + Send) -> Result<R> {
        match self {
            Self::Dir(_) => Ok(work()),
            Self::Http { .. } => Ok(rayon::ThreadPoolBuilder::new()
                .num_threads(FETCHES_IN_FLIGHT)
                .thread_name(|i| format!("vouch-fetch-{i}"))
                .build()
                .context("cannot start the threads that fetch from the host")?
                .install(work)),
        }
    }

    /// Copies object `sha256` into `staging`, checking its bytes hash to its
    /// name: a damaged previous site must not leak into the new one. It is
    /// looked for in either layout the previous site may have
    /// ([`crate::model::Layout`]).
    fn carry_object(&self, sha256: &str, size: u64, staging: &Staging) -> Result<()> {
        if staging.object_path(sha256).exists() {
            return Ok(());
        }
        let [spread, flat] = crate::model::Layout::ALL.map(|l| l.object_url(sha256));
        let (rel, mut src) = match self.reader(&spread, size)? {
            Some(src) => (spread, src),
            None => match self.reader(&flat, size)? {
                Some(src) => (flat, src),
                None => bail!(
                    "the previous site at {} lacks {spread}, which a retained snapshot needs",
                    self.describe()
                ),
            },
        };
        let (actual, _) = staging.store(&mut src, &rel, |_| {})?;
        if actual != sha256 {
            staging.discard(&actual);
            bail!("the previous site's {rel} is damaged: its bytes hash to {actual}");
        }
        Ok(())
    }
}

/// A `Location` header resolved against the URL that sent it.
fn resolve_location(from: &str, location: &str) -> Option<String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Some(location.to_owned());
    }
    if location.contains("://") || location.is_empty() {
        return None; // file://, ftp://, …: never followed
    }
    let origin = origin(from)?;
    if let Some(abs) = location.strip_prefix('/') {
        return Some(format!("{origin}/{abs}"));
    }
    let dir = &from[..from.rfind('/').map_or(from.len(), |i| i + 1)];
    Some(format!("{dir}{location}"))
}

/// Earlier snapshots whose `audit.json` is carried forward, newest first,
/// for the viewer's status diff. An audit trail grows with the corpus (a few
/// megabytes for a thousand reports), and twenty copies of it would make the
/// site many times its input; older snapshots keep their manifests,
/// signatures and objects, so they still verify, and only the status diff
/// against them is lost.
pub const AUDITS_CARRIED: usize = 3;

/// Where a spilled manifest's signature is kept.
fn signature_file(manifest: &Path) -> PathBuf {
    let mut name = manifest.as_os_str().to_owned();
    name.push(".minisig");
    PathBuf::from(name)
}

/// Files fetched from a remote previous site, in a scratch folder of their
/// own (removed when dropped).
struct Spilled {
    _dir: tempfile::TempDir,
    /// By snapshot id: the file holding its archived manifest, and whether
    /// a signature was fetched beside it (`<file>.minisig`).
    files: HashMap<String, (PathBuf, bool)>,
}

/// The snapshot a build follows.
pub struct Previous {
    pub id: String,
    /// This snapshot as the next one's history describes it. Its manifest
    /// (as large as the site's list of files) is not held: it is read again
    /// from `head_source` when needed, like the archived ones.
    head: Snapshot,
    /// Where its `manifest.json` is read from in `store`.
    head_source: String,
    pub signature: Option<Vec<u8>>,
    /// The previous site's own history (snapshots before it).
    pub history: History,
    /// A remote previous site's archived manifests and signatures, fetched
    /// once, while the chain is checked, and kept on disk. A local site's
    /// are read again where they are. Either way none is held in memory
    /// ([`Previous::archived`] reads one at a time): 20 snapshots of
    /// 50,000 files would take 500 MB.
    spilled: Option<Spilled>,
    pub store: Store,
}

impl Previous {
    /// Reads the snapshot published at `store`, `None` when there is none.
    /// Refuses a previous site whose own chain is broken.
    pub fn load(store: Store) -> Result<Option<Self>> {
        let Some(bytes) = store.read("manifest.json")? else {
            return Ok(None);
        };
        // Its header is all a build reads of it here (the chain check and
        // the history entry); the lists are read when carried, as every
        // retained snapshot's are ([`Listing`]). Parsed whole, its 100,000
        // entries were a tenth of a second of a 50,000-report rebuild.
        let manifest = Manifest::parse_header(&bytes).with_context(|| {
            format!(
                "the previous site at {} has an invalid manifest.json",
                store.describe()
            )
        })?;
        let signature = store.read("manifest.json.minisig")?;
        let history = match store.read("history.json")? {
            Some(h) => History::parse(&h).with_context(|| {
                format!(
                    "the previous site at {} has an invalid history.json",
                    store.describe()
                )
            })?,
            None => History::empty(0),
        };
        Self::from_parts(store, "manifest.json", bytes, manifest, signature, history)
    }

    /// The snapshot that the site at `store` was built on: its `previous`,
    /// with the history as it stood then (for `vouch verify --rebuild`).
    pub fn before(store: Store, current: &Manifest, history: &History) -> Result<Option<Self>> {
        let Some(id) = &current.previous else {
            return Ok(None);
        };
        let Some(first) = history.snapshots.first().filter(|s| &s.id == id) else {
            bail!("history.json does not start with the previous snapshot {id}");
        };
        let bytes = store
            .read(&first.manifest)?
            .with_context(|| format!("{} is missing", first.manifest))?;
        let manifest = Manifest::parse(&bytes)
            .with_context(|| format!("{} is not a valid manifest", first.manifest))?;
        let signature = store.read(&first.signature())?;
        let mut older = history.clone();
        older.snapshots.remove(0);
        // Not all of that snapshot's own history is known: the build being
        // replayed may have dropped its oldest entry. What is left is whole
        // as far as it goes (judged as one cut short, it failed every replay
        // once retention had dropped a snapshot).
        full_once_trimmed(&mut older);
        Self::from_parts(store, &first.manifest, bytes, manifest, signature, older)
    }

    fn from_parts(
        store: Store,
        head_source: &str,
        bytes: Vec<u8>,
        manifest: Manifest,
        signature: Option<Vec<u8>>,
        history: History,
    ) -> Result<Option<Self>> {
        let id = snapshot_id(&bytes);
        // A remote archived file is fetched once, and written to a scratch
        // folder: the bytes whose chain is checked are the bytes
        // republished. A local one is read again where it is. Both are
        // checked when carried against the id the chain check tied them to.
        let scratch = match store {
            Store::Http { .. } => Some(crate::verify::scratch_dir("vouch-previous-")?),
            Store::Dir(_) => None,
        };
        // By path: the scratch file holding what was fetched (`None`: absent).
        let mut fetched: HashMap<String, Option<PathBuf>> = HashMap::new();
        let mut fetch_err = None;
        let mut fetch = |rel: &str| -> Result<Option<Vec<u8>>> {
            let Some(dir) = &scratch else {
                return store.read(rel);
            };
            if let Some(file) = fetched.get(rel) {
                return file
                    .as_ref()
                    .map(|f| {
                        std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))
                    })
                    .transpose();
            }
            let bytes = store.read(rel)?;
            let file = match &bytes {
                Some(b) => {
                    let f = dir.path().join(fetched.len().to_string());
                    std::fs::write(&f, b)
                        .with_context(|| format!("cannot write {}", f.display()))?;
                    Some(f)
                }
                None => None,
            };
            fetched.insert(rel.to_owned(), file);
            Ok(bytes)
        };
        let problems = check_chain(&id, &manifest, &history, &mut |rel| match fetch(rel) {
            Ok(b) => b,
            Err(e) => {
                fetch_err = Some(e);
                None
            }
        });
        if let Some(e) = fetch_err {
            return Err(e);
        }
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            bail!(
                "the previous site at {} has a broken snapshot chain, so it cannot be extended \
                 (investigate, then pass --previous none to start a new history):\n  {}",
                store.describe(),
                list.join("\n  ")
            );
        }
        let spilled = match scratch {
            Some(dir) => {
                let mut files = HashMap::new();
                for s in &history.snapshots {
                    let file = match fetched.remove(&s.manifest) {
                        Some(Some(f)) => f,
                        // Not read by the chain check: fetched now, and
                        // held to its id when carried.
                        _ => {
                            let b = store
                                .read(&s.manifest)?
                                .with_context(|| format!("{} vanished", s.manifest))?;
                            let f = dir.path().join(format!("late-{}", files.len()));
                            std::fs::write(&f, b)
                                .with_context(|| format!("cannot write {}", f.display()))?;
                            f
                        }
                    };
                    let sig = store.read(&s.signature())?;
                    if let Some(sig) = &sig {
                        let f = signature_file(&file);
                        std::fs::write(&f, sig)
                            .with_context(|| format!("cannot write {}", f.display()))?;
                    }
                    files.insert(s.id.clone(), (file, sig.is_some()));
                }
                let f = dir.path().join("head");
                std::fs::write(&f, &bytes)
                    .with_context(|| format!("cannot write {}", f.display()))?;
                files.insert(id.clone(), (f, false));
                Some(Spilled { _dir: dir, files })
            }
            None => None,
        };
        Ok(Some(Self {
            head: Snapshot::describe(&id, &manifest, signature.is_some()),
            head_source: head_source.to_owned(),
            id,
            signature,
            history,
            spilled,
            store,
        }))
    }

    /// Where retained snapshot `s`'s manifest is read from in `store`: the
    /// head's own place, or its archive.
    fn source_of<'a>(&'a self, s: &'a Snapshot) -> &'a str {
        if s.id == self.id {
            &self.head_source
        } else {
            &s.manifest
        }
    }

    /// This snapshot's `manifest.json`, as [`Previous::archived`] reads it.
    pub fn head_bytes(&self) -> Result<Vec<u8>> {
        Ok(self.archived(&self.head)?.0)
    }

    /// The manifest of retained snapshot `s` (this one, or an archived one)
    /// and its signature: the bytes whose chain was checked on loading,
    /// read again (from the local site, or from where a remote one's were
    /// kept) and refused if they no longer hash to its id.
    pub fn archived(&self, s: &Snapshot) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
        let is_head = s.id == self.id;
        let source = self.source_of(s);
        let (bytes, where_) = match &self.spilled {
            Some(sp) => {
                let (file, _) = sp
                    .files
                    .get(&s.id)
                    .with_context(|| format!("snapshot {} was not loaded", s.id))?;
                let bytes = std::fs::read(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                (bytes, file.display().to_string())
            }
            None => (
                self.store
                    .read(source)?
                    .with_context(|| format!("{} vanished", self.store.locate(source)))?,
                self.store.locate(source),
            ),
        };
        if snapshot_id(&bytes) != s.id {
            bail!(
                "{where_} changed during the build (it no longer hashes to snapshot {})",
                s.id
            );
        }
        let sig = match &self.spilled {
            _ if is_head => self.signature.clone(),
            Some(sp) => match sp.files.get(&s.id) {
                Some((file, true)) => {
                    let f = signature_file(file);
                    Some(
                        std::fs::read(&f)
                            .with_context(|| format!("cannot read {}", f.display()))?,
                    )
                }
                _ => None,
            },
            None => self.store.read(&s.signature())?,
        };
        Ok((bytes, sig))
    }

    /// The history of a build that follows this snapshot, keeping `retain`
    /// snapshots in all (the new one included).
    pub fn next_history(&self, retain: usize) -> History {
        let mut h = History::empty(retain);
        h.snapshots.push(self.head.clone());
        h.snapshots.extend(self.history.snapshots.iter().cloned());
        h.snapshots.truncate(retain.saturating_sub(1));
        // Once a smaller `--retain` has dropped the oldest snapshots, a
        // larger one cannot bring them back: the history grows by one
        // snapshot a build up to `retain`. Recorded at once, the larger
        // number read as snapshots cut from the history: `vouch verify` and
        // the viewer raised the alarm, and the next build refused the site.
        full_once_trimmed(&mut h);
        h
    }

    /// Archives the retained snapshots' manifests and signatures, and carries
    /// their objects forward, writing each into `staging` as it goes (a
    /// carried `audit.json` is streamed through, never held whole); `page`
    /// writes each snapshot's page from its manifest. Each manifest is
    /// parsed once here, where a rebuild used to parse it three times.
    pub fn carry(
        &self,
        history: &History,
        staging: &Staging,
        mut page: impl FnMut(&Snapshot, &Listing<'_>) -> Result<GeneratedFile>,
    ) -> Result<Carried> {
        let mut files = Vec::new();
        let mut objects = BTreeMap::new();
        let mut warnings = Vec::new();
        for (i, s) in history.snapshots.iter().enumerate() {
            let (bytes, sig) = self.archived(s)?;
            let m = Listing::parse(&bytes)
                .with_context(|| format!("cannot read the manifest of snapshot {}", s.id))?;
            // Mostly the same objects snapshot after snapshot: no copy of
            // a digest already listed.
            for a in &m.artifacts {
                // Checked by the chain check; checked again here, cheaply,
                // because it names a file.
                if !vouch_core::hash::is_sha256_hex(&a.sha256) {
                    bail!("snapshot {} lists an object with a malformed digest", s.id);
                }
                if !objects.contains_key(&*a.sha256) {
                    objects.insert(a.sha256.to_string(), a.size);
                }
            }
            // The snapshot's audit trail, for the viewer's status diff:
            // carried only if it still matches what its manifest recorded.
            let audit_file = m.generated.iter().find(|g| g.path == "audit.json");
            if let Some(g) = audit_file.filter(|_| i < AUDITS_CARRIED) {
                let g = GeneratedFile {
                    path: g.path.clone().into_owned(),
                    sha256: g.sha256.clone().into_owned(),
                    size: g.size,
                };
                let g = &g;
                // Beside its manifest: the site's own `audit.json` for the
                // previous head, an archived one for an earlier snapshot
                // (and for the head `verify --rebuild` replays).
                let from = format!(
                    "{}audit.json",
                    self.source_of(s)
                        .strip_suffix("manifest.json")
                        .unwrap_or_default()
                );
                // It is optional: one that cannot be read (too large, say)
                // is left out with a warning, and the viewer shows no diff
                // against that snapshot.
                let to = format!("snapshots/{}/audit.json", s.id);
                match self.carry_audit(&from, &to, g, staging) {
                    Ok(Some(f)) => files.push(f),
                    outcome => {
                        // Whatever was streamed of it goes; if that fails,
                        // the build stops rather than publish a part.
                        staging.remove(&to)?;
                        if let Err(e) = outcome {
                            warnings.push(format!(
                                "{e:#}; the status diff against snapshot {} is left out",
                                s.id
                            ));
                        }
                    }
                }
            }
            files.push(page(s, &m)?);
            drop(m);
            // `archived` checked that the bytes hash to the id.
            files.push(staging.write_reusing_hashed(&s.manifest, &bytes, &s.id)?);
            if let Some(sig) = &sig {
                files.push(staging.write_reusing(&s.signature(), sig)?);
            }
        }
        self.store.in_flight(|| {
            objects
                .par_iter()
                .try_for_each(|(sha, size)| self.store.carry_object(sha, *size, staging))
        })??;
        Ok(Carried {
            files,
            objects,
            warnings,
        })
    }

    /// Streams the previous site's `from` into `staging` at `to`, and keeps
    /// it if it is the `audit.json` its manifest recorded (`want`). `None`
    /// when it is absent or its bytes differ; then, as after an error, the
    /// caller removes whatever was written.
    fn carry_audit(
        &self,
        from: &str,
        to: &str,
        want: &vouch_core::manifest::GeneratedFile,
        staging: &Staging,
    ) -> Result<Option<GeneratedFile>> {
        if want.size > DOC_LIMIT {
            bail!(
                "{} is larger than {} MiB; refusing to read more",
                self.store.locate(from),
                DOC_LIMIT >> 20
            );
        }
        // A local one is linked, not copied (three of them come to about
        // twice the evidence's size), and what was linked is then checked:
        // a file swapped in meanwhile is never kept.
        if let Some(real) = self.store.local_path(from)?
            && staging.link_from(&real, to, want.size)?
        {
            let linked = staging.path().join(to);
            let mut src = File::open(&linked)
                .with_context(|| format!("cannot read {}", linked.display()))?
                .take(want.size.saturating_add(1));
            let (sha256, size) =
                crate::store::copy_hashing(&mut src, None, &linked.display(), |_| {})?;
            return Ok(
                (sha256 == want.sha256 && size == want.size).then(|| GeneratedFile {
                    path: to.to_owned(),
                    sha256,
                    size,
                }),
            );
        }
        let Some(mut src) = self.store.reader(from, want.size)? else {
            return Ok(None);
        };
        let written = staging.write_streaming(to, |out| std::io::copy(&mut src, out).map(drop))?;
        Ok((written.sha256 == want.sha256).then_some(written))
    }
}

/// What [`Previous::carry`] reads of a retained snapshot's manifest,
/// borrowed from its bytes, the rest skipped. Not checked again: the chain
/// check parsed and checked these very bytes (they hash to the id it
/// checked), and checking 20 manifests as large as the current one a second
/// time was a tenth of a rebuild.
#[derive(serde::Deserialize)]
pub struct Listing<'a> {
    #[serde(borrow)]
    pub artifacts: Vec<Listed<'a>>,
    #[serde(borrow, default)]
    generated: Vec<ListedFile<'a>>,
}

/// An artifact of a [`Listing`].
#[derive(serde::Deserialize)]
pub struct Listed<'a> {
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    #[serde(borrow)]
    pub sha256: Cow<'a, str>,
    pub size: u64,
    #[serde(borrow)]
    pub url: Cow<'a, str>,
    pub kind: vouch_core::ArtifactKind,
    #[serde(borrow)]
    pub title: Cow<'a, str>,
}

#[derive(serde::Deserialize)]
struct ListedFile<'a> {
    #[serde(borrow)]
    path: Cow<'a, str>,
    #[serde(borrow)]
    sha256: Cow<'a, str>,
    size: u64,
}

impl<'a> Listing<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        Ok(serde_json::from_slice(bytes)?)
    }

    /// Each generated file it lists: its path and SHA-256.
    pub fn generated(&self) -> impl Iterator<Item = (&str, &str)> {
        self.generated.iter().map(|g| (&*g.path, &*g.sha256))
    }

    /// The first URL or path it lists that leaves the site, or whose digest
    /// is not 64 lowercase hex digits: an entry `Manifest::validate` would
    /// refuse for that.
    pub fn stray_entry(&self) -> Option<&str> {
        self.artifacts
            .iter()
            .map(|a| (&*a.url, &*a.sha256))
            .chain(self.generated())
            .find(|(path, sha256)| {
                !vouch_core::url::is_site_relative(path) || !vouch_core::hash::is_sha256_hex(sha256)
            })
            .map(|(path, _)| path)
    }

    /// The layout its artifacts are stored in ([`Layout::of`]).
    pub fn layout(&self) -> crate::model::Layout {
        crate::model::Layout::of_first(self.artifacts.first().map(|a| (&*a.url, &*a.sha256)))
    }
}

/// What [`Previous::carry`] wrote, and the objects the retained snapshots
/// need (for `SHA256SUMS`), with their sizes.
pub struct Carried {
    pub files: Vec<GeneratedFile>,
    pub objects: BTreeMap<String, u64>,
    /// What was left out, and why, for the build to print (not with `-q`).
    pub warnings: Vec<String>,
}

/// Once retention has dropped a snapshot (the oldest entry names a
/// previous one), a history promises only what it holds: its `retain` is at
/// most its entries and the head, so the chain check does not take it for
/// one with entries cut out (`ChainProblem::Dropped`).
fn full_once_trimmed(history: &mut History) {
    if history
        .snapshots
        .last()
        .is_some_and(|s| s.previous.is_some())
    {
        history.retain = history.retain.min(history.snapshots.len() + 1);
    }
}

/// The source of this build, from GitHub Actions' environment.
pub fn source_from_env() -> Option<history::Source> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let repository = get("GITHUB_REPOSITORY");
    let run_id = get("GITHUB_RUN_ID");
    let run_url = match (&repository, &run_id) {
        (Some(r), Some(id)) => Some(format!(
            "{}/{r}/actions/runs/{id}",
            get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into())
        )),
        _ => None,
    };
    let s = history::Source {
        commit: get("GITHUB_SHA"),
        repository,
        run_id,
        run_url,
    };
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site's per-file lists may outgrow the metadata limit (the manifest
    /// of a site of 130,000 files is over 64 MiB); other metadata may not.
    #[test]
    fn per_file_lists_have_a_larger_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let over = (DOC_LIMIT + 1) as usize;
        std::fs::write(dir.path().join("manifest.json"), vec![b' '; over]).expect("write");
        std::fs::create_dir_all(dir.path().join("snapshots/a")).expect("mkdir");
        // One file under every name (hard links), so the test writes 64 MiB
        // once.
        for rel in [
            "snapshots/a/manifest.json",
            "SHA256SUMS",
            "history.json",
            "audit.json",
        ] {
            std::fs::hard_link(dir.path().join("manifest.json"), dir.path().join(rel))
                .expect("link");
        }
        let store = Store::Dir(dir.path().to_path_buf());
        for rel in ["manifest.json", "snapshots/a/manifest.json", "SHA256SUMS"] {
            let read = store.read(rel).expect(rel);
            assert_eq!(read.map(|b| b.len()), Some(over), "{rel}");
        }
        for rel in ["history.json", "audit.json"] {
            let err = store.read(rel).expect_err(rel);
            assert!(format!("{err:#}").contains("larger than 64 MiB"), "{err:#}");
        }
    }

    /// A local previous site's manifests (its own and the archived ones)
    /// are not held in memory; each is read again when needed, and one that
    /// changed since its chain was checked is refused, not republished.
    #[test]
    fn archived_manifests_are_reread_and_held_to_their_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = |built_at: &str| {
            format!(
                r#"{{"schema_version":1,"generator":{{"name":"vouch","version":"0"}},"built_at":"{built_at}","artifacts":[]}}"#
            )
            .into_bytes()
        };
        let old = manifest("2026-01-01T00:00:00Z");
        let old_id = snapshot_id(&old);
        let parsed = Manifest::parse(&old).expect("manifest");
        let snap = Snapshot::describe(&old_id, &parsed, false);
        let path = dir.path().join(&snap.manifest);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &old).expect("write");
        let head = manifest("2026-02-01T00:00:00Z");
        let mut history = History::empty(20);
        history.snapshots.push(snap.clone());
        let head_id = snapshot_id(&head);
        std::fs::write(dir.path().join("manifest.json"), &head).expect("write head");
        let previous = Previous {
            head: Snapshot::describe(&head_id, &Manifest::parse(&head).expect("head"), false),
            head_source: "manifest.json".into(),
            id: head_id,
            signature: Some(b"sig".to_vec()),
            history,
            spilled: None,
            store: Store::Dir(dir.path().to_path_buf()),
        };
        let (bytes, sig) = previous.archived(&snap).expect("archived");
        assert_eq!(bytes, old);
        assert_eq!(sig, None);
        // The head is read from its own source, with its signature.
        assert_eq!(previous.head_bytes().expect("head"), head);
        let head_snap = previous.next_history(20).snapshots[0].clone();
        assert_eq!(
            previous.archived(&head_snap).expect("head").1.as_deref(),
            Some(&b"sig"[..])
        );
        std::fs::write(dir.path().join("manifest.json"), b"{}").expect("rewrite head");
        let err = previous.head_bytes().expect_err("head changed");
        assert!(
            format!("{err:#}").contains("changed during the build"),
            "{err:#}"
        );
        std::fs::write(&path, manifest("2026-01-02T00:00:00Z")).expect("rewrite");
        let err = previous.archived(&snap).expect_err("changed");
        assert!(
            format!("{err:#}").contains("changed during the build"),
            "{err:#}"
        );
        std::fs::remove_file(&path).expect("remove");
        let err = previous.archived(&snap).expect_err("vanished");
        assert!(format!("{err:#}").contains("vanished"), "{err:#}");
    }
}
