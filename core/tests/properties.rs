//! Property tests for the rules the generator and the viewer share.

use proptest::prelude::*;
use vouch_core::{
    Artifact, ArtifactKind, Generator, MANIFEST_SCHEMA, Manifest, Sha256Hasher, sha256_hex,
    url::{encode_path, encode_segment, is_site_relative},
};

/// File names as people write them: spaces, `#`, `?`, `%`, unicode, dots.
fn name() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 #?%._~✅é-]{1,12}").expect("regex")
}

proptest! {
    #[test]
    fn encoded_names_are_site_relative_and_decode_back(parts in prop::collection::vec(name(), 1..4)) {
        prop_assume!(parts.iter().all(|p| p != "." && p != ".."));
        let path = parts.join("/");
        let url = encode_path(&path);
        prop_assert!(is_site_relative(&url), "{url}");
        for (seg, part) in url.split('/').zip(&parts) {
            let decoded: Vec<u8> = percent_decode(seg);
            prop_assert_eq!(decoded, part.as_bytes().to_vec());
        }
    }

    #[test]
    fn site_relative_urls_never_climb(url in "[a-z%./~_-]{0,24}") {
        if is_site_relative(&url) {
            prop_assert!(!url.split('/').any(|s| s == ".." || s == "." || s.is_empty()));
            prop_assert!(!url.starts_with('/'));
            let lower = url.to_ascii_lowercase();
            prop_assert!(!lower.contains("%2e") && !lower.contains("%2f"));
        }
    }

    #[test]
    fn chunked_hash_equals_one_shot(data in prop::collection::vec(any::<u8>(), 0..4096), cut in 1usize..700) {
        let mut h = Sha256Hasher::new();
        for c in data.chunks(cut) {
            h.update(c);
        }
        prop_assert_eq!(h.finish_hex(), sha256_hex(&data));
    }

    #[test]
    fn manifests_round_trip(paths in prop::collection::btree_set("[a-z]{1,6}(/[a-z .#]{1,6}){0,2}", 0..8)) {
        let artifacts: Vec<Artifact> = paths
            .iter()
            .filter(|p| !p.split('/').any(|s| s.trim_matches('.').is_empty()))
            .map(|p| {
                let sha = sha256_hex(p.as_bytes());
                Artifact {
                    path: p.clone(),
                    sha256: sha.clone(),
                    size: p.len() as u64,
                    url: format!("objects/{sha}"),
                    kind: ArtifactKind::classify(p, p.as_bytes()),
                    page: format!("pages/{}.html", &sha[..10]),
                    title: p.clone(),
                }
            })
            .collect();
        let m = Manifest {
            schema_version: MANIFEST_SCHEMA,
            generator: Generator { name: "vouch".into(), version: "0".into() },
            built_at: "2026-01-01T00:00:00Z".into(),
            previous: None,
            expires_at: None,
            source: None,
            title: None,
            rollback_of: None,
            artifacts,
            generated: vec![],
        };
        prop_assert_eq!(Manifest::parse(m.to_json_pretty().as_bytes()), Ok(m));
    }
}

#[test]
fn segment_encoding_is_unambiguous() {
    // Names that differ only by what looks already encoded stay distinct.
    assert_ne!(encode_segment("100%25 done"), encode_segment("100% done"));
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}
