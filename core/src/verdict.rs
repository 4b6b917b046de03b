//! What a verifier concludes about each artifact, and overall.

use serde::{Deserialize, Serialize};

/// The verdict on one artifact. The strings are part of the public contract:
/// the viewer writes them into `data-status` attributes and `vouch verify`
/// prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The bytes received hash to the manifest's sha256 and have its size.
    Verified,
    /// Bytes were received but their hash or size differs.
    Mismatch,
    /// Nothing could be received: a 404, a network error, a missing file.
    Missing,
}

impl Verdict {
    /// Compares what was received with what the manifest claims.
    pub fn judge(
        expected_sha256: &str,
        expected_size: u64,
        got_sha256: &str,
        got_size: u64,
    ) -> Self {
        if expected_sha256 == got_sha256 && expected_size == got_size {
            Self::Verified
        } else {
            Self::Mismatch
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Mismatch => "mismatch",
            Self::Missing => "missing",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// Running totals over a verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub verified: usize,
    /// Mismatches.
    pub failed: usize,
    pub missing: usize,
}

impl Summary {
    pub fn new(total: usize) -> Self {
        Self {
            total,
            ..Self::default()
        }
    }

    pub fn record(&mut self, v: Verdict) {
        match v {
            Verdict::Verified => self.verified += 1,
            Verdict::Mismatch => self.failed += 1,
            Verdict::Missing => self.missing += 1,
        }
    }

    pub fn done(&self) -> usize {
        self.verified + self.failed + self.missing
    }

    /// `running` until every artifact has a verdict, then `verified` when all
    /// of them verified and `failed` otherwise. These are the values of
    /// `#verification-summary[data-status]`.
    pub fn status(&self) -> &'static str {
        if self.done() < self.total {
            "running"
        } else if self.failed == 0 && self.missing == 0 {
            "verified"
        } else {
            "failed"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judge_needs_hash_and_size() {
        assert_eq!(Verdict::judge("aa", 1, "aa", 1), Verdict::Verified);
        assert_eq!(Verdict::judge("aa", 1, "ab", 1), Verdict::Mismatch);
        assert_eq!(Verdict::judge("aa", 1, "aa", 2), Verdict::Mismatch);
    }

    #[test]
    fn summary_status() {
        let mut s = Summary::new(3);
        assert_eq!(s.status(), "running");
        s.record(Verdict::Verified);
        s.record(Verdict::Verified);
        assert_eq!(s.status(), "running");
        s.record(Verdict::Verified);
        assert_eq!(s.status(), "verified");

        let mut s = Summary::new(2);
        s.record(Verdict::Verified);
        s.record(Verdict::Missing);
        assert_eq!((s.status(), s.missing, s.failed), ("failed", 1, 0));

        let mut s = Summary::new(1);
        s.record(Verdict::Mismatch);
        assert_eq!((s.status(), s.failed), ("failed", 1));

        assert_eq!(Summary::new(0).status(), "verified");
        assert_eq!(
            serde_json::to_string(&Verdict::Mismatch).unwrap_or_default(),
            "\"mismatch\""
        );
    }
}
