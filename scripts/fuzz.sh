#!/usr/bin/env bash
# fuzz.sh runs every Fuzz target of the repository (the core's, the
# codec's, the reactor's operations in wasip1/...) for the given time
# each (default 30s). Minimizing a failing input is bounded too, so that a
# run does not spend its budget there. `go test` alone already runs their
# seed corpora.
#
#   scripts/fuzz.sh [FUZZTIME [MINIMIZETIME]]
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-30s}"
minimizetime="${2:-10s}"
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "== $pkg $target ($fuzztime, minimizing at most $minimizetime)"
		go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimizetime"
	done
done
