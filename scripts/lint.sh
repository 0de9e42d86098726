#!/usr/bin/env bash
# lint.sh runs the checks that read the code without running it:
#   1. gofmt -l: nothing to reformat
#   2. go vet, natively, as GOOS=js (the syscall/js bridge) and as
#      GOOS=wasip1 (the reactor), each build with the packages it has
#   3. staticcheck for the same three builds (the version go.mod pins as a
#      tool: nothing is fetched beyond the module cache)
#   4. prettier --check and eslint over js/ and web-demo/static/ (the
#      versions js/package-lock.json pins; npm ci when js/node_modules is
#      missing)
#   5. make help lists every target with a description
#
#   scripts/lint.sh          # check
#   scripts/lint.sh --fix    # rewrite what gofmt and prettier would, then check
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

fix=0
[ "${1:-}" = "--fix" ] && fix=1

if [ ! -d js/node_modules ]; then
	step "npm ci (js/)"
	(cd js && npm ci --no-audit --no-fund)
fi

# The JS the formatter and the linter check: the package and its tests and
# benchmarks, and the demo's page (every module under web-demo/static/).
js_globs=('js/**/*.{js,mjs}' 'web-demo/static/**/*.js')
prettier=(js/node_modules/.bin/prettier --config js/.prettierrc.json --ignore-path .prettierignore --log-level warn)

if [ "$fix" = 1 ]; then
	step "gofmt -w, prettier --write"
	gofmt -w $(git ls-files '*.go')
	"${prettier[@]}" --write "${js_globs[@]}"
fi

step "gofmt -l"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would reformat (scripts/lint.sh --fix):" >&2
	echo "$unformatted" >&2
	exit 1
fi

# The builds and their packages: the bridges only build for their GOOS.
builds=(
	"native|./..."
	"js|./wasm/... ./core/..."
	"wasip1|./wasip1/... ./core/..."
)
# `go tool staticcheck` would build it for the GOOS it runs with: build
# it natively once (go.mod's version), then run it for each build.
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
staticcheck=$bin/staticcheck
GOOS= GOARCH= go build -o "$staticcheck" honnef.co/go/tools/cmd/staticcheck
for b in "${builds[@]}"; do
	goos=${b%%|*}
	pkgs=${b#*|}
	env=()
	[ "$goos" != native ] && env=(GOOS="$goos" GOARCH=wasm)
	step "go vet ($goos)"
	env "${env[@]}" go vet $pkgs
	step "staticcheck ($goos)"
	env "${env[@]}" "$staticcheck" $pkgs
done

step "prettier --check"
"${prettier[@]}" --check "${js_globs[@]}"

step "eslint"
js/node_modules/.bin/eslint -c js/eslint.config.js --max-warnings 0 js web-demo/static

step "make help"
missing=()
for t in $(sed -n 's/^\.PHONY: *//p' Makefile); do
	make --no-print-directory help | grep -q "^  $t " || missing+=("$t")
done
if [ "${#missing[@]}" -ne 0 ]; then
	echo "make help does not describe: ${missing[*]} (add a '## ' line above the target)" >&2
	exit 1
fi
echo "lint ok"
