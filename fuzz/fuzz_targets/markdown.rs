//! The report extractor and renderer: titles, link resolution, sanitising.
//! Must never panic, must never emit a live link out of the evidence, and
//! must render a report skipping the sanitiser as it would through it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouch::markdown::{self, Resolved, Target};

/// In sanitised output every literal `<` in text is escaped, so each `<`
/// starts a real tag: its name must be harmless, and so must its attributes
/// (which the serialiser always double-quotes).
fn assert_no_live_markup(html: &str) {
    const BANNED: &[&str] = &[
        "script", "iframe", "object", "embed", "form", "style", "svg", "math", "base", "meta",
        "link", "frame", "frameset", "applet", "template", "noscript",
    ];
    for tag in html.split('<').skip(1) {
        let tag = tag
            .split('>')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let tag = tag.trim_start_matches('/');
        let name_len = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = &tag[..name_len];
        assert!(
            !BANNED.contains(&name),
            "<{name}> survived sanitising: {html}"
        );
        let mut rest = &tag[name_len..];
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                break;
            }
            let attr_len = rest
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(rest.len());
            let attr = &rest[..attr_len];
            rest = &rest[attr_len..];
            let mut value = "";
            if let Some(after) = rest.strip_prefix("=\"") {
                let end = after.find('"').expect("attribute values are double-quoted");
                value = &after[..end];
                rest = &after[end + 1..];
            }
            assert!(
                !attr.starts_with("on") && attr != "style",
                "<{name} {attr}> survived"
            );
            if matches!(
                attr,
                "href" | "src" | "action" | "formaction" | "srcset" | "poster"
            ) {
                let v = value.trim_start();
                for scheme in ["javascript:", "vbscript:", "data:", "file:"] {
                    assert!(
                        !v.starts_with(scheme),
                        "<{name} {attr}=\"{value}\"> survived"
                    );
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(md) = std::str::from_utf8(data) else {
        return;
    };
    let _ = vouch_audit::markdown::title(md);
    let _ = markdown::too_deep(md);
    let _ = markdown::html_nesting(md);
    if markdown::too_deep(md).is_some() {
        return;
    }
    let resolve = |p: &str| {
        (p.len() % 3 == 0).then(|| Resolved::Artifact {
            page: "pages/x.html".into(),
            object: "objects/ab".into(),
        })
    };
    let r = markdown::to_html(md, "docs/evidence/REPORT.md", &resolve);
    assert_no_live_markup(&r.html);
    // A report written without the sanitiser (no raw HTML in it) reads as
    // it would through it: sanitising it gives the same page.
    // (Equal bytes: it went through the sanitiser, which is not idempotent
    // on what it rebuilt, so sanitising again proves nothing.)
    let sanitised = markdown::to_html_sanitised(md, "docs/evidence/REPORT.md", &resolve);
    if r.html != sanitised.html {
        assert_eq!(markdown::sanitise(&r.html), sanitised.html, "{md:?}");
    }
    for (line, _) in r.outside.iter().chain(&r.dangling) {
        assert!(*line >= 1 && *line <= md.lines().count().max(1) + 1);
    }
    // Whatever resolves locally stays inside the evidence folder.
    for word in md.split_whitespace() {
        if let Target::Local(path, _) = markdown::classify(word, "docs/evidence/REPORT.md") {
            assert!(
                !path.split('/').any(|s| s == ".." || s.is_empty()),
                "{path}"
            );
        }
    }
});
