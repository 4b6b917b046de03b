#!/usr/bin/env bash
# Benchmark: builds a site from a generated corpus (~2,000 files, ~500 MB) and
# prints wall time and peak memory beside sha256sum over the same files,
# measured in the same run. Usage: scripts/bench.sh [--files N] [--mb M] [--runs R]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p vouch >&2
exec python3 scripts/bench.py --vouch target/release/vouch "$@"
