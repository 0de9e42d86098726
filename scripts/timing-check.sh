#!/usr/bin/env bash
# timing-check.sh runs the dudect timing check on the X25519 ladder, X-Wing
# decapsulation and pointee opening (core/internal/dudect): natively, as
# GOOS=js in Node, and as GOOS=js in headless Chromium (Debian's, through
# playwright-core), TIMING_SECONDS (default 20) of measurements per
# function and runtime. It prints Welch's t per function per runtime and
# fails if any |t| exceeds 4.5. Not part of make test: it takes minutes
# and wants a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${TIMING_SECONDS:-20}"
chromium=/usr/bin/chromium
[ -x "$chromium" ] || ./scripts/setup.sh
if [ "web-demo/e2e/package-lock.json" -nt "web-demo/e2e/node_modules/.package-lock.json" ]; then
	(cd web-demo/e2e && npm ci --no-audit --no-fund)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -trimpath -o "$work/timing" ./core/internal/dudect/cmd/timing
GOOS=js GOARCH=wasm go build -trimpath -o "$work/timing.wasm" ./core/internal/dudect/cmd/timing
node scripts/timing-check.mjs "$work/timing" "$work/timing.wasm" "$(go env GOROOT)/lib/wasm" "$seconds" "$chromium"
