#!/usr/bin/env bash
# test-chromium.sh runs the JS package's own tests in headless Chromium
# (js/test/chromium: the native KEM path through the browser's WebCrypto,
# the worker pool): playwright-core drives Debian's /usr/bin/chromium
# against a static server of the repository. It installs what is missing
# (the chromium package through scripts/setup.sh, playwright-core with npm
# ci) and builds the module. A missing Chromium fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
	echo "chromium tests: $chromium is missing: installing Debian's chromium package"
	./scripts/setup.sh
fi
if [ ! -x "$chromium" ]; then
	echo "chromium tests: FAIL: $chromium is still missing" >&2
	exit 1
fi
dir=js/test/chromium
if [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
	(cd "$dir" && npm ci --no-audit --no-fund)
fi
if [ ! -d js/node_modules ]; then
	(cd js && npm ci --no-audit --no-fund)
fi
./build.sh js
CHROMIUM="$chromium" node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 "$dir"/*.test.mjs
