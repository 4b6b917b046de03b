use leptos::prelude::*;
use vouch_core::Summary;

use super::{SigState, fmt_bytes};
use crate::verify::Progress;

/// What the signature and chain checks found, for the overall verdict.
#[derive(Clone, Copy)]
pub struct Trust {
    pub signature: RwSignal<SigState>,
    /// `checking`, `intact`, `none`, `broken` or `rolled-back`.
    pub chain: RwSignal<&'static str>,
    pub pinned: Signal<bool>,
}

impl Trust {
    pub fn new(pinned: Signal<bool>) -> Self {
        Self {
            signature: RwSignal::new(SigState::Checking),
            chain: RwSignal::new("checking"),
            pinned,
        }
    }
}

/// The overall verdict: `running` until every check has an answer,
/// `verified` only when every file hashed as claimed and nothing about the
/// signature or the chain failed; else `failed`.
fn overall(s: &Summary, trust: Option<&Trust>) -> &'static str {
    let hashes = s.status();
    let Some(t) = trust else {
        return hashes;
    };
    let sig = t.signature.get();
    let chain = t.chain.get();
    if hashes == "running" || sig == SigState::Checking || chain == "checking" {
        return "running";
    }
    let sig_failed = match &sig {
        SigState::Invalid { .. } | SigState::Missing { .. } | SigState::Expired { .. } => true,
        SigState::UntrustedKey { .. } => t.pinned.get(),
        _ => false,
    };
    if hashes == "failed" || sig_failed || matches!(chain, "broken" | "rolled-back") {
        "failed"
    } else {
        "verified"
    }
}

/// Says exactly what was checked.
fn headline(s: &Summary, artifacts: usize, trust: Option<&Trust>, what: &str) -> String {
    let generated = s.total.saturating_sub(artifacts);
    let files = if generated == 0 {
        format!(
            "{artifacts} artifact{}",
            if artifacts == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{artifacts} artifact{} and {generated} {what}",
            if artifacts == 1 { "" } else { "s" }
        )
    };
    let status = overall(s, trust);
    let trust_part = trust
        .map(|t| {
            let sig = match t.signature.get() {
                SigState::Valid { key_id } => format!("; signature valid under your key {key_id}"),
                SigState::Unsigned => "; unsigned: no signature to check".into(),
                SigState::UntrustedKey { signed_by } if !t.pinned.get() => {
                    format!("; signed by key {signed_by}, not checked (no key pinned)")
                }
                SigState::Checking => String::new(),
                other => format!("; signature {}", other.as_str()),
            };
            let chain = match t.chain.get() {
                "intact" => "; snapshot chain intact".to_owned(),
                "none" | "checking" => String::new(),
                other => format!("; snapshot chain {other}"),
            };
            format!("{sig}{chain}")
        })
        .unwrap_or_default();
    match status {
        "running" => format!("Verifying… {} of {} files checked", s.done(), s.total),
        "verified" => {
            format!("Verified: {files} match the manifest, hashed in this browser{trust_part}")
        }
        _ => format!(
            "Verification failed: of {files}, {} mismatched, {} missing, {} verified{trust_part}",
            s.failed, s.missing, s.verified
        ),
    }
}

/// The overall verdict. `#verification-summary` and its `data-*` attributes
/// are a public contract that tests and auditors' scripts read:
/// `data-status` is the overall verdict; `data-verified`, `data-failed`,
/// `data-missing` and `data-total` count files (artifacts and generated
/// files); `data-artifacts` and `data-site-files` split the total.
#[component]
pub fn VerificationSummary(
    progress: Progress,
    /// How many of the files are artifacts (the rest are generated files).
    artifacts: usize,
    #[prop(optional)] trust: Option<Trust>,
    /// What the generated files are, in words ("site files").
    #[prop(default = "site files")]
    what: &'static str,
) -> impl IntoView {
    let s = progress.summary;
    let running = move || s.with(|s| s.status() == "running");
    let status = move || s.with(|s| overall(s, trust.as_ref()));
    view! {
        <div
            id="verification-summary"
            class=move || format!("summary summary-{}", status())
            role="status"
            aria-live="polite"
            data-status=status
            data-verified=move || s.with(|s| s.verified.to_string())
            data-failed=move || s.with(|s| s.failed.to_string())
            data-missing=move || s.with(|s| s.missing.to_string())
            data-total=move || s.with(|s| s.total.to_string())
            data-artifacts=artifacts.to_string()
            data-site-files=move || s.with(|s| s.total.saturating_sub(artifacts).to_string())
            data-signature=move || trust.map(|t| t.signature.get().as_str()).unwrap_or("")
            data-chain=move || trust.map(|t| t.chain.get()).unwrap_or("")
        >
            <p class="summary-headline">{move || s.with(|s| headline(s, artifacts, trust.as_ref(), what))}</p>
            {move || running().then(|| view! {
                <progress
                    max=move || progress.bytes_total.get().max(1).to_string()
                    value=move || progress.bytes_done.get().to_string()
                ></progress>
            })}
            <p class="summary-detail">
                {move || {
                    format!(
                        "{} of {} hashed with SHA-256 in your browser",
                        fmt_bytes(progress.bytes_done.get()),
                        fmt_bytes(progress.bytes_total.get()),
                    )
                }}
            </p>
        </div>
    }
}
/// Shown instead of a summary when `manifest.json` cannot be used at all.
#[component]
pub fn ManifestFailed(error: String) -> impl IntoView {
    view! {
        <div
            id="verification-summary"
            class="summary summary-failed"
            role="alert"
            data-status="failed"
            data-verified="0"
            data-failed="0"
            data-missing="0"
            data-total="0"
        >
            <p class="summary-headline">"Verification failed: manifest.json could not be used"</p>
            <p class="summary-detail">{error}</p>
        </div>
    }
}
