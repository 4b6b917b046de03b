//! Markdown to safe HTML.
//!
//! pulldown-cmark renders with GFM tables, strikethrough, task lists and
//! footnotes. Relative links to other evidence are rewritten to that
//! artifact's page, relative images to its raw bytes. The result is then
//! sanitised with ammonia: evidence is untrusted, and nothing in it may run.

use std::{borrow::Cow, sync::LazyLock};

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

/// What a link inside a report points at, once resolved.
pub struct Resolved {
    /// The target artifact's page, relative to the site root.
    pub page: String,
    /// The target artifact's raw bytes, relative to the site root.
    pub object: String,
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tag_attributes("code", &["class"])
        .add_tag_attributes("td", &["align"])
        .add_tag_attributes("th", &["align"])
        .link_rel(Some("noopener noreferrer nofollow"));
    b
});

/// Renders `md` (the file at `doc_path` in the evidence folder) for a page
/// that sits one folder below the site root.
pub fn to_html(md: &str, doc_path: &str, resolve: &dyn Fn(&str) -> Option<Resolved>) -> String {
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(md, opts).map(|ev| match ev {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: rewrite(dest_url, doc_path, false, resolve),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: rewrite(dest_url, doc_path, true, resolve),
            title,
            id,
        }),
        // Checkboxes would be stripped by the sanitiser; keep their meaning.
        Event::TaskListMarker(done) => Event::Text(if done { "☑ " } else { "☐ " }.into()),
        // Raw HTML passes to the sanitiser, which keeps only what is safe.
        other => other,
    });
    let mut html = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SANITIZER.clean(&html).to_string()
}

fn rewrite<'a>(
    dest: CowStr<'a>,
    doc_path: &str,
    image: bool,
    resolve: &dyn Fn(&str) -> Option<Resolved>,
) -> CowStr<'a> {
    let Some((target, fragment)) = local_target(&dest, doc_path) else {
        return dest;
    };
    match resolve(&target) {
        Some(r) if image => format!("../{}", r.object).into(),
        Some(r) => {
            let page = r.page.strip_prefix("pages/").unwrap_or(&r.page);
            format!("{page}{fragment}").into()
        }
        None => dest,
    }
}

/// For a relative link, the evidence path it names (resolved against the
/// document's folder) and its `#fragment`. `None` for URLs with a scheme,
/// in-page anchors, and paths that climb out of the evidence folder.
pub fn local_target(dest: &str, doc_path: &str) -> Option<(String, String)> {
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || has_scheme(dest) {
        return None;
    }
    let (path, fragment) = match dest.find(['#', '?']) {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    };
    let fragment = if fragment.starts_with('#') {
        fragment
    } else {
        ""
    };
    let decoded: Cow<'_, str> = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut parts: Vec<&str> = if decoded.starts_with('/') {
        Vec::new() // repository-rooted
    } else {
        doc_path.split('/').collect::<Vec<_>>()
    };
    parts.pop(); // the document's own name (no-op when rooted)
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some((parts.join("/"), fragment.to_owned()))
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            let scheme = &s[..i];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(path: &str) -> Option<Resolved> {
        (path == "reports/PHASE0.md" || path == "img/a b.png").then(|| Resolved {
            page: format!("pages/{}.html", path.replace(['/', ' ', '.'], "-")),
            object: "objects/abc".into(),
        })
    }

    #[test]
    fn rewrites_links_between_artifacts() {
        let html = to_html("[p0](./PHASE0.md#gate-0)", "reports/ACCEPT.md", &resolver);
        assert!(
            html.contains(r#"href="reports-PHASE0-md.html#gate-0""#),
            "{html}"
        );
        let html = to_html("![x](../img/a%20b.png)", "reports/ACCEPT.md", &resolver);
        assert!(html.contains(r#"src="../objects/abc""#), "{html}");
        // Unknown targets are left as written.
        let html = to_html("[x](missing.md)", "reports/ACCEPT.md", &resolver);
        assert!(html.contains(r#"href="missing.md""#), "{html}");
    }

    #[test]
    fn resolves_targets() {
        assert_eq!(
            local_target("../a/b.md", "x/y/z.md"),
            Some(("x/a/b.md".into(), "".into()))
        );
        assert_eq!(
            local_target("/docs/r.md#s", "x/y.md"),
            Some(("docs/r.md".into(), "#s".into()))
        );
        assert_eq!(local_target("../../../etc/passwd", "x/y.md"), None);
        assert_eq!(local_target("https://github.com/o/r/pull/3", "x.md"), None);
        assert_eq!(local_target("#anchor", "x.md"), None);
        assert_eq!(local_target("mailto:a@b", "x.md"), None);
    }

    #[test]
    fn renders_gfm_tables_and_tasks() {
        let html = to_html(
            "| Gate | Status |\n|---|---|\n| 0 | ✅ |\n\n- [x] done\n- [ ] todo\n",
            "r.md",
            &resolver,
        );
        assert!(
            html.contains("<table>") && html.contains("<th>Gate</th>"),
            "{html}"
        );
        assert!(html.contains("☑ done") && html.contains("☐ todo"), "{html}");
    }

    #[test]
    fn strips_script_and_handlers() {
        let md = "hi <script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:alert(1)) <iframe src=x></iframe>";
        let html = to_html(md, "r.md", &resolver);
        for bad in ["<script", "onerror", "javascript:", "<iframe"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
    }
}
