#!/usr/bin/env bash
# bench-js.sh builds the browser module and benchmarks it under Node.
# stdout: JSON lines {"name", "ns_per_op", "n"} (see js/bench/bench.mjs);
# everything else (build output, module sizes) goes to stderr.
# Environment: BENCH_INSTALLATIONS, BENCH_SEAL_RUNS, BENCH_OPEN_RUNS,
# BENCH_WELCOME_BYTES, BENCH_FLOOD_RECORDS, BENCH_FLOOD_HOURS (see
# js/bench/bench.mjs and js/bench/flood.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

./build.sh js >&2

wasm=js/dist/welcome-pointers.wasm
{
	printf 'module size: %s bytes raw, %s gzip -9' "$(wc -c <"$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
	if command -v brotli >/dev/null 2>&1; then
		printf ', %s brotli -q 11' "$(brotli -q 11 -c "$wasm" | wc -c)"
	fi
	printf '\n'
} >&2

node js/bench/bench.mjs
