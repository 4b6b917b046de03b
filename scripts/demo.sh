#!/usr/bin/env bash
# Builds vouch, builds the demo site from evidence/ into public/, and serves it
# on http://127.0.0.1:${PORT:-8000}/. Needs only cargo: the viewer's wasm is
# embedded in the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null; then
  echo "vouch needs Rust's cargo: https://rustup.rs" >&2
  exit 2
fi
cargo build --release --locked -p vouch
./target/release/vouch build evidence --out public
exec ./target/release/vouch serve public --port "${PORT:-8000}"
