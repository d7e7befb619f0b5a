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
  # models: LibTorch trains them (the verity_torch module)
  libtorch-dev libgflags-dev
  # live mode: HTTP/WebSocket (Boost.Beast, Asio), HTTPS clients (libcurl), HMAC and TLS (OpenSSL)
  libboost-dev libcurl4-openssl-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  # the challenge report's browser test (tests/cli/report_browser_test.cpp)
  # renders report.html in headless chromium; without it that test skips
  chromium
)

# The features reference harness (tests/reference, docs/FEATURES.md) runs
# on node. Debian's nodejs and npm are added only when no node is on the
# PATH: a node from elsewhere (NodeSource, with its own npm) is fine.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

# The npm packages of the TA-Lib reference harness (tests/reference) and of
# the reference backtester in the benchmarks (tests/bench/reference),
# installed from each lock file when node_modules is missing or older than
# the lock. Quiet; a second run does nothing.
npm_modules() {
  local rel="$1" check="${2:-}" dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/$rel"
  [ -f "$dir/package-lock.json" ] || return 0
  local stamp="$dir/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ]; then return 0; fi
  if [ "$check" = "--check" ]; then
    echo "deps: missing: npm modules of $rel (npm ci)"
    return 1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "deps: no npm: $rel not installed (what uses it will skip)"
    return 0
  fi
  echo "deps: npm ci --prefix $rel"
  local log
  log="$(mktemp)"
  if ! npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

reference_modules() {
  npm_modules tests/reference "${1:-}" || return 1
  npm_modules tests/bench/reference "${1:-}" || return 1
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  reference_modules "${1:-}" || exit 1
  exit 0
fi

if [ "${1:-}" = "--check" ]; then
  echo "deps: missing: ${missing[*]}"
  reference_modules --check || true
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
reference_modules || exit 1
echo "deps: done"
