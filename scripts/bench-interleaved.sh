#!/bin/bash
# Compares the 1 GiB pipeline of two built checkouts, run in turn N times each (A, B, A, B, ...): single runs vary
# by seconds on a two-core VM (and, on an ext4 without a journal, file creation slows for minutes after the mass
# deletions a run ends with), so only interleaved runs compare. Each checkout needs `npm run build` first (a git
# worktree with node_modules linked will do); each one's bench/results/ is overwritten.
#   scripts/bench-interleaved.sh 3 ../hangar-before .
set -euo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 <runs> <checkout A> <checkout B>" >&2; exit 2; fi
runs=$1
for i in $(seq 1 "$runs"); do
  for dir in "$2" "$3"; do
    (cd "$dir" && BENCH_SIZES_GIB=1 BENCH_DEFLATED_GIB=0 BENCH_REPO_SIZE_MIB=0 BENCH_REPLAY_EVENTS=0 BENCH_WEBHOOKS=0 node dist/bench/src/run-benchmarks.js > /dev/null 2>&1)
    # curl -o && unzip -tq | Hangar | ratio | peak RSS | Hangar CPU
    echo "$dir: $(grep -E '^\| 1 GiB' "$dir/bench/results/latest.md" | cut -d'|' -f5-9)"
  done
done
