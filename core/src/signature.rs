//! minisign signatures over `manifest.json`, checked the same way by
//! `vouch verify` and by the viewer in the browser.
//!
//! A signature proves something only under a key the reader chose to trust
//! (pinned). A key that the site itself publishes is a *claim*.

use minisign_verify::{PublicKey, Signature};

/// What a good signature says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The signing key's id, as minisign prints it (16 uppercase hex digits).
    pub key_id: String,
    /// The signed trusted comment.
    pub trusted_comment: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("not a minisign public key: {0}")]
    BadKey(String),
    #[error("not a minisign signature: {0}")]
    BadSignature(String),
    #[error("signed by key {signed_by}, not by the trusted key {trusted}")]
    UntrustedKey { signed_by: String, trusted: String },
    #[error("the signature does not match the data (key {key_id})")]
    Invalid { key_id: String },
    /// The signed file could not be read again for a later check, or no
    /// longer has the bytes first read (the site changed meanwhile).
    #[error("the signed manifest could not be read again as it was first read")]
    Changed,
}

/// The base64 key line from a `.pub` file's contents or a bare `RW…` key.
pub fn public_key_line(text: &str) -> Result<&str, SignatureError> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .ok_or_else(|| SignatureError::BadKey("empty".into()))?;
    PublicKey::from_base64(line).map_err(|e| SignatureError::BadKey(e.to_string()))?;
    Ok(line)
}

/// Standard padded base64, strictly, as minisign writes it (the `base64`
/// crate's `STANDARD` engine, which a test compares it with): `None` for
/// anything else. Here rather than that crate so that the viewer's wasm
/// does not carry it (2 KB gzip) for two key ids.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let quads = text.len() / 4;
    let mut out = Vec::with_capacity(quads * 3);
    for (i, quad) in text.chunks_exact(4).enumerate() {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != quads) {
            return None;
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            };
            n = n << 6 | u32::from(v);
        }
        let bytes = (n << (6 * pad)).to_be_bytes();
        let (keep, rest) = bytes[1..].split_at(3 - pad);
        // The bits after the last byte must be zero, or two texts would
        // decode alike.
        if rest.iter().any(|&b| b != 0) {
            return None;
        }
        out.extend_from_slice(keep);
    }
    Some(out)
}

fn key_id(keynum: &[u8]) -> String {
    let mut n = [0u8; 8];
    n.copy_from_slice(&keynum[..8]);
    format!("{:016X}", u64::from_le_bytes(n))
}

/// The id of a public key (`.pub` contents or a bare key).
pub fn public_key_id(text: &str) -> Result<String, SignatureError> {
    let raw = decode_base64(public_key_line(text)?)
        .ok_or_else(|| SignatureError::BadKey("not base64".into()))?;
    if raw.len() != 42 {
        return Err(SignatureError::BadKey("wrong length".into()));
    }
    Ok(key_id(&raw[2..10]))
}

/// The id of the key that made a `.minisig`.
pub fn signature_key_id(sig_text: &str) -> Result<String, SignatureError> {
    let line = sig_text
        .lines()
        .nth(1)
        .ok_or_else(|| SignatureError::BadSignature("missing signature line".into()))?;
    let raw = decode_base64(line.trim())
        .ok_or_else(|| SignatureError::BadSignature("not base64".into()))?;
    if raw.len() != 74 {
        return Err(SignatureError::BadSignature("wrong length".into()));
    }
    Ok(key_id(&raw[2..10]))
}

/// Checks `sig_text` (a `.minisig`) over `data` against the trusted key.
pub fn verify(trusted_key: &str, sig_text: &str, data: &[u8]) -> Result<Verified, SignatureError> {
    let check = Check::new(trusted_key, sig_text)?;
    let mut stream = check.stream()?;
    stream.update(data);
    stream.finish()
}

/// A signature check whose data comes in parts, so a reader that must stay
/// responsive (the viewer, over a 50 MB manifest) can yield between them.
/// [`verify`] is this check over one part.
pub struct Check {
    key: PublicKey,
    signature: Signature,
    signed_by: String,
}

impl Check {
    /// Everything but the data: the key and the signature parse, and the
    /// signature names the trusted key.
    pub fn new(trusted_key: &str, sig_text: &str) -> Result<Self, SignatureError> {
        let key = PublicKey::from_base64(public_key_line(trusted_key)?)
            .map_err(|e| SignatureError::BadKey(e.to_string()))?;
        let signature =
            Signature::decode(sig_text).map_err(|e| SignatureError::BadSignature(e.to_string()))?;
        let trusted = public_key_id(trusted_key)?;
        let signed_by = signature_key_id(sig_text)?;
        if signed_by != trusted {
            return Err(SignatureError::UntrustedKey { signed_by, trusted });
        }
        Ok(Self {
            key,
            signature,
            signed_by,
        })
    }

    /// Starts feeding the data (minisign's pre-hashed mode, the only one
    /// vouch accepts).
    pub fn stream(&self) -> Result<Stream<'_>, SignatureError> {
        let inner = self
            .key
            .verify_stream(&self.signature)
            .map_err(|_| self.invalid())?;
        Ok(Stream { check: self, inner })
    }

    fn invalid(&self) -> SignatureError {
        SignatureError::Invalid {
            key_id: self.signed_by.clone(),
        }
    }
}

/// A [`Check`] being fed its data.
pub struct Stream<'a> {
    check: &'a Check,
    inner: minisign_verify::StreamVerifier<'a>,
}

impl Stream<'_> {
    pub fn update(&mut self, part: &[u8]) {
        self.inner.update(part);
    }

    /// Whether the data fed matches the signature.
    pub fn finish(mut self) -> Result<Verified, SignatureError> {
        self.inner.finalize().map_err(|_| self.check.invalid())?;
        Ok(Verified {
            key_id: self.check.signed_by.clone(),
            trusted_comment: self.check.signature.trusted_comment().to_owned(),
        })
    }
}

/// The trusted comment vouch signs: the snapshot id and the build time.
pub fn trusted_comment(snapshot_id: &str, built_at: &str) -> String {
    format!("vouch snapshot:{snapshot_id}\tbuilt:{built_at}")
}

/// The snapshot id a vouch trusted comment names, if it names one.
pub fn snapshot_in_comment(comment: &str) -> Option<&str> {
    comment
        .split('\t')
        .find_map(|f| f.strip_prefix("vouch snapshot:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // minisign's own documented example: a public key and its signature of
    // the four bytes "test". Interop with the real minisign binary, both
    // ways, is tested in tests/integration/signing.rs.
    const PK: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";
    const SIG: &str = "untrusted comment: signature from minisign secret key
RUQf6LRCGA9i559r3g7V1qNyJDApGip8MfqcadIgT9CuhV3EMhHoN1mGTkUidF/z7SrlQgXdy8ofjb7bNJJylDOocrCo8KLzZwo=
trusted comment: timestamp:1633700835\tfile:test\tprehashed
wLMDjy9FLAuxZ3q4NlEvkgtyhrr0gtTu6KC4KBJdITbbOeAi1zBIYo0v4iTgt8jJpIidRJnp94ABQkJAgAooBQ==";

    #[test]
    fn decode_base64_agrees_with_the_base64_crate() {
        use base64::{Engine, engine::general_purpose::STANDARD};
        const ALPHABET: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n";
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut cases: Vec<String> = vec![
            String::new(),
            "====".into(),
            "QQ==".into(),
            "QR==".into(),
            "QUI=".into(),
            "QUJ=".into(),
            "QUJD".into(),
            "QQ==QUJD".into(),
            "Q===".into(),
            "QQ=A".into(),
        ];
        for _ in 0..50_000 {
            let len = next(13) as usize;
            // Mostly the base64 alphabet, sometimes padding or junk.
            let pool = if next(4) == 0 { ALPHABET.len() } else { 64 } as u64;
            cases.push(
                (0..len)
                    .map(|_| ALPHABET[next(pool) as usize] as char)
                    .collect(),
            );
        }
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..next(20)).map(|_| next(256) as u8).collect();
            let mut text = STANDARD.encode(&bytes);
            if next(2) == 0 && !text.is_empty() {
                let at = next(text.len() as u64) as usize;
                text.replace_range(at..=at, &(ALPHABET[next(66) as usize] as char).to_string());
            }
            cases.push(text);
        }
        for case in cases {
            assert_eq!(
                decode_base64(&case),
                STANDARD.decode(&case).ok(),
                "{case:?}"
            );
        }
    }

    #[test]
    fn verifies_minisign_signatures() {
        let v = verify(PK, SIG, b"test").expect("valid");
        assert_eq!(v.key_id, public_key_id(PK).expect("id"));
        assert!(v.trusted_comment.contains("timestamp:1633700835"));
        let pub_file = format!("untrusted comment: minisign public key\n{PK}\n");
        assert!(
            verify(&pub_file, SIG, b"test").is_ok(),
            "a .pub file's contents work too"
        );
    }

    #[test]
    fn rejects_tampering_and_other_keys() {
        assert!(matches!(
            verify(PK, SIG, b"tesT"),
            Err(SignatureError::Invalid { .. })
        ));
        let other = "RWTAPRGkeqQvZYBtWz6ZnsS1rJc7hSBt9eXRZSHyHzW1XdlfNDDT/oCE";
        assert!(matches!(
            verify(other, SIG, b"test"),
            Err(SignatureError::UntrustedKey { .. }) | Err(SignatureError::BadKey(_))
        ));
        assert!(matches!(
            verify(PK, "garbage", b"test"),
            Err(SignatureError::BadSignature(_))
        ));
        assert!(verify("not a key", SIG, b"test").is_err());
    }

    #[test]
    fn a_check_fed_in_parts_is_the_check_over_the_whole() {
        let check = Check::new(PK, SIG).expect("key and signature");
        for parts in [&[&b"te"[..], b"", b"st"][..], &[b"t", b"e", b"s", b"t"]] {
            let mut stream = check.stream().expect("prehashed");
            for p in parts {
                stream.update(p);
            }
            assert_eq!(stream.finish(), verify(PK, SIG, b"test"));
        }
        let mut stream = check.stream().expect("prehashed");
        stream.update(b"tes");
        assert!(matches!(
            stream.finish(),
            Err(SignatureError::Invalid { .. })
        ));
    }

    #[test]
    fn comments() {
        let c = trusted_comment("ab12", "2026-01-01T00:00:00Z");
        assert_eq!(snapshot_in_comment(&c), Some("ab12"));
        assert_eq!(snapshot_in_comment("timestamp:1"), None);
    }
}
