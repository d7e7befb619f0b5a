#!/usr/bin/env bash
# Docs match the code: the key table in docs/CONFIG.md must equal what
# `verity config --keys` prints, and scenarios/sim_default.toml must resolve
# to the default config.
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
# The sample config is every default written out: it must resolve to the
# same config hash as no config at all.
sample=$("$bin" config --config "$root/scenarios/sim_default.toml" | tail -1)
defaults=$("$bin" config | tail -1)
if [ "$sample" != "$defaults" ]; then
  echo "scenarios/sim_default.toml no longer matches the defaults ($sample vs $defaults);"
  echo "regenerate it with: python3 infra/write_sample_config.py build/verity scenarios/sim_default.toml"
  exit 1
fi
echo "scenarios/sim_default.toml resolves to the default config"
