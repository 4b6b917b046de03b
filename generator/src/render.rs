//! Stage 3: pages, through minijinja templates embedded in the binary.

use std::collections::HashMap;

use anyhow::{Context, Result};
use minijinja::{Environment, context};
use serde::Serialize;
use vouch_core::{
    ArtifactKind, Manifest,
    audit::{ProblemKind, timeline},
    history::{History, Snapshot},
    human_bytes,
};

use crate::{
    assets::Assets,
    json,
    markdown::{self, Resolved},
    model::{Diagnostic, Entry, Site},
};

/// Every page's Content-Security-Policy. GitHub Pages cannot set headers, so
/// it travels as a `<meta>` tag. No inline script, no eval; wasm may compile.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-src 'none'";

/// Text beyond this is not shown inline; the raw bytes are a click away.
pub const TEXT_LIMIT: usize = 1 << 20;

pub struct Renderer<'s> {
    env: Environment<'static>,
    site: &'s Site,
    assets: &'s Assets,
    signed: bool,
    by_path: HashMap<&'s str, &'s Entry>,
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
        }
    }
}

impl<'s> Renderer<'s> {
    pub fn new(site: &'s Site, assets: &'s Assets, signed: bool) -> Result<Self> {
        let mut env = Environment::new();
        for (name, src) in [
            ("base.html", include_str!("../templates/base.html")),
            ("index.html", include_str!("../templates/index.html")),
            ("artifact.html", include_str!("../templates/artifact.html")),
            ("snapshot.html", include_str!("../templates/snapshot.html")),
            ("macros.html", include_str!("../templates/macros.html")),
            ("timeline.html", include_str!("../templates/timeline.html")),
            ("problems.html", include_str!("../templates/problems.html")),
        ] {
            env.add_template(name, src)
                .with_context(|| format!("built-in template {name} is invalid"))?;
        }
        env.set_formatter(html_formatter);
        let by_path = site
            .artifacts
            .iter()
            .map(|e| (e.path.as_str(), e))
            .collect();
        Ok(Self {
            env,
            site,
            assets,
            signed,
            by_path,
        })
    }

    /// True if `path` is a folder of the evidence (some artifact lies below it).
    fn is_folder(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        let i = self
            .site
            .artifacts
            .partition_point(|e| e.path.as_str() < prefix.as_str());
        self.site
            .artifacts
            .get(i)
            .is_some_and(|e| e.path.starts_with(&prefix))
    }

    fn common(&self, root: &str, page_kind: &str) -> minijinja::Value {
        context! {
            root,
            page_kind,
            csp => minijinja::Value::from_safe_string(CSP.into()),
            version => env!("CARGO_PKG_VERSION"),
            built_at => &self.site.built_at,
            assets => self.assets,
            signed => self.signed,
        }
    }

    pub fn index(&self, diagnostics: &[Diagnostic], history: &History) -> Result<String> {
        let artifacts: Vec<ArtifactView<'_>> = self.site.artifacts.iter().map(Into::into).collect();
        let diags: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        let audit = &self.site.audit;
        let matrix = timeline::matrix(audit);
        let stage_status: HashMap<String, (&str, Option<String>)> = timeline::stages(audit)
            .into_iter()
            .filter_map(|s| Some((s.id?, (s.status, s.latest_date))))
            .collect();
        let matrix_rows: Vec<minijinja::Value> = matrix
            .rows
            .iter()
            .map(|(stage, cells)| {
                let cells: Vec<minijinja::Value> = cells
                    .iter()
                    .map(|c| match c {
                        Some(c) => context! {
                            status => c.status,
                            symbol => c.symbol,
                            title => &c.title,
                            conflict => c.conflict,
                            page => self.page_of(&c.path, ""),
                        },
                        None => minijinja::Value::from(()),
                    })
                    .collect();
                let (status, latest) = stage_status
                    .get(stage)
                    .cloned()
                    .unwrap_or(("unknown", None));
                context! { stage, anchor => anchor(Some(stage)), status, latest, cells }
            })
            .collect();
        let ctx = context! {
            ..self.common("", "index"),
            ..context! {
                tally => audit.gate_tally(),
                latest_date => audit.latest_date(),
                problems => audit.problems.len(),
                documents => audit.documents.len(),
                matrix,
                matrix_rows,
                artifacts,
                total_size => human_bytes(self.site.artifacts.iter().map(|e| e.size).sum()),
                diagnostics => diags,
                history,
            }
        };
        self.env
            .get_template("index.html")?
            .render(ctx)
            .context("rendering index.html")
    }

    /// The page of the artifact at `path`, from a page at `prefix` depth.
    fn page_of(&self, path: &str, prefix: &str) -> Option<String> {
        self.by_path
            .get(path)
            .map(|e| format!("{prefix}{}", e.page))
    }

    /// `timeline.html`: stages, then phases, then gates.
    pub fn timeline(&self) -> Result<String> {
        let stages: Vec<serde_json::Value> = timeline::stages(&self.site.audit)
            .into_iter()
            .map(|s| {
                let anchor = anchor(s.id.as_deref());
                let mut v = serde_json::to_value(&s).unwrap_or_default();
                v["anchor"] = anchor.into();
                for list in ["documents", "phases", "gates"] {
                    if let Some(rows) = v[list].as_array_mut() {
                        for r in rows {
                            let path = r["path"].as_str().unwrap_or_default().to_owned();
                            r["page"] = self.page_of(&path, "").into();
                            if let Some(runs) = r["ci_runs"].as_array() {
                                r["runs"] = runs_view(runs.iter().filter_map(|x| x.as_str()));
                            }
                        }
                    }
                }
                v
            })
            .collect();
        let ctx = context! { ..self.common("", "timeline"), ..context! { stages } };
        self.env
            .get_template("timeline.html")?
            .render(ctx)
            .context("rendering timeline.html")
    }

    /// `problems.html`: what `vouch check` prints, linked.
    pub fn problems(&self) -> Result<String> {
        let audit = &self.site.audit;
        let problems: Vec<minijinja::Value> = audit
            .problems
            .iter()
            .map(|p| {
                context! {
                    path => &p.path, line => p.line, kind => p.kind.as_str(),
                    message => &p.message, page => self.page_of(&p.path, ""),
                }
            })
            .collect();
        let kinds: Vec<minijinja::Value> = [
            ProblemKind::DanglingReference,
            ProblemKind::GateWithoutEvidence,
            ProblemKind::Contradiction,
            ProblemKind::Stale,
        ]
        .iter()
        .map(|k| context! { kind => k.as_str(), count => audit.problems.iter().filter(|p| p.kind == *k).count() })
        .collect();
        let ctx = context! {
            ..self.common("", "problems"),
            ..context! { problems, kinds, max_age => audit.max_age_days, as_of => &audit.as_of }
        };
        self.env
            .get_template("problems.html")?
            .render(ctx)
            .context("rendering problems.html")
    }

    /// The audit document of an artifact, shaped for its page.
    fn doc_view(&self, path: &str) -> Option<serde_json::Value> {
        let d = self.site.audit.document(path)?;
        let mut v = serde_json::to_value(d).ok()?;
        v["kind_label"] = d.kind.label().into();
        if let Some(refs) = v["references"].as_array_mut() {
            for r in refs {
                if let Some(p) = r["path"].as_str().map(str::to_owned) {
                    r["page"] = self.page_of(&p, "../").into();
                }
            }
        }
        let claims: Vec<serde_json::Value> = d
            .phases
            .iter()
            .chain(&d.gates)
            .map(|c| {
                let mut cv = serde_json::to_value(c).unwrap_or_default();
                cv["runs"] = runs_view(c.ci_runs.iter().map(String::as_str));
                cv
            })
            .collect();
        v["claims"] = claims.into();
        Some(v)
    }

    /// A retained snapshot's static page, at `snapshots/<id>/index.html`.
    pub fn snapshot(&self, s: &Snapshot, m: &Manifest) -> Result<String> {
        let artifacts: Vec<minijinja::Value> = m
            .artifacts
            .iter()
            .map(|a| {
                context! {
                    path => &a.path,
                    title => &a.title,
                    file_name => a.path.rsplit('/').next().unwrap_or(&a.path),
                    kind => a.kind.as_str(),
                    size_h => human_bytes(a.size),
                    sha256 => &a.sha256,
                    url => &a.url,
                }
            })
            .collect();
        let ctx = context! {
            ..self.common("../../", "snapshot"),
            ..context! { s, artifacts }
        };
        self.env
            .get_template("snapshot.html")?
            .render(ctx)
            .with_context(|| format!("rendering the page for snapshot {}", s.id))
    }

    /// Renders `entry`'s page from (a prefix of) its bytes. `complete` is
    /// false when `bytes` stops short of the whole file.
    pub fn artifact(
        &self,
        entry: &Entry,
        bytes: &[u8],
        complete: bool,
    ) -> Result<(String, Vec<Diagnostic>)> {
        let mut diags = Vec::new();
        let content = self.content(entry, bytes, complete, &mut diags);
        let ctx = context! {
            ..self.common("../", "artifact"),
            ..context! {
                artifact_path => &entry.path,
                a => ArtifactView::from(entry),
                content_kind => content.kind,
                doc => self.doc_view(&entry.path),
                problems => self.site.audit.problems.iter().filter(|p| p.path == entry.path).map(|p| context! { line => p.line, kind => p.kind.as_str(), message => &p.message }).collect::<Vec<_>>(),
                html => content.html,
                text => content.text,
                note => content.note,
            }
        };
        let html = self
            .env
            .get_template("artifact.html")?
            .render(ctx)
            .with_context(|| format!("rendering the page for {}", entry.path))?;
        Ok((html, diags))
    }

    fn content(
        &self,
        e: &Entry,
        bytes: &[u8],
        complete: bool,
        diags: &mut Vec<Diagnostic>,
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
            Err(err) if !complete && err.error_len().is_none() => bytes[..err.valid_up_to()]
                .iter()
                .map(|&b| b as char)
                .collect(),
            Err(err) => {
                let msg = format!(
                    "not valid UTF-8 (first bad byte at offset {}); shown with replacement characters",
                    err.valid_up_to()
                );
                diag(diags, e, None, msg.clone());
                note = Some(msg);
                String::from_utf8_lossy(bytes).into_owned()
            }
        };
        let text = if complete {
            text
        } else {
            let msg = format!(
                "{} is larger than {}; only the beginning is shown here. Download the raw bytes for all of it.",
                human_bytes(e.size),
                human_bytes(TEXT_LIMIT as u64)
            );
            note = Some(msg);
            String::from_utf8_lossy(&bytes[..bytes.len().min(TEXT_LIMIT)]).into_owned()
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
                    diag(diags, e, None, reason.clone());
                    return as_text(text, Some(reason));
                }
                let resolve = |p: &str| match self.by_path.get(p) {
                    Some(t) => Some(Resolved::Artifact {
                        page: t.page.clone(),
                        object: t.object_url(),
                    }),
                    None => self.is_folder(p).then_some(Resolved::Folder),
                };
                let nesting = markdown::html_nesting(&text);
                if nesting > markdown::MAX_HTML_NESTING {
                    let msg = format!(
                        "raw HTML nested about {nesting} deep (more than {}); HTML shown as text",
                        markdown::MAX_HTML_NESTING
                    );
                    diag(diags, e, None, msg.clone());
                    note = Some(msg);
                }
                // Outside and dangling references are neutralised here and
                // reported by the audit trail (as dangling-reference).
                let rendered = markdown::to_html(&text, &e.path, &resolve);
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
                json::Pretty::AsWritten { reason } => {
                    diag(diags, e, None, reason.clone());
                    as_text(text, Some(reason))
                }
                json::Pretty::Invalid { line, message } => {
                    diag(diags, e, Some(line), message.clone());
                    as_text(text, Some(message))
                }
            },
            ArtifactKind::Markdown | ArtifactKind::Json if !complete => {
                let what = if e.kind == ArtifactKind::Json {
                    "JSON"
                } else {
                    "Markdown"
                };
                diag(
                    diags,
                    e,
                    None,
                    format!(
                        "{what} larger than {}; not rendered, the beginning is shown as text",
                        human_bytes(TEXT_LIMIT as u64)
                    ),
                );
                as_text(text, note)
            }
            _ => as_text(text, note),
        }
    }
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
    let text = value.to_string();
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write output")
            .with_source(e)
    })
}

fn diag(diags: &mut Vec<Diagnostic>, e: &Entry, line: Option<usize>, message: String) {
    diags.push(Diagnostic {
        path: e.path.clone(),
        line,
        message,
    });
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
