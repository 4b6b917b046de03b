//! Drives a verification: a few files at a time, each hashed, each verdict
//! written to its row and published to the views in batches.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    sync::Arc,
};

use leptos::prelude::*;
use vouch_core::{Artifact, Manifest, Summary, Verdict, manifest::GeneratedFile};

use crate::api;

/// How many files are fetched and hashed at once: enough to keep an HTTP/2
/// host (GitHub Pages) busy; an HTTP/1.1 host gets six at a time anyway.
/// Where bundles are offered (`vouch serve`), enough to fill a bundle.
const PARALLEL: usize = 16;
const PARALLEL_BUNDLED: usize = 128;

/// How often, at most, the counts and the progress bar are redrawn while a
/// verification runs (milliseconds). Publishing each of 100,000 verdicts
/// as it lands would keep the main thread busy redrawing.
const FLUSH_MS: f64 = 100.0;

/// One row's state as the views see it.
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

/// The signals one verification run updates, in batches: at most every
/// [`FLUSH_MS`], and once at the end. Rows' states ([`Rows`]) change as
/// files are hashed, and views read them when `tick` changes.
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
    /// A publication is scheduled.
    pending: Cell<bool>,
    p: Progress,
}

/// Publishes the batch if `force`, or if the last one is old enough;
/// otherwise schedules one for when it is, so a verdict is shown within
/// [`FLUSH_MS`] even while every other file is stalled.
fn flush(batch: &Rc<RefCell<Batch>>, force: bool) {
    let b = batch.borrow();
    let now = js_sys::Date::now();
    let wait = FLUSH_MS - (now - b.last.get());
    if force || wait <= 0.0 {
        b.last.set(now);
        b.p.summary.set(b.summary);
        b.p.bytes_done.set(b.bytes);
        b.p.tick.update(|t| *t += 1);
    } else if !b.pending.replace(true) {
        let again = batch.clone();
        gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || {
            again.borrow().pending.set(false);
            flush(&again, true);
        })
        .forget();
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

/// What one verification checks, by index into one manifest: some of its
/// artifacts, then some of its generated files (pages, viewer assets,
/// `audit.json`, `history.json`, archived snapshots). Nothing is copied
/// out of the manifest: a site of 100,000 files is 200,000 rows.
#[derive(Clone, Debug)]
pub struct Files {
    pub manifest: Arc<Manifest>,
    pub artifacts: Vec<usize>,
    pub generated: Vec<usize>,
}

impl Files {
    /// Every artifact, and every generated file when `generated`.
    pub fn all(manifest: Arc<Manifest>, generated: bool) -> Self {
        let artifacts = (0..manifest.artifacts.len()).collect();
        let generated = if generated {
            (0..manifest.generated.len()).collect()
        } else {
            Vec::new()
        };
        Self {
            manifest,
            artifacts,
            generated,
        }
    }

    fn len(&self) -> usize {
        self.artifacts.len() + self.generated.len()
    }

    /// Row `row`'s URL (site-relative), claimed SHA-256 and size.
    fn target(&self, row: usize) -> (&str, &str, u64) {
        match self.artifacts.get(row) {
            Some(&i) => {
                let a = &self.manifest.artifacts[i];
                (&a.url, &a.sha256, a.size)
            }
            None => {
                let g = &self.manifest.generated[self.generated[row - self.artifacts.len()]];
                (&g.path, &g.sha256, g.size)
            }
        }
    }
}

/// A verification's rows: artifacts first (rows `0..artifacts()`), then
/// generated files. Each row's state is plain data, written as files are
/// hashed and read by the views when [`Progress::tick`] changes, so
/// 200,000 rows cost no signal each.
#[derive(Clone, Copy)]
pub struct Rows {
    files: StoredValue<Files>,
    status: StoredValue<Vec<RowStatus>>,
    /// Rows that failed verification, in the order they failed.
    failed: StoredValue<Vec<usize>>,
}

impl Rows {
    /// How many artifact rows.
    pub fn artifacts(&self) -> usize {
        self.files.with_value(|f| f.artifacts.len())
    }

    /// How many generated-file rows (they follow the artifacts).
    pub fn generated(&self) -> usize {
        self.files.with_value(|f| f.generated.len())
    }

    /// The artifact of row `row` (`row < artifacts()`).
    pub fn with_artifact<R>(&self, row: usize, f: impl FnOnce(&Artifact) -> R) -> R {
        self.files
            .with_value(|files| f(&files.manifest.artifacts[files.artifacts[row]]))
    }

    /// The generated file of row `row` (`row >= artifacts()`).
    pub fn with_generated<R>(&self, row: usize, f: impl FnOnce(&GeneratedFile) -> R) -> R {
        self.files.with_value(|files| {
            f(&files.manifest.generated[files.generated[row - files.artifacts.len()]])
        })
    }

    /// Row `row`'s state now. Not tracked: callers follow the tick.
    pub fn with_status<R>(&self, row: usize, f: impl FnOnce(&RowStatus) -> R) -> R {
        self.status.with_value(|s| f(&s[row]))
    }

    /// The rows that failed so far, in the order they failed. Not tracked.
    pub fn with_failed<R>(&self, f: impl FnOnce(&[usize]) -> R) -> R {
        self.failed.with_value(|v| f(v))
    }
}

/// Starts verifying `files` (one summary counts them all) and returns
/// their rows, with the signals the views follow.
pub fn start(root: &str, files: Files) -> (Rows, Progress) {
    let p = Progress::new();
    let n = files.len();
    let total: u64 = (0..n).map(|r| files.target(r).2).sum();
    let rows = Rows {
        files: StoredValue::new(files),
        status: StoredValue::new(vec![RowStatus::Pending; n]),
        failed: StoredValue::new(Vec::new()),
    };
    p.summary.set(Summary::new(n));
    p.bytes_done.set(0);
    p.bytes_total.set(total);
    let batch = Rc::new(RefCell::new(Batch {
        summary: Summary::new(n),
        bytes: 0,
        last: Cell::new(js_sys::Date::now()),
        pending: Cell::new(false),
        p,
    }));
    let root = root.to_owned();
    // Stopped when the view that started it goes (another folder picked in
    // the independent verifier): its rows go with it.
    leptos::task::spawn_local_scoped_with_cancellation(async move {
        let jobs = (0..n).map(|row| {
            let target = rows.files.try_with_value(|f| {
                let (url, sha256, size) = f.target(row);
                (format!("{root}{url}"), sha256.to_owned(), size)
            });
            let batch = batch.clone();
            let set = move |s: RowStatus| rows.status.update_value(|v| v[row] = s);
            async move {
                let Some((url, sha256, size)) = target else {
                    return;
                };
                set(RowStatus::Hashing(0));
                let counted = batch.clone();
                let hashed = api::hash(&url, size, move |delta| {
                    counted.borrow_mut().bytes += delta;
                    flush(&counted, false);
                    rows.status.update_value(|v| {
                        if let RowStatus::Hashing(n) = &mut v[row] {
                            *n += delta;
                        }
                    });
                })
                .await;
                let (verdict, status) = match hashed {
                    Ok(h) => {
                        let verdict = Verdict::judge(&sha256, size, &h.sha256, h.size);
                        // Only a mismatch shows what was computed.
                        let computed = (verdict == Verdict::Mismatch).then_some(h.sha256);
                        (
                            verdict,
                            RowStatus::Done {
                                verdict,
                                computed,
                                detail: None,
                            },
                        )
                    }
                    Err(e) => (
                        Verdict::Missing,
                        RowStatus::Done {
                            verdict: Verdict::Missing,
                            computed: None,
                            detail: Some(e.to_string()),
                        },
                    ),
                };
                set(status);
                if verdict != Verdict::Verified {
                    rows.failed.update_value(|f| f.push(row));
                }
                batch.borrow_mut().summary.record(verdict);
                flush(&batch, false);
            }
        });
        // PARALLEL workers, each taking the next file when its last is done.
        let jobs = RefCell::new(jobs);
        let jobs = &jobs;
        let parallel = if api::bundles_offered() {
            PARALLEL_BUNDLED
        } else {
            PARALLEL
        };
        let mut workers: Vec<_> = (0..parallel)
            .map(|w| {
                Box::pin(async move {
                    loop {
                        // The extra readers stop once bundles are withdrawn.
                        if w >= PARALLEL && !api::bundles_offered() {
                            break;
                        }
                        let next = jobs.borrow_mut().next();
                        let Some(job) = next else { break };
                        job.await;
                    }
                })
            })
            .collect();
        std::future::poll_fn(|cx| {
            workers.retain_mut(|w| w.as_mut().poll(cx).is_pending());
            if workers.is_empty() {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        flush(&batch, true);
    });
    (rows, p)
}
