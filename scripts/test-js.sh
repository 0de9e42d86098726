#!/usr/bin/env bash
# test-js.sh runs every test of the browser module (wasm/ and js/):
#   1. npm ci in js/ when js/node_modules is missing
#   2. ./build.sh js (js/dist/welcome-pointers.wasm + wasm_exec.js)
#   3. the Go bridge tests under Node: GOOS=js GOARCH=wasm go test ./wasm/...,
#      and the crypto packages' tests, differential suites included (-short)
#   4. node --test over js/test (API, resolver with fake-indexeddb, interop)
#   5. tsc --noEmit over index.d.ts and a typed usage file
# Works from a fresh clone, offline once the npm and Go caches are filled.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if [ ! -d js/node_modules ]; then
	step "npm ci (js/)"
	(cd js && npm ci --no-audit --no-fund)
fi

step "build the module"
./build.sh js

step "Go bridge tests (GOOS=js GOARCH=wasm, under Node)"
PATH="$(go env GOROOT)/lib/wasm:$PATH" GOOS=js GOARCH=wasm go test ./wasm/...

step "crypto packages under Node (GOOS=js, -short; make crypto-check runs the full counts)"
./scripts/crypto-check.sh --slice js

step "node --test"
# The mismatched module of version-mismatch.test.mjs is relinked per run.
rm -rf js/dist/test
(cd js && node --test --test-reporter=spec test/*.test.mjs)

step "tsc --noEmit"
(cd js && ./node_modules/.bin/tsc --noEmit -p .)
echo "types ok"
