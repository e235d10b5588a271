#!/usr/bin/env bash
# mpirun -n K difflab sample (docs/scale-out.md): with 2 and 3 ranks, particles split by index
# (1001 particles: uneven slices), the samples file equals the one-process file byte for byte
# (.npy and .csv, stochastic and deterministic samplers, both noise kinds, a mixture target) and the summary
# counts every particle and score evaluation (same NFE).
set -u
source "$(dirname "$0")/lib/common.sh"

cat >"$dir/t.json" <<'JSON'
{"type": "gmm", "weights": [0.3, 0.7], "means": [[-1.0, 0.5], [1.5, -0.5]], "vars": [0.4, 0.9]}
JSON
# Noise brownian (a tree walk per slice, keyed by the global particle index) for rmp (per-particle
# midpoint times) and restart (paths 1 and 2 for its jumps).
for case in "em .npy" "dpmpp-2m .csv" "rk45 .npy" "rmp .npy --noise brownian" \
  "restart .csv --noise brownian"; do
  set -- $case
  sampler=$1 ext=$2
  shift 2
  args=(sample --target "$dir/t.json" --sampler "$sampler" --steps 30 --n 1001 --seed 11 --threads 1 "$@")
  "$bin" "${args[@]}" --out "$dir/serial$ext" --summary "$dir/serial.json" 2>"$dir/err" ||
    fail "serial $sampler: $(cat "$dir/err")"
  for k in 2 3; do
    mpi "$k" "$bin" "${args[@]}" --out "$dir/k$k$ext" --summary "$dir/k$k.json" 2>"$dir/err" >/dev/null ||
      fail "$sampler on $k ranks: $(cat "$dir/err")"
    cmp -s "$dir/serial$ext" "$dir/k$k$ext" || fail "$sampler on $k ranks: samples differ from serial"
    python3 - "$dir/serial.json" "$dir/k$k.json" <<'PY' || fail "$sampler on $k ranks: summary differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for s in (a, b): s.pop("wall_seconds")
assert a == b, (a, b)
assert b["particles"] == 1001
PY
  done
done
expect_mpi_error() {
  local want="$1"; shift
  mpi 2 "$bin" "$@" >/dev/null 2>"$dir/err"
  [[ $? -eq 2 && $(grep -c "^difflab: " "$dir/err") -eq 1 ]] && grep -qF -- "$want" "$dir/err" ||
    fail "mpirun -n 2 difflab $*: $(cat "$dir/err") (wanted exit 2 and '$want')"
}
expect_mpi_error "--trajectory is recorded by one process" sample --target "$dir/t.json" --n 10 --out "$dir/x.csv" --trajectory "$dir/tr.csv"
expect_mpi_error "'n' must be an integer" sample --target "$dir/t.json" --n 0 --out "$dir/x.csv"

finish "mpirun difflab sample: 2 and 3 ranks give the serial samples and summary"
