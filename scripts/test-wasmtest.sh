#!/usr/bin/env bash
# Runs the WebAssembly tests outside the browser, in wazero (issue #4):
#
#   - the core's own test suite (every package under ./core/..., vectors and
#     fuzz seeds included) compiled for GOOS=wasip1 and run as WebAssembly
#     (wasmtest, TestCoreSuite);
#   - the wasip1 reactor build (./wasip1) driven through its exports by the
#     Go host in wasip1/host: a full invite, garbage on every export, bad
#     pointers, 10,000 calls of bounded memory;
#   - the reactor's operations and its ABI codec natively (./wasip1/...).
#
# Works from a fresh clone: the tests build what they run into temporary
# directories (set WP_WASIP1_WASM=dist/wasip1/welcome-pointers.wasm to test
# the artifact ./build.sh wasip1 made instead).
#
#   scripts/test-wasmtest.sh            # everything
#   scripts/test-wasmtest.sh -v         # with the per-package timings and the
#                                       # core binaries' output
#   scripts/test-wasmtest.sh -run Core  # extra arguments go to go test
#
# Environment: WP_WAZERO_CACHE (compilation cache directory, or "off"; by
# default a temporary one under CI=true, else the user cache directory),
# WP_CORE_TEST_FULL=1 (core binaries without -test.short), WP_CORE_TEST_ARGS
# (more arguments for the core binaries), WASMTEST_TIMEOUT (default 20m).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v go >/dev/null 2>&1; then
	echo "test-wasmtest: go not found on PATH" >&2
	exit 2
fi

# The reactor's export file only builds for wasip1: vet it there too.
GOOS=wasip1 GOARCH=wasm go vet ./wasip1/...
go vet ./wasmtest/... ./wasip1/...

# -count=1: the results depend on files go test's cache does not track
# (the core's sources, read by the go commands the tests run).
exec go test -count=1 -timeout "${WASMTEST_TIMEOUT:-20m}" "$@" ./wasmtest/... ./wasip1/...
