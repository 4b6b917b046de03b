//! The four statuses every claim is normalised to. The vocabulary that maps
//! words to them lives in the `vouch-audit` crate (`status.rs`).

use serde::{Deserialize, Serialize};

/// A status, normalised. The original text is always kept beside it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    Pending,
    #[default]
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Pending => "pending",
            Status::Unknown => "unknown",
        }
    }

    /// A symbol for compact views (the gate matrix).
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Pass => "✔",
            Status::Fail => "✘",
            Status::Pending => "…",
            Status::Unknown => "?",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "pass" => Ok(Status::Pass),
            "fail" => Ok(Status::Fail),
            "pending" => Ok(Status::Pending),
            "unknown" => Ok(Status::Unknown),
            _ => Err(()),
        }
    }
}
