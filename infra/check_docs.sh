#!/usr/bin/env bash
# Docs match the code: the key table in docs/CONFIG.md must equal what
# `verity config --keys` prints.
# Usage: infra/check_docs.sh VERITY_BINARY SOURCE_DIR
set -euo pipefail
bin="$1"
root="$2"
expected=$("$bin" config --keys)
actual=$(grep '^|' "$root/docs/CONFIG.md")
if [ "$expected" != "$actual" ]; then
  echo "docs/CONFIG.md is out of date; regenerate its table with: verity config --keys"
  diff <(echo "$expected") <(echo "$actual") || true
  exit 1
fi
echo "docs/CONFIG.md matches verity config --keys"
