#!/usr/bin/env bash
# After adding or changing config keys: rewrite the key table in
# docs/CONFIG.md and the sample scenarios/sim_default.toml from the binary,
# and print the default config hash (pinned in tests/unit/config_test.cpp).
# Usage: infra/regen_config_docs.sh [VERITY_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/build/verity}"
tmp=$(mktemp)
# Keep the prose before the table and after it; replace the table itself.
awk -v table="$("$bin" config --keys)" '
  /^\|/ { if (!printed) { print table; printed = 1 } next }
  { print }
' "$root/docs/CONFIG.md" > "$tmp"
mv "$tmp" "$root/docs/CONFIG.md"
python3 "$root/infra/write_sample_config.py" "$bin" "$root/scenarios/sim_default.toml"
"$bin" config | tail -1
