#!/usr/bin/env bash
# test-package.sh tests the npm package as a web developer gets it: the
# tarball of `npm pack` (whose prepack builds the module), installed into
# fresh projects.
#
#   1. npm pack js/ (prepack: ./build.sh js); the tarball's and the
#      module's sizes
#   2. the example apps (examples/esbuild, vite, webpack: a page and a
#      module worker each): npm ci (their bundler), the tarball installed,
#      built with the bundler's defaults (npm run build)
#   3. the example extension with the package copied in, as its README says
#   4. tsc --strict over the packed types in a Node-only project (no DOM
#      library), a DOM one and a WebWorker one (examples/test/types)
#   5. node --test examples/test: the tarball's contents, the package in
#      Node by its name, and in headless Chromium (playwright-core, Debian's
#      /usr/bin/chromium) the three apps under a strict CSP and the
#      extension, its service worker stopped and restarted
#   6. scripts/demo.sh: a SIGTERM to its PID stops the server
#
# It installs what is missing (Chromium through scripts/setup.sh, npm ci
# where a lockfile is newer than node_modules). Nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

started=$SECONDS
step() { printf '\n==> %s (%ss)\n' "$*" "$((SECONDS - started))"; }

if [ ! -x /usr/bin/chromium ] || ! command -v brotli >/dev/null 2>&1; then
	./scripts/setup.sh
fi

# npm ci when the lockfile is newer than the installed tree.
npm_ci() {
	if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
		(cd "$1" && npm ci --no-audit --no-fund)
	fi
}

work="$(mktemp -d)"
demo_pid=""
cleanup() {
	if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then kill "$demo_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

step "npm pack (js/)"
# prepack's output goes to the terminal; the JSON report starts at '['.
(cd js && npm pack --pack-destination "$work" --json) | sed -n '/^\[/,$p' >"$work/pack.json"
tarball="$work/$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].filename' "$work/pack.json")"
printf 'tarball: %s bytes; module: %s bytes, %s brotli -q 11\n' \
	"$(wc -c <"$tarball")" "$(wc -c <js/dist/welcome-pointers.wasm)" "$(brotli -q 11 -c js/dist/welcome-pointers.wasm | wc -c)"

step "install the tarball into the example projects"
for dir in examples/test examples/esbuild examples/vite examples/webpack; do
	npm_ci "$dir"
	rm -rf "$dir/node_modules/@welcome-pointers"
	(cd "$dir" && npm install --no-save --no-audit --no-fund "$tarball")
done

for app in esbuild vite webpack; do
	step "build examples/$app with $app's defaults"
	rm -rf "examples/$app/build" "examples/$app/dist"
	(cd "examples/$app" && npm run build)
done

step "the example extension, the package copied in"
ext="$work/extension"
mkdir -p "$ext/vendor/welcome-pointers" "$ext/vendor/idb"
cp examples/extension/manifest.json examples/extension/*.html examples/extension/*.js examples/extension/*.css "$ext/"
cp -r examples/test/node_modules/@welcome-pointers/wasm/src examples/test/node_modules/@welcome-pointers/wasm/dist "$ext/vendor/welcome-pointers/"
cp -r examples/test/node_modules/idb/build "$ext/vendor/idb/"

step "tsc --strict over the packed types: Node-only, DOM, WebWorker"
for kind in node dom webworker; do
	(cd examples/test && ./node_modules/.bin/tsc -p "types/tsconfig.$kind.json")
	echo "types ok in a $kind project"
done

step "node --test examples/test (Node, and Chromium: the apps and the extension)"
PACK_JSON="$work/pack.json" EXTENSION_DIR="$ext" \
	node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 examples/test/*.test.mjs

step "scripts/demo.sh: a SIGTERM to its PID stops the server"
scripts/demo.sh -addr 127.0.0.1:0 -url-file "$work/demo-url" >"$work/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 600); do
	[ -s "$work/demo-url" ] && break
	if ! kill -0 "$demo_pid" 2>/dev/null; then
		cat "$work/demo.log" >&2
		echo "FAIL: scripts/demo.sh exited before serving" >&2
		exit 1
	fi
	sleep 0.1
done
url="$(cat "$work/demo-url")"
answers() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "${url%/}/healthz"; }
answers
kill -TERM "$demo_pid"
wait "$demo_pid" 2>/dev/null || true
demo_pid=""
sleep 0.5
if answers; then
	echo "FAIL: the demo server still answers on $url after a SIGTERM to scripts/demo.sh" >&2
	exit 1
fi
echo "the demo server stopped with its script"

step "package tests done"
