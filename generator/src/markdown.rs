//! Markdown to safe HTML.
//!
//! pulldown-cmark renders with the one option set (`vouch_audit::markdown`:
//! GFM tables, strikethrough, task lists, footnotes). Relative links to other evidence are rewritten to that
//! artifact's page, relative images to its raw bytes. Evidence is
//! untrusted, and nothing in it may run: a report with anything but the
//! markup pulldown-cmark writes itself around escaped text (raw HTML, say)
//! is sanitised with ammonia; one without is written as ammonia would leave
//! it (a test holds the two equal).

use std::sync::LazyLock;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Tag, TagEnd};

/// What a link inside a report points at, once resolved.
pub enum Resolved {
    /// An artifact: its page and raw bytes, relative to the site root.
    Artifact { page: String, object: String },
    /// A folder of the evidence: links go to the index.
    Folder,
}

/// A rendered report, and the references in it that were not followed.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    /// `(line, target as written)` for each reference that leaves the
    /// evidence folder (`../../..`, `file://`). Such links are not rendered.
    pub outside: Vec<(usize, String)>,
    /// `(line, target as written)` for each relative reference to a file that
    /// is not in the evidence. Not rendered as links either.
    pub dangling: Vec<(usize, String)>,
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tag_attributes("code", &["class"])
        .add_tag_attributes("td", &["align"])
        .add_tag_attributes("th", &["align"])
        .add_tag_attributes("span", &["class", "title"])
        // Every page's `<meta name="referrer" content="no-referrer">` already
        // withholds the referrer, and no link opens a window (`target` is not
        // allowed), so `noopener noreferrer` would only add 22 bytes a link:
        // 15 KB of a changelog's page.
        .link_rel(Some("nofollow"))
        // Classes evidence may keep: a code block's language, and the
        // marker of a reference not followed. Any other could dress text as
        // the page's own (`status status-pass`, a verified badge).
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("code" | "span", "class") => {
                let kept: Vec<&str> = value
                    .split_ascii_whitespace()
                    .filter(|c| match element {
                        "code" => c.strip_prefix("language-").is_some_and(is_language),
                        _ => *c == "blocked-ref",
                    })
                    .collect();
                (!kept.is_empty()).then(|| kept.join(" ").into())
            }
            _ => Some(value.into()),
        });
    // Headings get ids (for links to them, as search results use), every
    // one prefixed, so no id in evidence can clobber one of the page's own.
    for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(h, &["id"]);
    }
    b.id_prefix(Some(HEADING_ID_PREFIX));
    b
});

pub use vouch_audit::markdown::{
    MAX_HTML_NESTING, MAX_NESTING, html_nesting, too_complex, too_deep,
};

/// A code block's language as a class may name it: `rust`, `c++`, `c#`,
/// `objective-c`, `x.y`.
fn is_language(lang: &str) -> bool {
    !lang.is_empty() && lang.chars().all(is_language_char)
}

fn is_language_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '.' | '-' | '_')
}

/// What every id in rendered evidence starts with (`#h-gates`).
pub const HEADING_ID_PREFIX: &str = "h-";

/// Gives each heading an id from its text (`Gate 2: Restore` →
/// `h-gate-2-restore`, then `-2`, `-3` for repeats).
fn name_headings(events: &mut [Event<'_>]) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { .. }) = &events[i] {
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let mut slug = String::new();
            for c in text.chars().flat_map(char::to_lowercase) {
                if c.is_alphanumeric() {
                    slug.push(c);
                } else if !slug.ends_with('-') {
                    slug.push('-');
                }
            }
            let mut slug: String = slug.trim_matches('-').chars().take(60).collect();
            if slug.is_empty() {
                slug = "section".into();
            }
            // Prefixed here as the sanitiser would (not twice), so the
            // page is the same whether it runs or not.
            if !slug.starts_with(HEADING_ID_PREFIX) {
                slug.insert_str(0, HEADING_ID_PREFIX);
            }
            // Repeats numbered `-2`, `-3`…, past any id already given (`# a`,
            // `# a`, `# a 2` are `h-a`, `h-a-2`, `h-a-2-2`).
            let n = seen.entry(slug.clone()).or_default();
            *n += 1;
            if *n > 1 {
                let mut k = *n;
                while seen.contains_key(&format!("{slug}-{k}")) {
                    k += 1;
                }
                slug = format!("{slug}-{k}");
                seen.insert(slug.clone(), 1);
            }
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(slug.into());
            }
            i = j;
        }
        i += 1;
    }
}

/// Renders `md` (the file at `doc_path` in the evidence folder) for a page
/// that sits one folder below the site root.
pub fn to_html(md: &str, doc_path: &str, resolve: &dyn Fn(&str) -> Option<Resolved>) -> Rendered {
    render(md, doc_path, resolve, false)
}

/// [`to_html`] with every document sanitised, and the sanitiser itself:
/// what the fuzz target holds `to_html` to (`sanitise(to_html(md))` must
/// equal `to_html_sanitised(md)`). Not for rendering.
#[doc(hidden)]
pub fn to_html_sanitised(
    md: &str,
    doc_path: &str,
    resolve: &dyn Fn(&str) -> Option<Resolved>,
) -> Rendered {
    render(md, doc_path, resolve, true)
}

#[doc(hidden)]
pub fn sanitise(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// [`to_html`], sanitising every document if `always_sanitise`.
fn render(
    md: &str,
    doc_path: &str,
    resolve: &dyn Fn(&str) -> Option<Resolved>,
    always_sanitise: bool,
) -> Rendered {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(md.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);
    let mut r = Rendered::default();
    // Deeply nested raw HTML is shown as text rather than parsed.
    let escape_html = html_nesting(md) > MAX_HTML_NESTING;
    // What each open link or image became, so its end matches (an image's
    // description may hold a link).
    let mut open: Vec<Opened> = Vec::new();
    // Set by anything but the markup pulldown-cmark writes itself around
    // text it escapes: raw HTML, footnotes, aligned table cells, a URL with
    // a scheme the sanitiser would drop. Without any, the sanitiser would
    // change nothing but the bytes of equal markup, and is skipped: it was
    // 8% of a 5,000-report build.
    let mut sanitise = always_sanitise;
    let mut events = Vec::new();
    for (ev, range) in vouch_audit::markdown::parser(md).into_offset_iter() {
        sanitise |= !written_safely(&ev, escape_html);
        let ev = match ev {
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                let (dest, image) = match &tag {
                    Tag::Image { dest_url, .. } => (dest_url.to_string(), true),
                    Tag::Link {
                        dest_url,
                        link_type,
                        ..
                    } => (
                        vouch_audit::markdown::email_or(*link_type, dest_url.clone()),
                        false,
                    ),
                    _ => unreachable!("matched above"),
                };
                let tag = match link_target(&dest, doc_path, image, resolve) {
                    Link::Keep => tag,
                    Link::To(url) => with_dest(tag, url),
                    bad => {
                        open.push(Opened::Blocked);
                        events.push(r.block(bad, line_of(range.start), &dest));
                        continue;
                    }
                };
                sanitise |= !kept_url(&tag);
                if image {
                    open.push(Opened::Image);
                    Event::Start(tag)
                } else {
                    open.push(Opened::Link);
                    Event::Html(link_start(&tag).into())
                }
            }
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => match open.pop() {
                Some(Opened::Blocked) => Event::Html("</span>".into()),
                Some(Opened::Link) => Event::Html("</a>".into()),
                _ => Event::End(end),
            },
            // Written as the sanitiser writes them (pulldown-cmark's `<br />`
            // is 2 bytes more a line), but inside an image's description,
            // which is its text.
            Event::HardBreak if !open.iter().any(|o| matches!(o, Opened::Image)) => {
                Event::InlineHtml("<br>\n".into())
            }
            Event::Rule => Event::Html("<hr>\n".into()),
            // A fenced block's language becomes its class: the info
            // string's first word, as far as it is a language name (tabs,
            // which pulldown-cmark does not split on, could add classes).
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let lang: String = info
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take_while(|c| is_language_char(*c))
                    .collect();
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang.into())))
            }
            // Checkboxes would be stripped by the sanitiser; keep their meaning.
            Event::TaskListMarker(done) => Event::Text(if done { "☑ " } else { "☐ " }.into()),
            Event::Html(h) | Event::InlineHtml(h) if escape_html => Event::Text(h),
            // Raw HTML passes to the sanitiser, which keeps only what is safe.
            other => other,
        };
        events.push(ev);
    }
    name_headings(&mut events);
    let mut html = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    r.html = if sanitise {
        SANITIZER.clean(&html).to_string()
    } else {
        html
    };
    r
}

/// What the start of a link or image in a report became.
enum Opened {
    /// Not followed: a `span.blocked-ref`.
    Blocked,
    /// `<a>`, written by [`link_start`].
    Link,
    /// `<img>`, as pulldown-cmark writes it.
    Image,
}

/// True if pulldown-cmark writes `ev` as markup the sanitiser keeps as it
/// is: elements and attributes it allows, around text it escapes. An
/// allowlist: an event not named here (raw HTML, a footnote, whatever a
/// later parser option adds) sends the document through the sanitiser.
/// Links and images are also checked by [`kept_url`].
fn written_safely(ev: &Event<'_>, escape_html: bool) -> bool {
    match ev {
        Event::Text(_)
        | Event::Code(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::Rule
        | Event::TaskListMarker(_)
        // Ends are written as their starts' tags.
        | Event::End(_) => true,
        Event::Html(_) | Event::InlineHtml(_) => escape_html,
        Event::Start(tag) => match tag {
            Tag::Paragraph
            | Tag::BlockQuote(None)
            | Tag::CodeBlock(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Link { .. }
            | Tag::Image { .. } => true,
            // The sanitiser drops classes and attributes on headings, and
            // the `style` pulldown-cmark gives aligned cells.
            Tag::Heading { classes, attrs, .. } => classes.is_empty() && attrs.is_empty(),
            Tag::Table(align) => align.iter().all(|a| *a == Alignment::None),
            _ => false,
        },
        _ => false,
    }
}

/// True if the sanitiser keeps the URL of `tag` (a link or an image): one
/// with a scheme it allows, or a relative one, decided as it decides
/// (`url::Url::parse`). A URL holding whitespace or control characters,
/// which browsers strip before they read a scheme, is left to it.
fn kept_url(tag: &Tag<'_>) -> bool {
    let (dest, email) = match tag {
        Tag::Link {
            link_type,
            dest_url,
            ..
        } => (dest_url, *link_type == LinkType::Email),
        Tag::Image { dest_url, .. } => (dest_url, false),
        _ => return false,
    };
    if dest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    if email {
        return true;
    }
    match url::Url::parse(dest) {
        Ok(url) => URL_SCHEMES.contains(url.scheme()),
        Err(e) => e == url::ParseError::RelativeUrlWithoutBase,
    }
}

/// The schemes the sanitiser keeps (its defaults).
static URL_SCHEMES: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| SANITIZER.clone_url_schemes());

/// A link's start tag: as pulldown-cmark writes it (its own escaping), with
/// the `rel` the sanitiser adds (it replaces this one when it runs).
fn link_start(tag: &Tag<'_>) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, std::iter::once(Event::Start(tag.clone())));
    match out.strip_suffix('>') {
        Some(open) if open.starts_with("<a ") => format!("{open} rel=\"nofollow\">"),
        // Not a link: nothing of it is written.
        _ => String::new(),
    }
}

impl Rendered {
    /// Records a reference that is not followed and returns the span that
    /// replaces its link.
    fn block(&mut self, kind: Link, line: usize, dest: &str) -> Event<'static> {
        let title = match kind {
            Link::Outside => {
                self.outside.push((line, dest.to_owned()));
                "reference outside the evidence folder; not followed"
            }
            _ => {
                self.dangling.push((line, dest.to_owned()));
                "not in the evidence folder"
            }
        };
        Event::Html(format!("<span class=\"blocked-ref\" title=\"{title}\">").into())
    }
}

/// `tag` (a link or an image) pointing at `dest` instead.
fn with_dest(tag: Tag<'_>, dest: String) -> Tag<'_> {
    match tag {
        Tag::Link {
            link_type,
            title,
            id,
            ..
        } => Tag::Link {
            link_type,
            dest_url: dest.into(),
            title,
            id,
        },
        Tag::Image {
            link_type,
            title,
            id,
            ..
        } => Tag::Image {
            link_type,
            dest_url: dest.into(),
            title,
            id,
        },
        other => other,
    }
}

/// What becomes of one link or image.
enum Link {
    /// External or an anchor: as written.
    Keep,
    /// Rewritten to a page or raw bytes in the site.
    To(String),
    Outside,
    Dangling,
}

fn link_target(
    dest: &str,
    doc_path: &str,
    image: bool,
    resolve: &dyn Fn(&str) -> Option<Resolved>,
) -> Link {
    match classify(dest, doc_path) {
        Target::External => Link::Keep,
        Target::Outside => Link::Outside,
        Target::Local(target, fragment) => match resolve(&target) {
            Some(Resolved::Artifact { object, .. }) if image => Link::To(format!("../{object}")),
            Some(Resolved::Artifact { page, .. }) => {
                let page = page_name(&page);
                Link::To(format!("{page}{fragment}"))
            }
            Some(Resolved::Folder) => Link::To("../index.html".into()),
            None => Link::Dangling,
        },
    }
}

pub use vouch_audit::text::{Target, classify};

/// A page's file name in `pages/`: what links between pages name (both
/// artifact pages and the print packs beside them).
pub fn page_name(page: &str) -> &str {
    page.strip_prefix("pages/").unwrap_or(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headings get ids from their text, repeats numbered, all prefixed
    /// `h-`, so an id written in evidence cannot take one of the page's own.
    #[test]
    fn headings_get_prefixed_ids() {
        let html = to_html(
            "# Gate 2: Restore Drill\n\n## Notes\n\n## Notes\n\n<h2 id=\"main\">x</h2>\n",
            "r.md",
            &|_| None,
        )
        .html;
        for id in ["h-gate-2-restore-drill", "h-notes", "h-notes-2", "h-main"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
        }
        assert!(!html.contains("id=\"main\""), "{html}");
    }

    fn resolver(path: &str) -> Option<Resolved> {
        if path == "reports" {
            return Some(Resolved::Folder);
        }
        (path == "reports/PHASE0.md" || path == "img/a b.png").then(|| Resolved::Artifact {
            page: format!("pages/{}.html", path.replace(['/', ' ', '.'], "-")),
            object: "objects/abc".into(),
        })
    }

    #[test]
    fn rewrites_links_between_artifacts() {
        let html = to_html("[p0](./PHASE0.md#gate-0)", "reports/ACCEPT.md", &resolver).html;
        assert!(
            html.contains(r#"href="reports-PHASE0-md.html#gate-0""#),
            "{html}"
        );
        let html = to_html("![x](../img/a%20b.png)", "reports/ACCEPT.md", &resolver).html;
        assert!(html.contains(r#"src="../objects/abc""#), "{html}");
        // Targets not in the evidence are not links, and are reported.
        let r = to_html(
            "ok\n\n[x](missing.md) [r](/etc/passwd)",
            "reports/ACCEPT.md",
            &resolver,
        );
        assert!(!r.html.contains("href"), "{}", r.html);
        assert_eq!(
            r.dangling,
            vec![(3, "missing.md".into()), (3, "/etc/passwd".into())]
        );
        // A folder of the evidence links to the index.
        let html = to_html("[all](../reports/)", "x/ACCEPT.md", &resolver).html;
        assert!(html.contains(r#"href="../index.html""#), "{html}");
    }

    #[test]
    fn classifies_targets() {
        let local = |p: &str, f: &str| Target::Local(p.into(), f.into());
        assert_eq!(classify("../a/b.md", "x/y/z.md"), local("x/a/b.md", ""));
        assert_eq!(classify("/docs/r.md#s", "x/y.md"), local("docs/r.md", "#s"));
        assert_eq!(classify("a%20b.md?x=1", "y.md"), local("a b.md", ""));
        assert_eq!(classify("../../../etc/passwd", "x/y.md"), Target::Outside);
        assert_eq!(classify("..\\..\\secret", "x.md"), Target::Outside);
        assert_eq!(classify("FILE:///etc/passwd", "x.md"), Target::Outside);
        assert_eq!(
            classify("https://github.com/o/r/pull/3", "x.md"),
            Target::External
        );
        assert_eq!(classify("#anchor", "x.md"), Target::External);
        assert_eq!(classify("mailto:a@b", "x.md"), Target::External);
        // Found by fuzzing: a multi-byte character across byte 5 panicked.
        assert_eq!(classify("⚠️x", "x.md"), local("⚠️x", ""));
        assert!(to_html("[w](a⚠️)", "x.md", &resolver).dangling.len() == 1);
    }

    #[test]
    fn outside_references_are_reported_with_lines_and_not_linked() {
        let md = "# t\n\nsee [pw](../../../etc/passwd)\n\n![i](file:///etc/shadow)\n";
        let r = to_html(md, "a/r.md", &resolver);
        assert_eq!(
            r.outside,
            vec![
                (3, "../../../etc/passwd".to_owned()),
                (5, "file:///etc/shadow".to_owned())
            ]
        );
        assert!(
            !r.html.contains("passwd\"") && !r.html.contains("shadow"),
            "{}",
            r.html
        );
        assert!(r.html.contains("blocked-ref"), "{}", r.html);
    }

    #[test]
    fn deeply_nested_raw_html_is_shown_as_text() {
        assert_eq!(
            html_nesting("<div><p>a<br><img src=x/></p><b>x</b></div>"),
            2
        );
        assert_eq!(html_nesting("a < b and 1<2 </x>"), 0);
        let deep = format!("{}x{}", "<div>".repeat(80_000), "</div>".repeat(80_000));
        assert_eq!(html_nesting(&deep), 80_000);
        let html = to_html(&deep, "r.md", &resolver).html;
        assert!(html.contains("&lt;div&gt;&lt;div&gt;") && !html.contains("<div>"));
        let ok = to_html(
            "<details><summary>s</summary>body</details>",
            "r.md",
            &resolver,
        )
        .html;
        assert!(ok.contains("<details>"), "{ok}");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        assert!(too_deep(&format!("{} deep", ">".repeat(100_000))).is_some());
        assert!(too_deep(&format!("{}- x", " ".repeat(1000))).is_some());
        assert!(too_deep("> > quote\n  - list\n").is_none());
    }

    #[test]
    fn renders_gfm_tables_and_tasks() {
        let html = to_html(
            "| Gate | Status |\n|---|---|\n| 0 | ✅ |\n\n- [x] done\n- [ ] todo\n",
            "r.md",
            &resolver,
        )
        .html;
        assert!(
            html.contains("<table>") && html.contains("<th>Gate</th>"),
            "{html}"
        );
        assert!(html.contains("☑ done") && html.contains("☐ todo"), "{html}");
    }

    #[test]
    fn strips_script_and_handlers() {
        let md = "hi <script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:alert(1)) <iframe src=x></iframe>";
        let html = to_html(md, "r.md", &resolver).html;
        for bad in ["<script", "onerror", "javascript:", "<iframe"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
    }

    /// A report without raw HTML skips the sanitiser; any of these sends it
    /// through, and what would run is gone. Each is checked alone, in a
    /// report that is otherwise plain, so none hides behind another.
    #[test]
    fn what_the_sanitiser_must_see_is_sent_to_it() {
        for (md, bad) in [
            ("[a](javascript:alert(1))", "href=\"javascript:"),
            ("[a](JavaScript:alert(1))", "href=\"JavaScript:"),
            ("[a](java&#x09;script:alert(1))", "href=\"java"),
            ("<javascript:alert(1)>", "href=\"javascript:"),
            ("[a](vbscript:msgbox)", "href=\"vbscript:"),
            ("[a](data:text/html,x)", "href=\"data:"),
            ("![a](javascript:alert(1))", "src=\"javascript:"),
            ("[a]: javascript:alert(1)\n\n[a]", "href=\"javascript:"),
            ("x<b onclick=alert(1)>y</b>", "onclick"),
            ("| a |\n|:-:|\n| b |", "style="),
            ("x[^main]\n\n[^main]: y", "id=\"main\""),
            // Nothing dresses evidence as the page's own verdict.
            ("```x&#9;status&#9;status-pass\nPASS\n```", "status-pass"),
            (
                "<span class=\"status status-pass\">PASS</span>",
                "status-pass",
            ),
            ("<code class=\"language-x status\">PASS</code>", "status"),
        ] {
            let html = to_html(md, "r.md", &resolver).html;
            assert!(!html.contains(bad), "{md:?}: {bad} survived: {html}");
        }
    }

    #[test]
    fn heading_ids_are_unique_and_languages_are_classes() {
        let html = to_html(
            "# a\n\n# a\n\n# a 2\n\n```rust,ignore\nx\n```\n\n```c++\ny\n```",
            "r.md",
            &|_| None,
        )
        .html;
        for want in [
            r#"id="h-a""#,
            r#"id="h-a-2""#,
            r#"id="h-a-2-2""#,
            r#"class="language-rust""#,
            r#"class="language-c++""#,
        ] {
            assert_eq!(html.matches(want).count(), 1, "{want}: {html}");
        }
        let html = to_html("<code class=\"language-rust x\">y</code>", "r.md", &|_| {
            None
        })
        .html;
        assert!(html.contains(r#"<code class="language-rust">"#), "{html}");
    }

    /// Plain Markdown keeps its links, with the `rel` the sanitiser would
    /// have added, and is not sent to it (checked by its output's bytes:
    /// the sanitiser writes `<img …>`, pulldown-cmark `<img … />`).
    #[test]
    fn plain_markdown_skips_the_sanitiser() {
        let md = "# T\n\nsee [x](https://example.org/a?b=1&c=2 \"t\") and [p](./PHASE0.md)  \nnext <me@example.org> ![i](https://e.org/i.png)\n\n---";
        let html = to_html(md, "reports/A.md", &resolver).html;
        assert!(html.contains(" />"), "{html}");
        assert!(
            html.contains("<br>\nnext") && html.contains("<hr>"),
            "{html}"
        );
        for want in [
            r#"<a href="https://example.org/a?b=1&amp;c=2" title="t" rel="nofollow">x</a>"#,
            r#"<a href="reports-PHASE0-md.html" rel="nofollow">p</a>"#,
            r#"<a href="mailto:me@example.org" rel="nofollow">"#,
            r#"<h1 id="h-t">"#,
        ] {
            assert!(html.contains(want), "{want}: {html}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::{Resolved, Target, classify, render};

    /// Everything the sanitiser could keep, and more: what it leaves of a
    /// page is what this leaves, unless it removed something.
    fn permissive() -> ammonia::Builder<'static> {
        let mut b = ammonia::Builder::empty();
        b.add_tags([
            "a",
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "code",
            "ol",
            "ul",
            "li",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "em",
            "strong",
            "del",
            "img",
            "br",
            "hr",
            "span",
            "sup",
            "div",
            "input",
            "b",
            "i",
            "iframe",
            "section",
        ])
        .add_generic_attributes([
            "id", "class", "href", "src", "alt", "title", "rel", "start", "style", "align", "type",
            "checked", "disabled", "onclick", "onerror",
        ])
        .url_schemes(
            [
                "http",
                "https",
                "mailto",
                "javascript",
                "vbscript",
                "data",
                "file",
                "ftp",
                "tel",
            ]
            .into(),
        )
        .link_rel(None)
        .strip_comments(false);
        b
    }

    /// Pieces of reports: plain Markdown, and what must be sanitised.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("# Gate 1: Build".to_owned()),
            Just("## Notes".to_owned()),
            Just("### h-bomb".to_owned()),
            Just("plain *em* **strong** ~~gone~~ `code` & < > \" ' \u{a0}".to_owned()),
            Just("[log](../logs/ci-1.log)".to_owned()),
            Just("[p](./PHASE0.md#gate-0)".to_owned()),
            Just("![img](../img/a%20b.png \"t\")".to_owned()),
            Just("![a [b](https://e.org/x) c](https://e.org/i.png)".to_owned()),
            Just("[x](https://example.org/a?b=1&c='2' \"ti\\\"tle\")".to_owned()),
            Just("<https://example.org/auto>".to_owned()),
            Just("<me@example.org>".to_owned()),
            Just("[r](//host/x) [q](?a=1) [h](#top) [m](mailto:a@b.c)".to_owned()),
            Just("[j](javascript:alert(1)) [J](JAVASCRIPT:x) [d](data:text/html,x)".to_owned()),
            Just("[v](vbscript:x) [t](java&#x09;script:x) [w](http://[::1)".to_owned()),
            Just("- [x] done\n- [ ] not\n- item".to_owned()),
            Just("3. three\n4. four".to_owned()),
            Just("> quoted *text*".to_owned()),
            Just("```rust\nfn x() {}\n```".to_owned()),
            Just("```\"><script>\nx\n```".to_owned()),
            Just("```x&#9;status&#9;status-pass\nPASS\n```".to_owned()),
            Just("```c++ {.a}\nx\n```".to_owned()),
            Just("<span class=\"status blocked-ref\">x</span>".to_owned()),
            Just("# a\n\n# a\n\n# a 2".to_owned()),
            Just("| a | b |\n|---|---|\n| 1 | [l](https://e.org) |".to_owned()),
            Just("| a |\n|:--|\n| 1 |".to_owned()),
            Just("x[^1]\n\n[^1]: note".to_owned()),
            Just("a<br>b <span title=x>s</span> <b onclick=alert(1)>c</b>".to_owned()),
            Just("<script>alert(1)</script>".to_owned()),
            Just("<iframe src=x></iframe>".to_owned()),
            Just("---".to_owned()),
            Just("line  \nbreak".to_owned()),
            Just("[ref]\n\n[ref]: https://example.org/r".to_owned()),
            "[a-z &<>*_`\\[\\]()#!|-]{0,40}",
        ]
    }

    fn resolver(path: &str) -> Option<Resolved> {
        (path == "reports/PHASE0.md" || path == "img/a b.png").then(|| Resolved::Artifact {
            page: format!("pages/{}.html", path.replace(['/', ' ', '.'], "-")),
            object: "objects/abc".into(),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Written without the sanitiser, a report reads exactly as it did
        /// through it, and the sanitiser would remove nothing from it.
        #[test]
        fn skipping_the_sanitiser_changes_nothing(pieces in prop::collection::vec(piece(), 1..6)) {
            let md = pieces.join("\n\n");
            let fast = render(&md, "reports/A.md", &resolver, false).html;
            let sanitised = render(&md, "reports/A.md", &resolver, true).html;
            // Equal bytes: it went through the sanitiser (which is not
            // idempotent on markup it rebuilt, so nothing more to check).
            if fast != sanitised {
                let strict = super::SANITIZER.clean(&fast).to_string();
                prop_assert_eq!(&strict, &sanitised, "{:?}", md);
                prop_assert_eq!(permissive().clean(&fast).to_string(), strict, "{:?}", md);
            }
        }
    }

    proptest! {
        /// However a reference is written, what resolves locally stays inside
        /// the evidence folder.
        #[test]
        fn local_targets_stay_inside(dest in "[a-z./%2EeF\\\\:#?]{0,30}", doc in "[a-z]{1,4}(/[a-z]{1,4}){0,3}") {
            if let Target::Local(path, _) = classify(&dest, &doc) {
                prop_assert!(!path.split('/').any(|s| s.is_empty() || s == "." || s == ".."), "{dest} -> {path}");
            }
        }
    }
}
