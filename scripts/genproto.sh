#!/usr/bin/env bash
# Regenerates the Go code for the .proto files under proto/: the messages
# (protoc-gen-go) and the Connect handlers and clients of their services
# (protoc-gen-connect-go).
#
#   scripts/genproto.sh            # write into this repository
#   scripts/genproto.sh OUTDIR     # write into OUTDIR (same layout: OUTDIR/internal/pb/...)
#
# The generated code under internal/pb is a test oracle for the core and
# the API of the Go node (web-demo/node): the module itself (core/, wasm/,
# wasip1/) uses the hand-written protowire codec in core/internal/wire and
# must not import it.
#
# Needs: protoc (Debian package protobuf-compiler) and go. protoc-gen-go and
# protoc-gen-connect-go are built from the versions pinned in go.mod (tool
# directives), into a temporary directory. proto/google/protobuf/empty.proto
# is imported, never generated (emptypb comes with the protobuf module). This script installs nothing. Running it twice gives the same
# files; stale *.pb.go files in the target packages are removed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="github.com/welcome-pointers/wasm"
protos=(
  mls/message_contents/welcome_pointer.proto
  mls/message_contents/wrapper_encryption.proto
  mls/api/v1/mls.proto
  identity/associations/signature.proto
  xmtpv4/envelopes/envelopes.proto
  xmtpv4/message_api/message_api.proto
  xmtpv4/message_api/query_api.proto
  xmtpv4/payer_api/payer_api.proto
  xmtpv4/gateway_api/gateway_api.proto
)

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

for plugin in google.golang.org/protobuf/cmd/protoc-gen-go connectrpc.com/connect/cmd/protoc-gen-connect-go; do
  if ! (cd "$root" && go build -o "$tmp/bin/${plugin##*/}" "$plugin"); then
    echo "genproto: could not build $plugin from go.mod" >&2
    echo "genproto:   (is the module cache populated? try 'go mod download')" >&2
    exit 2
  fi
done

mkdir -p "$tmp/gen"
(cd "$root/proto" && protoc \
  --plugin=protoc-gen-go="$tmp/bin/protoc-gen-go" \
  --plugin=protoc-gen-connect-go="$tmp/bin/protoc-gen-connect-go" \
  --go_out="$tmp/gen" \
  --go_opt=module="$module" \
  --connect-go_out="$tmp/gen" \
  --connect-go_opt=module="$module" \
  "${protos[@]}")

if [ ! -d "$tmp/gen/internal/pb" ]; then
  echo "genproto: protoc produced nothing under internal/pb (check go_package options)" >&2
  exit 1
fi
# Every generated file lives under internal/pb; stale ones are removed.
mkdir -p "$out/internal/pb"
find "$out/internal/pb" \( -name '*.pb.go' -o -name '*.connect.go' \) -delete
(cd "$tmp/gen" && find internal/pb -name '*.go' -print0) | while IFS= read -r -d '' f; do
  mkdir -p "$out/$(dirname "$f")"
  cp "$tmp/gen/$f" "$out/$f"
done

echo "genproto: generated with $(protoc --version) into ${out}" >&2
