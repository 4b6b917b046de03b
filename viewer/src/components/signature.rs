use leptos::prelude::*;
use vouch_core::signature::{self, SignatureError};

use crate::{api, trust};

/// The state of one manifest's signature, under the pinned key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigState {
    Checking,
    Unsigned,
    Valid { key_id: String },
    Invalid { key_id: String, why: String },
    UntrustedKey { signed_by: String },
}

impl SigState {
    /// The value of `#signature-status[data-status]`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Checking => "checking",
            Self::Unsigned => "unsigned",
            Self::Valid { .. } => "valid",
            Self::Invalid { .. } => "invalid",
            Self::UntrustedKey { .. } => "untrusted-key",
        }
    }

    pub fn key_id(&self) -> String {
        match self {
            Self::Valid { key_id } | Self::Invalid { key_id, .. } => key_id.clone(),
            Self::UntrustedKey { signed_by } => signed_by.clone(),
            _ => String::new(),
        }
    }
}

/// Judges `sig` over `bytes` (whose snapshot id is `id`) under `pinned`.
pub fn judge(bytes: &[u8], id: &str, sig: Option<&str>, pinned: Option<&str>) -> SigState {
    let Some(sig) = sig else {
        return SigState::Unsigned;
    };
    let signed_by = signature::signature_key_id(sig).unwrap_or_default();
    let Some(key) = pinned else {
        return SigState::UntrustedKey { signed_by };
    };
    match signature::verify(key, sig, bytes) {
        Ok(v) => match signature::snapshot_in_comment(&v.trusted_comment) {
            Some(named) if named != id => SigState::Invalid {
                key_id: v.key_id,
                why: format!("the signed comment names snapshot {named}"),
            },
            _ => SigState::Valid { key_id: v.key_id },
        },
        Err(SignatureError::UntrustedKey { signed_by, .. }) => SigState::UntrustedKey { signed_by },
        Err(e) => SigState::Invalid {
            key_id: signed_by,
            why: e.to_string(),
        },
    }
}

/// `#signature-status`: whether the manifest at `manifest_path` was signed
/// by the key the reader pinned, with a form to pin one.
#[component]
pub fn SignaturePanel(
    root: String,
    bytes: Vec<u8>,
    id: String,
    sig_path: String,
    pinned: RwSignal<Option<String>>,
) -> impl IntoView {
    let sig: RwSignal<Option<Option<String>>> = RwSignal::new(None);
    let claimed: RwSignal<Option<String>> = RwSignal::new(None);
    {
        let root = root.clone();
        leptos::task::spawn_local(async move {
            let s = api::fetch_text(&format!("{root}{sig_path}"))
                .await
                .ok()
                .flatten();
            sig.set(Some(s));
            let pub_file = api::fetch_text(&format!("{root}vouch.pub"))
                .await
                .ok()
                .flatten();
            claimed.set(pub_file.and_then(|p| signature::public_key_id(&p).ok()));
        });
    }
    let state = Memo::new(move |_| match sig.get() {
        None => SigState::Checking,
        Some(s) => judge(&bytes, &id, s.as_deref(), pinned.get().as_deref()),
    });
    // A `#pubkey=…` link opened in this tab changes only the fragment.
    let hash_root = root.clone();
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        if let Some(k) = trust::pinned(&hash_root) {
            pinned.set(Some(k));
        }
    });
    on_cleanup(move || handle.remove());
    let (draft, set_draft) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let pin_root = root.clone();
    let pin = move |_| match trust::pin(&pin_root, &draft.get()) {
        Ok(k) => {
            set_error.set(None);
            pinned.set(Some(k));
        }
        Err(e) => set_error.set(Some(e.to_string())),
    };
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
        SigState::Valid { key_id } => {
            format!("Signature valid: signed by key {key_id}, which you trust.")
        }
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
