#!/usr/bin/env bash
# Benchmark: the scale curve (1k, 10k, 50k generated reports) for build, a
# rebuild with one file changed and verify, with wall time, peak memory and
# site size beside sha256sum over the same files, measured in the same run.
# Usage: scripts/bench.sh [--scales 1000,10000,50000] [--runs R]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p vouch >&2
exec python3 scripts/bench.py --vouch target/release/vouch "$@"
