#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what is missing
# (wasm32 target for linting the viewer, Chromium, chromedriver, minisign,
# axe-core and check-jsonschema),
# checks that the committed viewer is current, lints, and runs every test,
# including the end-to-end ones in headless Chromium against the committed
# viewer, then fuzzes each target for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "toolchain"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v minisign >/dev/null; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver minisign
fi
command -v sha256sum >/dev/null
# axe-core, for the accessibility test in Chromium (pinned; from npm).
if [ ! -f target/axe/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y npm
  fi
  npm install --silent --no-audit --no-fund --prefix target/axe axe-core@4.14.1
fi
# check-jsonschema, with SchemaStore's schemas for GitHub Actions, workflows
# and GitLab CI, for the action.yml and workflow tests (pinned; from PyPI).
if [ ! -d target/cj/check_jsonschema ]; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pip
  fi
  # --target installs beside the project, never into the system Python.
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check --target target/cj check-jsonschema==0.39.0
fi

step "the committed viewer matches its sources, lock file, profile and compiler"
# The committed build is what users get: the tests below run against it, and
# a stale one fails here (rebuild with `cargo xtask build-viewer`).
cargo xtask check-viewer

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p vouch-viewer --target wasm32-unknown-unknown -- -D warnings

step "tests (unit, property, integration, end-to-end in headless Chromium)"
cargo test --workspace

step "bounded fuzzing (${FUZZ_SECONDS:-20} s per target)"
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz 0.13.2" ]; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
# The toolchain is stable; RUSTC_BOOTSTRAP lets it take cargo-fuzz's -Z flags.
export RUSTC_BOOTSTRAP=1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in markdown json manifest history audit reports; do
  if [ -d "fuzz/regressions/$target" ]; then
    cargo fuzz run -O "$target" "fuzz/regressions/$target" -- -runs=0
  fi
  mkdir -p "$scratch/$target"
  # New inputs go to the scratch folder; the committed corpus is only read.
  cargo fuzz run -O "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
    -max_total_time="${FUZZ_SECONDS:-20}" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
echo "fuzzing: no crashes"
