#!/usr/bin/env bash
# mpirun -n K difflab run (docs/scale-out.md): with 2 and 3 ranks the sweep's results.jsonl (but
# wall_seconds), results.csv (but the wall-time column) and fits.json equal the serial run's byte
# for byte, and so do two shards run on 2 and 3 ranks and merged; a run resumes with another rank
# count; bad input is one line from rank 0 and exit 2; a rank killed with SIGKILL fails the job
# within seconds with only complete rows on disk, and the resume (with another rank count)
# completes the sweep as the serial run.
set -u
source "$(dirname "$0")/lib/common.sh"
strip_wall() { sed -E 's/"wall_seconds":[^,}]*,?//' "$1"; }
no_wall_csv() { python3 -c 'import csv,sys
r = list(csv.reader(open(sys.argv[1]))); w = r[0].index("wall_seconds")
for line in r: del line[w]; print(line)' "$1"; }
same_as_serial() {  # same_as_serial DIR SERIAL WHAT
  cmp -s <(strip_wall "$2/results.jsonl") <(strip_wall "$1/results.jsonl") || fail "$3: results.jsonl differs from serial"
  cmp -s <(no_wall_csv "$2/results.csv") <(no_wall_csv "$1/results.csv") || fail "$3: results.csv differs from serial"
  if [[ -e "$2/fits.json" ]]; then cmp -s "$2/fits.json" "$1/fits.json" || fail "$3: fits.json differs"; fi
}

cat >"$dir/spec.json" <<'JSON'
{"seed": 8,
 "base": {"target": {"type": "gaussian", "mean": [0.4, -0.1], "diag": [1.2, 0.7]},
          "sampler": "em", "grid": "uniform", "T": 3.0, "delta": 0.02, "n": 150},
 "sweep": {"axes": {"steps": [5, 10, 20, 40, 80, 160]}},
 "metrics": ["law", "energy"],
 "fits": [{"metric": "law.to_q_delta.kl_target_output", "against": "steps"}]}
JSON
"$bin" run "$dir/spec.json" --out "$dir/serial" 2>"$dir/err" || fail "serial: $(cat "$dir/err")"
for k in 2 3; do
  mpi "$k" "$bin" run "$dir/spec.json" --out "$dir/k$k" --threads 1 2>"$dir/err" >/dev/null ||
    fail "mpirun -n $k: $(cat "$dir/err")"
  same_as_serial "$dir/k$k" "$dir/serial" "mpirun -n $k"
done
# Resume with another rank count: two rows kept, a torn third line dropped, the rest recomputed.
head -n 2 "$dir/k3/results.jsonl" >"$dir/cut" && sed -n 3p "$dir/k3/results.jsonl" | head -c 60 >>"$dir/cut"
mv "$dir/cut" "$dir/k3/results.jsonl"
mpi 2 "$bin" run "$dir/spec.json" --out "$dir/k3" --threads 1 2>"$dir/err" >/dev/null ||
  fail "resume with 2 ranks: $(cat "$dir/err")"
grep -q "6 runs, 2 already done, running 4" "$dir/err" || fail "resume log: $(cat "$dir/err")"
same_as_serial "$dir/k3" "$dir/serial" "resume 3 -> 2 ranks"

# Array jobs that are themselves MPI jobs: shard 0/2 on 2 ranks, shard 1/2 on 3, merged.
mpi 2 "$bin" run "$dir/spec.json" --out "$dir/sh0" --shard 0/2 --threads 1 2>"$dir/err" >/dev/null ||
  fail "shard 0/2 on 2 ranks: $(cat "$dir/err")"
mpi 3 "$bin" run "$dir/spec.json" --out "$dir/sh1" --shard 1/2 --threads 1 2>"$dir/err" >/dev/null ||
  fail "shard 1/2 on 3 ranks: $(cat "$dir/err")"
"$bin" run --merge "$dir/sh1" "$dir/sh0" --out "$dir/merged" 2>"$dir/err" || fail "merge: $(cat "$dir/err")"
same_as_serial "$dir/merged" "$dir/serial" "MPI shards merged"

# Bad input: rank 0 says it once, exit 2, nothing written.
sed 's/"steps": \[/"steps": [0, /' "$dir/spec.json" >"$dir/bad.json"
mpi 3 "$bin" run "$dir/bad.json" --out "$dir/bad" 2>"$dir/err" >/dev/null
rc=$?
[[ $rc -eq 2 && $(grep -c "^difflab: " "$dir/err") -eq 1 ]] && grep -q "'steps' must be an integer" "$dir/err" ||
  fail "bad spec under mpirun: exit $rc, $(cat "$dir/err")"
[[ ! -e "$dir/bad/results.jsonl" ]] || fail "a bad spec under mpirun wrote results"
mpi 2 "$bin" law --target "$dir/spec.json" 2>"$dir/err" >/dev/null
[[ $? -eq 2 ]] && grep -q "only difflab run, sample and train do" "$dir/err" || fail "law under mpirun: $(cat "$dir/err")"

# A killed rank: the job fails within seconds, every stored row is whole, the resume completes.
cat >"$dir/long.json" <<'JSON'
{"seed": 3,
 "base": {"target": {"type": "gaussian", "mean": [0.2], "var": 0.8},
          "sampler": "em", "grid": "uniform", "T": 3.0, "delta": 0.02, "n": 2000, "steps": 400},
 "sweep": {"axes": {"seed": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]}},
 "metrics": ["energy"]}
JSON
"$bin" run "$dir/long.json" --out "$dir/long_serial" --threads 1 2>/dev/null || fail "long serial"
"$mpiexec" --oversubscribe --allow-run-as-root -n 3 "$bin" run "$dir/long.json" --out "$dir/long" \
  --threads 1 >/dev/null 2>"$dir/killed.err" &
launcher=$!
for _ in $(seq 1200); do  # up to a minute on a loaded machine
  [[ -s "$dir/long/results.jsonl" ]] && break
  sleep 0.05
done
victim=""
for p in $(pgrep -f -- "--out $dir/long "); do
  tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && victim=$p
done
[[ -n "$victim" ]] || fail "no rank 1 found under mpirun (pid $launcher)"
[[ -n "$victim" ]] && kill -9 "$victim"
start=$SECONDS
wait "$launcher"
rc=$?
((SECONDS - start <= 20)) || fail "the job took $((SECONDS - start)) s to fail after a rank was killed"
[[ $rc -ne 0 ]] || fail "killing rank 1 left the job with exit 0"
rows=$(wc -l <"$dir/long/results.jsonl")
((rows < 16)) || fail "the sweep finished before rank 1 was killed ($rows rows); make it longer"
python3 -c 'import json,sys
for l in open(sys.argv[1]).read().splitlines(): json.loads(l)' "$dir/long/results.jsonl" 2>/dev/null ||
  fail "a killed job left a torn result row"
ls "$dir/long" | grep -q '\.tmp\.' && fail "a killed job left a temporary file"
mpi 2 "$bin" run "$dir/long.json" --out "$dir/long" --threads 1 2>"$dir/err" >/dev/null ||
  fail "resume after the kill: $(cat "$dir/err")"
same_as_serial "$dir/long" "$dir/long_serial" "resume after a killed rank"

finish "mpirun difflab run: 2 and 3 ranks equal serial, resume across rank counts, errors and a killed rank behave"
