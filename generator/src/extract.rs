//! Stage 2: what each artifact is (its kind, title and page), then the
//! audit trail: what the reports claim, and the problems with it.

use std::collections::HashSet;

use anyhow::Result;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use vouch_core::{ArtifactKind, sha256_hex};

use crate::{
    audit::{self, Rules},
    model::Site,
    write::Staging,
};

/// How much of a Markdown file is read to find its title.
const TITLE_SCAN: u64 = 64 * 1024;

pub fn extract(site: &mut Site, staging: &Staging, rules: Rules) -> Result<()> {
    let mut pages = HashSet::new();
    for e in &mut site.artifacts {
        e.kind = ArtifactKind::classify(&e.path, &e.head);
        e.page = page_path(&e.path);
        // Page names are lowercase and carry a hash of the exact path, so
        // they cannot collide, even on case-insensitive file systems.
        debug_assert!(pages.insert(e.page.clone()));
        e.title = match e.kind {
            ArtifactKind::Markdown => {
                let text = staging.read_object_prefix(&e.sha256, TITLE_SCAN)?;
                markdown_title(&String::from_utf8_lossy(&text))
            }
            _ => None,
        }
        .unwrap_or_else(|| e.file_name().to_owned());
    }
    site.audit = audit::audit(site, staging, rules)?;
    Ok(())
}

/// `docs/STAGE 1.0 Report.md` → `pages/docs-stage-1-0-report-md-1a2b3c4d.html`.
pub fn page_path(path: &str) -> String {
    let mut slug = String::new();
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(80).collect();
    let slug = slug.trim_end_matches('-');
    let id = &sha256_hex(path.as_bytes())[..10];
    if slug.is_empty() {
        format!("pages/{id}.html")
    } else {
        format!("pages/{slug}-{id}.html")
    }
}

/// The text of the first heading, if any.
pub fn markdown_title(md: &str) -> Option<String> {
    let mut in_heading = false;
    let mut title = String::new();
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => {
                let t = title.split_whitespace().collect::<Vec<_>>().join(" ");
                if !t.is_empty() {
                    return Some(t);
                }
                in_heading = false;
            }
            Event::Text(t) | Event::Code(t) if in_heading => title.push_str(&t),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_are_safe_and_distinct() {
        let a = page_path("docs/STAGE 1.0 Report.md");
        assert!(a.starts_with("pages/docs-stage-1-0-report-md-"), "{a}");
        assert!(a.ends_with(".html"));
        assert_ne!(page_path("A.md"), page_path("a.md"));
        assert_eq!(page_path("A.md").to_lowercase(), page_path("A.md"));
        assert!(page_path("✅✅").starts_with("pages/"));
        assert!(vouch_core::url::is_site_relative(&page_path("x #?%/ü.md")));
    }

    #[test]
    fn titles() {
        assert_eq!(
            markdown_title("# Stage 1.0: Hardening\n\ntext").as_deref(),
            Some("Stage 1.0: Hardening")
        );
        assert_eq!(
            markdown_title("intro\n\n## `Gate` 2\n").as_deref(),
            Some("Gate 2")
        );
        assert_eq!(markdown_title("no heading"), None);
        assert_eq!(markdown_title("Title\n=====\n").as_deref(), Some("Title"));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::page_path;

    proptest! {
        /// Page names are safe URLs and file names, and never collide, even
        /// for paths that differ only in case.
        #[test]
        fn page_paths_are_safe_and_injective(a in "[a-zA-Z0-9 #?%./✅_-]{1,40}", b in "[a-zA-Z0-9 #?%./✅_-]{1,40}") {
            let (pa, pb) = (page_path(&a), page_path(&b));
            prop_assert!(vouch_core::url::is_site_relative(&pa), "{pa}");
            prop_assert_eq!(pa.to_lowercase(), pa.clone());
            if a != b {
                prop_assert_ne!(pa, pb);
            }
        }
    }
}
