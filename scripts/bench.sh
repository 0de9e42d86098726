#!/usr/bin/env bash
# bench.sh runs the benchmark harness (go run ./bench).
#
#   ./scripts/bench.sh           full run: writes BENCHMARKS.md and
#                                bench/chart.svg (several minutes)
#   ./scripts/bench.sh --quick   smoke run for CI (make bench-quick): tiny
#                                sizes, one run of each figure, and the
#                                module size budget; writes to a temporary
#                                directory, never over BENCHMARKS.md
#
# Other arguments go to the harness (go run ./bench -h lists them). It
# builds both WebAssembly modules, installs what is missing (brotli and
# Chromium through scripts/setup.sh; npm ci in js/ and bench/node/) and
# exits non-zero when a check fails, the size budget included.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
for a in "$@"; do
	case "$a" in
	--quick) args+=(-quick) ;;
	*) args+=("$a") ;;
	esac
done

if ! command -v brotli >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
	./scripts/setup.sh
fi

# npm ci when the lockfile is newer than the installed tree.
npm_ci() {
	if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
		echo "bench: npm ci in $1" >&2
		(cd "$1" && npm ci --no-audit --no-fund >&2)
	fi
}
npm_ci js
npm_ci bench/node

./build.sh >&2

exec go run ./bench "${args[@]}"
