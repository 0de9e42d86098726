#!/usr/bin/env bash
# build.sh builds the WebAssembly artifacts.
#
#   ./build.sh          both builds
#   ./build.sh js       the browser module: js/dist/welcome-pointers.wasm
#                       and the matching wasm_exec.js from this Go toolchain
#   ./build.sh wasip1   the wasip1 reactor: dist/wasip1/welcome-pointers.wasm
set -euo pipefail
cd "$(dirname "$0")"

version() {
	# The JS package's version is the single version number; the Go side
	# embeds it so init() can refuse a mismatched pair.
	sed -n 's/^  "version": "\(.*\)",$/\1/p' js/package.json | head -n1
}

build_js() {
	local v
	v="$(version)"
	mkdir -p js/dist
	GOOS=js GOARCH=wasm go build -trimpath \
		-ldflags="-s -w -X main.version=${v}" \
		-o js/dist/welcome-pointers.wasm ./wasm
	cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" js/dist/wasm_exec.js
	echo "built js/dist/welcome-pointers.wasm ($(wc -c <js/dist/welcome-pointers.wasm) bytes, version ${v})"
}

build_wasip1() {
	mkdir -p dist/wasip1
	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared \
		-ldflags="-s -w -X main.version=$(version)" \
		-o dist/wasip1/welcome-pointers.wasm ./wasip1
	echo "built dist/wasip1/welcome-pointers.wasm ($(wc -c <dist/wasip1/welcome-pointers.wasm) bytes)"
}

case "${1:-all}" in
js) build_js ;;
wasip1) build_wasip1 ;;
all)
	build_js
	if [ -d wasip1 ]; then build_wasip1; fi
	;;
*)
	echo "usage: $0 [js|wasip1|all]" >&2
	exit 2
	;;
esac
