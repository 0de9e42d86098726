#!/usr/bin/env bash
# crypto-check.sh runs the differential suites of the cryptographic
# packages (X25519 against crypto/ecdh and a big-integer RFC 7748 ladder,
# X-Wing against circl and a standard-library model, HPKE against
# crypto/hpke and an independent key schedule) in every build:
#
#   scripts/crypto-check.sh            full counts (WP_CRYPTO_CHECK=full),
#                                      natively, as GOOS=js under Node and
#                                      as wasip1 in wazero: make crypto-check
#                                      (about 2.5, 12 and 55 minutes on 2
#                                      busy cores; CRYPTO_CHECK_BUILDS="native
#                                      js" picks builds)
#   scripts/crypto-check.sh --slice js the packages' whole test suites as
#                                      GOOS=js, -short (test-js.sh, in make test)
#
# `make test` also runs them natively (go test ./...) and as wasip1 (the
# wasmtest core suite, -short). Each differential test logs its counts.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(./core/internal/x25519 ./core/internal/xwing ./core/internal/hpke)
export PATH="$(go env GOROOT)/lib/wasm:$PATH"

if [ "${1:-}" = --slice ]; then
	[ "${2:-}" = js ] || { echo "usage: $0 [--slice js]" >&2; exit 2; }
	GOOS=js GOARCH=wasm go test -count=1 -short "${PKGS[@]}"
	exit 0
fi

exec_dir="$(mktemp -d)"
trap 'rm -rf "$exec_dir"' EXIT
go build -o "$exec_dir/go_wasip1_wasm_exec" ./wasmtest/cmd/go_wasip1_wasm_exec

export WP_CRYPTO_CHECK=full
run() {
	local name="$1"
	shift
	printf '\n==> %s: differential suites, full counts\n' "$name"
	local start=$SECONDS
	# -v for the counts each test logs; the RUN and PASS lines left out.
	"$@" go test -count=1 -timeout 3h -v -run 'Differential' "${PKGS[@]}" |
		grep -Ev '^(=== RUN|=== PAUSE|=== CONT| *--- PASS|PASS$)' || return 1
	echo "$name: $((SECONDS - start))s"
}
for build in ${CRYPTO_CHECK_BUILDS:-native js wasip1}; do
	case "$build" in
	native) run native env ;;
	js) run "GOOS=js (Node $(node --version))" env GOOS=js GOARCH=wasm ;;
	wasip1) run "wasip1 (wazero)" env GOOS=wasip1 GOARCH=wasm GOFLAGS="-exec=$exec_dir/go_wasip1_wasm_exec" ;;
	*) echo "crypto-check: unknown build $build (native, js, wasip1)" >&2; exit 2 ;;
	esac
done
