#!/usr/bin/env bash
# Regenerates the Go code for the .proto files under proto/.
#
#   scripts/genproto.sh            # write into this repository
#   scripts/genproto.sh OUTDIR     # write into OUTDIR (same layout: OUTDIR/internal/pb/...)
#
# The generated code (internal/pb/messagecontents, internal/pb/mlsv1) is a TEST
# ORACLE only: production code uses the hand-written protowire codec in
# core/internal/wire and must not import it.
#
# Needs: protoc (Debian package protobuf-compiler) and go. protoc-gen-go is
# built from the version pinned in go.mod (tool directive), into a temporary
# directory. This script installs nothing. Running it twice gives the same
# files; stale *.pb.go files in the target packages are removed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="github.com/welcome-pointers/wasm"
protos=(
  mls/message_contents/welcome_pointer.proto
  mls/message_contents/wrapper_encryption.proto
  mls/api/v1/mls.proto
)
pkgdirs=(internal/pb/messagecontents internal/pb/mlsv1)

missing=0
if ! command -v protoc >/dev/null 2>&1; then
  echo "genproto: protoc not found on PATH." >&2
  echo "genproto:   install it, e.g. 'apt-get install protobuf-compiler' (Debian/Ubuntu)" >&2
  echo "genproto:   or a release from https://github.com/protocolbuffers/protobuf/releases" >&2
  missing=1
fi
if ! command -v go >/dev/null 2>&1; then
  echo "genproto: go not found on PATH (needed to build protoc-gen-go from go.mod)." >&2
  missing=1
fi
if [ "$missing" -ne 0 ]; then
  exit 2
fi

if [ $# -gt 1 ]; then
  echo "usage: $0 [outdir]" >&2
  exit 64
fi
out="${1:-$root}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! (cd "$root" && go build -o "$tmp/bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go); then
  echo "genproto: could not build protoc-gen-go from go.mod" >&2
  echo "genproto:   (is the module cache populated? try 'go mod download google.golang.org/protobuf')" >&2
  exit 2
fi

mkdir -p "$tmp/gen"
(cd "$root/proto" && protoc \
  --plugin=protoc-gen-go="$tmp/bin/protoc-gen-go" \
  --go_out="$tmp/gen" \
  --go_opt=module="$module" \
  "${protos[@]}")

for d in "${pkgdirs[@]}"; do
  if [ ! -d "$tmp/gen/$d" ]; then
    echo "genproto: protoc produced nothing for $d (check go_package options)" >&2
    exit 1
  fi
  mkdir -p "$out/$d"
  rm -f "$out/$d"/*.pb.go
  cp "$tmp/gen/$d"/*.pb.go "$out/$d/"
done

echo "genproto: generated with $(protoc --version) into ${out}" >&2
