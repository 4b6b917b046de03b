//! Drives a verification: a few artifacts at a time, each streamed through
//! SHA-256, each verdict published to the signals the views read.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use futures::StreamExt;
use leptos::prelude::*;
use vouch_core::{Artifact, Summary, Verdict};

use crate::api;

/// How many files are fetched and hashed at once: enough to keep an HTTP/2
/// host (GitHub Pages) busy; an HTTP/1.1 host gets six at a time anyway.
const PARALLEL: usize = 16;

/// How often, at most, the counts and the progress bar are redrawn while a
/// verification runs (milliseconds). Publishing each of 100,000 verdicts
/// as it lands would keep the main thread busy redrawing.
const FLUSH_MS: f64 = 100.0;

/// One artifact's state as the views see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Pending,
    /// Hashing; the bytes hashed so far.
    Hashing(u64),
    Done {
        verdict: Verdict,
        /// What the browser computed, when it received anything.
        computed: Option<String>,
        /// Why an artifact is missing.
        detail: Option<String>,
    },
}

impl RowStatus {
    /// The value of the row's `data-status` attribute.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Hashing(_) => "hashing",
            Self::Done { verdict, .. } => verdict.as_str(),
        }
    }
}

/// The signals one verification run updates. `summary`, `bytes_done` and
/// `tick` change in batches (at most every [`FLUSH_MS`], and once at the
/// end); each row's own signal changes as its file is hashed.
#[derive(Clone, Copy)]
pub struct Progress {
    pub summary: RwSignal<Summary>,
    pub bytes_done: RwSignal<u64>,
    pub bytes_total: RwSignal<u64>,
    /// Bumped with each batch: views that look at many rows at once
    /// (filters, sorting by status, counts of failures) follow this rather
    /// than every row.
    pub tick: RwSignal<u64>,
}

impl Progress {
    pub fn new() -> Self {
        Self {
            summary: RwSignal::new(Summary::new(usize::MAX)),
            bytes_done: RwSignal::new(0),
            bytes_total: RwSignal::new(0),
            tick: RwSignal::new(0),
        }
    }
}

/// What a run has counted since its last batch was published.
struct Batch {
    summary: Summary,
    bytes: u64,
    last: Cell<f64>,
    p: Progress,
}

impl Batch {
    /// Publishes the counts if `force`, or if the last batch is old enough.
    fn flush(&self, force: bool) {
        let now = js_sys::Date::now();
        if force || now - self.last.get() >= FLUSH_MS {
            self.last.set(now);
            self.p.summary.set(self.summary);
            self.p.bytes_done.set(self.bytes);
            self.p.tick.update(|t| *t += 1);
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

/// Verifies `artifacts`, writing each verdict into the matching `rows` entry.
pub fn run(root: String, artifacts: Vec<Artifact>, rows: Vec<RwSignal<RowStatus>>, p: Progress) {
    p.summary.set(Summary::new(artifacts.len()));
    p.bytes_done.set(0);
    p.bytes_total.set(artifacts.iter().map(|a| a.size).sum());
    let batch = Rc::new(RefCell::new(Batch {
        summary: Summary::new(artifacts.len()),
        bytes: 0,
        last: Cell::new(js_sys::Date::now()),
        p,
    }));
    leptos::task::spawn_local(async move {
        let jobs = artifacts.into_iter().zip(rows).map(|(artifact, row)| {
            let url = format!("{root}{}", artifact.url);
            let batch = batch.clone();
            async move {
                row.set(RowStatus::Hashing(0));
                let hashed = api::hash(&url, artifact.size, |delta| {
                    batch.borrow_mut().bytes += delta;
                    batch.borrow().flush(false);
                    row.update(|s| {
                        if let RowStatus::Hashing(n) = s {
                            *n += delta;
                        }
                    });
                })
                .await;
                let status = match hashed {
                    Ok(h) => RowStatus::Done {
                        verdict: Verdict::judge(&artifact.sha256, artifact.size, &h.sha256, h.size),
                        computed: Some(h.sha256),
                        detail: None,
                    },
                    Err(e) => RowStatus::Done {
                        verdict: Verdict::Missing,
                        computed: None,
                        detail: Some(e.to_string()),
                    },
                };
                row.set(status.clone());
                if let RowStatus::Done { verdict, .. } = &status {
                    batch.borrow_mut().summary.record(*verdict);
                    batch.borrow().flush(false);
                }
            }
        });
        futures::stream::iter(jobs)
            .buffer_unordered(PARALLEL)
            .collect::<()>()
            .await;
        batch.borrow().flush(true);
    });
}

/// Rows of one verification: the artifacts and the generated files (pages,
/// viewer assets, `audit.json`, `history.json`, archived snapshots) the
/// manifest lists, each with its live state.
pub struct Rows {
    pub artifacts: Vec<(Artifact, RwSignal<RowStatus>)>,
    pub generated: Vec<(Artifact, RwSignal<RowStatus>)>,
}

/// A generated file, as the verifier treats it: fetched at its own path.
pub fn generated_target(g: &vouch_core::manifest::GeneratedFile) -> Artifact {
    Artifact {
        path: g.path.clone(),
        sha256: g.sha256.clone(),
        size: g.size,
        url: g.path.clone(),
        kind: vouch_core::ArtifactKind::Binary,
        page: String::new(),
        title: String::new(),
    }
}

/// Starts verifying `artifacts` and `generated` (one summary counts both)
/// and returns their rows, with the signals the views read.
pub fn start(root: &str, artifacts: &[Artifact], generated: &[Artifact]) -> (Rows, Progress) {
    let progress = Progress::new();
    let row = |a: &Artifact| (a.clone(), RwSignal::new(RowStatus::Pending));
    let rows = Rows {
        artifacts: artifacts.iter().map(row).collect(),
        generated: generated.iter().map(row).collect(),
    };
    let all: Vec<(Artifact, RwSignal<RowStatus>)> = rows
        .artifacts
        .iter()
        .chain(&rows.generated)
        .cloned()
        .collect();
    run(
        root.to_owned(),
        all.iter().map(|(a, _)| a.clone()).collect(),
        all.iter().map(|(_, s)| *s).collect(),
        progress,
    );
    (rows, progress)
}
