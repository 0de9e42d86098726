# See README.md. Every target works from a fresh clone; `make test` and
# `make demo` install what they need (scripts/setup.sh, npm ci).
SHELL := /bin/bash
GO ?= go
WASM_EXEC_PATH := $(shell $(GO) env GOROOT)/lib/wasm

.PHONY: all build test test-go test-js test-chromium test-wasm test-e2e test-package demo proto bench bench-quick bench-demo fuzz fuzz-corpus vet setup clean crypto-check timing-check

all: build

setup:
	./scripts/setup.sh

build:
	./build.sh

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/... ./core/...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./wasip1/... ./core/...

# Native Go tests: the core, its vectors and fuzz seeds, the protobuf
# sync check, the relay, the welcome node (web-demo/node, with a grpc-go
# client), and the wazero suite (core tests as WebAssembly,
# the wasip1 reactor through its Go host).
test-go:
	$(GO) test -count=1 -timeout 20m ./...

# The browser module: GOOS=js tests under Node, node --test with
# fake-indexeddb, the transport against the Go welcome node, interop with
# an independent X-Wing HPKE, tsc.
test-js:
	./scripts/test-js.sh

# The JS package in headless Chromium: the native KEM path (WebCrypto's
# X-Wing) against the module's, and the worker pool.
test-chromium:
	./scripts/test-chromium.sh

# The web demo, and the transport against the Go welcome node, in headless Chromium.
test-e2e:
	./scripts/test-e2e.sh

# The npm package as web developers get it: npm pack, the example apps
# built by esbuild, vite and webpack and the example extension in
# Chromium, the packed types under tsc --strict, demo.sh's signals.
test-package:
	./scripts/test-package.sh

test: setup vet test-go test-js test-chromium test-e2e test-package bench-quick

demo:
	./scripts/demo.sh

proto:
	./scripts/genproto.sh

# Full benchmarks: writes BENCHMARKS.md.
bench:
	./scripts/bench.sh

# The demo's 2,000-installation invite in Chromium: its phases, long
# tasks and page size against the targets, in artifacts/e2e/scale-2000.json.
bench-demo:
	./scripts/test-e2e.sh web-demo/e2e/scale.test.mjs

# Smoke run of the benchmark harness and the module size budget; no timing assertions.
bench-quick:
	./scripts/bench.sh --quick

# The differential suites of X25519, X-Wing and HPKE at full counts,
# natively, as GOOS=js under Node and as wasip1 in wazero (make test runs
# a slice of them in each build). See SECURITY.md.
crypto-check:
	./scripts/crypto-check.sh

# Welch's t-test (dudect) on the X25519 ladder, X-Wing decapsulation and
# pointee opening, as WebAssembly in Node and in headless Chromium.
timing-check:
	./scripts/timing-check.sh

FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 10s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME) $(FUZZMINIMIZETIME)

# The full mutation corpus through the core, the wasip1 reactor and the JS
# module, compared (make test runs a slice).
fuzz-corpus:
	./scripts/fuzz-corpus.sh

clean:
	rm -rf js/dist dist artifacts
