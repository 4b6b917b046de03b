//! The key the reader trusts. A signature means something only under a key
//! the auditor chose: from the URL (`#pubkey=RW…`), pasted in, and then
//! remembered for this site in the browser's local storage. A key the site
//! itself publishes (`vouch.pub`) is only ever shown as *claimed*.

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

/// The pinned key for the site at `root`: the URL's wins and is remembered.
pub fn pinned(root: &str) -> Option<String> {
    let storage = window().local_storage().ok().flatten();
    if let Some(key) = from_fragment() {
        if let Some(s) = &storage {
            let _ = s.set_item(&storage_key(root), &key);
        }
        return Some(key);
    }
    storage?.get_item(&storage_key(root)).ok().flatten()
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
