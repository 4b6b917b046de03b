//! `problems.html`, with JavaScript on: a filter over the grouped list. The
//! page is complete without it (every group is a `<details>`); the filter
//! hides the problems whose path, kind and message do not all contain the
//! words typed, and the groups left empty.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, prelude::Closure};

/// Shows and wires `#problem-filter`, if the page has one.
pub fn install() {
    let doc = document();
    let (Some(input), Some(box_)) = (
        doc.get_element_by_id("problem-filter"),
        doc.query_selector(".filter-box").ok().flatten(),
    ) else {
        return;
    };
    let _ = box_.remove_attribute("hidden");
    let Ok(input) = input.dyn_into::<web_sys::HtmlInputElement>() else {
        return;
    };
    let field = input.clone();
    let on_input = Closure::<dyn Fn()>::new(move || apply(&field.value()));
    let _ = input.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref());
    on_input.forget();
}

fn elements(selector: &str) -> Vec<web_sys::Element> {
    let Ok(list) = document().query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .collect()
}

fn apply(query: &str) {
    let words: Vec<String> = crate::lowercase(query)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    for li in elements("li[data-problem]") {
        let hay = crate::lowercase(&format!(
            "{} {} {}",
            li.get_attribute("data-path").unwrap_or_default(),
            li.get_attribute("data-kind").unwrap_or_default(),
            li.text_content().unwrap_or_default()
        ));
        let show = words.iter().all(|w| hay.contains(w.as_str()));
        set_hidden(&li, !show);
    }
    // Innermost groups first, so a kind is hidden only when all its files are.
    for selector in [".file-group", ".kind-group", "details.severity"] {
        for group in elements(selector) {
            let any = group
                .query_selector("li[data-problem]:not([hidden])")
                .ok()
                .flatten()
                .is_some();
            set_hidden(&group, !any);
            if any && !words.is_empty() {
                let _ = group.set_attribute("open", "");
            }
        }
    }
}

fn set_hidden(e: &web_sys::Element, hidden: bool) {
    let _ = if hidden {
        e.set_attribute("hidden", "")
    } else {
        e.remove_attribute("hidden")
    };
}
