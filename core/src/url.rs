//! Rules for the URLs a manifest may contain.
//!
//! A manifest is untrusted input to whoever verifies it: a hostile one could
//! point `url` at `../../etc/passwd` or at another origin. Every artifact URL
//! must therefore be a plain relative path inside the site root.

/// Returns true when `url` is a relative reference that stays inside the site
/// root: no scheme, no authority, no absolute path, no `.`/`..` segments, no
/// backslashes, no query or fragment, no empty segments, and only characters
/// that need no further encoding.
pub fn is_site_relative(url: &str) -> bool {
    if url.is_empty() || url.starts_with('/') {
        return false;
    }
    let allowed =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/' | b'%');
    if !url.bytes().all(allowed) {
        // Rejects ':' (schemes), '\\', '?', '#', spaces, non-ASCII.
        return false;
    }
    // Encoded separators or dots could be decoded into an escape later.
    let encoded_escape = |seg: &str| {
        seg.as_bytes().windows(3).any(|w| {
            w[0] == b'%'
                && matches!(
                    (w[1], w[2].to_ascii_lowercase()),
                    (b'2', b'f' | b'e') | (b'5', b'c')
                )
        })
    };
    url.split('/')
        .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !encoded_escape(seg))
}

/// Percent-encodes one path segment so any file name (spaces, `#`, `?`, `%`,
/// unicode) survives as a URL path segment.
pub fn encode_segment(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    for &b in seg.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
            out.push(char::from(b"0123456789ABCDEF"[(b & 15) as usize]));
        }
    }
    out
}

/// Percent-encodes each segment of a `/`-separated relative path.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_relative_paths() {
        for ok in [
            "objects/ab/abcdef",
            "pages/report-1a2b.html",
            "a%20b/c%23d.md",
            "x.json",
        ] {
            assert!(is_site_relative(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_escapes_and_other_origins() {
        for bad in [
            "",
            "/etc/passwd",
            "../secret",
            "a/../../b",
            "a/./b",
            "a//b",
            "https://evil.example/x",
            "file:///etc/passwd",
            "//evil.example/x",
            "a\\..\\b",
            "a?x=1",
            "a#frag",
            "a b",
            "ünicode",
            "a/%2e%2e/b",
            "a%2F..%2Fb",
            "a%5c..%5Cb",
            "%2E%2E/x",
            "javascript:alert(1)",
            "a/",
        ] {
            assert!(!is_site_relative(bad), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn encodes_awkward_names() {
        assert_eq!(encode_segment("100%25 done.md"), "100%2525%20done.md");
        assert_eq!(encode_segment("a#b?c"), "a%23b%3Fc");
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(encode_path("dir one/x#1.md"), "dir%20one/x%231.md");
        assert!(is_site_relative(&encode_path("dir one/100%25 done ✅.md")));
    }
}
