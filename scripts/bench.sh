#!/usr/bin/env bash
# Benchmark: the scale curve (1k, 10k, 50k generated reports) for build, a
# rebuild with one file edited and one with a file added (also, at 1k and
# 10k, of a site that keeps 20 snapshots) and verify, with wall time, peak memory and
# site size beside sha256sum over the same files, measured in the same run;
# then the browser benchmark (headless Chromium: the viewer against plain
# fetch + WebCrypto in the same browser, one large file's throughput, and
# the longest main-thread task of each kind of page of a large site).
# Usage: scripts/bench.sh [--scales 1000,10000,50000] [--runs R] [--corpus DIR]...
# (--corpus also measures a copy of a real evidence folder the same way.)
# BENCH_BROWSER=0 leaves the browser benchmark out.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p vouch >&2
python3 scripts/bench.py --vouch target/release/vouch "$@"
if [ "${BENCH_BROWSER:-1}" != 0 ]; then
  python3 scripts/bench_browser.py --vouch target/release/vouch
fi
