//! The one Markdown setup: the parser options every reader of a report uses
//! (the renderer and the extractor), the nesting guards that keep untrusted
//! reports from costing quadratic time, the title rule, and how a link's
//! destination is read.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// GFM tables, strikethrough, task lists and footnotes: for rendering and
/// for analysis alike, so both see the same document.
pub const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_FOOTNOTES);

/// A parser over `md` with [`OPTIONS`].
pub fn parser(md: &str) -> Parser<'_> {
    Parser::new_ext(md, OPTIONS)
}

/// A link's destination as a reader follows it: an email autolink
/// (`<me@example.org>`) is a `mailto:` link, as pulldown-cmark writes it,
/// not a path.
pub fn email_or(link_type: LinkType, dest: CowStr<'_>) -> String {
    match link_type {
        LinkType::Email => format!("mailto:{dest}"),
        _ => dest.into_string(),
    }
}

/// Container nesting (blockquote markers, indentation) beyond which a report
/// is shown as text: pulldown-cmark's cost grows quadratically with it.
pub const MAX_NESTING: usize = 64;

/// Raw HTML nested deeper than this (estimated) is shown as text: the
/// sanitiser's HTML parser slows down quadratically with nesting depth.
pub const MAX_HTML_NESTING: usize = 512;

const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// An upper estimate of raw HTML nesting: opening tags minus closing tags,
/// at the worst point of the document. Void and self-closing tags don't count.
pub fn html_nesting(md: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let bytes = md.as_bytes();
    for (i, _) in md.match_indices('<') {
        let rest = &bytes[i + 1..];
        if rest.first() == Some(&b'/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name_len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !rest[0].is_ascii_alphabetic() {
            continue;
        }
        let name = md[i + 1..i + 1 + name_len].to_ascii_lowercase();
        let tag_end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
        let self_closing = tag_end > 0 && rest[tag_end - 1] == b'/';
        if !self_closing && !VOID_ELEMENTS.contains(&name.as_str()) {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// `Some(reason)` when `md` nests containers too deeply to render safely.
pub fn too_deep(md: &str) -> Option<String> {
    for (i, line) in md.lines().enumerate() {
        let mut quotes = 0;
        let mut indent = 0;
        for c in line.chars() {
            match c {
                '>' => quotes += 1,
                ' ' => indent += 1,
                '\t' => indent += 4,
                _ => break,
            }
        }
        if quotes > MAX_NESTING || indent / 2 > MAX_NESTING * 2 {
            return Some(format!(
                "line {}: containers nested more than {MAX_NESTING} deep; shown as text",
                i + 1
            ));
        }
    }
    None
}

/// `Some(reason)` when `md` must not be parsed at all (the audit trail skips
/// it): containers or raw HTML nested past the limits.
pub fn too_complex(md: &str) -> Option<String> {
    too_deep(md).or_else(|| {
        let n = html_nesting(md);
        (n > MAX_HTML_NESTING).then(|| {
            format!(
                "raw HTML nested about {n} deep (more than {MAX_HTML_NESTING}); HTML shown as text"
            )
        })
    })
}

/// The title rule, for every page and list: the first top-level heading,
/// else the first heading of any level; `None` when the report has none.
pub fn title(md: &str) -> Option<String> {
    let mut first: Option<String> = None;
    let mut current: Option<(HeadingLevel, String)> = None;
    for ev in parser(md) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => current = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = current.take() {
                    let text = crate::status::demojibake(&text)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    if text.is_empty() {
                        continue;
                    }
                    if level == HeadingLevel::H1 {
                        return Some(text);
                    }
                    first.get_or_insert(text);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            _ => {}
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            title("# Stage 1.0: Hardening\n\ntext").as_deref(),
            Some("Stage 1.0: Hardening")
        );
        assert_eq!(title("intro\n\n## `Gate` 2\n").as_deref(), Some("Gate 2"));
        assert_eq!(
            title("## Sub\n\n# Real title\n").as_deref(),
            Some("Real title")
        );
        assert_eq!(title("no heading"), None);
        assert_eq!(title("Title\n=====\n").as_deref(), Some("Title"));
        assert_eq!(
            title("# Stage 4 â€“ Gate\n").as_deref(),
            Some("Stage 4 – Gate")
        );
    }

    #[test]
    fn nesting_guards() {
        assert!(too_complex(&">".repeat(100)).is_some());
        assert!(too_complex(&"<div>".repeat(600)).is_some());
        assert!(too_complex("# fine\n\n> quote\n").is_none());
    }
}
