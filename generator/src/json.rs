//! Pretty-printing untrusted JSON without letting it cost more than it is worth.
//!
//! Indentation grows with depth, so a small but deeply nested file can
//! pretty-print into gigabytes. One linear scan measures the nesting depth and
//! the pretty-printed size first; only documents within both limits are
//! re-indented (by `jsonformat`, which works on the text, so duplicate keys and
//! 5,000-digit numbers stay exactly as written).

use serde::de::IgnoredAny;
use vouch_audit::json::shape;

/// Deeper documents are shown as written.
pub const MAX_DEPTH: usize = 64;
/// Pretty-printed output larger than this is not produced.
pub const MAX_PRETTY: usize = 8 << 20;

#[derive(Debug, PartialEq, Eq)]
pub enum Pretty {
    /// Valid, re-indented.
    Formatted(String),
    /// Valid (or not checked), but shown as written, for `reason`.
    AsWritten { reason: String },
    /// Not JSON; `line` is 1-based.
    Invalid { line: usize, message: String },
}

pub fn pretty(text: &str) -> Pretty {
    let (depth, size) = shape(text);
    if depth > MAX_DEPTH {
        return Pretty::AsWritten {
            reason: format!(
                "nested {depth} levels deep (more than {MAX_DEPTH}); shown as written, not checked"
            ),
        };
    }
    if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
        let what = e.to_string();
        let what = what.split(" at line ").next().unwrap_or(&what);
        return Pretty::Invalid {
            line: e.line(),
            message: format!(
                "not valid JSON (column {}: {what}); shown as written",
                e.column()
            ),
        };
    }
    if size > MAX_PRETTY {
        return Pretty::AsWritten {
            reason: format!(
                "valid JSON, but too large to pretty-print ({size} bytes); shown as written"
            ),
        };
    }
    Pretty::Formatted(jsonformat::format(text, jsonformat::Indentation::TwoSpace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_keeps_what_was_written() {
        let Pretty::Formatted(s) = pretty(r#"{"a":1,"a":2,"n":123456789012345678901234567890}"#)
        else {
            panic!("should format");
        };
        assert!(s.contains("\"a\": 1") && s.contains("\"a\": 2"), "{s}");
        assert!(s.contains("123456789012345678901234567890"), "{s}");
        let huge = format!("{{\"n\": {}}}", "9".repeat(5000));
        assert!(
            matches!(pretty(&huge), Pretty::Formatted(_)),
            "5,000 digits is valid JSON"
        );
    }

    #[test]
    fn refuses_depth_and_size_bombs() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(pretty(&deep), Pretty::AsWritten { .. }));
        // Shallow enough, but wide and nested: the pretty form would be huge.
        let one = format!("{}1{}", "[".repeat(60), "]".repeat(60));
        let wide = format!("[{}]", vec![one; 40_000].join(","));
        assert!(
            matches!(pretty(&wide), Pretty::AsWritten { .. }),
            "size bound"
        );
    }

    #[test]
    fn reports_invalid_json_with_a_line() {
        for bad in ["{\"x\": NaN}", "{\"a\": [1, 2", "", "{\n\"a\" 1}"] {
            assert!(matches!(pretty(bad), Pretty::Invalid { .. }), "{bad:?}");
        }
        assert!(matches!(
            pretty("{\n\"a\" 1}"),
            Pretty::Invalid { line: 2, .. }
        ));
    }

    #[test]
    fn strings_do_not_count_as_structure() {
        assert_eq!(shape(r#"{"a":"[[[[\"]]"}"#).0, 1);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::{Pretty, pretty};

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z \"\\\\{}\\[\\],:]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z\"]{1,4}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Pretty-printing never changes what a document says.
        #[test]
        fn pretty_printing_preserves_meaning(v in json()) {
            let compact = serde_json::to_string(&v).expect("serialise");
            match pretty(&compact) {
                Pretty::Formatted(out) => {
                    let back: Value = serde_json::from_str(&out).expect("pretty output is JSON");
                    prop_assert_eq!(back, v);
                }
                other => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
