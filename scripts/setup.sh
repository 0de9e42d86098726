#!/usr/bin/env bash
# setup.sh installs the system packages the build and the tests need,
# when they are missing: protoc (the generated-code check), brotli (the
# module size budget), a C compiler and libc headers (go test -race needs
# cgo) and Chromium (the browser tests). Go and Node come
# with the machine. Run as root, or with sudo available.
set -euo pipefail

need=()
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
command -v brotli >/dev/null 2>&1 || need+=(brotli)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -e /usr/include/stdlib.h ] || need+=(libc6-dev)
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ "${#need[@]}" -eq 0 ]; then
	exit 0
fi
echo "setup: installing ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "setup: need root or sudo to install: ${need[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
