//! Keys and signatures, in minisign's formats.
//!
//! Key files are read and written by the `minisign` crate (so encrypted keys
//! work exactly as with the minisign tool). Signatures are made here: plain
//! Ed25519 (RFC 8032, deterministic, as libsodium does) over the BLAKE2b-512
//! prehash, in minisign's text format. Unlike the crate's hedged signatures,
//! the same key and manifest always give the same `.minisig`, which keeps
//! builds byte-for-byte reproducible. The real `minisign -V` accepts them
//! (tested in tests/integration/signing.rs).

use std::{io::IsTerminal, path::Path};

use anyhow::{Context, Result, bail};
use base64::{Engine, engine::general_purpose::STANDARD};
use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signer, SigningKey};
use minisign::{KeyPair, PublicKey, SecretKeyBox};

/// The environment variable holding a secret key file's contents (for CI).
pub const KEY_ENV: &str = "VOUCH_SIGNING_KEY";
/// The environment variable holding an encrypted key's password.
pub const PASSWORD_ENV: &str = "VOUCH_KEY_PASSWORD";

/// A secret key ready to sign.
pub struct KeySigner {
    seed: [u8; 32],
    keynum: [u8; 8],
    public: PublicKey,
}

impl KeySigner {
    /// `vouch.pub` contents for this key.
    pub fn public_key_file(&self) -> Result<String> {
        Ok(self
            .public
            .to_box()
            .context("encoding the public key")?
            .into_string())
    }

    pub fn key_id(&self) -> String {
        format!("{:016X}", u64::from_le_bytes(self.keynum))
    }

    /// A minisign signature of `data` with `trusted_comment`.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> String {
        let key = SigningKey::from_bytes(&self.seed);
        let prehash = Blake2b512::digest(data);
        let sig = key.sign(&prehash).to_bytes();
        let mut line = Vec::with_capacity(74);
        line.extend_from_slice(b"ED");
        line.extend_from_slice(&self.keynum);
        line.extend_from_slice(&sig);
        let mut global = sig.to_vec();
        global.extend_from_slice(trusted_comment.as_bytes());
        let global_sig = key.sign(&global).to_bytes();
        format!(
            "untrusted comment: signature from vouch secret key {}\n{}\ntrusted comment: {trusted_comment}\n{}\n",
            self.key_id(),
            STANDARD.encode(line),
            STANDARD.encode(global_sig)
        )
    }
}

fn password(prompt_ok: bool) -> Result<Option<String>> {
    match std::env::var(PASSWORD_ENV) {
        Ok(p) => Ok(Some(p)),
        // `None` makes the minisign crate prompt on the terminal.
        Err(_) if prompt_ok && std::io::stdin().is_terminal() => Ok(None),
        Err(_) => bail!("the secret key is encrypted; set {PASSWORD_ENV} or run in a terminal"),
    }
}

/// Reads a secret key from minisign key file contents; `origin` names it in
/// errors. Unencrypted keys (the minisign tool's `-W`, or `vouch keygen
/// --unencrypted`) are read directly; encrypted ones are decrypted by the
/// minisign crate with `$VOUCH_KEY_PASSWORD` or a prompt.
pub fn load_secret_key(contents: &str, origin: &str) -> Result<KeySigner> {
    // sig_alg, kdf_alg, chk_alg, salt, opslimit, memlimit, keynum, sk, chk
    const KEYNUM: usize = 2 + 2 + 2 + 32 + 8 + 8;
    const LEN: usize = KEYNUM + 8 + 64 + 32;
    let line = contents
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .with_context(|| format!("{origin} is not a minisign secret key (it is empty)"))?;
    let raw = STANDARD
        .decode(line)
        .ok()
        .filter(|r| r.len() == LEN && r.starts_with(b"Ed"))
        .with_context(|| format!("{origin} is not a minisign secret key"))?;
    let bytes = if raw[2..4] == [0, 0] {
        raw
    } else {
        let boxed = SecretKeyBox::from_string(contents)
            .with_context(|| format!("{origin} is not a minisign secret key"))?;
        let sk = boxed
            .into_secret_key(password(true)?)
            .with_context(|| format!("cannot decrypt {origin} (wrong password?)"))?;
        sk.to_bytes()
    };
    let mut keynum = [0u8; 8];
    keynum.copy_from_slice(&bytes[KEYNUM..KEYNUM + 8]);
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&bytes[KEYNUM + 8..KEYNUM + 8 + 32]);
    // The stored public half must be what the seed derives.
    let derived = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    if bytes[KEYNUM + 8 + 32..KEYNUM + 8 + 64] != derived {
        bail!("{origin}: the secret key is damaged (its halves do not match)");
    }
    let mut pk = b"Ed".to_vec();
    pk.extend_from_slice(&keynum);
    pk.extend_from_slice(&derived);
    let public = PublicKey::from_base64(&STANDARD.encode(pk))
        .with_context(|| format!("{origin}: cannot derive its public key"))?;
    Ok(KeySigner {
        seed,
        keynum,
        public,
    })
}

/// The signing key for a build: `--sign FILE`, else `$VOUCH_SIGNING_KEY`.
pub fn signing_key(file: Option<&Path>) -> Result<Option<KeySigner>> {
    if let Some(path) = file {
        warn_if_exposed(path);
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the secret key {}", path.display()))?;
        return load_secret_key(&text, &path.display().to_string()).map(Some);
    }
    match std::env::var(KEY_ENV) {
        Ok(text) if !text.trim().is_empty() => load_secret_key(&text, KEY_ENV).map(Some),
        _ => Ok(None),
    }
}

/// A public key given on the command line: a `.pub` file, or the `RW…` key.
pub fn public_key_arg(arg: &str, flag: &str) -> Result<String> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg).with_context(|| format!("cannot read {arg}"))?
    } else {
        arg.to_owned()
    };
    vouch_core::signature::public_key_line(&text).with_context(|| format!("{flag} {arg}"))?;
    Ok(text)
}

/// Before a signed build chains onto the previous snapshot: that snapshot
/// must be signed by the same key, or by a key listed with
/// `--trust-previous-key` (`unsigned` accepts an unsigned one). Otherwise a
/// host could serve a history signed by someone else, and this build would
/// sign it as its own.
pub fn check_previous(
    previous: &crate::snapshot::Previous,
    signer: &KeySigner,
    trusted: &[String],
) -> Result<()> {
    use vouch_core::signature;
    let ours = signer.key_id();
    let described = previous.store.describe();
    let Some(sig) = previous.signature.as_deref() else {
        if trusted.iter().any(|t| t == "unsigned") {
            return Ok(());
        }
        bail!(
            "the previous snapshot {} at {described} is not signed, but this build signs with key \
             {ours}; refusing to sign a history no trusted key vouches for (a host can replace a \
             signed history with an unsigned one). If this history was never signed, pass \
             --trust-previous-key unsigned; to start a new history, --previous none.",
            previous.id
        );
    };
    let sig = String::from_utf8_lossy(sig);
    let signed_by =
        signature::signature_key_id(&sig).unwrap_or_else(|_| "an unreadable key".to_owned());
    let mut keys = vec![signer.public_key_file()?];
    for t in trusted.iter().filter(|t| *t != "unsigned") {
        keys.push(public_key_arg(t, "--trust-previous-key")?);
    }
    let bytes = previous.head_bytes()?;
    let mut last_err = None;
    for k in &keys {
        match signature::verify(k, &sig, &bytes) {
            Ok(_) => return Ok(()),
            Err(e @ signature::SignatureError::Invalid { .. }) => last_err = Some(e.to_string()),
            Err(_) => {}
        }
    }
    let trusted_ids: Vec<String> = keys
        .iter()
        .filter_map(|k| signature::public_key_id(k).ok())
        .collect();
    match last_err {
        Some(e) => bail!(
            "the previous snapshot {} at {described} claims key {signed_by}, but its signature \
             does not verify ({e}); refusing to chain onto it",
            previous.id
        ),
        None => bail!(
            "the previous snapshot {} at {described} is signed by key {signed_by}, not by this \
             build's key {ours}{}; refusing to chain onto a history this key does not vouch for. \
             If the signing key was rotated, pass --trust-previous-key with the old public key.",
            previous.id,
            if trusted_ids.len() > 1 {
                format!(" (nor by {})", trusted_ids[1..].join(", "))
            } else {
                String::new()
            }
        ),
    }
}

/// Warns, as ssh does, when a secret key file can be read or written by
/// anyone but its owner (`chmod 600` it). The key is still used: refusing
/// would break a CI job that cannot fix modes, but the warning is loud.
pub fn warn_if_exposed(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "warning: the secret key {} is accessible by others (mode {mode:03o}); \
                     anyone who can read it can sign snapshots as you. Run: chmod 600 {}",
                    crate::term::safe(&path.display().to_string()),
                    crate::term::safe(&path.display().to_string()),
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// `vouch keygen`: writes `DIR/vouch.key` and `DIR/vouch.pub`.
pub fn keygen(dir: &Path, unencrypted: bool, force: bool) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (sk_path, pk_path) = (dir.join("vouch.key"), dir.join("vouch.pub"));
    for p in [&sk_path, &pk_path] {
        if p.exists() && !force {
            bail!("{} exists; pass --force to replace it", p.display());
        }
    }
    let KeyPair { pk, sk } = if unencrypted {
        KeyPair::generate_unencrypted_keypair().context("generating a key pair")?
    } else {
        let pw = password(true)?;
        KeyPair::generate_encrypted_keypair(pw).context("generating a key pair")?
    };
    let sk_text = sk
        .to_box(None)
        .context("encoding the secret key")?
        .into_string();
    let pk_text = pk
        .to_box()
        .context("encoding the public key")?
        .into_string();
    write_private(&sk_path, sk_text.as_bytes())?;
    std::fs::write(&pk_path, &pk_text)
        .with_context(|| format!("cannot write {}", pk_path.display()))?;
    let id = vouch_core::signature::public_key_id(&pk_text)?;
    Ok(id)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_deterministic_and_verify() {
        let KeyPair { pk, sk } = KeyPair::generate_unencrypted_keypair().expect("keys");
        let text = sk.to_box(None).expect("box").into_string();
        let signer = load_secret_key(&text, "test key").expect("load");
        let pub_text = pk.to_box().expect("box").into_string();
        assert_eq!(signer.public_key_file().expect("pub"), pub_text);
        let a = signer.sign(b"manifest bytes", "vouch snapshot:ab\tbuilt:x");
        let b = signer.sign(b"manifest bytes", "vouch snapshot:ab\tbuilt:x");
        assert_eq!(a, b, "deterministic");
        let v = vouch_core::signature::verify(&pub_text, &a, b"manifest bytes").expect("verifies");
        assert_eq!(v.key_id, signer.key_id());
        assert!(vouch_core::signature::verify(&pub_text, &a, b"manifest byteS").is_err());
        // The minisign crate accepts it too.
        let sig = minisign::SignatureBox::from_string(&a).expect("parse");
        minisign::verify(
            &pk,
            &sig,
            std::io::Cursor::new(b"manifest bytes"),
            true,
            false,
            false,
        )
        .expect("minisign crate");
    }
}
