#!/usr/bin/env bash
# demo.sh builds the browser module and serves the web demo.
#
#   scripts/demo.sh                        # http://127.0.0.1:8080/
#   scripts/demo.sh -addr 127.0.0.1:9090   # another port
#   scripts/demo.sh -pointee-delay 20s     # show the pending-pointer path
#
# Arguments go to the server (scripts/demo.sh -h lists them).
set -euo pipefail
cd "$(dirname "$0")/.."

./build.sh js

# The page imports the js package's runtime dependencies (idb) from
# js/node_modules through an import map: install them when missing or stale.
if [ js/package-lock.json -nt js/node_modules/.package-lock.json ]; then
	echo "demo: installing the js package's dependencies (npm ci in js/)"
	(cd js && npm ci --no-audit --no-fund)
fi

# The server is built, then exec'd: this script's PID is the server's, so
# a signal to it stops the server (go run would leave it running).
mkdir -p .cache/bin
go build -o .cache/bin/web-demo ./web-demo
echo "demo: starting the server (Ctrl-C stops it)"
exec .cache/bin/web-demo "$@"
