#!/usr/bin/env bash
# fuzz.sh runs every Fuzz target of the Go packages for the given time
# each (default 30s). `go test` alone already runs their seed corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-30s}"
for pkg in $(go list ./core/...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "== $pkg $target ($fuzztime)"
		go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"
	done
done
