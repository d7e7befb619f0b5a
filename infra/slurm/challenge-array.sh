#!/usr/bin/env bash
# One challenge batch spread over a Slurm job array (docs/DISTRIBUTED.md):
# array task I runs the I-th of RANGES near-equal contiguous ranges of the
# batch's attempts and writes $OUT/part-I.json; a job that depends on the
# whole array merges them into $OUT/report, exactly what one `verity
# challenge` run of the batch writes.
#
# Submit both from the repository root (the scenario and the generator's
# calibration are read relative to it, on a file system every node sees):
#
#   SCENARIO=scenarios/ftmo_2step_100k.toml SEEDS=1000 RANGES=8 OUT=$PWD/verity-data/batch \
#     bash infra/slurm/challenge-array.sh
#
# which runs, in effect:
#
#   jid=$(sbatch --parsable --array=0-7 infra/slurm/challenge-array.sh)
#   sbatch --dependency=afterok:$jid --wrap "build/verity report merge --out $OUT/report $OUT/part-*.json"
#
# `bash infra/slurm/challenge-array.sh merge` runs the merge by hand.
#
# Variables (exported to the jobs; sbatch passes the environment on):
#   VERITY    the binary (default: build/verity if present, else verity on PATH)
#   SCENARIO  scenario file (default scenarios/ftmo_2step_100k.toml)
#   SEEDS     attempts in the batch (default 1000)
#   RANGES    pieces = array tasks (default 8)
#   OUT       shared folder for the part files and the report (default verity-data/batch)
#   EXTRA     more `verity challenge` flags for every piece, e.g. "--seed 7 --max-days 20"
# A piece exits 0 once its part file is written; the merge exits 1 when a
# stress check broke and 2 when a piece is missing, of another batch or
# corrupt (naming the file). Not run here (no cluster): checked with bash -n.
#SBATCH --job-name=verity-challenge
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=24:00:00
#SBATCH --output=verity-challenge-%A_%a.out
set -euo pipefail

VERITY="${VERITY:-$( [ -x build/verity ] && echo build/verity || echo verity )}"
SCENARIO="${SCENARIO:-scenarios/ftmo_2step_100k.toml}"
SEEDS="${SEEDS:-1000}"
RANGES="${RANGES:-8}"
OUT="${OUT:-verity-data/batch}"
EXTRA="${EXTRA:-}"
export VERITY SCENARIO SEEDS RANGES OUT EXTRA

if [ "${1:-}" = "merge" ]; then
  # The dependent job: every piece has finished.
  exec "$VERITY" report merge --out "$OUT/report" "$OUT"/part-*.json
fi

if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # One array task: one range of the batch.
  if [ -n "${SLURM_ARRAY_TASK_COUNT:-}" ] && [ "$SLURM_ARRAY_TASK_COUNT" != "$RANGES" ]; then
    echo "challenge-array.sh: the array has $SLURM_ARRAY_TASK_COUNT tasks but RANGES is $RANGES;" \
         "submit with --array=0-$((RANGES - 1)) (or run this script without sbatch to submit)" >&2
    exit 2
  fi
  mkdir -p "$OUT"
  # shellcheck disable=SC2086  # EXTRA is a list of flags
  exec "$VERITY" challenge --scenario "$SCENARIO" --seeds "$SEEDS" --no-progress \
    --threads "${SLURM_CPUS_PER_TASK:-1}" $EXTRA \
    --range-index "$SLURM_ARRAY_TASK_ID" --range-count "$RANGES" \
    --partial "$OUT/part-$SLURM_ARRAY_TASK_ID.json"
fi

# Not in a job: submit the array and the merge that waits for it.
mkdir -p "$OUT"
rm -f "$OUT"/part-*.json   # parts of an earlier batch would be refused by the merge
jid=$(sbatch --parsable --array=0-$((RANGES - 1)) "$0")
jid="${jid%%;*}"   # --parsable prints "jobid[;cluster]"
# --wrap: the merge is a plain job, not another array (this file's header
# asks for one); the glob is expanded when it runs.
merge=$(sbatch --parsable --job-name=verity-challenge-merge --dependency=afterok:"$jid" \
  --cpus-per-task=1 --mem=2G --time=00:30:00 --output=verity-challenge-merge-%j.out \
  --wrap "$(printf '%q report merge --out %q ' "$VERITY" "$OUT/report")$(printf '%q' "$OUT")/part-*.json")
echo "challenge-array.sh: array job $jid ($RANGES pieces of $SEEDS attempts), merge job ${merge%%;*}"
echo "challenge-array.sh: report in $OUT/report; the summary JSON is the last line of verity-challenge-merge-*.out"
