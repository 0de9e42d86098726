# See README.md and CONTRIBUTING.md. Every target works from a fresh
# clone; `make test` and `make demo` install what they need
# (scripts/setup.sh, npm ci). `make help` lists the targets: the `## `
# line above each is its description.
SHELL := /bin/bash
GO ?= go
WASM_EXEC_PATH := $(shell $(GO) env GOROOT)/lib/wasm

.PHONY: all help build test lint fmt vet test-go test-race test-js test-chromium test-wasm test-e2e test-package demo generate proto bench bench-quick bench-demo fuzz fuzz-corpus setup clean crypto-check timing-check

## Build the module and the package (same as make build).
all: build

## List the targets.
help:
	@awk '/^## /{d=substr($$0,4);next} /^[a-z][a-z0-9-]*:/{if(d!=""){sub(/:.*/,"",$$1);printf "  %-14s %s\n",$$1,d};d=""} !/^## /{d=""}' $(MAKEFILE_LIST)

## Install the system packages the build and tests need (protoc, brotli, gcc, chromium).
setup:
	./scripts/setup.sh

## Build the browser module, the wasip1 reactor and the npm package (build.sh).
build:
	./build.sh

## gofmt, go vet and staticcheck (native, GOOS=js, GOOS=wasip1), prettier, eslint, make help.
lint:
	./scripts/lint.sh

## Rewrite what gofmt and prettier would, then lint.
fmt:
	./scripts/lint.sh --fix

## go vet for the three builds (part of make lint).
vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/... ./core/...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./wasip1/... ./core/...

# Native Go tests: the core, its vectors and fuzz seeds, the protobuf
# sync check, the relay, the welcome node (web-demo/node, with a grpc-go
# client), and the wazero suite (core tests as WebAssembly,
# the wasip1 reactor through its Go host).
## Every native Go test, the wazero suite included.
test-go:
	$(GO) test -count=1 -timeout 20m ./...

# The packages whose code runs natively, under the race detector; -short
# keeps the heavy suites to their slices. Left out: what runs WebAssembly
# in wazero (wasmtest, wasip1/host: the same Go code as GOOS=wasip1, and
# minutes under -race), the benchmarks' harness, and dudect (a timing
# measurement, which the race detector's slowdown skews).
RACE_PKGS = $(shell $(GO) list ./... | grep -v -e /wasmtest -e /wasip1/host -e /bench -e /dudect -e /internal/pb)
## The native packages under the race detector (-short).
test-race:
	$(GO) test -race -short -count=1 -timeout 20m $(RACE_PKGS)

# The browser module: GOOS=js tests under Node, node --test with
# fake-indexeddb, the transport against the Go welcome node, interop with
# an independent X-Wing HPKE, tsc.
## The browser module: GOOS=js tests under Node, node --test, tsc and checkJs.
test-js:
	./scripts/test-js.sh

# The JS package in headless Chromium: the native KEM path (WebCrypto's
# X-Wing) against the module's, and the worker pool.
## The JS package in headless Chromium (WebCrypto's X-Wing, the worker pool).
test-chromium:
	./scripts/test-chromium.sh

## The WebAssembly tests in wazero: the core's suite as GOOS=wasip1, the reactor through wasip1/host.
test-wasm:
	./scripts/test-wasmtest.sh

## The web demo, and the transport against the Go welcome node, in headless Chromium.
test-e2e:
	./scripts/test-e2e.sh

# The npm package as web developers get it: npm pack, the example apps
# built by esbuild, vite and webpack and the example extension in
# Chromium, the packed types under tsc --strict, demo.sh's signals.
## The npm package as web developers get it: bundlers, the extension, packed types.
test-package:
	./scripts/test-package.sh

## Setup, lint and every test suite, as CI runs them (CI=true make test).
test: setup lint test-go test-race test-js test-chromium test-e2e test-package bench-quick

## Run the demo (web-demo): the relay, the welcome node and the page.
demo:
	./scripts/demo.sh

## Regenerate what the operation and error tables derive (internal/ops/gen) and the protobuf code.
generate: proto
	$(GO) run ./internal/ops/gen

## Regenerate the Go code of the .proto files (needs protoc).
proto:
	./scripts/genproto.sh

## Full benchmarks: writes BENCHMARKS.md.
bench:
	./scripts/bench.sh

## The demo's 2,000-installation invite in Chromium: its phases, long tasks and page size against the targets, in artifacts/e2e/scale-2000.json.
bench-demo:
	./scripts/test-e2e.sh web-demo/e2e/scale.test.mjs

## Smoke run of the benchmark harness and the module size budget; no timing assertions.
bench-quick:
	./scripts/bench.sh --quick

# The differential suites of X25519, X-Wing and HPKE at full counts,
# natively, as GOOS=js under Node and as wasip1 in wazero (make test runs
# a slice of them in each build). See SECURITY.md.
## The differential crypto suites at full counts, in every build (SECURITY.md).
crypto-check:
	./scripts/crypto-check.sh

## Welch's t-test (dudect) on the constant-time code, in Node and in headless Chromium.
timing-check:
	./scripts/timing-check.sh

FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 10s
## Run every fuzz target for FUZZTIME (30s) each.
fuzz:
	./scripts/fuzz.sh $(FUZZTIME) $(FUZZMINIMIZETIME)

# The full mutation corpus through the core, the wasip1 reactor and the JS
# module, compared (make test runs a slice).
## The full mutation corpus through the core, the reactor and the JS module.
fuzz-corpus:
	./scripts/fuzz-corpus.sh

## Remove the build outputs.
clean:
	rm -rf js/dist dist artifacts
