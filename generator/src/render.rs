//! Stage 3: pages, through minijinja templates embedded in the binary.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};
use minijinja::{Environment, context};
use serde::Serialize;
use vouch_audit::timeline;
use vouch_core::{
    ArtifactKind,
    audit::{ProblemKind, RefState, Severity},
    history::{History, Snapshot},
    human_bytes,
};

use crate::{
    assets::Assets,
    json,
    markdown::{self, Resolved},
    model::{Entry, Site},
};

/// Every page's Content-Security-Policy. GitHub Pages cannot set headers, so
/// it travels as a `<meta>` tag. No inline script, no eval; wasm may compile.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-src 'none'";

/// Markdown beyond this is not rendered; the raw bytes are a click away.
pub const TEXT_LIMIT: usize = vouch_audit::TEXT_LIMIT;
/// Logs, JSON and other text beyond this are shown only in part: a page is
/// for reading, and a 50 MB log (or a 1.4 MB OpenAPI export) must not become
/// a page as large, or larger pretty-printed. The raw file is a click away,
/// and its object is already in the site once: at 256 KiB, eleven test-data
/// files of 1,728 real crate docs made 2.6 MB of pages, and at 64 KiB
/// sixteen of 850 made 1.05 MB. 32 KiB is still several hundred lines.
pub const DISPLAY_LIMIT: usize = 32 << 10;
/// Notes of one kind listed on `problems.html`.
pub const NOTES_LISTED: usize = 200;
/// Errors or warnings of one kind listed on `problems.html`, and rows of
/// each table of a snapshot's page. Beyond that a page would grow with the
/// corpus (tens of megabytes at 10,000 reports) and help no reader: the
/// counts stay exact, and `vouch check` and `audit.json` list every one.
/// At 1,000 a 50,000-report folder's problems page was 0.95 MB, which the
/// browser parsed in tasks of 98–151 ms; a snapshot's page of a large site
/// was as large, for each of up to 20 retained snapshots.
pub const ROWS_LISTED: usize = 200;
/// Rows of a report page's references table and problems (lists of CI
/// runs, pull requests and commits stop at [`LINK_ROWS`]). A changelog
/// cites a link a line: 981 references made a 765 KB page of a 147 KB file.
/// The counts stay exact, and `audit.json` and `vouch check` list every one.
pub const PAGE_ROWS: usize = 200;
/// Of each list of CI runs, pull requests and commits on a report's page,
/// the most shown. A changelog's 300 pull requests, each a link the
/// document itself shows, made 18 KB of a 125 KB page at 200.
pub const LINK_ROWS: usize = 50;
/// Documents listed in the index's `#failed-evidence`: 6,331 failing
/// reports of 50,000 made a 1.4 MB list, and the index a page the browser
/// parsed in tasks of 126–180 ms. Its count stays exact; `audit.json`'s
/// `summary.failed_documents` and `vouch check --format json` list every
/// one.
pub const FAILED_LISTED: usize = 100;
/// Rows per table per stage on the timeline: 25 stages of 1,000 rows in
/// three tables made a 15 MB page.
pub const TIMELINE_ROWS: usize = 100;
/// The most rows `timeline.html` lists itself; a longer timeline keeps
/// each stage's heading, status and counts, and puts its rows on a page of
/// its own. The browser parses and lays out a page in one task: a stage of
/// 400 rows (151 KB) took 71–95 ms on a 2-core machine, 3 stages 148–196
/// ms, and 25 stages (3.6 MB) 163–243 ms after a 1.4 s layout.
pub const TIMELINE_ONE_PAGE: usize = 300;

/// Artifacts per static list page: `index.html` lists the first ones, and
/// `artifacts-2.html`, `artifacts-3.html`… the rest, so that no page (and no
/// browser laying it out) grows with the corpus, and every artifact's page
/// stays reachable without JavaScript. Also the most files a folder's page
/// lists. The browser parses a page in one task before the viewer starts:
/// at 1,000 rows (452 KB) that task took 108–231 ms on a 2-core machine,
/// at 250 rows 50–74 ms, so a page stays well under 100 ms at 200.
pub const LIST_PAGE: usize = 200;

/// The static list page `n` (1-based): the index for the first.
pub fn list_page_path(n: usize) -> String {
    if n <= 1 {
        "index.html".to_owned()
    } else {
        format!("artifacts-{n}.html")
    }
}

/// The pages a list pager links from page `n` of `total`, in order, `None`
/// where it skips two or more: the first and last, two either side of `n`,
/// every tenth within fifty of it and every hundredth (a page between two
/// of those is linked rather than skipped). About 20 links for 250 pages
/// (50,000 artifacts), one more per hundred pages beyond, and any page is a
/// few clicks away.
pub fn pager_window(n: usize, total: usize) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut last = 0;
    for k in 1..=total {
        let near = k.abs_diff(n);
        if k == 1 || k == total || near <= 2 || (k % 10 == 0 && near <= 50) || k % 100 == 0 {
            match (last, k - last) {
                (0, _) | (_, 1) => {}
                (_, 2) => out.push(Some(k - 1)),
                _ => out.push(None),
            }
            out.push(Some(k));
            last = k;
        }
    }
    out
}

/// How much of an artifact its page needs: nothing of a binary file, the
/// first [`DISPLAY_LIMIT`] (+1) of text and JSON, [`TEXT_LIMIT`] (+1) of
/// Markdown.
pub fn page_bytes(kind: ArtifactKind) -> u64 {
    match kind {
        ArtifactKind::Binary => 0,
        ArtifactKind::Markdown => TEXT_LIMIT as u64 + 1,
        _ => DISPLAY_LIMIT as u64 + 1,
    }
}

pub struct Renderer<'s> {
    env: Environment<'static>,
    site: &'s Site,
    assets: &'s Assets,
    signed: bool,
    /// The problems (indices into `site.audit.problems`) ordered by path,
    /// built once so a page does not scan every problem of the site; a
    /// path's are found by binary search ([`Renderer::problems_of`]). A
    /// list per path in a map was 5 MB at 50,000 reports, this is 1 MB.
    problems_of: Vec<u32>,
    /// The documents that cite each path (as evidence, a link or an image),
    /// with the line: "Cited by" on that path's page.
    cited_by: HashMap<&'s str, Vec<(&'s str, usize)>>,
    /// Every folder ("" is the root): its subfolders and its files
    /// (indices into `site.artifacts`), in path order.
    folders: BTreeMap<&'s str, Folder<'s>>,
    /// Each report's neighbours within its stage, in timeline order.
    neighbours: HashMap<&'s str, (Option<&'s str>, Option<&'s str>)>,
    /// The documents by stage, in timeline order
    /// ([`timeline::stage_documents`]): sorted once for every page that
    /// reads them.
    stages: Vec<(Option<&'s str>, Vec<&'s vouch_core::audit::Document>)>,
    /// What every artifact's page shows of the site ([`Renderer::common`]),
    /// as JSON: the part of each page's key that is the same for all.
    artifact_common: String,
}

/// At most this much of the evidence a print pack gathers (its own text
/// excluded): a pack that cites gigabytes must not make a gigabyte page.
const PRINT_PACK_LIMIT: usize = 4 << 20;

#[derive(Default)]
struct Folder<'s> {
    folders: Vec<&'s str>,
    files: Vec<usize>,
    /// Its page ([`vouch_audit::folder_page_path`]), named once: every
    /// page's tree links to a score of folders.
    page: String,
}

/// Files larger than this are streamed through the viewer's hashing worker,
/// never held whole; smaller ones are read whole and hashed by WebCrypto.
/// It is the viewer's `WHOLE` (`viewer/src/api.rs`; a test keeps the two
/// equal): the pages that will stream one say so (`data-vouch-stream`), so
/// their loader starts that worker early.
pub const STREAM_ABOVE: u64 = 8 << 20;

/// True if `path` lies under `folder` (`a/b/c` under `a/b`, not `a/bc`).
fn is_within(path: &str, folder: &str) -> bool {
    path.strip_prefix(folder)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// What an artifact's page shows but its content and what every page
/// shows: the whole of what its key covers (with [`Renderer::common`]).
#[derive(Serialize)]
struct ArtifactContext<'a> {
    artifact_path: &'a str,
    /// `data-vouch-cited` (see [`Renderer::cited_files`]); `None` when the
    /// document cites no file.
    cited: Option<String>,
    /// `data-vouch-stream`: the page's viewer streams a file (see
    /// [`Renderer::streams`]).
    stream: bool,
    a: ArtifactView<'a>,
    doc: Option<DocView<'a>>,
    crumbs: Vec<Crumb>,
    tree: TreeNode<'a>,
    prev: Option<Neighbour<'a>>,
    next: Option<Neighbour<'a>>,
    cited_by: Option<Vec<CitedBy<'a>>>,
    /// The first [`PAGE_ROWS`] of the page's problems…
    problems: Vec<ProblemView<'a>>,
    /// …of this many.
    problems_total: usize,
    print_pack: Option<String>,
    cases: Option<CasesView>,
}

/// An artifact's audit document, as its page shows it: every field the
/// templates read, typed (built as JSON and converted again, it was 5% of
/// a build's time).
#[derive(Serialize)]
struct DocView<'a> {
    #[serde(flatten)]
    fields: DocFields<'a>,
    kind_label: &'static str,
    /// One per reference, in the order written: `None` for those not
    /// shown, so claims' indices hold.
    references: Vec<Option<RefView<'a>>>,
    references_cited: usize,
    references_listed: usize,
    links_out: usize,
    missing_references: usize,
    ci_runs: &'a [vouch_core::audit::CiRun],
    ci_runs_more: usize,
    pull_requests: &'a [vouch_core::audit::PullRequest],
    pull_requests_more: usize,
    commits: &'a [vouch_core::audit::Commit],
    commits_more: usize,
    claims: Vec<ClaimView<'a>>,
}

/// The fields of the document itself the templates read; those it does
/// not have are left out, as `audit.json` leaves them (undefined, not
/// `none`, in a template).
#[derive(Serialize)]
struct DocFields<'a> {
    kind: vouch_core::audit::DocKind,
    status: vouch_core::audit::Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phase: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counts: Option<&'a vouch_core::audit::Counts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'a vouch_core::audit::Coverage>,
    notes: &'a [String],
    findings: &'a [vouch_core::audit::Finding],
    findings_total: u64,
    checks: &'a [vouch_core::audit::Check],
    /// How many: the templates ask only whether there are any.
    phases: usize,
    gates: usize,
}

#[derive(Serialize)]
struct RefView<'a> {
    #[serde(flatten)]
    r: &'a vouch_core::audit::Reference,
    page: Option<String>,
    pin: Option<&'static str>,
    in_claim: bool,
    listed: bool,
}

#[derive(Serialize)]
struct ClaimView<'a> {
    #[serde(flatten)]
    c: &'a vouch_core::audit::Claim,
    runs: serde_json::Value,
    anchor: Option<String>,
}

#[derive(Serialize)]
struct CitedBy<'a> {
    path: &'a str,
    line: usize,
    page: Option<String>,
    title: Option<&'a str>,
    pin: Option<&'static str>,
}

#[derive(Serialize)]
struct ProblemView<'a> {
    line: usize,
    kind: &'static str,
    label: &'static str,
    severity: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct CasesView {
    total: u64,
    listed: usize,
    first: Option<String>,
}

/// A folder above a page, in its breadcrumb.
#[derive(Serialize)]
struct Crumb {
    name: String,
    href: String,
}

/// A folder of `nav#tree` (see [`Renderer::tree`]).
#[derive(Serialize)]
struct TreeNode<'s> {
    open: bool,
    more: usize,
    files: Vec<TreeFile<'s>>,
    children: Vec<TreeNode<'s>>,
    more_folders: usize,
    count: usize,
    href: String,
    name: &'s str,
}

#[derive(Serialize)]
struct TreeFile<'s> {
    name: &'s str,
    href: String,
    current: bool,
}

/// The report before or after a page's in its stage.
#[derive(Serialize)]
struct Neighbour<'a> {
    path: &'a str,
    title: &'a str,
    page: Option<String>,
}

/// Files of the current folder the tree lists around the current page, and
/// its first subfolders; the folder's page lists them all. Every
/// artifact's page carries its tree, so it must stay small: at 10,000 reports, 50 files and
/// every folder added 9 KB a page. Above the current folder the tree shows
/// only the way down: sibling folders there were the larger part where
/// there are many (541 crates' folders: 1.4 KB of a 2.3 KB tree at 12; 2.8
/// MB of 1,728 pages at 6), and each folder's page lists them all.
const TREE_FILES: usize = 12;
const TREE_FOLDERS: usize = 6;

/// A window of at most `n` of `len` items around item `at`.
fn window(len: usize, at: usize, n: usize) -> std::ops::Range<usize> {
    let start = at.saturating_sub(n / 2).min(len.saturating_sub(n));
    start..(start + n).min(len)
}

/// A, B, …, Z, AA, AB, …: appendix `n` (0-based).
fn appendix_label(n: usize) -> String {
    let mut n = n + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The folder a path is in ("" for the root).
fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// An artifact's page, as [`Renderer::artifact`] made it.
pub struct ArtifactPage {
    pub html: String,
    /// What it showed.
    pub content: Content,
    /// Its key, when it has one (see [`crate::reuse`]).
    pub key: Option<crate::reuse::Digest32>,
    /// The previous site's page, when that was taken (already in place).
    pub reused: Option<vouch_core::manifest::GeneratedFile>,
}

/// What an artifact's page shows.
#[derive(Debug, Default)]
pub struct Content {
    pub kind: &'static str,
    pub html: String,
    pub text: String,
    pub note: Option<String>,
}

#[derive(Serialize)]
struct ArtifactView<'a> {
    path: &'a str,
    title: &'a str,
    file_name: &'a str,
    kind: &'static str,
    size: u64,
    size_h: String,
    sha256: &'a str,
    page: &'a str,
    url: String,
    image: Option<&'static str>,
}

impl<'a> From<&'a Entry> for ArtifactView<'a> {
    fn from(e: &'a Entry) -> Self {
        Self {
            path: &e.path,
            title: &e.title,
            file_name: e.file_name(),
            kind: e.kind.as_str(),
            size: e.size,
            size_h: human_bytes(e.size),
            sha256: &e.sha256,
            page: &e.page,
            url: e.object_url(),
            image: e.image,
        }
    }
}

/// What every page shows of the site (its name, its assets, whether it
/// is signed), for a page of `page_kind` at `root` from the site's root.
fn common(
    root: &str,
    page_kind: &str,
    built_at: &str,
    title: Option<&str>,
    assets: &Assets,
    signed: bool,
) -> minijinja::Value {
    context! {
        root,
        page_kind,
        csp => minijinja::Value::from_safe_string(CSP.into()),
        version => env!("CARGO_PKG_VERSION"),
        // Not on an artifact's page: its bytes (and the key it is
        // reused by) must not change with every build.
        built_at => (page_kind != "artifact").then_some(built_at),
        site_title => title.unwrap_or("Release evidence"),
        assets,
        signed,
    }
}

impl<'s> Renderer<'s> {
    pub fn new(site: &'s Site, assets: &'s Assets, signed: bool) -> Result<Self> {
        let mut env = Environment::new();
        for (name, src) in [
            ("base.html", include_str!("../templates/base.html")),
            ("index.html", include_str!("../templates/index.html")),
            ("artifact.html", include_str!("../templates/artifact.html")),
            ("cases.html", include_str!("../templates/cases.html")),
            ("snapshot.html", include_str!("../templates/snapshot.html")),
            (
                "artifacts.html",
                include_str!("../templates/artifacts.html"),
            ),
            ("404.html", include_str!("../templates/404.html")),
            ("folder.html", include_str!("../templates/folder.html")),
            (
                "search_index.html",
                include_str!("../templates/search_index.html"),
            ),
            (
                "print_pack.html",
                include_str!("../templates/print_pack.html"),
            ),
            ("macros.html", include_str!("../templates/macros.html")),
            ("timeline.html", include_str!("../templates/timeline.html")),
            (
                "timeline_page.html",
                include_str!("../templates/timeline_page.html"),
            ),
            (
                "timeline_stage.html",
                include_str!("../templates/timeline_stage.html"),
            ),
            ("problems.html", include_str!("../templates/problems.html")),
        ] {
            env.add_template(name, src)
                .with_context(|| format!("built-in template {name} is invalid"))?;
        }
        env.set_formatter(html_formatter);
        env.add_filter("pre_text", pre_text);
        env.add_function("status_badge", status_badge);
        env.add_function("run_links", run_links);
        let all = &site.audit.problems;
        let mut problems_of: Vec<u32> = (0..all.len())
            .filter(|&i| all[i].severity.is_problem())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        // By path, then in the audit trail's order (severity, line…).
        problems_of.sort_unstable_by(|&a, &b| {
            all[a as usize]
                .path
                .cmp(&all[b as usize].path)
                .then(a.cmp(&b))
        });
        let mut cited_by: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
        for d in &site.audit.documents {
            for r in &d.references {
                if let (Some(p), RefState::Present) = (r.path.as_deref(), r.state)
                    && p != d.path
                {
                    let list = cited_by.entry(p).or_default();
                    match list.iter_mut().find(|(from, _)| *from == d.path) {
                        None => list.push((&d.path, r.line)),
                        // A hash pin of the file is the citation to show.
                        Some(entry) if r.pinned.is_some() => entry.1 = r.line,
                        Some(_) => {}
                    }
                }
            }
        }
        let mut folders: BTreeMap<&str, Folder<'_>> = BTreeMap::new();
        folders.entry("").or_default();
        for f in site.index.folders() {
            folders.entry(f).or_default();
            folders.entry(parent(f)).or_default().folders.push(f);
        }
        for (i, e) in site.artifacts.iter().enumerate() {
            folders.entry(parent(&e.path)).or_default().files.push(i);
        }
        for (path, f) in folders.iter_mut().filter(|(p, _)| !p.is_empty()) {
            f.page = vouch_audit::folder_page_path(path);
        }
        let mut neighbours = HashMap::new();
        let stages = timeline::stage_documents(&site.audit);
        for (_, docs) in &stages {
            for (i, d) in docs.iter().enumerate() {
                let prev = i.checked_sub(1).map(|j| docs[j].path.as_str());
                let next = docs.get(i + 1).map(|n| n.path.as_str());
                neighbours.insert(d.path.as_str(), (prev, next));
            }
        }
        let mut renderer = Self {
            env,
            site,
            assets,
            signed,
            problems_of,
            cited_by,
            folders,
            neighbours,
            stages,
            artifact_common: String::new(),
        };
        renderer.artifact_common = serde_json::to_string(&renderer.common("../", "artifact"))
            .context("internal error: the pages' common context is not JSON")?;
        Ok(renderer)
    }

    /// `path`'s problems (errors and warnings), as indices into
    /// `site.audit.problems`, in its order.
    fn problems_of(&self, path: &str) -> &[u32] {
        let all = &self.site.audit.problems;
        let of = |i: &u32| &*all[*i as usize].path;
        let start = self.problems_of.partition_point(|i| of(i) < path);
        let len = self.problems_of[start..].partition_point(|i| of(i) == path);
        &self.problems_of[start..start + len]
    }

    fn common(&self, root: &str, page_kind: &str) -> minijinja::Value {
        common(
            root,
            page_kind,
            &self.site.built_at,
            self.site.title.as_deref(),
            self.assets,
            self.signed,
        )
    }

    /// What the pages of the retained snapshots need, without the site:
    /// they are made once the renderer, the audit trail and the path index
    /// are dropped (held through them, a 50,000-report rebuild peaked
    /// there).
    pub fn snapshot_pages<'a>(self, assets: &'a Assets) -> SnapshotPages<'a> {
        SnapshotPages {
            env: self.env,
            assets,
            signed: self.signed,
            built_at: self.site.built_at.clone(),
            title: self.site.title.clone(),
        }
    }

    /// How many static list pages the artifacts fill.
    pub fn list_pages(&self) -> usize {
        self.site.artifacts.len().div_ceil(LIST_PAGE).max(1)
    }

    /// The artifacts of static list page `n`, and the pager's links.
    fn list_context(&self, n: usize) -> minijinja::Value {
        let all = &self.site.artifacts;
        let start = (n - 1) * LIST_PAGE;
        let artifacts: Vec<ArtifactView<'_>> = all
            .iter()
            .skip(start)
            .take(LIST_PAGE)
            .map(Into::into)
            .collect();
        let total = self.list_pages();
        let pages: Vec<minijinja::Value> = pager_window(n, total)
            .into_iter()
            .map(|k| match k {
                Some(k) => context! {
                    n => k, href => list_page_path(k), current => k == n,
                    from => (k - 1) * LIST_PAGE + 1, to => (k * LIST_PAGE).min(all.len()),
                },
                None => context! { gap => true },
            })
            .collect();
        context! {
            artifacts,
            artifact_count => all.len(),
            list_from => start + 1,
            list_to => (start + LIST_PAGE).min(all.len()),
            list_pages => if total > 1 { pages } else { Vec::new() },
            list_prev => (n > 1).then(|| list_page_path(n - 1)),
            list_next => (n < total).then(|| list_page_path(n + 1)),
        }
    }

    /// The page of `folder`, named once in [`Renderer::new`].
    pub fn folder_page(&self, folder: &str) -> std::borrow::Cow<'_, str> {
        match self.folders.get(folder) {
            Some(f) => f.page.as_str().into(),
            None => vouch_audit::folder_page_path(folder).into(),
        }
    }

    /// The breadcrumb of `path` (a file or a folder): each folder above it,
    /// linked to its page, from a page at `prefix` depth.
    fn crumbs(&self, path: &str, prefix: &str) -> Vec<Crumb> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            let folder = &path[..at + i];
            out.push(Crumb {
                name: path[at..at + i].to_owned(),
                href: format!("{prefix}{}", self.folder_page(folder)),
            });
            at += i + 1;
        }
        out
    }

    /// `nav#tree` for the page of file `current`: the way down from the
    /// root to its folder, each step open, then that folder's first
    /// [`TREE_FOLDERS`] subfolders and its files around `current` (at most
    /// [`TREE_FILES`]); bounded however large the evidence is. A folder's
    /// own page has none: its breadcrumb is the way down and its listing
    /// the rest (591 folder pages of a real 850-file site carried 420 KB
    /// of tree that said nothing more).
    fn tree(&self, current: &str, prefix: &str) -> TreeNode<'s> {
        self.tree_node("", parent(current), current, prefix)
    }

    fn tree_node(&self, folder: &'s str, home: &str, current: &str, prefix: &str) -> TreeNode<'s> {
        let f = &self.folders[folder];
        let open = folder.is_empty() || home == folder || is_within(home, folder);
        let mut files = Vec::new();
        if home == folder {
            // A folder's files are in path order: find the page's own by
            // halving, not by scanning (every page of the folder asks).
            let at = f
                .files
                .binary_search_by(|&i| self.site.artifacts[i].path.as_str().cmp(current))
                .unwrap_or(0);
            for &i in &f.files[window(f.files.len(), at, TREE_FILES)] {
                let e = &self.site.artifacts[i];
                files.push(TreeFile {
                    name: e.file_name(),
                    href: format!("{prefix}{}", e.page),
                    current: e.path == current,
                });
            }
        }
        let children: Vec<TreeNode<'s>> = if home == folder {
            f.folders[..f.folders.len().min(TREE_FOLDERS)]
                .iter()
                .map(|c| self.tree_node(c, home, current, prefix))
                .collect()
        } else if open {
            // Above the page's own folder, only the way down to it: the
            // breadcrumb's folder pages list every sibling.
            f.folders
                .iter()
                .filter(|c| home == **c || is_within(home, c))
                .map(|c| self.tree_node(c, home, current, prefix))
                .collect()
        } else {
            Vec::new()
        };
        let more_folders = if open {
            f.folders.len().saturating_sub(children.len())
        } else {
            0
        };
        let href = if folder.is_empty() {
            format!("{prefix}index.html")
        } else {
            format!("{prefix}{}", f.page)
        };
        TreeNode {
            open,
            more: f.files.len().saturating_sub(files.len()),
            files,
            children,
            more_folders,
            count: f.files.len(),
            href,
            name: if folder.is_empty() {
                "Evidence"
            } else {
                folder.rsplit('/').next().unwrap_or(folder)
            },
        }
    }

    /// The report before (`next` false) or after `path` in its stage.
    fn neighbour(&self, path: &str, next: bool) -> Option<Neighbour<'_>> {
        let (p, n) = self.neighbours.get(path)?;
        let other = if next { *n } else { *p }?;
        let title = self
            .site
            .audit
            .document(other)
            .and_then(|d| d.title.as_deref())
            .unwrap_or(other);
        Some(Neighbour {
            path: other,
            title,
            page: self.page_of(other, "../"),
        })
    }

    /// A folder's page (`folders/…html`): its subfolders and files.
    pub fn folder(&self, folder: &str) -> Result<String> {
        let f = &self.folders[folder];
        let files: Vec<ArtifactView<'_>> = f
            .files
            .iter()
            .take(LIST_PAGE)
            .map(|&i| (&self.site.artifacts[i]).into())
            .collect();
        let subfolders: Vec<minijinja::Value> = f
            .folders
            .iter()
            .map(|&s| {
                context! {
                    name => s.rsplit('/').next().unwrap_or(s),
                    href => self.folder_page(s).trim_start_matches("folders/").to_owned(),
                    count => self.folders[s].files.len(),
                }
            })
            .collect();
        let ctx = context! {
            ..self.common("../", "folder"),
            ..context! {
                folder, crumbs => self.crumbs(folder, "../"),
                name => folder.rsplit('/').next().unwrap_or(folder),
                subfolders, files, count => f.files.len(),
                more => f.files.len().saturating_sub(LIST_PAGE),
                // The list page holding the first file not listed here: the
                // list is in path order, so the rest come after it (with
                // the files of subfolders among them).
                more_page => f.files.get(LIST_PAGE).map(|&i| list_page_path(i / LIST_PAGE + 1)),
            }
        };
        self.env
            .get_template("folder.html")?
            .render(ctx)
            .with_context(|| format!("rendering the page of folder {folder}"))
    }

    /// The evidence's folders (not the root), for their pages.
    pub fn folder_paths(&self) -> impl Iterator<Item = &str> {
        self.folders.keys().copied().filter(|f| !f.is_empty())
    }

    /// `search/index.html`: the search index's files, linked, so that a
    /// site copied by following links (`wget -m`) is complete.
    pub fn search_files(&self, names: &[&str]) -> Result<String> {
        let ctx = context! { ..self.common("../", "search-index"), ..context! { names } };
        self.env
            .get_template("search_index.html")?
            .render(ctx)
            .context("rendering search/index.html")
    }

    /// `404.html`, which static hosts (GitHub Pages) serve for a missing
    /// address.
    pub fn not_found(&self) -> Result<String> {
        self.env
            .get_template("404.html")?
            .render(self.common("", "404"))
            .context("rendering 404.html")
    }

    /// `artifacts-N.html`: static list page `n` (2 and up).
    pub fn artifact_list(&self, n: usize) -> Result<String> {
        let ctx = context! { ..self.common("", "list"), ..self.list_context(n) };
        self.env
            .get_template("artifacts.html")?
            .render(ctx)
            .with_context(|| format!("rendering {}", list_page_path(n)))
    }

    /// The stages and gates of the whole folder, for [`Renderer::index`]
    /// and [`Renderer::write_timeline`]: made once for both, and dropped
    /// after them.
    pub fn timeline(&self) -> timeline::Timeline<'_, 's> {
        timeline::Timeline::new(&self.site.audit, &self.stages)
    }

    pub fn index(
        &self,
        history: &History,
        rollback_of: Option<&str>,
        timeline: &timeline::Timeline<'_, '_>,
    ) -> Result<String> {
        let audit = &self.site.audit;
        let matrix = timeline.matrix();
        let split = Self::timeline_split(timeline);
        // Only the dates, not every stage's rows and tallies.
        let latest: HashMap<String, Option<String>> = timeline
            .stages()
            .iter()
            .filter_map(|(id, docs)| Some(((*id)?.to_owned(), timeline::latest_date(docs))))
            .collect();
        // Columns that no stage fills are not shown (the matrix only has
        // gates with a cell, but keep the rule where it is read).
        let matrix_rows: Vec<minijinja::Value> = matrix
            .rows
            .iter()
            .map(|row| {
                let cells: Vec<minijinja::Value> = row
                    .cells
                    .iter()
                    .zip(&matrix.gates)
                    .map(|(c, gate)| match c {
                        Some(c) => context! {
                            gate,
                            status => c.status,
                            symbol => c.symbol,
                            title => &c.title,
                            conflict => c.conflict,
                            cited => &c.cited,
                            page => self.page_of(&c.path, "").map(|p| format!("{p}#gate-{}", slug(gate))),
                        },
                        None => context! { gate },
                    })
                    .collect();
                context! {
                    stage => row.stage.as_deref().unwrap_or("No stage"),
                    stage_id => row.stage.as_deref().unwrap_or(""),
                    // Where the stage's rows are.
                    timeline => if split {
                        vouch_audit::stage_page_path(row.stage.as_deref())
                    } else {
                        format!("timeline.html#stage-{}", anchor(row.stage.as_deref()))
                    },
                    status => row.status,
                    status_reason => &row.status_reason,
                    lead => row.lead.as_deref().and_then(|p| self.page_of(p, "")),
                    latest => row.stage.as_ref().and_then(|s| latest.get(s).cloned().flatten()),
                    cells,
                }
            })
            .collect();
        let failed: Vec<minijinja::Value> = audit
            .summary
            .failed_documents
            .iter()
            .filter_map(|p| {
                let d = audit.document(p)?;
                Some(context! {
                    path => p,
                    title => d.title.as_deref().unwrap_or(p),
                    kind => d.kind.label(),
                    status_text => &d.status_text,
                    page => self.page_of(p, ""),
                })
            })
            .take(FAILED_LISTED)
            .collect();
        let ctx = context! {
            ..self.common("", "index"),
            ..self.list_context(1),
            ..context! {
                summary => &audit.summary,
                latest_date => audit.latest_date(),
                documents => audit.documents.len(),
                // Documents whose failure no failing gate of their own
                // already counts (a failing test report is its gate).
                failed_beyond_gates => audit.summary.failed_documents.iter().filter(|p| {
                    audit.document(p).is_none_or(|d| !d.gates.iter().any(|g| g.status == vouch_core::audit::Status::Fail))
                }).count(),
                failed,
                failed_count => audit.summary.failed_documents.len(),
                failed_more => audit.summary.failed_documents.len().saturating_sub(FAILED_LISTED),
                rollback_of,
                gate_labels => matrix.gates.iter().map(|g| gate_label(g)).collect::<Vec<_>>(),
                matrix,
                matrix_rows,
                total_size => human_bytes(self.site.artifacts.iter().map(|e| e.size).sum()),
                // The index re-hashes every artifact (see `streams`).
                stream => self.site.artifacts.iter().any(|e| e.size > STREAM_ABOVE),
                history,
            }
        };
        self.env
            .get_template("index.html")?
            .render(ctx)
            .context("rendering index.html")
    }

    /// The evidence files `path`'s document cites, each with every way it
    /// wrote it, in the order first cited (`[[path, as written, …], …]`):
    /// as JSON, the page's `data-vouch-cited`. The viewer's
    /// `#claim-evidence` re-hashes them from this list, which the page's own
    /// hash covers, instead of fetching the whole `audit.json` (114 MB at
    /// 50,000 reports) for one document. Empty when it cites none.
    fn cited_files(&self, path: &str) -> Vec<Vec<&str>> {
        let Some(d) = self.site.audit.document(path) else {
            return Vec::new();
        };
        let mut cited: Vec<Vec<&str>> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        for r in d.references.iter().filter(|r| r.state == RefState::Present) {
            let Some(p) = r
                .path
                .as_deref()
                .filter(|p| self.site.index.get(p).is_some())
            else {
                continue;
            };
            match at.get(p) {
                Some(&i) => {
                    if !cited[i][1..].contains(&&*r.target) {
                        cited[i].push(&r.target);
                    }
                }
                None => {
                    at.insert(p, cited.len());
                    cited.push(vec![p, &r.target]);
                }
            }
        }
        cited
    }

    /// Whether `entry`'s page has its viewer stream a file through the
    /// hashing worker (one over [`STREAM_ABOVE`]): the file itself, or one
    /// of the files it cites (`cited`, from [`Renderer::cited_files`]),
    /// which the page re-hashes too. The page then says so
    /// (`data-vouch-stream`), and its loader starts the worker as soon as
    /// the viewer is up, rather than when the file's bytes come.
    fn streams(&self, entry: &Entry, cited: &[Vec<&str>]) -> bool {
        entry.size > STREAM_ABOVE
            || cited
                .iter()
                .filter_map(|c| self.entry(c[0]))
                .any(|e| e.size > STREAM_ABOVE)
    }

    /// The page of the artifact at `path`, from a page at `prefix` depth.
    fn page_of(&self, path: &str, prefix: &str) -> Option<String> {
        self.entry(path).map(|e| format!("{prefix}{}", e.page))
    }

    /// `timeline.html` (stages, then phases, then gates), written to `w` a
    /// stage at a time. Only the rows listed are built (at 10,000 reports,
    /// building and converting them all took 120 MB); built together, the
    /// listed rows of 25 stages were 35 MB of a 10,000-report build's 86 MB
    /// peak; and no stage's HTML is kept once written (the page was 17 MB
    /// at 50,000 reports, with 200 rows a table and before it was split).
    ///
    /// A timeline that would list more than [`TIMELINE_ONE_PAGE`] rows is
    /// split: `timeline.html` keeps each stage's heading, status and counts,
    /// and each stage's rows go to a page of their own
    /// ([`vouch_audit::stage_page_path`]), handed to `stage_page` as made.
    pub fn write_timeline(
        &self,
        w: &mut dyn std::io::Write,
        timeline: &timeline::Timeline<'_, '_>,
        stage_page: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
    ) -> std::io::Result<()> {
        self.timeline_into(w, timeline, stage_page)
            .map_err(std::io::Error::other)
    }

    /// Whether the timeline's rows go on a page per stage: the rows it
    /// would list, each table cut at [`TIMELINE_ROWS`], are more than one
    /// page should hold.
    fn timeline_split(timeline: &timeline::Timeline<'_, '_>) -> bool {
        timeline.rows_listed(TIMELINE_ROWS) > TIMELINE_ONE_PAGE
    }

    fn timeline_into(
        &self,
        w: &mut dyn std::io::Write,
        timeline: &timeline::Timeline<'_, '_>,
        stage_page: &mut dyn FnMut(&str, &[u8]) -> Result<()>,
    ) -> Result<()> {
        // The page around its stages, cut where they go. No value can forge
        // the mark: escaped text holds no `<`, and Markdown no NUL.
        const STAGES: &str = "<\u{0}vouch:stages\u{0}>";
        let stages = minijinja::Value::from_safe_string(STAGES.to_owned());
        let split = Self::timeline_split(timeline);
        let ctx = context! { ..self.common("", "timeline"), ..context! { stages, split } };
        let page = self
            .env
            .get_template("timeline.html")?
            .render(ctx)
            .context("rendering timeline.html")?;
        let (head, tail) = page
            .split_once(STAGES)
            .filter(|(_, tail)| !tail.contains(STAGES))
            .context("internal error: timeline.html does not show its stages once")?;
        w.write_all(head.as_bytes())?;
        let template = self.env.get_template("timeline_stage.html")?;
        // The rows' links, from the page that shows them.
        let prefix = if split { "../" } else { "" };
        for s in timeline.each_stage(TIMELINE_ROWS) {
            let anchor = anchor(s.id.as_deref());
            let page = split.then(|| vouch_audit::stage_page_path(s.id.as_deref()));
            let title = match &s.id {
                Some(id) => format!("Stage {id}"),
                None => "No stage named".to_owned(),
            };
            let totals = [s.documents_count, s.phases_count, s.gates_count];
            let mut v = serde_json::to_value(&s).unwrap_or_default();
            drop(s);
            v["anchor"] = anchor.into();
            v["title"] = title.as_str().into();
            for (list, total) in ["documents", "phases", "gates"].into_iter().zip(totals) {
                v[format!("{list}_count")] = total.into();
                v[format!("{list}_more")] = total.saturating_sub(TIMELINE_ROWS).into();
                if let Some(rows) = v[list].as_array_mut() {
                    for r in rows {
                        let path = r["path"].as_str().unwrap_or_default().to_owned();
                        r["page"] = self.page_of(&path, prefix).into();
                        if let Some(runs) = r["ci_runs"].as_array() {
                            r["runs"] = runs_view(runs.iter().filter_map(|x| x.as_str()));
                        }
                    }
                }
            }
            let full = template
                .render(context! { s => &v, root => prefix })
                .context("rendering timeline.html")?;
            let html = match &page {
                Some(page) => {
                    let ctx = context! {
                        ..self.common("../", "timeline"),
                        ..context! {
                            stage_title => &title,
                            stage => minijinja::Value::from_safe_string(full),
                        }
                    };
                    let html = self
                        .env
                        .get_template("timeline_page.html")?
                        .render(ctx)
                        .with_context(|| format!("rendering {page}"))?;
                    stage_page(page, html.as_bytes())?;
                    template
                        .render(context! { s => &v, root => "", stage_page => page })
                        .context("rendering timeline.html")?
                }
                None => full,
            };
            // As a loop in one template spaced it (the page is unchanged).
            w.write_all(b"\n")?;
            w.write_all(html.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.write_all(b"\n")?;
        Ok(w.write_all(tail.as_bytes())?)
    }

    /// `problems.html`: what `vouch check` prints, linked, grouped by
    /// severity, then kind, then file, with counts.
    pub fn problems(&self) -> Result<String> {
        let audit = &self.site.audit;
        let severities: Vec<minijinja::Value> =
            [Severity::Error, Severity::Warning, Severity::Note]
                .into_iter()
                .map(|sev| {
                    let kinds: Vec<minijinja::Value> = ProblemKind::ALL
                .iter()
                .filter(|k| k.severity() == sev)
                .filter_map(|k| {
                    let of_kind: Vec<_> = audit.problems.iter().filter(|p| p.kind == *k).collect();
                    if of_kind.is_empty() {
                        return None;
                    }
                    // Notes can run to thousands (every path a plan
                    // mentions): the page lists the first ones; `vouch
                    // check --all` and audit.json have them all.
                    let shown = if sev == Severity::Note {
                        NOTES_LISTED
                    } else {
                        ROWS_LISTED
                    };
                    let mut files: Vec<(&str, Vec<minijinja::Value>)> = Vec::new();
                    for p in of_kind.iter().take(shown) {
                        let item = context! {
                            line => p.line, message => &p.message,
                        };
                        match files.last_mut() {
                            Some((path, list)) if **path == *p.path => list.push(item),
                            _ => files.push((&p.path, vec![item])),
                        }
                    }
                    let files: Vec<minijinja::Value> = files
                        .into_iter()
                        .map(|(path, items)| {
                            context! {
                                path, page => self.page_of(path, ""), count => items.len(), items,
                            }
                        })
                        .collect();
                    Some(context! {
                        kind => k.as_str(), label => k.label(), count => of_kind.len(), files,
                        more => of_kind.len().saturating_sub(shown),
                    })
                })
                .collect();
                    let count: usize = audit.problems.iter().filter(|p| p.severity == sev).count();
                    context! { severity => sev.as_str(), label => sev.label(), count, kinds }
                })
                .collect();
        let ctx = context! {
            ..self.common("", "problems"),
            ..context! {
                severities,
                summary => &audit.summary,
                max_age => audit.max_age_days,
                as_of => &audit.as_of,
            }
        };
        self.env
            .get_template("problems.html")?
            .render(ctx)
            .context("rendering problems.html")
    }

    /// The audit document of an artifact, shaped for its page.
    fn doc_view(&self, path: &str) -> Option<DocView<'s>> {
        let d = self.site.audit.document(path)?;
        // Each citation is shown once: under its claim, else among the
        // document's other references.
        let mut in_claim = vec![false; d.references.len()];
        for &i in d.phases.iter().chain(&d.gates).flat_map(|c| &c.references) {
            if let Some(slot) = in_claim.get_mut(i) {
                *slot = true;
            }
        }
        // The table lists at most PAGE_ROWS of the others, each in the
        // order written. A link out (a URL: the audit records every one as
        // a plain link) is not among them: the document right below shows
        // it as the link it is, and vouch checks nothing about it. Links out
        // were 651 KB of table rows, 2% of the site, on 850 real crate files
        // at 5 a page.
        let mut cited = 0;
        let mut links_out = 0;
        let references = d
            .references
            .iter()
            .zip(&in_claim)
            .map(|(r, &in_claim)| {
                let listed = !in_claim && r.state != RefState::External && {
                    cited += 1;
                    cited <= PAGE_ROWS
                };
                links_out += usize::from(!in_claim && r.state == RefState::External);
                // Not shown: kept as a place, so claims' indices hold.
                (in_claim || listed).then(|| RefView {
                    r,
                    page: r.path.as_deref().and_then(|p| self.page_of(p, "../")),
                    pin: pin_state(r),
                    in_claim,
                    listed,
                })
            })
            .collect();
        let claims = d
            .phases
            .iter()
            .map(|c| (c, "phase"))
            .chain(d.gates.iter().map(|c| (c, "gate")))
            .map(|(c, what)| ClaimView {
                c,
                runs: runs_view(c.ci_runs.iter().map(String::as_str)),
                anchor: c.id.as_deref().map(|id| format!("{what}-{}", slug(id))),
            })
            .collect();
        let shown = |n: usize| n.min(LINK_ROWS);
        Some(DocView {
            fields: DocFields {
                kind: d.kind,
                status: d.status,
                status_text: d.status_text.as_deref(),
                status_reason: d.status_reason.as_deref(),
                stage: d.stage.as_deref(),
                phase: d.phase.as_deref(),
                date: d.date.as_deref(),
                date_text: d.date_text.as_deref(),
                counts: d.counts.as_ref(),
                coverage: d.coverage.as_deref(),
                notes: &d.notes,
                findings: &d.findings,
                findings_total: d.findings_total,
                checks: &d.checks,
                phases: d.phases.len(),
                gates: d.gates.len(),
            },
            kind_label: d.kind.label(),
            references,
            references_cited: cited,
            references_listed: cited.min(PAGE_ROWS),
            links_out,
            missing_references: d
                .references
                .iter()
                .filter(|r| matches!(r.state, RefState::Missing | RefState::OutsideRoot))
                .count(),
            ci_runs: &d.ci_runs[..shown(d.ci_runs.len())],
            ci_runs_more: d.ci_runs.len() - shown(d.ci_runs.len()),
            pull_requests: &d.pull_requests[..shown(d.pull_requests.len())],
            pull_requests_more: d.pull_requests.len() - shown(d.pull_requests.len()),
            commits: &d.commits[..shown(d.commits.len())],
            commits_more: d.commits.len() - shown(d.commits.len()),
            claims,
        })
    }
}

/// The page of each retained snapshot (`snapshots/<id>/index.html`), made
/// by [`Renderer::snapshot_pages`]'s templates.
pub struct SnapshotPages<'a> {
    env: Environment<'static>,
    assets: &'a Assets,
    signed: bool,
    built_at: String,
    title: Option<String>,
}

impl SnapshotPages<'_> {
    /// A retained snapshot's static page, at `snapshots/<id>/index.html`.
    pub fn snapshot(&self, s: &Snapshot, m: &crate::snapshot::Listing<'_>) -> Result<String> {
        let artifacts: Vec<minijinja::Value> = m
            .artifacts
            .iter()
            .take(ROWS_LISTED)
            .map(|a| {
                context! {
                    path => &*a.path,
                    title => &*a.title,
                    file_name => a.path.rsplit('/').next().unwrap_or(&a.path),
                    kind => a.kind.as_str(),
                    size_h => human_bytes(a.size),
                    sha256 => &*a.sha256,
                    url => &*a.url,
                }
            })
            .collect();
        let common = common(
            "../../",
            "snapshot",
            &self.built_at,
            self.title.as_deref(),
            self.assets,
            self.signed,
        );
        let ctx = context! {
            ..common,
            ..context! {
                s, artifacts, count => m.artifacts.len(),
                stream => m.artifacts.iter().any(|a| a.size > STREAM_ABOVE),
                more => m.artifacts.len().saturating_sub(ROWS_LISTED),
            }
        };
        self.env
            .get_template("snapshot.html")?
            .render(ctx)
            .with_context(|| format!("rendering the page for snapshot {}", s.id))
    }
}

impl<'s> Renderer<'s> {
    /// Renders `entry`'s page from (a prefix of) its bytes, which `bytes`
    /// reads once when the page needs them (a page reused does not, unless
    /// it shows plain text). With `reuse`
    /// (a local previous site), it computes the page's key and, if `take`,
    /// takes the previous page instead when the key is the same (see
    /// [`crate::reuse`]). Returns the page with what it showed (which a
    /// print pack may gather, so no file is read a third time).
    pub fn artifact(
        &self,
        entry: &Entry,
        bytes: &mut dyn FnMut() -> Result<Vec<u8>>,
        cases: Option<&CaseList>,
        reuse: Option<(&crate::reuse::Reuse, &crate::store::Staging)>,
        take: bool,
    ) -> Result<ArtifactPage> {
        let problems = self.problems_of(&entry.path);
        // Everything the template reads but the content shown.
        let cited = self.cited_files(&entry.path);
        let page = ArtifactContext {
            artifact_path: &entry.path,
            stream: self.streams(entry, &cited),
            cited: (!cited.is_empty()).then(|| serde_json::to_string(&cited).unwrap_or_default()),
            a: ArtifactView::from(entry),
            doc: self.doc_view(&entry.path),
            crumbs: self.crumbs(&entry.path, "../"),
            tree: self.tree(&entry.path, "../"),
            prev: self.neighbour(&entry.path, false),
            next: self.neighbour(&entry.path, true),
            cited_by: self.cited_by.get(entry.path.as_str()).map(|list| {
                list.iter()
                    .map(|&(from, line)| {
                        let d = self.site.audit.document(from);
                        // A hash pin of this file, at that line: confirmed or not.
                        let pin = d
                            .and_then(|d| {
                                d.references.iter().find(|r| {
                                    r.line == line
                                        && r.pinned.is_some()
                                        && r.path.as_deref() == Some(entry.path.as_str())
                                })
                            })
                            .and_then(pin_state);
                        CitedBy {
                            path: from,
                            line,
                            page: self.page_of(from, "../"),
                            title: d.and_then(|d| d.title.as_deref()),
                            pin,
                        }
                    })
                    .collect()
            }),
            problems: problems
                .iter()
                .take(PAGE_ROWS)
                .map(|&i| {
                    let p = &self.site.audit.problems[i as usize];
                    ProblemView {
                        line: p.line,
                        kind: p.kind.as_str(),
                        label: p.kind.label(),
                        severity: p.severity.as_str(),
                        message: &p.message,
                    }
                })
                .collect(),
            problems_total: problems.len(),
            print_pack: self
                .is_pack(&entry.path)
                .then(|| format!("../{}", vouch_audit::print_page_path(&entry.path))),
            cases: cases.map(|c| CasesView {
                total: c.total,
                listed: c.items.len(),
                first: case_page_path(&entry.page, 1)
                    .rsplit('/')
                    .next()
                    .map(str::to_owned),
            }),
        };
        // The targets the page's links may lead to: those its audit
        // document names, present or not. (A test report's page also lists
        // its cases, which are not in the context: it has no key.)
        // Only a keyed page needs them (not a build without reuse: CI's).
        let targets = match (reuse, cases) {
            (Some(_), None) => self.link_targets(&entry.path),
            _ => Vec::new(),
        };
        let key = match (reuse, cases) {
            (Some((reuse, _)), None) => Some(reuse.key(
                &self.artifact_common,
                &page,
                targets.iter().map(|t| (t.as_str(), self.resolve(t))),
            )?),
            _ => None,
        };
        if let (Some((reuse, staging)), Some(key)) = (reuse.filter(|_| take), &key)
            && let Some(page) = reuse.page(&entry.page, key, staging)?
        {
            let content = match page.kind {
                "markdown" => crate::reuse::shown_html(&page.text).map(|html| Content {
                    kind: "markdown",
                    html: html.to_owned(),
                    ..Content::default()
                }),
                // Text is shown as it is: cheap to take from the bytes again.
                _ => {
                    let bytes = bytes()?;
                    let complete = bytes.len() as u64 == entry.size;
                    Some(self.content(entry, &bytes, complete, &|p| self.resolve(p)))
                }
            };
            match content {
                Some(content) => {
                    return Ok(ArtifactPage {
                        html: page.text,
                        content,
                        key: Some(*key),
                        reused: Some(page.file),
                    });
                }
                // Rendered after all: the page put in place goes.
                None => staging.remove(&entry.page)?,
            }
        }
        // A link to a target the key does not cover leaves the page keyless.
        let covered = std::cell::Cell::new(true);
        let bytes = bytes()?;
        let complete = bytes.len() as u64 == entry.size;
        let content = self.content(entry, &bytes, complete, &|p| {
            if key.is_some() && targets.binary_search_by(|t| t.as_str().cmp(p)).is_err() {
                covered.set(false);
            }
            self.resolve(p)
        });
        // Built only for a page rendered: a page reused needs its key alone.
        let ctx = context! {
            ..self.common("../", "artifact"),
            ..minijinja::Value::from_serialize(&page),
            ..context! {
                content_kind => content.kind,
                html => &content.html,
                text => &content.text,
                note => &content.note,
            }
        };
        let html = self
            .env
            .get_template("artifact.html")?
            .render(ctx)
            .with_context(|| format!("rendering the page for {}", entry.path))?;
        Ok(ArtifactPage {
            html,
            content,
            key: key.filter(|_| covered.get()),
            reused: None,
        })
    }

    /// The targets the links of the page of `path` may lead to: those its
    /// audit document names, present or not, sorted.
    fn link_targets(&self, path: &str) -> Vec<String> {
        let mut targets: Vec<String> = Vec::new();
        if let Some(d) = self.site.audit.document(path) {
            for r in &d.references {
                targets.extend(r.path.as_deref().map(str::to_owned));
                if let markdown::Target::Local(t, _) = markdown::classify(&r.target, &d.path) {
                    targets.push(t);
                }
            }
        }
        targets.sort_unstable();
        targets.dedup();
        targets
    }

    /// Where a link to `path` (in the evidence folder) leads.
    fn resolve(&self, path: &str) -> Option<Resolved> {
        match self.entry(path) {
            Some(e) => Some(Resolved::Artifact {
                page: e.page.clone(),
                object: e.object_url(),
            }),
            None => self.site.index.is_folder(path).then_some(Resolved::Folder),
        }
    }

    /// Page `n` (1-based) of a test report's full list of cases.
    pub fn cases_page(&self, entry: &Entry, list: &CaseList, n: usize) -> Result<String> {
        let pages = case_pages(list);
        let from = (n - 1) * CASES_PAGE;
        let rows = &list.items[from..(from + CASES_PAGE).min(list.items.len())];
        let name = |k: usize| {
            case_page_path(&entry.page, k)
                .rsplit('/')
                .next()
                .map(str::to_owned)
        };
        let ctx = context! {
            ..self.common("../", "cases"),
            ..context! {
                a => ArtifactView::from(entry),
                report_page => entry.page.rsplit('/').next(),
                crumbs => self.crumbs(&entry.path, "../"),
                rows => rows.iter().map(|f| context! { name => &f.name, level => &f.level, message => &f.message, line => f.line }).collect::<Vec<_>>(),
                n, pages, from => from + 1, to => from + rows.len(), total => list.total, listed => list.items.len(),
                prev => (n > 1).then(|| name(n - 1)).flatten(),
                next => (n < pages).then(|| name(n + 1)).flatten(),
                page_links => (1..=pages).map(|k| context! { k, href => name(k) }).collect::<Vec<_>>(),
            }
        };
        self.env
            .get_template("cases.html")?
            .render(ctx)
            .with_context(|| format!("rendering the case list of {}", entry.path))
    }

    /// The artifact at `path` (the site's artifacts are sorted by path).
    fn entry(&self, path: &str) -> Option<&Entry> {
        let all = &self.site.artifacts;
        all.binary_search_by(|e| e.path.as_str().cmp(path))
            .ok()
            .map(|i| &all[i])
    }

    fn is_pack(&self, path: &str) -> bool {
        self.site
            .audit
            .document(path)
            .is_some_and(|d| d.kind == vouch_core::audit::DocKind::AcceptancePack)
    }

    /// The acceptance packs, each with the evidence it cites (present in
    /// the site), in citation order.
    pub fn packs(&self) -> Vec<(&str, Vec<&str>)> {
        self.site
            .audit
            .documents
            .iter()
            .filter(|d| d.kind == vouch_core::audit::DocKind::AcceptancePack)
            .map(|d| {
                let mut cited: Vec<&str> = Vec::new();
                for r in &d.references {
                    if let (Some(p), RefState::Present) = (r.path.as_deref(), r.state)
                        && p != d.path
                        && self.site.index.get(p).is_some()
                        && !cited.contains(&p)
                    {
                        cited.push(p);
                    }
                }
                (d.path.as_str(), cited)
            })
            .collect()
    }

    /// `print/…html`: the pack, then each file it cites as an appendix
    /// (text as shown on its page, images inline, other binaries named with
    /// their SHA-256), then a sign-off block: one document to print and
    /// sign. `shown` holds what each page showed.
    pub fn print_pack(
        &self,
        pack: &str,
        cited: &[&str],
        shown: &HashMap<String, Content>,
    ) -> Result<String> {
        let pack_entry = self.entry(pack).context("the pack is not an artifact")?;
        // Where a link between pages goes from this one: to the appendix
        // that holds its file, else up to `pages/` (the gathered HTML was
        // written for a page there; `print/` is beside it).
        let mut within: HashMap<&str, String> = HashMap::new();
        within.insert(
            crate::markdown::page_name(&pack_entry.page),
            "#main".to_owned(),
        );
        for (n, path) in cited.iter().enumerate() {
            if let Some(e) = self.entry(path) {
                within.insert(
                    crate::markdown::page_name(&e.page),
                    format!("#appendix-{}", appendix_label(n)),
                );
            }
        }
        let rebase = |html: &str| rebase_page_links(html, &|page| within.get(page).cloned());
        let mut budget = PRINT_PACK_LIMIT;
        let mut appendices = Vec::new();
        for (n, path) in cited.iter().enumerate() {
            let Some(e) = self.entry(path) else {
                continue;
            };
            let c = shown.get(*path);
            let size = c.map_or(0, |c| c.html.len() + c.text.len());
            let fits = size <= budget;
            if fits {
                budget -= size;
            }
            appendices.push(context! {
                letter => appendix_label(n),
                a => ArtifactView::from(e),
                kind => c.map_or("binary", |c| c.kind),
                html => c.filter(|_| fits).map(|c| rebase(&c.html)),
                text => c.filter(|_| fits).map(|c| c.text.as_str()),
                note => c.and_then(|c| c.note.as_deref()),
                left_out => !fits,
            });
        }
        let own = shown.get(pack);
        let ctx = context! {
            ..self.common("../", "print"),
            ..context! {
                a => ArtifactView::from(pack_entry),
                doc => self.doc_view(pack),
                html => own.map(|c| rebase(&c.html)),
                text => own.map(|c| c.text.as_str()),
                kind => own.map_or("binary", |c| c.kind),
                appendices,
            }
        };
        self.env
            .get_template("print_pack.html")?
            .render(ctx)
            .with_context(|| format!("rendering the print pack of {pack}"))
    }

    /// What the page shows. Problems with the file (not UTF-8, nested too
    /// deeply, too large) were reported by the analyser; here they only
    /// become the page's note.
    fn content(
        &self,
        e: &Entry,
        bytes: &[u8],
        complete: bool,
        resolve: &dyn Fn(&str) -> Option<Resolved>,
    ) -> Content {
        let mut note = None;
        if e.kind == ArtifactKind::Binary {
            return Content {
                kind: "binary",
                ..Content::default()
            };
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t.to_owned(),
            // A cut at the display limit may split a character; that is not
            // a problem with the file.
            Err(err) if !complete && err.error_len().is_none() => {
                String::from_utf8_lossy(&bytes[..err.valid_up_to()]).into_owned()
            }
            Err(err) => {
                let msg = format!(
                    "not valid UTF-8 (first bad byte at offset {}); shown with replacement characters",
                    err.valid_up_to()
                );
                note = Some(msg);
                String::from_utf8_lossy(bytes).into_owned()
            }
        };
        let limit = if e.kind == ArtifactKind::Markdown {
            TEXT_LIMIT
        } else {
            DISPLAY_LIMIT
        };
        let (text, complete) = if complete && text.len() <= limit {
            (text, true)
        } else {
            let msg = format!(
                "{} is larger than {}; only the beginning is shown here. Download the raw bytes for all of it.",
                human_bytes(e.size),
                human_bytes(limit as u64)
            );
            note = Some(msg);
            let mut cut = text.len().min(limit);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            (text[..cut].to_owned(), false)
        };
        let as_text = |text: String, note: Option<String>| Content {
            kind: "text",
            text,
            note,
            ..Content::default()
        };
        match e.kind {
            ArtifactKind::Markdown if complete => {
                if let Some(reason) = markdown::too_deep(&text) {
                    return as_text(text, Some(reason));
                }
                let nesting = markdown::html_nesting(&text);
                if nesting > markdown::MAX_HTML_NESTING {
                    let msg = format!(
                        "raw HTML nested about {nesting} deep (more than {}); HTML shown as text",
                        markdown::MAX_HTML_NESTING
                    );
                    note = Some(msg);
                }
                // Outside and dangling references are neutralised here and
                // reported by the audit trail (as missing evidence or broken
                // links).
                let rendered = markdown::to_html(&text, &e.path, resolve);
                Content {
                    kind: "markdown",
                    html: rendered.html,
                    note,
                    ..Content::default()
                }
            }
            ArtifactKind::Json if complete => match json::pretty(&text) {
                json::Pretty::Formatted(pretty) => Content {
                    kind: "json",
                    text: pretty,
                    note,
                    ..Content::default()
                },
                json::Pretty::AsWritten { reason } => as_text(text, Some(reason)),
                json::Pretty::Invalid { message, .. } => as_text(text, Some(message)),
            },
            _ => as_text(text, note),
        }
    }
}

/// Test cases per page of a report's full list.
pub const CASES_PAGE: usize = 500;
/// Cases listed at most (40 pages); a larger report's page says how many
/// more the raw file holds, so that no report becomes a site of its own.
pub const CASES_LISTED: usize = 20_000;

/// A test report's cases, in report order (at most [`CASES_LISTED`]), and
/// how many it has.
pub type CaseList = vouch_audit::reports::Kept;

/// `html` (rendered Markdown, written for a page in `pages/`), for a page
/// beside `pages/`: each link to another page (`href="<name>.html#…"`, as
/// [`crate::markdown`] writes them) goes where `to` says (an anchor of
/// this page), else to `../pages/<name>`. Other links (`../`, anchors,
/// URLs) read the same from either folder and are left as they are. Only
/// `<a` tags are looked in: sanitised text holds no `<`.
fn rebase_page_links(html: &str, to: &dyn Fn(&str) -> Option<String>) -> String {
    const HREF: &str = " href=\"";
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(at) = rest.find("<a ") {
        let tag_end = rest[at..].find('>').map_or(rest.len(), |i| at + i);
        let Some(h) = rest[at..tag_end].find(HREF).map(|i| at + i + HREF.len()) else {
            out.push_str(&rest[..tag_end]);
            rest = &rest[tag_end..];
            continue;
        };
        out.push_str(&rest[..h]);
        rest = &rest[h..];
        let end = rest.find('"').unwrap_or(rest.len());
        let href = &rest[..end];
        let page = href.split('#').next().unwrap_or(href);
        let sibling = !page.is_empty()
            && !page.starts_with("../")
            && !page.starts_with('/')
            && !page.contains(':')
            && !page.contains('?');
        if sibling {
            match to(page) {
                Some(anchor) => out.push_str(&anchor),
                None => {
                    out.push_str("../pages/");
                    out.push_str(href);
                }
            }
        } else {
            out.push_str(href);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// How many pages of [`CASES_PAGE`] a case list takes (one, even empty).
pub fn case_pages(list: &CaseList) -> usize {
    list.items.len().div_ceil(CASES_PAGE).max(1)
}

/// The path of page `n` of the case list of the report whose page is `page`.
pub fn case_page_path(page: &str, n: usize) -> String {
    format!("{}-cases-{n}.html", page.trim_end_matches(".html"))
}

/// A matrix column's heading: "Gate 2" for a numbered or lettered gate,
/// "Tests", "Hash pins" for a named one (ids are upper-cased to match).
fn gate_label(id: &str) -> String {
    if id.chars().count() <= 3 {
        return format!("Gate {id}");
    }
    let lower = id.to_lowercase();
    let mut c = lower.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A hash pin's outcome for pages: `confirmed`, `differs`, `absent`.
fn pin_state(r: &vouch_core::audit::Reference) -> Option<&'static str> {
    match r.pin_holds()? {
        true => Some("confirmed"),
        false if r.state == RefState::Present => Some("differs"),
        false => Some("absent"),
    }
}

/// Text for the inside of `<pre>`: only `&`, `<` and `>` need escaping in a
/// text node, so quotes stay as they are (a JSON page is not half again as
/// large as its file).
fn pre_text(value: String) -> minijinja::Value {
    let mut out = String::with_capacity(value.len() + value.len() / 16);
    // Writing to a String cannot fail.
    let _ = escape_to(&mut out, &value, false);
    minijinja::Value::from_safe_string(out)
}

/// minijinja's formatter, except that HTML escaping leaves `/` alone: URLs in
/// `href` attributes stay readable (`pages/x.html`, not `pages&#x2f;x.html`).
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if state.auto_escape() != minijinja::AutoEscape::Html
        || value.is_safe()
        || value.is_undefined()
        || value.is_none()
    {
        return minijinja::escape_formatter(out, state, value);
    }
    // A string (most values) is escaped straight into the page; no copy
    // of it is made.
    escape_to(out, &shown(value), true).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write output")
            .with_source(e)
    })
}

/// A value as `{{ value }}` shows it: a string as it is (not copied), any
/// other value as it prints.
fn shown(value: &minijinja::Value) -> std::borrow::Cow<'_, str> {
    match value.as_str() {
        Some(text) => std::borrow::Cow::Borrowed(text),
        None => std::borrow::Cow::Owned(value.to_string()),
    }
}

/// `text` HTML-escaped onto `out`, as [`html_formatter`] escapes a value.
fn escape_into(out: &mut String, text: &str) {
    out.reserve(text.len());
    // Writing to a String cannot fail.
    let _ = escape_to(out, text, true);
}

/// `text` HTML-escaped onto `out`: `&`, `<` and `>`, and with `quotes` the
/// two quotes (for attributes). The runs between them are written whole (a
/// page writes a few hundred values).
fn escape_to(out: &mut impl std::fmt::Write, text: &str, quotes: bool) -> std::fmt::Result {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if quotes => "&quot;",
            b'\'' if quotes => "&#x27;",
            _ => continue,
        };
        // Each is one ASCII byte, so `i` is a character boundary.
        out.write_str(&text[from..i])?;
        out.write_str(entity)?;
        from = i + 1;
    }
    out.write_str(&text[from..])
}

/// A value as `{{ value }}` prints it, escaped.
fn escaped(out: &mut String, value: &minijinja::Value) {
    if !value.is_undefined() {
        escape_into(out, &shown(value));
    }
}

/// `status_badge(s, text)` in templates: a status badge, and the words the
/// evidence used when they differ. A function rather than a template macro:
/// it is on every row of every audit table, and a macro call costs more
/// than the rest of the row.
fn status_badge(s: minijinja::Value, text: Option<minijinja::Value>) -> minijinja::Value {
    let mut out = String::from("<span class=\"status status-");
    escaped(&mut out, &s);
    out.push_str("\" data-status=\"");
    escaped(&mut out, &s);
    out.push_str("\">");
    escaped(&mut out, &s);
    out.push_str("</span>");
    if let Some(text) = text.filter(|t| t.is_true() && *t != s) {
        out.push_str(" <span class=\"status-text\">");
        escaped(&mut out, &text);
        out.push_str("</span>");
    }
    minijinja::Value::from_safe_string(out)
}

/// `run_links(list)` in templates: CI runs (`url`, `label`), a link each when
/// there is a URL, comma-separated.
fn run_links(list: minijinja::Value) -> Result<minijinja::Value, minijinja::Error> {
    let mut out = String::new();
    for (i, r) in list.try_iter()?.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let url = r.get_attr("url")?;
        let label = r.get_attr("label")?;
        if url.is_true() {
            out.push_str("<a class=\"run\" href=\"");
            escaped(&mut out, &url);
            out.push_str("\" rel=\"nofollow\">");
            escaped(&mut out, &label);
            out.push_str("</a>");
        } else {
            out.push_str("<span class=\"run\">");
            escaped(&mut out, &label);
            out.push_str("</span>");
        }
    }
    Ok(minijinja::Value::from_safe_string(out))
}

/// `1A` → `1a`: a gate id as the fragment of its deep link (`#gate-1a`).
pub fn slug(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// `1.0` → `1-0`: a stage id as an HTML id.
fn anchor(id: Option<&str>) -> String {
    match id {
        Some(id) => id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect(),
        None => "none".into(),
    }
}

/// CI runs for display: a URL becomes a link labelled with its run id.
fn runs_view<'a>(runs: impl Iterator<Item = &'a str>) -> serde_json::Value {
    runs.map(|r| match r.split_once("/actions/runs/") {
        Some((_, id)) if r.starts_with("https://") => {
            serde_json::json!({ "url": r, "label": format!("run {id}") })
        }
        _ => serde_json::json!({ "url": null, "label": format!("run {r}") }),
    })
    .collect::<Vec<_>>()
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pager_links_few_pages_and_reaches_every_one() {
        let at = |n, total| -> Vec<Option<usize>> { pager_window(n, total) };
        assert_eq!(at(1, 1), [Some(1)]);
        assert_eq!(at(1, 3), [Some(1), Some(2), Some(3)]);
        assert_eq!(
            at(1, 250),
            [1, 2, 3, 10, 20, 30, 40, 50, 100, 200, 250]
                .iter()
                .enumerate()
                .flat_map(|(i, &k)| {
                    let gap = i > 0 && ![2, 3].contains(&k);
                    gap.then_some(None).into_iter().chain([Some(k)])
                })
                .collect::<Vec<_>>()
        );
        let mid = at(137, 500);
        assert!(mid.contains(&Some(135)) && mid.contains(&Some(139)) && mid.contains(&Some(180)));
        assert!(!mid.contains(&Some(134)) && !mid.contains(&Some(190)));
        // A page between two linked ones is linked, not skipped.
        assert_eq!(at(5, 250)[..3], [Some(1), Some(2), Some(3)]);
        for total in [2, 7, 99, 250, 1001, 2500] {
            for n in 1..=total {
                let links = at(n, total);
                let shown: Vec<usize> = links.iter().flatten().copied().collect();
                assert!(
                    shown.len() <= 24 + total / 100,
                    "{n} of {total}: {} links",
                    shown.len()
                );
                assert_eq!(
                    (links.first(), links.last()),
                    (Some(&Some(1)), Some(&Some(total)))
                );
                assert!(shown.contains(&n), "the current page");
                // A gap stands exactly where two or more pages are skipped.
                for w in links.windows(2) {
                    match w {
                        [Some(a), Some(b)] => assert_eq!(a + 1, *b, "{n} of {total}: {w:?}"),
                        [None, None] => panic!("{n} of {total}: two gaps"),
                        _ => {}
                    }
                }
                for w in links.windows(3) {
                    if let [Some(a), None, Some(b)] = w {
                        assert!(b - a > 2, "{n} of {total}: {w:?}");
                    }
                }
            }
            // Every page is reachable from the first, in a few clicks.
            let mut seen = vec![usize::MAX; total + 1];
            seen[1] = 0;
            let mut todo = std::collections::VecDeque::from([1]);
            while let Some(n) = todo.pop_front() {
                for k in at(n, total).into_iter().flatten() {
                    if seen[k] == usize::MAX {
                        seen[k] = seen[n] + 1;
                        todo.push_back(k);
                    }
                }
            }
            assert!(
                seen[1..].iter().all(|&c| c <= 12),
                "{total}: {:?}",
                seen[1..].iter().max()
            );
        }
    }

    proptest::proptest! {
        /// Run by run, the escaping a character at a time gives: the five
        /// characters as entities, all else as it is.
        #[test]
        fn escaping_is_the_character_at_a_time_escaping(text in "\\PC{0,40}|[&<>\"'a é]{0,20}") {
            let mut by_chars = String::new();
            for c in text.chars() {
                match c {
                    '&' => by_chars.push_str("&amp;"),
                    '<' => by_chars.push_str("&lt;"),
                    '>' => by_chars.push_str("&gt;"),
                    '"' => by_chars.push_str("&quot;"),
                    '\'' => by_chars.push_str("&#x27;"),
                    c => by_chars.push(c),
                }
            }
            let mut ours = String::new();
            escape_into(&mut ours, &text);
            proptest::prop_assert_eq!(ours, by_chars);
            // In `<pre>`, the quotes stay.
            let by_chars: String = text
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_owned(),
                    '<' => "&lt;".to_owned(),
                    '>' => "&gt;".to_owned(),
                    c => c.to_string(),
                })
                .collect();
            let pre = pre_text(text);
            proptest::prop_assert_eq!(pre.as_str(), Some(by_chars.as_str()));
        }
    }

    /// The pages mark streaming with the viewer's own limit: a page marked
    /// for a file the viewer reads whole would start a worker for nothing,
    /// and one left unmarked would start it late.
    #[test]
    fn stream_limit_is_the_viewers() {
        let viewer = include_str!("../../viewer/src/api.rs");
        let line = viewer
            .lines()
            .find(|l| l.starts_with("const WHOLE: u64 = "))
            .expect("the viewer's WHOLE");
        let value = line
            .trim_start_matches("const WHOLE: u64 = ")
            .trim_end_matches(';');
        let (n, shift) = value.split_once(" << ").expect("N << S");
        let whole = n.parse::<u64>().expect("N") << shift.parse::<u32>().expect("S");
        assert_eq!(whole, STREAM_ABOVE, "{line}");
    }

    /// A print pack's gathered HTML links each page it holds to its
    /// appendix and every other page up to `pages/`; nothing else moves.
    #[test]
    fn print_pack_links_lead_to_appendices_or_up_to_pages() {
        let html = concat!(
            r##"<p><a href="a-md-1.html#h-gate" rel="nofollow">a</a> "##,
            r##"<a href="b-md-2.html" title="t>u" rel="nofollow">b</a> "##,
            r##"<a href="../index.html">i</a> <a href="#h-x">x</a> "##,
            r##"<a href="https://e.org/p.html">e</a> <a rel="x">none</a> "##,
            r##"<img src="../objects/ab/cd"> href="c.html" &lt;a href="d.html"</p>"##,
        );
        let out = rebase_page_links(html, &|p| {
            (p == "a-md-1.html").then(|| "#appendix-A".into())
        });
        assert_eq!(
            out,
            concat!(
                r##"<p><a href="#appendix-A" rel="nofollow">a</a> "##,
                r##"<a href="../pages/b-md-2.html" title="t>u" rel="nofollow">b</a> "##,
                r##"<a href="../index.html">i</a> <a href="#h-x">x</a> "##,
                r##"<a href="https://e.org/p.html">e</a> <a rel="x">none</a> "##,
                r##"<img src="../objects/ab/cd"> href="c.html" &lt;a href="d.html"</p>"##,
            )
        );
    }

    /// The two functions print exactly what the template macros they
    /// replaced printed, escaping included.
    #[test]
    fn status_and_run_functions_match_the_old_macros() {
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        env.add_function("status_badge", status_badge);
        env.add_function("run_links", run_links);
        let macros = r#"{% macro status(s, text) -%}
<span class="status status-{{ s }}" data-status="{{ s }}">{{ s }}</span>{% if text and text != s %} <span class="status-text">{{ text }}</span>{% endif %}
{%- endmacro %}
{% macro runs(list) -%}
{% for r in list %}{% if r.url %}<a class="run" href="{{ r.url }}" rel="nofollow">{{ r.label }}</a>{% else %}<span class="run">{{ r.label }}</span>{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}
{%- endmacro %}
"#;
        env.add_template("m.html", macros).expect("macros");
        env.add_template(
            "t.html",
            r#"{% import "m.html" as m %}{{ m.status(s, text) }}|{{ status_badge(s, text) }}|{{ m.runs(runs) }}|{{ run_links(runs) }}"#,
        )
        .expect("template");
        let t = env.get_template("t.html").expect("t");
        let texts: [Option<&str>; 6] = [
            None,
            Some(""),
            Some("pass"),
            Some("PASS ✅"),
            Some("<b>\"x\" & 'y'</b>"),
            Some("fail"),
        ];
        let run_lists = [
            serde_json::json!([]),
            serde_json::json!([{"url": "https://github.com/o/r/actions/runs/1?a=1&b=\"2\"", "label": "run 1"}]),
            serde_json::json!([{"url": null, "label": "run <2>"}, {"url": "", "label": "x"}, {"url": "u/v", "label": "'q'"}]),
        ];
        for s in ["pass", "fail", "pending", "unknown", "a<b>&\"'/"] {
            for text in texts {
                for runs in &run_lists {
                    let out = t.render(context! { s, text, runs }).expect("render");
                    let parts: Vec<&str> = out.split('|').collect();
                    assert_eq!(parts.len(), 4, "{out}");
                    assert!(
                        parts[1].starts_with("<span class=\"status status-"),
                        "{out}"
                    );
                    assert_eq!(parts[0], parts[1], "status({s:?}, {text:?})");
                    assert_eq!(parts[2], parts[3], "runs({runs})");
                }
            }
        }
    }
}
