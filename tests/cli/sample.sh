#!/usr/bin/env bash
# difflab sample end to end: every sampler runs and writes n x d finite samples; the output bytes
# do not depend on --threads or --block-size; .npy output is a valid float64 n x d array; the
# summary reports the NFE; the error contract for bad input (exit 2, one line naming the problem).
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"

# check_samples FILE N D: N rows of D finite comma-separated numbers.
check_samples() {
  awk -F, -v n="$2" -v d="$3" '
    NF != d { bad = 1 }
    { for (i = 1; i <= NF; i++) if ($i !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) bad = 1 }
    END { exit (bad || NR != n) }' "$1"
}

cat >"$dir/g.json" <<'J'
{"type":"gaussian","mean":[0.5,-1,2],"cov":[[1,0.3,0],[0.3,0.5,0.1],[0,0.1,2]]}
J
cat >"$dir/gmm.json" <<'J'
{"type":"gmm","weights":[0.3,0.7],"means":[[-2,0,1],[1,1,-1]],"vars":[0.5,0.2]}
J

# Every sampler of --list runs, on both targets, and writes finite n x d samples.
samplers=$("$bin" sample --list | awk '/^samplers:/ {s = 1; next} /^grids:/ {s = 0} s {print $1}')
# The count comes from --list itself; it must agree with the names the registry accepts (the
# "'sampler' must be one of" error lists them) and have no duplicates.
count=$(echo "$samplers" | wc -w)
[[ $count -gt 0 ]] || fail "sample --list shows no samplers"
[[ $(echo "$samplers" | sort -u | wc -w) -eq $count ]] || fail "sample --list repeats a sampler"
valid=$("$bin" sample --target "$dir/g.json" --sampler foo --out "$dir/x.csv" 2>&1 >/dev/null |
  sed -n "s/.*must be one of: \(.*\), got .*/\1/p" | tr -d ',')
[[ "$(echo $valid)" == "$(echo $samplers)" ]] ||
  fail "sample --list shows '$(echo $samplers)' but the registry accepts '$(echo $valid)'"
for s in $samplers; do
  for t in g gmm; do
    if ! "$bin" sample --target "$dir/$t.json" --sampler "$s" --steps 8 --n 50 --langevin-steps 20 \
      --out "$dir/$s.csv" --summary "$dir/$s.json" 2>"$dir/err"; then
      fail "sampler $s on $t: $(cat "$dir/err")"
      continue
    fi
    check_samples "$dir/$s.csv" 50 3 || fail "sampler $s on $t: output is not 50 x 3 finite numbers"
    grep -q '"nfe"' "$dir/$s.json" || fail "sampler $s: summary has no nfe"
  done
done

# Same bits for any thread count and block size.
"$bin" sample --target "$dir/gmm.json" --sampler ei --steps 20 --n 999 --seed 4 --threads 1 \
  --out "$dir/a.csv" 2>/dev/null
"$bin" sample --target "$dir/gmm.json" --sampler ei --steps 20 --n 999 --seed 4 --threads 2 \
  --block-size 7 --out "$dir/b.csv" 2>/dev/null
cmp -s "$dir/a.csv" "$dir/b.csv" || fail "ei output differs between 1 thread and 2 threads/block 7"
"$bin" sample --target "$dir/g.json" --sampler mala --n 301 --seed 4 --threads 2 --block-size 1 \
  --langevin-steps 30 --out "$dir/c.csv" 2>/dev/null
"$bin" sample --target "$dir/g.json" --sampler mala --n 301 --seed 4 --threads 1 \
  --langevin-steps 30 --out "$dir/d.csv" 2>/dev/null
cmp -s "$dir/c.csv" "$dir/d.csv" || fail "mala output differs between thread counts/blocks"
"$bin" sample --target "$dir/gmm.json" --sampler ei --steps 20 --n 999 --seed 5 \
  --out "$dir/e.csv" 2>/dev/null
cmp -s "$dir/a.csv" "$dir/e.csv" && fail "different seeds gave identical samples"

# --init: starting points from a file override --n; the output has as many rows.
head -n 17 "$dir/a.csv" >"$dir/init.csv"
"$bin" sample --target "$dir/g.json" --init "$dir/init.csv" --steps 4 --out "$dir/i.csv" 2>/dev/null ||
  fail "--init run failed"
check_samples "$dir/i.csv" 17 3 || fail "--init: output is not 17 x 3"

# .npy output: magic, float64 little-endian, shape (n, d), nothing left behind but the file.
"$bin" sample --target "$dir/g.json" --n 12 --steps 4 --out "$dir/s.npy" 2>/dev/null || fail "npy run failed"
head -c 128 "$dir/s.npy" | grep -aq "'descr': '<f8', 'fortran_order': False, 'shape': (12, 3)" ||
  fail ".npy header is not float64 C-order (12, 3)"
[[ $(stat -c %s "$dir/s.npy") -eq $((128 + 12 * 3 * 8)) ]] || fail ".npy file has the wrong size"
ls "$dir" | grep -q "\.tmp" && fail "a temporary file was left behind"

# A trajectory file: step,t,particle,x1..x3 for the requested particles at every step.
"$bin" sample --target "$dir/g.json" --n 20 --steps 4 --trajectory "$dir/traj.csv" \
  --trajectory-particles 3 --out "$dir/s2.csv" 2>/dev/null || fail "trajectory run failed"
[[ $(grep -c . "$dir/traj.csv") -ge 12 ]] || fail "trajectory has $(grep -c . "$dir/traj.csv") lines, expected >= 12"
# Langevin samplers call back once per iteration, more often than the grid has steps (this
# used to write past the recorder's end): 1 + 30 states of 2 particles, plus the header.
"$bin" sample --target "$dir/g.json" --sampler ula --n 20 --steps 4 --langevin-steps 30 \
  --trajectory "$dir/traj_ula.csv" --trajectory-particles 2 --out "$dir/s3.csv" 2>/dev/null ||
  fail "ula trajectory run failed"
[[ $(grep -c . "$dir/traj_ula.csv") -eq $((1 + 31 * 2)) ]] ||
  fail "ula trajectory has $(grep -c . "$dir/traj_ula.csv") lines, expected 63"

# A perturbed score: the summary reports the realised L2(q_t) error, whose CI covers --score-error.
"$bin" sample --target "$dir/g.json" --score perturbed --perturbation linear --score-error 0.1 \
  --n 20 --steps 4 --out "$dir/p.csv" --summary "$dir/p.json" 2>/dev/null || fail "perturbed run failed"
/usr/bin/python3 - "$dir/p.json" <<'PY' || fail "score_error_check missing or its CI misses 0.1"
import json, sys
checks = json.load(open(sys.argv[1]))["score_error_check"]
assert len(checks) == 3
assert all(c["rms_ci95"][0] <= 0.1 <= c["rms_ci95"][1] for c in checks), checks
PY

# --noise brownian (docs/theory.md "Coupled Brownian noise"): em on uniform grids of 32 and 64
# steps sees one Brownian path per particle, so the two runs differ per particle by far less than
# with counter noise (independent draws); the Langevin chains refuse it.
for noise in counter brownian; do
  for N in 32 64; do
    "$bin" sample --target "$dir/g.json" --sampler em --grid uniform --steps $N --T 3 \
      --delta 0.01 --n 400 --seed 4 --noise $noise --out "$dir/$noise$N.csv" 2>/dev/null ||
      fail "em --noise $noise --steps $N failed"
  done
done
/usr/bin/python3 - "$dir" <<'PY' || fail "--noise brownian does not couple runs on nested grids"
import sys
import numpy as np
d = sys.argv[1]
gap = {k: np.linalg.norm(np.loadtxt(f"{d}/{k}32.csv", delimiter=",")
                         - np.loadtxt(f"{d}/{k}64.csv", delimiter=","), axis=1).mean()
       for k in ("counter", "brownian")}
assert gap["brownian"] < 0.2 * gap["counter"], gap
PY
expect_error 'noise "brownian" is not defined for this sampler' sample --target "$dir/g.json" --sampler ula --noise brownian --out "$dir/x.csv"
expect_error "'noise' must be one of: counter, brownian" sample --target "$dir/g.json" --noise sobol --out "$dir/x.csv"

# The linear flow-matching path (docs/theory.md 1.3): flow-heun's exact output law on the Gaussian
# target is within 1e-3 of q_delta in KL at 64 steps; a sampler derived for variance-preserving
# processes refuses it, and T beyond the path's t_max names the option.
"$bin" sample --target "$dir/g.json" --process linear --T 0.999 --grid logsnr --sampler flow-heun --steps 16 \
  --n 20 --out "$dir/fm.csv" 2>"$dir/err" || fail "flow-heun on the linear path: $(cat "$dir/err")"
check_samples "$dir/fm.csv" 20 3 || fail "flow-heun on the linear path: output is not 20 x 3"
"$bin" law --target "$dir/g.json" --process linear --T 0.999 --grid logsnr --sampler flow-heun --steps 64 \
  >"$dir/fm_law.json" 2>"$dir/err" || fail "law of flow-heun on the linear path: $(cat "$dir/err")"
/usr/bin/python3 - "$dir/fm_law.json" <<'PY' || fail "flow-heun's law on the linear path is not near q_delta"
import json, sys
law = json.load(open(sys.argv[1]))
assert law["to_q_delta"]["kl_output_target"] < 1e-3, law["to_q_delta"]
PY
expect_error "assumes a variance-preserving process" sample --target "$dir/g.json" --process linear --T 0.9 --grid uniform --sampler ei --out "$dir/x.csv"
expect_error "pass another option --grid" sample --target "$dir/g.json" --process linear --T 0.9 --sampler flow-euler --out "$dir/x.csv"
expect_error "pass option --T of at most 0.999" sample --target "$dir/g.json" --process linear --out "$dir/x.csv"

# The error contract.
printf '1,2\n3,4\n' >"$dir/d2.csv"
printf '1,2,3\nnan,0,0\n' >"$dir/nan.csv"
printf '2\n1\n1.5\n0\n' >"$dir/bad.grid"
expect_error "'sampler' must be one of: ei, em, ddpm" sample --target "$dir/g.json" --sampler foo --out "$dir/x.csv"
expect_error "'grid' must be one of: uniform, benton" sample --target "$dir/g.json" --grid bar --out "$dir/x.csv"
expect_error "'steps' must be an integer in [1, 100000000], got 0" sample --target "$dir/g.json" --steps 0 --out "$dir/x.csv"
expect_error "must be larger than delta" sample --target "$dir/g.json" --T 0.001 --delta 0.01 --out "$dir/x.csv"
expect_error "dimension 2 but 3 is expected" sample --target "$dir/g.json" --init "$dir/d2.csv" --out "$dir/x.csv"
expect_error "not finite" sample --target "$dir/g.json" --init "$dir/nan.csv" --out "$dir/x.csv"
expect_error "no target: give option --target" sample --out "$dir/x.csv"
expect_error "'score_error' must be a finite number >= 0" sample --target "$dir/g.json" --score perturbed --score-error -1 --out "$dir/x.csv"
expect_error "theta has 2 values" sample --target "$dir/g.json" --score gaussian-mean --theta 1,2 --out "$dir/x.csv"
expect_error "grid 'file' needs grid_file" sample --target "$dir/g.json" --grid file --out "$dir/x.csv"
expect_error "strictly decreasing" sample --target "$dir/g.json" --grid file --grid-file "$dir/bad.grid" --out "$dir/x.csv"
expect_error "--threads" sample --target "$dir/g.json" --threads -1 --out "$dir/x.csv"
[[ -e "$dir/x.csv" ]] && fail "a failed run left an output file"

finish "sample behaves"
