//! The model vouch's generator and viewer share.
//!
//! This crate is deliberately small and does **no I/O**: it holds the
//! `manifest.json` schema, the SHA-256 hashing both sides use, the verdicts
//! they reach, and the pure rules (URL safety, artifact kinds) they must agree
//! on. It builds natively and for `wasm32-unknown-unknown`, so the schema is
//! defined exactly once.

pub mod audit;
pub mod diff;
pub mod hash;
pub mod history;
pub mod kind;
pub mod lines;
pub mod manifest;
pub mod monitor;
pub mod signature;
pub mod time;
pub mod url;
pub mod verdict;

pub use hash::{Sha256Hasher, sha256_hex};
pub use kind::ArtifactKind;
pub use lines::to_json_lines;
pub use manifest::{Artifact, Generator, MANIFEST_SCHEMA, Manifest, ManifestError, ManifestReader};
pub use verdict::{Summary, Verdict};

/// The most a metadata file (`history.json`, a signature, `audit.json`) may
/// be, for `vouch build`, `vouch verify` and the viewer alike: a host that
/// sends more (an endless body, a gzip bomb) is refused, and an audit trail
/// larger (at 50,000 reports one is over 100 MB) is not fetched to compare
/// two snapshots' statuses. The per-file lists have a larger limit of
/// their own.
pub const DOC_LIMIT: u64 = 64 << 20;

/// `pairs` sorted by key, keeping the first of each key. The viewer sorts
/// through this one routine (and no `BTreeMap`): each sort instantiated is
/// several kilobytes of wasm.
pub fn sorted_unique<K: Ord, V>(pairs: Vec<(K, V)>) -> Vec<(K, V)> {
    let mut indexed: Vec<(usize, (K, V))> = pairs.into_iter().enumerate().collect();
    indexed.sort_unstable_by(|(i, (k, _)), (j, (l, _))| k.cmp(l).then(i.cmp(j)));
    let mut out: Vec<(K, V)> = Vec::with_capacity(indexed.len());
    for (_, (k, v)) in indexed {
        if out.last().is_none_or(|(last, _)| *last != k) {
            out.push((k, v));
        }
    }
    out
}

/// Walks two lists sorted by unique keys (as [`sorted_unique`] leaves
/// them) together: each key once, in order, with its value on either side.
pub fn merge_sorted<'a, K: Ord, V>(
    a: &'a [(K, V)],
    b: &'a [(K, V)],
) -> impl Iterator<Item = (&'a K, Option<&'a V>, Option<&'a V>)> {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let next = match (a.get(i), b.get(j)) {
            (None, None) => return None,
            (Some((k, v)), None) => (k, Some(v), None),
            (None, Some((k, w))) => (k, None, Some(w)),
            (Some((k, v)), Some((l, w))) => match k.cmp(l) {
                std::cmp::Ordering::Less => (k, Some(v), None),
                std::cmp::Ordering::Greater => (l, None, Some(w)),
                std::cmp::Ordering::Equal => (k, Some(v), Some(w)),
            },
        };
        i += usize::from(next.1.is_some());
        j += usize::from(next.2.is_some());
        Some(next)
    })
}

/// `1536` → `"1.5 KiB"`: sizes as both the pages and the viewer show them.
///
/// Integer arithmetic, rounding to the nearest tenth and ties to even, which
/// is what `format!("{:.1}", n as f64 / 1024f64.powi(unit))` prints, with
/// no float arithmetic or formatting in the viewer's own code.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && n >> (10 * (unit + 1)) > 0 {
        unit += 1;
    }
    if unit == 0 {
        return format!("{n} B");
    }
    let scale = 1u128 << (10 * unit);
    let tenths = u128::from(n) * 10;
    let (mut q, r) = (tenths / scale, tenths % scale);
    if 2 * r > scale || (2 * r == scale && q % 2 == 1) {
        q += 1;
    }
    // Printed as u64 (it fits: n / 1024 * 10 + 1): formatting a u128 would
    // put its formatter in the viewer's wasm.
    format!("{}.{} {}", (q / 10) as u64, (q % 10) as u64, UNITS[unit])
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_bytes() {
        assert_eq!(super::human_bytes(0), "0 B");
        assert_eq!(super::human_bytes(1023), "1023 B");
        assert_eq!(super::human_bytes(1536), "1.5 KiB");
        assert_eq!(super::human_bytes(5 << 30), "5.0 GiB");
        assert_eq!(super::human_bytes(u64::MAX), "16777216.0 TiB");
    }

    #[test]
    fn sorted_unique_keeps_the_first_of_each_key_and_merge_walks_both() {
        let a = super::sorted_unique(vec![("b", 1), ("a", 2), ("b", 3), ("d", 4)]);
        assert_eq!(a, [("a", 2), ("b", 1), ("d", 4)]);
        let b = super::sorted_unique(vec![("d", 5), ("c", 6), ("a", 2)]);
        let walked: Vec<_> = super::merge_sorted(&a, &b)
            .map(|(k, x, y)| (*k, x.copied(), y.copied()))
            .collect();
        assert_eq!(
            walked,
            [
                ("a", Some(2), Some(2)),
                ("b", Some(1), None),
                ("c", None, Some(6)),
                ("d", Some(4), Some(5)),
            ]
        );
        assert_eq!(super::merge_sorted::<&str, u8>(&[], &[]).count(), 0);
    }

    /// The integer rounding prints what the float formatter printed, ties
    /// (1280 B is 1.25 KiB) and the edge of each unit included.
    #[test]
    fn human_bytes_matches_the_float_formatting() {
        fn float(n: u64) -> String {
            const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
            let mut v = n as f64;
            let mut unit = 0;
            while v >= 1024.0 && unit + 1 < UNITS.len() {
                v /= 1024.0;
                unit += 1;
            }
            if unit == 0 {
                format!("{n} B")
            } else {
                format!("{v:.1} {}", UNITS[unit])
            }
        }
        let mut cases: Vec<u64> = (0..300_000).collect();
        for shift in [10u32, 20, 30, 40] {
            let base = 1u64 << shift;
            for k in [1u64, 2, 3, 5, 7, 100, 1023, 1024, 5000] {
                for d in [0i64, -1, 1, -2, 2] {
                    let n = (base * k).saturating_add_signed(d);
                    cases.extend([n, n + base / 4, n + base / 20, n + base / 20 * 19]);
                }
            }
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(x >> (x % 40));
        }
        for n in cases {
            assert_eq!(super::human_bytes(n), float(n), "{n} bytes");
        }
    }
}
