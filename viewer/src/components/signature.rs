use leptos::prelude::*;
use vouch_core::signature::{self, SignatureError};

use crate::{api, trust};

/// The state of one manifest's signature, under the pinned key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigState {
    Checking,
    /// No signature, and no key pinned to demand one.
    Unsigned,
    /// A key is pinned, but the signature is absent or could not be
    /// fetched: stripped, or withheld (an HTTP error, a stall).
    Missing {
        why: String,
    },
    Valid {
        key_id: String,
    },
    /// Valid, but past the `expires_at` it signs.
    Expired {
        key_id: String,
        at: String,
    },
    Invalid {
        key_id: String,
        why: String,
    },
    UntrustedKey {
        signed_by: String,
    },
}

impl SigState {
    /// The value of `#signature-status[data-status]`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Checking => "checking",
            Self::Unsigned => "unsigned",
            Self::Missing { .. } => "missing",
            Self::Valid { .. } => "valid",
            Self::Expired { .. } => "expired",
            Self::Invalid { .. } => "invalid",
            Self::UntrustedKey { .. } => "untrusted-key",
        }
    }

    pub fn key_id(&self) -> String {
        match self {
            Self::Valid { key_id }
            | Self::Invalid { key_id, .. }
            | Self::Expired { key_id, .. } => key_id.clone(),
            Self::UntrustedKey { signed_by } => signed_by.clone(),
            _ => String::new(),
        }
    }
}

/// A signature check's outcome under one key.
pub type Outcome = Result<signature::Verified, SignatureError>;

/// Checks `sig_text` over `bytes` under `key` in short tasks: minisign
/// hashes the whole manifest (BLAKE2b), and a 50 MB one takes longer than a
/// frame. The same check as [`signature::verify`], fed in slices.
pub(crate) async fn check_in_slices(key: &str, sig_text: &str, bytes: &[u8]) -> Outcome {
    let check = signature::Check::new(key, sig_text)?;
    let mut stream = check.stream()?;
    let mut slices = api::Slices::new();
    for part in bytes.chunks(1 << 20) {
        stream.update(part);
        slices.breathe().await;
    }
    stream.finish()
}

/// The check of the signature over `bytes` (the manifest the page holds)
/// under the pinned key, run again when either changes: (key, signature,
/// outcome), `None` until the first ends. Retained snapshots' signatures
/// are checked by the history panel, on the manifests it reads.
pub fn checked(
    bytes: std::sync::Arc<Vec<u8>>,
    sig: Signal<Option<String>>,
    pinned: Signal<Option<String>>,
) -> RwSignal<Option<(String, String, Outcome)>> {
    let done: RwSignal<Option<(String, String, Outcome)>> = RwSignal::new(None);
    Effect::new(move |_| {
        let (Some(key), Some(text)) = (pinned.get(), sig.get()) else {
            return;
        };
        let bytes = bytes.clone();
        leptos::task::spawn_local(async move {
            let outcome = check_in_slices(&key, &text, &bytes).await;
            // A newer pin may have started a newer check meanwhile.
            if pinned.get_untracked().as_deref() == Some(key.as_str()) {
                done.set(Some((key, text, outcome)));
            }
        });
    });
    done
}

/// The outcome [`checked`] holds for `key` and `sig_text`, if that check
/// has ended.
pub fn outcome_for(
    done: RwSignal<Option<(String, String, Outcome)>>,
    key: &str,
    sig_text: &str,
) -> Option<Outcome> {
    done.with(|d| {
        d.as_ref()
            .filter(|(k, t, _)| k == key && t == sig_text)
            .map(|(_, _, o)| o.clone())
    })
}

/// Judges `sig` (fetched: `Ok(None)` when absent, `Err` when it could not
/// be fetched) over a manifest whose snapshot id is `id`, under `pinned`;
/// `verified` gives the check of the signature over the manifest's bytes
/// under a key, or `None` while it runs. A valid signature over a manifest
/// whose `expires_at` is before `now` (Unix seconds) is `Expired`.
pub fn judge(
    id: &str,
    sig: Result<Option<&str>, &str>,
    pinned: Option<&str>,
    expires_at: Option<&str>,
    now: i64,
    verified: impl FnOnce(&str, &str) -> Option<Outcome>,
) -> SigState {
    let sig = match (sig, pinned) {
        (Ok(Some(s)), _) => s,
        (Ok(None), None) | (Err(_), None) => return SigState::Unsigned,
        (Ok(None), Some(_)) => {
            return SigState::Missing {
                why: "the site has no signature, but you pinned a key: it may have been stripped"
                    .into(),
            };
        }
        (Err(e), Some(_)) => {
            return SigState::Missing {
                why: format!("the signature could not be fetched ({e})"),
            };
        }
    };
    let signed_by = signature::signature_key_id(sig).unwrap_or_default();
    let Some(key) = pinned else {
        return SigState::UntrustedKey { signed_by };
    };
    let Some(outcome) = verified(key, sig) else {
        return SigState::Checking;
    };
    match outcome {
        Ok(v) => match signature::snapshot_in_comment(&v.trusted_comment) {
            Some(named) if named != id => SigState::Invalid {
                key_id: v.key_id,
                why: format!("the signed comment names snapshot {named}"),
            },
            _ => match expires_at {
                Some(at) if vouch_core::time::parse_rfc3339(at).is_some_and(|t| t <= now) => {
                    SigState::Expired {
                        key_id: v.key_id,
                        at: at.to_owned(),
                    }
                }
                _ => SigState::Valid { key_id: v.key_id },
            },
        },
        Err(SignatureError::UntrustedKey { signed_by, .. }) => SigState::UntrustedKey { signed_by },
        Err(e) => SigState::Invalid {
            key_id: signed_by,
            why: e.to_string(),
        },
    }
}

/// Now, in Unix seconds, by the reader's clock.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// `#signature-status`: whether the manifest at `manifest_path` was signed
/// by the key the reader pinned, with a form to pin one.
#[component]
pub fn SignaturePanel(
    root: String,
    bytes: std::sync::Arc<Vec<u8>>,
    id: String,
    sig_path: String,
    pinned: RwSignal<Option<String>>,
    /// The manifest's `expires_at`, or empty when it has none.
    #[prop(optional)]
    expires_at: String,
    /// Where the verdict is published for the page's summary.
    #[prop(optional)]
    report: Option<RwSignal<SigState>>,
) -> impl IntoView {
    type Fetched = Result<Option<String>, String>;
    let sig: RwSignal<Option<Fetched>> = RwSignal::new(None);
    let claimed: RwSignal<Option<String>> = RwSignal::new(None);
    {
        let root = root.clone();
        leptos::task::spawn_local(async move {
            let s = api::fetch_text(&format!("{root}{sig_path}"))
                .await
                .map_err(|e| e.to_string());
            sig.set(Some(s));
            let pub_file = api::fetch_text(&format!("{root}vouch.pub"))
                .await
                .ok()
                .flatten();
            claimed.set(pub_file.and_then(|p| signature::public_key_id(&p).ok()));
        });
    }
    let done = checked(
        bytes,
        Signal::derive(move || sig.get().and_then(Result::ok).flatten()),
        pinned.into(),
    );
    let state = Memo::new(move |_| match sig.get() {
        None => SigState::Checking,
        Some(s) => judge(
            &id,
            s.as_ref().map(|o| o.as_deref()).map_err(String::as_str),
            pinned.get().as_deref(),
            (!expires_at.is_empty()).then_some(expires_at.as_str()),
            now(),
            |key, text| outcome_for(done, key, text),
        ),
    });
    if let Some(report) = report {
        Effect::new(move |_| report.set(state.get()));
    }
    // A key offered by a `#pubkey=` link or pasted in, when another is
    // already pinned: it replaces the pin only once the reader confirms.
    let offered: RwSignal<Option<String>> = RwSignal::new(trust::offered(&root));
    // A `#pubkey=…` link opened in this tab changes only the fragment.
    let hash_root = root.clone();
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        match trust::pinned(&hash_root) {
            Some(k) if pinned.get_untracked().as_deref() != Some(k.as_str()) => {
                pinned.set(Some(k));
            }
            _ => {}
        }
        offered.set(trust::offered(&hash_root));
    });
    on_cleanup(move || handle.remove());
    let (draft, set_draft) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let pin_root = root.clone();
    let pin = move |_| match signature::public_key_line(&draft.get()) {
        Ok(line) => {
            set_error.set(None);
            match pinned.get_untracked() {
                Some(current) if current.trim() != line.trim() => {
                    offered.set(Some(line.to_owned()));
                }
                _ => {
                    if let Ok(k) = trust::pin(&pin_root, line) {
                        pinned.set(Some(k));
                    }
                }
            }
        }
        Err(e) => set_error.set(Some(e.to_string())),
    };
    let confirm_root = root.clone();
    let replace = move |_| {
        if let Some(k) = offered.get_untracked()
            && let Ok(k) = trust::pin(&confirm_root, &k)
        {
            pinned.set(Some(k));
        }
        offered.set(None);
    };
    let keep = move |_| offered.set(None);
    let forget_root = root;
    let forget = move |_| {
        trust::forget(&forget_root);
        pinned.set(None);
    };
    let message = move || match state.get() {
        SigState::Checking => "Checking the signature…".to_owned(),
        SigState::Unsigned => {
            "Unsigned: nothing vouches for this snapshot beyond its host.".to_owned()
        }
        SigState::Missing { why } => {
            format!("Signature MISSING: {why}. Nothing here is vouched for by the key you trust.")
        }
        SigState::Valid { key_id } => {
            format!("Signature valid: signed by key {key_id}, which you trust.")
        }
        SigState::Expired { key_id, at } => format!(
            "Signature EXPIRED at {at} (key {key_id}): the host may be serving an old snapshot, or the site was not re-published in time."
        ),
        SigState::Invalid { key_id, why } => {
            format!(
                "Signature INVALID (key {key_id}): {why}. This snapshot is not what the key holder signed."
            )
        }
        SigState::UntrustedKey { signed_by } => match pinned.get() {
            Some(_) => format!("Signed by key {signed_by}, which is NOT the key you trust."),
            None => format!(
                "Signed by key {signed_by}, but you have not pinned a key to check it against."
            ),
        },
    };
    let pinned_id = move || pinned.get().and_then(|k| signature::public_key_id(&k).ok());
    let confirm = move || {
        let new = offered.get()?;
        let new_id = signature::public_key_id(&new).unwrap_or_default();
        let old_id = pinned_id().unwrap_or_else(|| "none".into());
        (Some(new_id.as_str()) != pinned_id().as_deref()).then(|| {
            view! {
                <div id="pin-confirm" class="pin-confirm" role="alertdialog" data-old-key=old_id.clone() data-new-key=new_id.clone()>
                    <p>
                        <strong>"Replace the key you trust?"</strong>
                        {format!(" You trust key {old_id} for this site. A link or a paste offers key {new_id} instead. Replace it only if you got the new key from the publisher over a channel this site does not control.")}
                    </p>
                    <button id="pin-replace" on:click=replace.clone()>{format!("Trust {new_id} instead")}</button>
                    " "
                    <button id="pin-keep" on:click=keep>{format!("Keep {old_id}")}</button>
                </div>
            }
        })
    };
    view! {
        <div
            id="signature-status"
            class=move || format!("signature signature-{}", state.with(SigState::as_str))
            data-status=move || state.with(SigState::as_str)
            data-key-id=move || state.with(SigState::key_id)
        >
            <p class="signature-headline">{message}</p>
            <p class="signature-detail">
                {move || match pinned_id() {
                    Some(id) => format!("Trusted key: {id} (pinned in this browser for this site). "),
                    None => "No trusted key pinned. ".to_owned(),
                }}
                {move || claimed.get().map(|id| format!("The site claims key {id}; a claim is not trust: compare it with a key you got elsewhere."))}
            </p>
            {confirm}
            <div class="pin">
                <input
                    type="text"
                    id="pubkey-input"
                    placeholder="Paste a minisign public key (RW…) to trust"
                    aria-label="Public key to trust"
                    on:input=move |ev| set_draft.set(event_target_value(&ev))
                />
                <button id="pin-key" on:click=pin>"Trust this key"</button>
                <button id="forget-key" on:click=forget>"Forget"</button>
                {move || error.get().map(|e| view! { <span class="pin-error">{e}</span> })}
            </div>
        </div>
    }
}
