//! SHA-256, incrementally. Callers feed chunks as they arrive (a file read
//! loop natively, a `ReadableStream` in the browser), so memory stays bounded
//! whatever the artifact's size.

use sha2::{Digest, Sha256};

/// An incremental SHA-256 that also counts the bytes it has seen.
#[derive(Clone, Default)]
pub struct Sha256Hasher {
    inner: Sha256,
    len: u64,
}

impl Sha256Hasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.inner.update(chunk);
        self.len += chunk.len() as u64;
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest as 64 lowercase hex characters.
    pub fn finish_hex(self) -> String {
        to_hex(&self.inner.finalize())
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut h = Sha256Hasher::new();
    h.update(bytes);
    h.finish_hex()
}

/// Lowercase hex of arbitrary bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

/// True if `s` looks like a SHA-256 digest as vouch writes them: 64 lowercase
/// hex characters.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One `sha256sum` line. A name with a backslash or a line break is written
/// as coreutils writes it: the line starts with `\`, and the name has `\\`,
/// `\n` and `\r` for them, so `sha256sum -c` reads it back exactly.
pub fn sum_line(hex: &str, path: &str) -> String {
    if !path.contains(['\\', '\n', '\r']) {
        return format!("{hex}  {path}\n");
    }
    let escaped = path
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r");
    format!("\\{hex}  {escaped}\n")
}

/// One `sha256sum` line read back: `(hex, path)`, unescaping coreutils'
/// `\`-prefixed form.
pub fn parse_sum_line(line: &str) -> Option<(String, String)> {
    let (escaped, line) = match line.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let (hex, path) = line.split_once("  ").or_else(|| line.split_once(" *"))?;
    if !escaped {
        return Some((hex.to_owned(), path.to_owned()));
    }
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Some((hex.to_owned(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-2 / NIST test vectors.
    #[test]
    fn known_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn chunked_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + 3) as u8).collect();
        for chunk in [1, 63, 64, 65, 4096, 99_999] {
            let mut h = Sha256Hasher::new();
            for c in data.chunks(chunk) {
                h.update(c);
            }
            assert_eq!(h.len(), data.len() as u64);
            assert_eq!(h.finish_hex(), sha256_hex(&data), "chunk size {chunk}");
        }
    }

    #[test]
    fn million_a() {
        let mut h = Sha256Hasher::new();
        let block = [b'a'; 1000];
        for _ in 0..1000 {
            h.update(&block);
        }
        assert_eq!(
            h.finish_hex(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn hex_shape() {
        assert!(is_sha256_hex(&sha256_hex(b"x")));
        assert!(!is_sha256_hex(&sha256_hex(b"x").to_uppercase()));
        assert!(!is_sha256_hex("abc"));
        assert!(!is_sha256_hex(&"g".repeat(64)));
        assert_eq!(to_hex(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
    }

    #[test]
    fn sha256sums_lines_escape_as_coreutils_does() {
        assert_eq!(sum_line("ab", "objects/ab"), "ab  objects/ab\n");
        assert_eq!(sum_line("ab", "a\\b\nc"), "\\ab  a\\\\b\\nc\n");
        for path in ["objects/ab", "a\\b\nc\rd", "plain name.md"] {
            let line = sum_line("ab", path);
            assert_eq!(
                parse_sum_line(line.trim_end_matches('\n')),
                Some(("ab".to_owned(), path.to_owned()))
            );
        }
        assert_eq!(parse_sum_line("garbage"), None);
    }
}
