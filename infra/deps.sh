#!/usr/bin/env bash
# Installs exactly the Debian 12 packages Verity's build needs, skipping those
# already present. Idempotent: a second run installs nothing and exits 0.
#
# Usage: infra/deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is.
set -euo pipefail

# One package per line, grouped by what needs it. Keep this list the single
# source of truth: CMakeLists.txt finds exactly these.
packages=(
  # toolchain
  g++ cmake make pkg-config ccache
  # actors, messages, journal
  libcaf-dev capnproto libcapnp-dev librocksdb-dev libxxhash-dev
  # logs, CLI, config, JSON, zip archives (market data)
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libzip-dev zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "${1:-}" = "--check" ]; then
  echo "deps: missing: ${missing[*]}"
  exit 1
fi

echo "deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# A fresh image's package lists may be missing or stale: refresh them once
# before installing anything.
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps: done"
