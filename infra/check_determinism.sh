#!/usr/bin/env bash
# The determinism contract's grep (docs/DETERMINISM.md). Wall clocks,
# unseeded randomness, unordered containers and libm's exp/log (which glibc
# picks by CPU features: use det_exp/det_log) may appear only on lines that
# carry a `// det-ok: <reason>` comment. Exits 1 listing every offending line.
#
# Usage: infra/check_determinism.sh [SOURCE_DIR]
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
pattern='system_clock::now|steady_clock::now|high_resolution_clock::now|(^|[^_[:alnum:]])rand\(|random_device|time\(NULL\)|time\(nullptr\)|unordered_(map|set|multimap|multiset)|std::(exp|log|pow|expm1|log1p)\('
dirs=(actors sim replay models app live tests/support)
# models/ holds LibTorch code whose math is its own; its determinism is
# covered by single-threaded deterministic inference, not this grep.
hits=$(grep -rnE "$pattern" --include='*.cpp' --include='*.hpp' --include='*.h' --include='*.cc' "${dirs[@]}" 2>/dev/null \
  | grep -v 'det-ok' || true)
if [ -n "$hits" ]; then
  echo "determinism check failed: wall clock, unseeded randomness or unordered container without '// det-ok: reason':"
  echo "$hits"
  exit 1
fi
echo "determinism check passed: no unmarked wall clock, unseeded randomness, unordered container or libm exp/log in ${dirs[*]}"
