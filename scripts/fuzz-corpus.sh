#!/usr/bin/env bash
# fuzz-corpus.sh runs the full mutation corpus of internal/corpus
# (corpus.Full cases) through the native core, the wasip1 reactor and the
# JS module, and checks that the three give the same result for the same
# bytes. `make test` runs a slice of it (corpus.Slice cases).
set -euo pipefail
cd "$(dirname "$0")/.."
export WP_CORPUS=full
go test -count=1 -timeout 60m -run '^TestCorpus' ./internal/corpus ./wasip1/host
if [ ! -d js/node_modules ]; then
	(cd js && npm ci --no-audit --no-fund)
fi
./build.sh js
# The JS test writes the full corpus (about half a gigabyte of JSON lines)
# when it is missing: always this checkout's, and removed afterwards.
rm -f js/dist/test/corpus-full.jsonl
trap 'rm -f js/dist/test/corpus-full.jsonl' EXIT
(cd js && node --test --test-reporter=spec test/corpus.test.mjs)
