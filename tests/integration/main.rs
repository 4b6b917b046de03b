//! vouch's integration tests: the real `vouch` binary on fixture folders.
//!
//! One test crate, as in mdBook. `browser` drives real headless Chromium
//! through chromedriver; it needs Debian's `chromium` and `chromium-driver`
//! (`.ci/run` installs them).

mod audit;
mod browser;
mod build;
mod ci;
mod common;
mod hostile;
mod out;
mod reports;
mod reuse;
mod rollback;
mod serve;
mod signing;
mod triage;
mod trust;
mod verify;
