use leptos::prelude::*;
use vouch_core::Summary;

use super::fmt_bytes;
use crate::verify::Progress;

fn headline(s: &Summary) -> String {
    match s.status() {
        "running" => format!("Verifying… {} of {} artifacts checked", s.done(), s.total),
        "verified" => format!(
            "Verified: all {} artifacts match the manifest, hashed in this browser",
            s.total
        ),
        _ => format!(
            "Verification failed: {} mismatched, {} missing, {} verified of {}",
            s.failed, s.missing, s.verified, s.total
        ),
    }
}

/// The overall verdict. `#verification-summary` and its `data-*` attributes
/// are a public contract that tests and auditors' scripts read.
#[component]
pub fn VerificationSummary(progress: Progress) -> impl IntoView {
    let s = progress.summary;
    let running = move || s.with(|s| s.status() == "running");
    view! {
        <div
            id="verification-summary"
            class=move || format!("summary summary-{}", s.with(|s| s.status()))
            role="status"
            aria-live="polite"
            data-status=move || s.with(|s| s.status())
            data-verified=move || s.with(|s| s.verified.to_string())
            data-failed=move || s.with(|s| s.failed.to_string())
            data-missing=move || s.with(|s| s.missing.to_string())
            data-total=move || s.with(|s| s.total.to_string())
        >
            <p class="summary-headline">{move || s.with(headline)}</p>
            <Show when=running>
                <progress
                    max=move || progress.bytes_total.get().max(1).to_string()
                    value=move || progress.bytes_done.get().to_string()
                ></progress>
            </Show>
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
