//! Stage 4: publish. Pages, assets, the audit trail, the snapshot chain,
//! `manifest.json`, its signature and `SHA256SUMS`, written into the staging
//! folder ([`crate::store::Staging`]), which the build then swaps into place.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Context, Result};
use rayon::prelude::*;
use vouch_core::{
    Artifact, MANIFEST_SCHEMA, Manifest,
    history::{History, Source, snapshot_id},
    manifest::GeneratedFile,
};

use crate::{
    assets::Assets,
    model::{Entry, Site},
    render::Renderer,
    search,
    sign::KeySigner,
    snapshot::Previous,
    store::Staging,
    timings::Timings,
};

/// What a build publishes besides the evidence: its place in the snapshot
/// chain, and its signature.
pub struct Publish<'a> {
    pub previous: Option<&'a Previous>,
    pub retain: usize,
    pub signer: Option<&'a KeySigner>,
    /// `vouch.pub` to publish: the signer's public key, or, when rebuilding
    /// a signed site without its key, the key that site published.
    pub public_key: Option<String>,
    pub source: Option<Source>,
    /// `expires_at` for the manifest (`--expires-in`).
    pub expires_at: Option<String>,
    /// `rollback_of` for the manifest (`vouch rollback`).
    pub rollback_of: Option<String>,
    /// Record each page's key, and take unchanged pages from a local
    /// previous site (see [`crate::reuse`]); false for `vouch verify
    /// --rebuild`, which renders every page.
    pub page_keys: bool,
    /// `--render-all`: record keys, but take no page from the previous site.
    pub render_all: bool,
}

pub struct Written {
    pub snapshot_id: String,
    /// Artifact pages taken unchanged from the previous snapshot.
    pub pages_reused: usize,
    /// What the build left out, and why (`warning: ` lines, not with `-q`).
    pub warnings: Vec<String>,
    /// The whole site's size on disk, in bytes (signatures aside).
    pub site_bytes: u64,
}

/// Writes everything but the current objects (which `load` already stored):
/// assets, one page per artifact, the index, the retained snapshots (their
/// archived manifests and carried-forward objects), `history.json`,
/// `statement.intoto.json`, `manifest.json` and its signature, `SHA256SUMS`.
pub fn write_site(
    staging: &Staging,
    site: &mut Site,
    assets: &Assets,
    publish: &Publish<'_>,
    timings: &Timings,
) -> Result<Written> {
    let renderer = Renderer::new(
        &*site,
        assets,
        publish.signer.is_some() || publish.public_key.is_some(),
    )?;
    let mut generated = Vec::new();
    for (name, bytes) in &assets.files {
        generated.push(staging.write(&format!("assets/{name}"), bytes)?);
    }

    // What each page showed, kept for the files that print packs gather.
    let packs = renderer.packs();
    let wanted: HashSet<&str> = packs
        .iter()
        .flat_map(|(pack, cited)| std::iter::once(*pack).chain(cited.iter().copied()))
        .collect();
    // Keys where a later build may use them: not for a new site that
    // follows a remote one (CI's, with `--previous URL`: it pays nothing).
    let remote = publish
        .previous
        .is_some_and(|p| !matches!(p.store, crate::snapshot::Store::Dir(_)));
    let reuse = match staging.reused_site() {
        None if remote => None,
        root if publish.page_keys => crate::reuse::Reuse::new(root, !publish.render_all),
        _ => None,
    };
    let keyed = std::sync::Mutex::new(Vec::with_capacity(match reuse {
        Some(_) => site.artifacts.len(),
        None => 0,
    }));
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let shown = std::sync::Mutex::new(HashMap::new());
    let index = std::sync::Mutex::new(search::Builder::new(site.artifacts.len()));
    let poisoned = || anyhow::anyhow!("internal error: a render thread panicked");
    let pages = site
        .artifacts
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            // Binary files were read once, to hash them; their pages need
            // no bytes.
            let limit = crate::render::page_bytes(e.kind);
            let is_test_report = site
                .audit
                .document(&e.path)
                .is_some_and(|d| d.kind == vouch_core::audit::DocKind::TestReport);
            let (mut read, cases) = if is_test_report {
                // One read gives the page its first bytes and the full,
                // paged list of cases.
                let (bytes, cases) = staging.read_report_cases(e, limit)?;
                (Some(bytes), Some(cases))
            } else {
                (None, None)
            };
            // Read only when the page needs them: a page reused from the
            // previous site (a rebuild's usual case) does not.
            let mut bytes = || -> Result<Vec<u8>> {
                match read.take() {
                    Some(bytes) => Ok(bytes),
                    None if limit == 0 => Ok(Vec::new()),
                    None => staging.read_object_prefix(&e.sha256, e.size, limit),
                }
            };
            // A page a print pack gathers is rendered: the pack needs all
            // it showed.
            let wanted_here = wanted.contains(e.path.as_str());
            let crate::render::ArtifactPage {
                html,
                content,
                key,
                reused: reused_page,
            } = renderer.artifact(
                e,
                &mut bytes,
                cases.as_ref(),
                reuse.as_ref().map(|r| (r, staging)),
                !wanted_here,
            )?;
            // Most pages write nothing else: no list is made for them.
            let mut written = Vec::new();
            if let Some(list) = &cases {
                for n in 1..=crate::render::case_pages(list) {
                    let path = crate::render::case_page_path(&e.page, n);
                    written.push(
                        staging
                            .write_reusing(&path, renderer.cases_page(e, list, n)?.as_bytes())?,
                    );
                }
            }
            let kind = content.kind;
            let weighed = search::weigh(search_doc(site, e, &content));
            let chunk = index.lock().map_err(|_| poisoned())?.insert(i, weighed);
            if let Some((path, bytes)) = chunk {
                written.push(staging.write_reusing(&path, &bytes)?);
            }
            if wanted_here {
                shown
                    .lock()
                    .map_err(|_| poisoned())?
                    .insert(e.path.clone(), content);
            }
            let page = match reused_page {
                Some(file) => {
                    reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    file
                }
                None => staging.write_reusing(&e.page, html.as_bytes())?,
            };
            if let Some(r) = key.and_then(|k| crate::reuse::Record::new(i, k, &page.sha256, kind)) {
                keyed.lock().map_err(|_| poisoned())?.push(r);
            }
            Ok((PageFile::of(&page, &e.page)?, written))
        })
        .collect::<Result<Vec<_>>>()?;
    let (page_files, others): (Vec<PageFile>, Vec<Vec<GeneratedFile>>) = pages.into_iter().unzip();
    generated.extend(others.into_iter().flatten());
    if let Some(reuse) = reuse {
        // Not a file of the snapshot: the manifest does not list it.
        let keyed = keyed.into_inner().map_err(|_| poisoned())?;
        staging.write_streaming(crate::reuse::CACHE, |w| {
            reuse.write_cache(w, keyed, |i| site.artifacts[i].page.as_str())
        })?;
    }
    let shown = shown.into_inner().map_err(|_| poisoned())?;
    let mut search_files: Vec<String> = generated
        .iter()
        .filter(|g| g.path.starts_with("search/"))
        .map(|g| g.path.clone())
        .collect();
    for (path, bytes) in index.into_inner().map_err(|_| poisoned())?.files() {
        generated.push(staging.write_reusing(&path, &bytes)?);
        search_files.push(path);
    }
    search_files.sort_by_key(|p| search::listing_order(p));
    let names: Vec<&str> = search_files
        .iter()
        .map(|p| p.trim_start_matches("search/"))
        .collect();
    generated.push(staging.write(
        "search/index.html",
        renderer.search_files(&names)?.as_bytes(),
    )?);
    for (pack, cited) in &packs {
        let path = vouch_audit::print_page_path(pack);
        let html = renderer.print_pack(pack, cited, &shown)?;
        generated.push(staging.write_reusing(&path, html.as_bytes())?);
    }
    timings.end("pages");
    let history = match publish.previous {
        Some(p) => p.next_history(publish.retain),
        None => History::empty(publish.retain),
    };
    // `audit.json` is written beside the pages about the whole folder: it
    // needs only the audit trail, and serialising it is a single thread's
    // work (a third of a second at 10,000 reports). The pages stay one after
    // the other: made side by side, the index and the timeline raised a
    // 50,000-report build's peak by 15 MB.
    let shared: &Site = site;
    let pages_of_site = || -> Result<Vec<GeneratedFile>> {
        let timeline = renderer.timeline();
        let mut files = vec![
            staging.write(
                "index.html",
                renderer
                    .index(&history, publish.rollback_of.as_deref(), &timeline)?
                    .as_bytes(),
            )?,
        ];
        for n in 2..=renderer.list_pages() {
            let path = crate::render::list_page_path(n);
            files.push(staging.write(&path, renderer.artifact_list(n)?.as_bytes())?);
        }
        let mut stage_pages = Vec::new();
        files.push(staging.write_streaming("timeline.html", |w| {
            renderer.write_timeline(w, &timeline, &mut |path, html| {
                stage_pages.push(staging.write(path, html)?);
                Ok(())
            })
        })?);
        files.extend(stage_pages);
        drop(timeline);
        files.push(staging.write("problems.html", renderer.problems()?.as_bytes())?);
        files.push(staging.write("404.html", renderer.not_found()?.as_bytes())?);
        for folder in renderer.folder_paths() {
            let path = renderer.folder_page(folder);
            files.push(staging.write_reusing(&path, renderer.folder(folder)?.as_bytes())?);
        }
        Ok(files)
    };
    let (pages_of_site, audit) = rayon::join(pages_of_site, || {
        staging.write_streaming("audit.json", |w| shared.audit.write_json(w))
    });
    generated.extend(pages_of_site?);
    generated.push(audit?);
    timings.end("site pages");

    // The pages and the audit trail are written: the documents, the path
    // index, the renderer's maps and what the print packs gathered go
    // before the snapshot chain is carried and the manifest and its lists
    // are made, and the artifacts move into the manifest rather than being
    // copied. Held through the manifest, they were a build's peak (50,000
    // reports: 321 MB of heap, 170 MB of it these); held through the
    // snapshots, a rebuild's (10 MiB above the pages').
    drop(shown);
    drop(packs);
    let snapshot_pages = renderer.snapshot_pages(assets);
    site.audit.documents = Vec::new();
    site.index = vouch_audit::Index::default();

    // The snapshot chain: earlier retained snapshots, archived, with the
    // objects they need, and a page each. After the pages above, not beside
    // them: it reads the previous snapshot's lists (held beside them, they
    // raised a 50,000-report rebuild's peak by 20 MB).
    let mut warnings = Vec::new();
    let retained = match publish.previous {
        Some(p) => {
            let carried = p.carry(&history, staging, |s, m| {
                let page = format!("snapshots/{}/index.html", s.id);
                staging.write(&page, snapshot_pages.snapshot(s, m)?.as_bytes())
            })?;
            generated.extend(carried.files);
            warnings = carried.warnings;
            carried.objects
        }
        None => BTreeMap::new(),
    };
    timings.end("snapshots");
    drop(snapshot_pages);
    let entries = std::mem::take(&mut site.artifacts);
    anyhow::ensure!(
        page_files.len() == entries.len(),
        "internal error: {} artifact pages for {} artifacts",
        page_files.len(),
        entries.len()
    );
    generated.extend(
        page_files
            .into_iter()
            .zip(&entries)
            .map(|(file, e)| file.listed(&e.page)),
    );
    generated.push(staging.write("history.json", history.to_json_pretty().as_bytes())?);
    if let Some(key) = &publish.public_key {
        // The publisher's key, as a claim: readers must pin their own.
        generated.push(staging.write("vouch.pub", key.as_bytes())?);
    }
    let artifacts: Vec<Artifact> = entries
        .into_iter()
        .map(|e| Artifact {
            url: e.object_url(),
            path: e.path,
            sha256: String::from(&*e.sha256),
            size: e.size,
            kind: e.kind,
            page: e.page,
            title: e.title,
        })
        .collect();
    let previous_id = publish.previous.map(|p| p.id.clone());
    // Each of these large texts (tens of MB at 50,000 files) is dropped as
    // soon as it is written, so no two are held together.
    let statement = intoto_statement(
        &artifacts,
        &site.built_at,
        previous_id.as_deref(),
        publish.source.as_ref(),
    );
    generated.push(staging.write("statement.intoto.json", statement.as_bytes())?);
    drop(statement);
    generated.sort_by(|a, b| a.path.cmp(&b.path));

    let manifest = Manifest {
        schema_version: MANIFEST_SCHEMA,
        generator: vouch_core::Generator {
            name: "vouch".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        built_at: site.built_at.clone(),
        previous: previous_id,
        expires_at: publish.expires_at.clone(),
        source: publish.source.clone(),
        title: site.title.clone(),
        rollback_of: publish.rollback_of.clone(),
        artifacts,
        generated,
    };
    manifest
        .validate()
        .context("internal error: the manifest this build produced is invalid")?;
    let manifest_bytes = manifest.to_json_pretty().into_bytes();
    let snapshot_id = snapshot_id(&manifest_bytes);
    let manifest_file = staging.write("manifest.json", &manifest_bytes)?;
    let mut comment = vouch_core::signature::trusted_comment(&snapshot_id, &site.built_at);
    if let Some(e) = &manifest.expires_at {
        comment.push_str(&format!("\texpires:{e}"));
    }
    if let Some(signer) = publish.signer {
        staging.write(
            "manifest.json.minisig",
            signer.sign(&manifest_bytes, &comment).as_bytes(),
        )?;
    }
    drop(manifest_bytes);
    // What the site comes to on disk: every object once, every generated
    // file, and what is written below (the signatures are a few hundred
    // bytes, and not counted).
    let mut site_bytes = {
        let mut objects: HashMap<&str, u64> = retained.iter().map(|(s, n)| (&**s, *n)).collect();
        objects.extend(manifest.artifacts.iter().map(|a| (&*a.sha256, a.size)));
        objects.values().sum::<u64>() + manifest.generated.iter().map(|g| g.size).sum::<u64>()
    };
    // SHA256SUMS covers the manifest too, and is signed itself: `minisign
    // -Vm SHA256SUMS && sha256sum -c SHA256SUMS` is then a complete check
    // with standard tools (a line deleted from an unsigned SHA256SUMS would
    // hide a tampered file). Signatures are not listed: they verify
    // themselves, and a site may be re-signed.
    let mut sums = sha256sums(&manifest, retained.keys());
    sums.push_str(&vouch_core::hash::sum_line(
        &manifest_file.sha256,
        &manifest_file.path,
    ));
    staging.write("SHA256SUMS", sums.as_bytes())?;
    site_bytes += manifest_file.size + sums.len() as u64;
    if let Some(signer) = publish.signer {
        staging.write(
            "SHA256SUMS.minisig",
            signer.sign(sums.as_bytes(), &comment).as_bytes(),
        )?;
    }
    // GitHub Pages' Jekyll would hide nothing of ours, but skip it anyway.
    staging.write(".nojekyll", b"")?;
    timings.end("manifest");
    Ok(Written {
        snapshot_id,
        pages_reused: reused.into_inner(),
        warnings,
        site_bytes,
    })
}

/// An artifact page as written, held compact (its path is its artifact's
/// `page`) until the manifest lists it: held as [`GeneratedFile`]s, with a
/// list of them per artifact, 50,000 pages were 15 MB of a build's peak.
struct PageFile {
    sha256: [u8; 32],
    size: u64,
}

impl PageFile {
    /// `file`, written as the page at `page`.
    fn of(file: &GeneratedFile, page: &str) -> Result<Self> {
        anyhow::ensure!(
            file.path == page,
            "internal error: the page {page} was written as {}",
            file.path
        );
        let sha256 = crate::reuse::unhex(&file.sha256)
            .with_context(|| format!("internal error: {page} has no SHA-256 digest"))?;
        Ok(Self {
            sha256,
            size: file.size,
        })
    }

    /// The manifest's entry for it, at `page`.
    fn listed(self, page: &str) -> GeneratedFile {
        GeneratedFile {
            path: page.to_owned(),
            sha256: vouch_core::hash::to_hex(&self.sha256),
            size: self.size,
        }
    }
}

/// An in-toto Statement v1 naming every artifact, so CI can attest the
/// snapshot with existing tools (GitHub artifact attestations, cosign).
/// It cannot name the snapshot id (the manifest records this file's hash),
/// so its predicate carries what the id is computed from.
pub fn intoto_statement(
    artifacts: &[Artifact],
    built_at: &str,
    previous: Option<&str>,
    source: Option<&Source>,
) -> String {
    // Borrowed, field for field what the statement says, so that 50,000
    // subjects cost their text and no tree of JSON values (83 MB at 50k).
    #[derive(serde::Serialize)]
    struct Statement<'a> {
        #[serde(rename = "_type")]
        kind: &'static str,
        subject: Vec<Subject<'a>>,
        #[serde(rename = "predicateType")]
        predicate_type: &'static str,
        predicate: Predicate<'a>,
    }
    #[derive(serde::Serialize)]
    struct Subject<'a> {
        name: &'a str,
        digest: Digest<'a>,
    }
    #[derive(serde::Serialize)]
    struct Digest<'a> {
        sha256: &'a str,
    }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Predicate<'a> {
        generator: Generator,
        built_at: &'a str,
        previous_snapshot: Option<&'a str>,
        source: Option<&'a Source>,
    }
    #[derive(serde::Serialize)]
    struct Generator {
        name: &'static str,
        version: &'static str,
    }
    let statement = Statement {
        kind: "https://in-toto.io/Statement/v1",
        subject: artifacts
            .iter()
            .map(|a| Subject {
                name: &a.path,
                digest: Digest { sha256: &a.sha256 },
            })
            .collect(),
        predicate_type: PREDICATE_TYPE,
        predicate: Predicate {
            generator: Generator {
                name: "vouch",
                version: env!("CARGO_PKG_VERSION"),
            },
            built_at,
            previous_snapshot: previous,
            source,
        },
    };
    vouch_core::to_json_lines(&statement)
}

/// The predicate type of vouch's in-toto statements.
pub const PREDICATE_TYPE: &str = "urn:vouch:snapshot:v1";

/// What the search index learns of an artifact: its title, path, stage and
/// status, and the headings and start of the text its page showed.
fn search_doc<'a>(site: &'a Site, e: &'a Entry, c: &crate::render::Content) -> search::Doc<'a> {
    let d = site.audit.document(&e.path);
    let (headings, text) = match c.kind {
        "markdown" => (
            search::headings(&c.html),
            search::plain_text(&c.html, search::TEXT_INDEXED),
        ),
        "binary" => (Vec::new(), String::new()),
        _ => (
            Vec::new(),
            c.text
                .split_whitespace()
                .take(search::TEXT_INDEXED / 4)
                .collect::<Vec<_>>()
                .join(" "),
        ),
    };
    search::Doc {
        title: &e.title,
        path: &e.path,
        page: &e.page,
        stage: d.and_then(|d| d.stage.as_deref()),
        status: d.map(|d| d.status.as_str()).filter(|s| *s != "unknown"),
        headings,
        text,
    }
}

/// GNU coreutils format (`<hex>  <path>`): every artifact's raw bytes, the
/// objects earlier retained snapshots need, then every generated file, so
/// `sha256sum -c SHA256SUMS` in the site root checks the whole site with no
/// vouch installed.
pub fn sha256sums<'a>(m: &Manifest, retained: impl IntoIterator<Item = &'a String>) -> String {
    let mut out = String::new();
    for a in &m.artifacts {
        out.push_str(&vouch_core::hash::sum_line(&a.sha256, &a.url));
    }
    let current: HashSet<&str> = m.artifacts.iter().map(|a| a.sha256.as_str()).collect();
    let layout = crate::model::Layout::of(m);
    for sha in retained
        .into_iter()
        .filter(|s| !current.contains(s.as_str()))
    {
        out.push_str(&vouch_core::hash::sum_line(sha, &layout.object_url(sha)));
    }
    for g in &m.generated {
        out.push_str(&vouch_core::hash::sum_line(&g.sha256, &g.path));
    }
    out
}

#[cfg(test)]
mod tests {
    use vouch_core::{Artifact, ArtifactKind, history::Source};

    /// Byte for byte the statement the JSON-value version wrote (its keys
    /// in that order), for each optional part present and absent.
    #[test]
    fn intoto_statement_is_unchanged_by_borrowing() {
        let artifacts: Vec<Artifact> = (0..3)
            .map(|i| Artifact {
                path: format!("reports/r\"{i}\u{e9}.md"),
                sha256: format!("{i:064x}"),
                size: i,
                url: format!("objects/{i}"),
                kind: ArtifactKind::Markdown,
                page: format!("reports/r{i}.html"),
                title: format!("R{i}"),
            })
            .collect();
        let source = Source {
            commit: Some("abc".into()),
            repository: None,
            run_id: Some("7".into()),
            run_url: Some("https://ci/7".into()),
        };
        for (arts, previous, source) in [
            (&artifacts[..], Some("f00"), Some(&source)),
            (&artifacts[..1], None, None),
            (&[][..], None, Some(&source)),
        ] {
            let subject: Vec<serde_json::Value> = arts
                .iter()
                .map(|a| serde_json::json!({ "name": a.path, "digest": { "sha256": a.sha256 } }))
                .collect();
            let reference = serde_json::json!({
                "_type": "https://in-toto.io/Statement/v1",
                "subject": subject,
                "predicateType": super::PREDICATE_TYPE,
                "predicate": {
                    "generator": { "name": "vouch", "version": env!("CARGO_PKG_VERSION") },
                    "builtAt": "2026-11-30T00:00:00Z",
                    "previousSnapshot": previous,
                    "source": source,
                },
            });
            let want = vouch_core::to_json_lines(&reference);
            assert_eq!(
                super::intoto_statement(arts, "2026-11-30T00:00:00Z", previous, source),
                want
            );
        }
    }
}
