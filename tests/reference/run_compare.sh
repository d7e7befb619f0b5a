#!/usr/bin/env bash
# ctest's features_reference: runs `verity features` over each shared real
# data file and compares the CSV with TA-Lib (and, for %B, technicalindicators
# and exact arithmetic) through features_reference.js, at 1e-9 relative.
# Exits 77, which ctest reports as skipped, with the reason on stdout, when
# node, the harness's npm packages or all of the shared data are absent.
#
# Usage: tests/reference/run_compare.sh VERITY_BINARY SOURCE_DIR
set -uo pipefail
verity="$1"
root="$2"
here="$root/tests/reference"
data="$root/../shared/data"

if ! command -v node >/dev/null 2>&1; then
  echo "SKIPPED: node is not installed (infra/deps.sh installs it)"
  exit 77
fi
if [ ! -d "$here/node_modules/talib-web" ] || [ ! -d "$here/node_modules/technicalindicators" ]; then
  echo "SKIPPED: the reference's npm packages are missing: run infra/deps.sh (npm ci --prefix tests/reference)"
  exit 77
fi

files=(
  01_binance_spot_1m_btc_bnb_2021/BTC_USDT-1m.json
  01_binance_spot_1m_btc_bnb_2021/BNB_USDT-1m.json
  02_ftx_btcperp_1m_2022-01_and_binance_depth/btc-perp-20211231-20220201_1m.csv
)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
checked=0
for f in "${files[@]}"; do
  if [ ! -f "$data/$f" ]; then
    echo "not checked: $data/$f is absent"
    continue
  fi
  if ! "$verity" features --input "$data/$f" --output "$tmp/features.csv" >"$tmp/out" 2>&1; then
    if grep -q "not supported yet" "$tmp/out"; then
      echo "not checked: $f: $(cat "$tmp/out")"
      continue
    fi
    echo "FAILED: verity features on $f:"
    cat "$tmp/out"
    status=1
    continue
  fi
  node "$here/features_reference.js" compare "$data/$f" "$tmp/features.csv" || status=1
  checked=$((checked + 1))
  echo
done
if [ "$checked" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "SKIPPED: no shared real data under $data"
  exit 77
fi
exit "$status"
