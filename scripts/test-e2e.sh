#!/usr/bin/env bash
# test-e2e.sh runs the web demo's browser tests: playwright-core drives
# Debian's Chromium (/usr/bin/chromium) against the demo server.
#
# It installs what is missing (the chromium package, with sudo when not
# root; playwright-core with npm ci in web-demo/e2e; the js package's
# dependencies), builds the module, starts the server on a free loopback
# port, runs the tests with node --test and stops the server. A missing
# Chromium fails the run: no test is skipped.
#
# Screenshots go to artifacts/screenshots/, the 2,000-installation run's
# figures to artifacts/e2e/scale-2000.json (gitignored). Arguments: test
# files to run (default: all of web-demo/e2e) and options for node --test:
# scripts/test-e2e.sh --test-name-pattern='survive a reload' runs the tests
# whose name matches.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
	echo "e2e: $chromium is missing: installing Debian's chromium package"
	./scripts/setup.sh
fi
if [ ! -x "$chromium" ]; then
	echo "e2e: FAIL: $chromium is still missing after installing the chromium package" >&2
	exit 1
fi

# npm ci when the lockfile is newer than the installed tree.
npm_ci() {
	if [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
		echo "e2e: npm ci in $1"
		(cd "$1" && npm ci --no-audit --no-fund)
	fi
}
npm_ci web-demo/e2e
npm_ci js

./build.sh js

work="$(mktemp -d)"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/web-demo" ./web-demo
# Port 0: the server picks a free loopback port and writes its URL.
"$work/web-demo" -addr 127.0.0.1:0 -url-file "$work/url" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
	[ -s "$work/url" ] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "e2e: FAIL: the demo server exited:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [ ! -s "$work/url" ]; then
	echo "e2e: FAIL: the demo server did not start in 10 s" >&2
	cat "$work/server.log" >&2
	exit 1
fi
url="$(cat "$work/url")"
echo "e2e: demo server at $url"

mkdir -p artifacts/screenshots artifacts/e2e
options=()
tests=()
for arg in "$@"; do
	case "$arg" in
	-*) options+=("$arg") ;;
	*) tests+=("$arg") ;;
	esac
done
[ ${#tests[@]} -gt 0 ] || tests=(web-demo/e2e/*.test.mjs)
status=0
DEMO_URL="$url" CHROMIUM="$chromium" SCREENSHOTS="$root/artifacts/screenshots" E2E_ARTIFACTS="$root/artifacts/e2e" \
	node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 "${options[@]}" "${tests[@]}" || status=$?
if [ "$status" -ne 0 ]; then
	echo "e2e: server log:" >&2
	tail -n 50 "$work/server.log" >&2
fi
exit "$status"
