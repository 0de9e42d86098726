#!/usr/bin/env bash
# demo.sh builds the browser module and serves the web demo.
#
#   scripts/demo.sh                        # http://127.0.0.1:8080/
#   scripts/demo.sh -addr 127.0.0.1:9090   # another port
#   scripts/demo.sh -pointee-delay 20s     # show the pending-pointer path
#
# Arguments go to the server (go run ./web-demo -h lists them).
set -euo pipefail
cd "$(dirname "$0")/.."

./build.sh js

# The page imports the js package's runtime dependencies (idb) from
# js/node_modules through an import map: install them when missing or stale.
if [ js/package-lock.json -nt js/node_modules/.package-lock.json ]; then
	echo "demo: installing the js package's dependencies (npm ci in js/)"
	(cd js && npm ci --no-audit --no-fund)
fi

echo "demo: starting the server (Ctrl-C stops it)"
exec go run ./web-demo "$@"
