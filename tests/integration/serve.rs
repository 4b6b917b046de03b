//! `vouch serve`: what a static host would serve, byte for byte.

use crate::common::*;

#[test]
fn serves_every_artifact_and_correct_mime_types() {
    let (_tmp, input, b) = build_awkward();
    let server = serve(&b.site);
    let m = manifest(&b.site);
    for a in artifacts(&m) {
        let path = a["path"].as_str().expect("path");
        let r = get(&format!(
            "{}{}",
            server.url,
            a["url"].as_str().expect("url")
        ));
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            r.body,
            std::fs::read(input.join(path)).expect("read"),
            "{path}"
        );
        let page = get(&format!(
            "{}{}",
            server.url,
            a["page"].as_str().expect("page")
        ));
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.content_type.starts_with("text/html"),
            "{}",
            page.content_type
        );
    }
    let index = get(&server.url);
    assert_eq!(index.status, 200);
    assert!(index.content_type.starts_with("text/html"));
    for f in list_files(&b.site.join("assets")) {
        let r = get(&format!("{}assets/{f}", server.url));
        let want = if f.ends_with(".wasm") {
            "application/wasm"
        } else if f.ends_with(".js") {
            "javascript"
        } else {
            "text/css"
        };
        assert!(r.content_type.contains(want), "{f}: {}", r.content_type);
    }
    assert_eq!(get(&format!("{}nope.html", server.url)).status, 404);
    assert_eq!(
        get(&format!("{}..%2f..%2fetc/passwd", server.url)).status,
        404
    );
}
