#!/usr/bin/env bash
# Scale-out on one machine (docs/scale-out.md): a sweep (difflab run), a sampling run
# (difflab sample) and a training run (difflab train, batch 1024 = 4 gradient chunks) as one process with 2 threads, and under mpirun with 2 ranks x 1 thread and
# 3 ranks x 1 thread; each result is checked against the one-process one (bit-identical) and its
# wall time printed with the load average. A sweep's rank 0 only hands out rows and writes, so K
# ranks compute with K - 1 workers; sampling uses every rank.
#   bench/scale_out.sh [build/release/difflab]
set -euo pipefail
bin="${1:-build/release/difflab}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mpi() { local n="$1"; shift; mpirun --oversubscribe --allow-run-as-root -n "$n" "$@"; }
seconds() { local t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; echo "$EPOCHREALTIME - $t0" | bc; }

cat >"$dir/sweep.json" <<'JSON'
{"seed": 1,
 "base": {"target": {"type": "gaussian", "mean": [0.2, 0.1, -0.3, 0.5], "var": 0.8},
          "sampler": "em", "grid": "uniform", "T": 4.0, "delta": 0.01, "n": 4000, "steps": 200},
 "sweep": {"axes": {"seed": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}},
 "metrics": ["energy", "sw2"]}
JSON
cat >"$dir/t.json" <<'JSON'
{"type": "gmm", "weights": [0.3, 0.7], "means": [[-1.0, 0.5], [1.5, -0.5]], "vars": [0.4, 0.9]}
JSON
sample=(sample --target "$dir/t.json" --sampler em --steps 200 --n 200000 --seed 3)
train=(train --target "$dir/t.json" --batch 1024 --iters 300 --validate-every 100 --seed 3)
strip() { sed -E 's/"wall_seconds":[^,}]*,?//' "$1"; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
printf '%-28s %10s %10s %10s\n' "configuration" "sweep s" "sample s" "train s"
s1=$(seconds "$bin" run "$dir/sweep.json" --out "$dir/r1" --threads 2)
p1=$(seconds "$bin" "${sample[@]}" --out "$dir/p1.npy" --threads 2)
t1=$(seconds "$bin" "${train[@]}" --out "$dir/m1.dlm" --threads 2)
printf '%-28s %10.2f %10.2f %10.2f\n' "1 process x 2 threads" "$s1" "$p1" "$t1"
for k in 2 3; do
  s=$(seconds mpi "$k" "$bin" run "$dir/sweep.json" --out "$dir/r$k" --threads 1)
  p=$(seconds mpi "$k" "$bin" "${sample[@]}" --out "$dir/p$k.npy" --threads 1)
  t=$(seconds mpi "$k" "$bin" "${train[@]}" --out "$dir/m$k.dlm" --threads 1)
  cmp -s "$dir/m1.dlm" "$dir/m$k.dlm" || echo "model trained on $k ranks DIFFERS"
  cmp -s <(strip "$dir/r1/results.jsonl") <(strip "$dir/r$k/results.jsonl") || echo "sweep on $k ranks DIFFERS"
  cmp -s "$dir/p1.npy" "$dir/p$k.npy" || echo "samples on $k ranks DIFFER"
  printf '%-28s %10.2f %10.2f %10.2f\n' "mpirun -n $k x 1 thread" "$s" "$p" "$t"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
