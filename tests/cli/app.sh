#!/usr/bin/env bash
# difflab app end to end: each application runs at a small size and writes JSON with its fields
# (measurement beside theory); the output does not depend on --threads; the error contract for
# bad input (exit 2, one line naming the problem).
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"

# has_fields FILE FIELD...: every field is a key of the JSON object in FILE.
has_fields() {
  local f="$1"
  shift
  python3 - "$f" "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
missing = [k for k in sys.argv[2:] if k not in j]
sys.exit(1 if missing else 0)
PY
}

if "$bin" app sk --n 60 --beta 0.5 --samples 3 --T 2 --delta 0.2 --seed 1 --out "$dir/sk.json" >/dev/null 2>"$dir/err"; then
  has_fields "$dir/sk.json" app n beta energy energy_theory energy_se n_overlap2 n_overlap2_theory sl \
    || fail "app sk: JSON lacks fields: $(cat "$dir/sk.json")"
else
  fail "app sk failed: $(cat "$dir/err")"
fi

if "$bin" app z2 --n 60 --beta 1.5 --samples 2 --T 1 --delta 0.25 --out "$dir/z2.json" >/dev/null 2>"$dir/err"; then
  has_fields "$dir/z2.json" app energy energy_theory overlap overlap_theory top_eigenvalue \
    top_eigenvalue_theory spectral_overlap2 spectral_overlap2_theory \
    || fail "app z2: JSON lacks fields: $(cat "$dir/z2.json")"
else
  fail "app z2 failed: $(cat "$dir/err")"
fi

if "$bin" app gmm-learn --n 200 --d 4 --steps-large 10 --steps-small 10 --em-iterations 10 \
  --out "$dir/gmm.json" >/dev/null 2>"$dir/err"; then
  has_fields "$dir/gmm.json" app gd_error em_error sqrt_d_over_n stage1 stage2 \
    || fail "app gmm-learn: JSON lacks fields: $(cat "$dir/gmm.json")"
else
  fail "app gmm-learn failed: $(cat "$dir/err")"
fi

if "$bin" app langevin-modes --n 40 --langevin-steps 20 --steps-per-level 5 --diffusion-steps 20 \
  --out "$dir/lm.json" >/dev/null 2>"$dir/err"; then
  has_fields "$dir/lm.json" app heavy_fraction_langevin heavy_fraction_annealed \
    heavy_fraction_diffusion heavy_fraction_theory convention \
    || fail "app langevin-modes: JSON lacks fields: $(cat "$dir/lm.json")"
else
  fail "app langevin-modes failed: $(cat "$dir/err")"
fi

# Same seed, different thread counts: identical results apart from the wall time.
for t in 1 2; do
  "$bin" app sk --n 40 --beta 0.5 --samples 3 --T 1 --delta 0.25 --threads $t --out "$dir/t$t.json" \
    >/dev/null 2>&1 || fail "app sk --threads $t failed"
done
python3 - "$dir/t1.json" "$dir/t2.json" <<'PY' || fail "app sk: result depends on --threads"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for j in (a, b):
    j.pop("wall_seconds")
sys.exit(0 if a == b else 1)
PY

expect_error "--beta must be >= 0" app sk --n 50 --beta -0.5 --out "$dir/x.json"
expect_error "--n must be >= 2" app z2 --n 1 --out "$dir/x.json"
expect_error "--out is required" app sk --n 50
expect_error "--out" app gmm-learn --n 100
touch "$dir/file"
expect_error "cannot create directory" app sk --n 20 --samples 1 --T 0.5 --delta 0.25 --out "$dir/file/sub/r.json"
expect_error "foo" app foo --out "$dir/x.json"
expect_error "name an application" app
expect_error "--convention" app langevin-modes --convention paper --out "$dir/x.json"
expect_error "--k must lie" app gmm-learn --k 9 --out "$dir/x.json"

finish "difflab app: all applications run, write their fields, and reject bad input"
