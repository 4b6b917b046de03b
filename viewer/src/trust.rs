//! The key the reader trusts. A signature means something only under a key
//! the auditor chose: from the URL (`#pubkey=RW…`), pasted in, and then
//! remembered for this site in the browser's local storage. A key the site
//! itself publishes (`vouch.pub`) is only ever shown as *claimed*. Changing
//! a remembered key needs the reader's confirmation, showing both key ids.
//!
//! Local storage is shared by every page of an origin (on GitHub Pages, every
//! repository of the same owner), so a page there can still rewrite a pin:
//! docs/auditing.md says which check defends against what.

use leptos::prelude::*;
use vouch_core::signature;

fn storage_key(root: &str) -> String {
    let base = window().location().href().unwrap_or_default();
    let site = web_sys::Url::new_with_base(if root.is_empty() { "./" } else { root }, &base)
        .map(|u| u.href())
        .unwrap_or(base);
    format!("vouch.pubkey:{site}")
}

/// `#pubkey=RW…` in the address, if it is a valid key.
fn from_fragment() -> Option<String> {
    let hash = window().location().hash().ok()?;
    let value = hash
        .trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("pubkey="))?;
    let value = js_sys::decode_uri_component(value).ok()?.as_string()?;
    signature::public_key_line(&value).ok().map(str::to_owned)
}

/// The pinned key for the site at `root`. A `#pubkey=` key is pinned and
/// remembered only when no other key is remembered for this site: a link
/// never silently replaces a pin (see [`offered`]).
pub fn pinned(root: &str) -> Option<String> {
    let storage = window().local_storage().ok().flatten();
    let stored = storage
        .as_ref()
        .and_then(|s| s.get_item(&storage_key(root)).ok().flatten());
    match (stored, from_fragment()) {
        (Some(k), _) => Some(k),
        (None, Some(key)) => {
            if let Some(s) = &storage {
                let _ = s.set_item(&storage_key(root), &key);
            }
            Some(key)
        }
        (None, None) => None,
    }
}

/// A `#pubkey=` key that differs from the one remembered for this site:
/// offered, awaiting the reader's confirmation.
pub fn offered(root: &str) -> Option<String> {
    let key = from_fragment()?;
    let stored = window()
        .local_storage()
        .ok()
        .flatten()?
        .get_item(&storage_key(root))
        .ok()
        .flatten()?;
    (stored.trim() != key.trim()).then_some(key)
}

/// Pins `key` for this site; `Err` when it is not a minisign public key.
pub fn pin(root: &str, key: &str) -> Result<String, signature::SignatureError> {
    let line = signature::public_key_line(key)?.to_owned();
    if let Some(s) = window().local_storage().ok().flatten() {
        let _ = s.set_item(&storage_key(root), &line);
    }
    Ok(line)
}

pub fn forget(root: &str) {
    if let Some(s) = window().local_storage().ok().flatten() {
        let _ = s.remove_item(&storage_key(root));
    }
}

fn seen_key(root: &str, key_id: &str) -> String {
    format!(
        "{}|{key_id}",
        storage_key(root).replace("vouch.pubkey:", "vouch.seen:")
    )
}

/// The newest snapshot verified for this site under `key_id`.
pub fn seen(root: &str, key_id: &str) -> Option<vouch_core::monitor::Seen> {
    let text = window()
        .local_storage()
        .ok()
        .flatten()?
        .get_item(&seen_key(root, key_id))
        .ok()
        .flatten()?;
    let (id, built_at) = text.split_once(' ')?;
    Some(vouch_core::monitor::Seen {
        id: id.to_owned(),
        built_at: built_at.to_owned(),
    })
}

pub fn remember_seen(root: &str, key_id: &str, s: &vouch_core::monitor::Seen) {
    if let Some(st) = window().local_storage().ok().flatten() {
        let _ = st.set_item(&seen_key(root, key_id), &format!("{} {}", s.id, s.built_at));
    }
}
