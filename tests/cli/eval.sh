#!/usr/bin/env bash
# difflab eval end to end: exact target samples against the target give small distances whose
# CIs are sane (KL and MMD^2 near 0); a translate by v against the originals gives the exact W2
# |v| (to 1e-9) and sliced W2 |v|/sqrt(d); a shift against the target is detected (Gaussian KL in
# closed form); the JSON is valid, --out matches stdout, .npy and .csv inputs agree, results do
# not depend on --threads; default metrics follow the dimension; --nll matches the closed-form
# Gaussian log-likelihood; bad input -> exit 2, one line.
set -u
bin="$1"
py=/usr/bin/python3
source "$(dirname "$0")/lib/common.sh"

# check_json NAME FILE PYTHON: runs PYTHON with j = the parsed JSON of FILE; assertion failures
# (and invalid JSON) are reported under NAME.
check_json() {
  local name="$1" file="$2" code="$3"
  if ! "$py" - "$file" >"$dir/pyerr" 2>&1 <<PY; then
import json, math, sys
j = json.load(open(sys.argv[1]))
def sane(e):  # lo <= value <= hi, all finite
    lo, hi = e["ci"]
    return all(map(math.isfinite, (lo, e["value"], hi))) and lo <= e["value"] <= hi
$code
PY
    fail "$name: $(tail -n 3 "$dir/pyerr" | tr '\n' ' ')"
  fi
}

# eval_ok NAME OUT args...: runs difflab eval, stdout to OUT; failure is reported under NAME.
eval_ok() {
  local name="$1" out="$2"
  shift 2
  if ! "$bin" eval "$@" >"$out" 2>"$dir/err"; then
    fail "$name: difflab eval $* failed: $(cat "$dir/err")"
    return 1
  fi
}

cat >"$dir/t.json" <<'J'
{"type":"gaussian","mean":[1,-1],"cov":[[1,0.3],[0.3,0.5]]}
J
cat >"$dir/t3.json" <<'J'
{"type":"gaussian","mean":[0,0,0],"var":1}
J
"$bin" target --target "$dir/t.json" --t 0 --sample 400 --seed 11 --out "$dir/s.csv" >/dev/null ||
  fail "target --sample (csv)"
"$bin" target --target "$dir/t.json" --t 0 --sample 400 --seed 11 --out "$dir/s.npy" >/dev/null ||
  fail "target --sample (npy)"
"$bin" target --target "$dir/t3.json" --t 0 --sample 300 --seed 2 --out "$dir/s3.csv" >/dev/null ||
  fail "target --sample (3-D)"
# The translate by v = (0.6, -0.8), |v| = 1.
awk -F, '{printf "%.17g,%.17g\n", $1 + 0.6, $2 - 0.8}' "$dir/s.csv" >"$dir/shift.csv"

# 1. Exact samples against their target (default metrics: all six in d = 2).
if eval_ok "exact vs target" "$dir/exact.json" --samples "$dir/s.csv" --target "$dir/t.json" \
  --seed 3 --out "$dir/exact_out.json"; then
  check_json "exact vs target" "$dir/exact.json" '
keys = {"w2", "sw2", "mmd", "energy", "kl_to_target", "tv"}
assert keys <= set(j), sorted(j)
assert "skipped" not in j, j.get("skipped")
assert j["samples"] == {"file": j["samples"]["file"], "n": 400, "d": 2}, j["samples"]
r = j["reference"]
assert r["kind"] == "target" and r["exact_samples"] == 400 and r["d"] == 2, r
assert r["spec"]["type"] == "gaussian", r
for k in keys:
    assert sane(j[k]), (k, j[k])
    assert j[k]["n_p"] == 400, (k, j[k])
# Two independent 400-point clouds of the same law in 2-D: W2 about 0.15, well below 0.35.
assert 0 < j["w2"]["value"] < 0.35, j["w2"]
assert j["w2"]["ci"][0] < j["w2"]["value"] < j["w2"]["ci"][1], j["w2"]  # bootstrap (20) by default
assert j["w2"]["n_q"] == 400, j["w2"]
assert 0 < j["sw2"]["value"] < 0.3, j["sw2"]
# Unbiased MMD^2 / energy distance of equal laws: CI around 0, value tiny.
for k in ("mmd", "energy"):
    assert j[k]["ci"][0] < 0 < j[k]["ci"][1], (k, j[k])
assert abs(j["mmd"]["value"]) < 0.01, j["mmd"]
assert abs(j["kl_to_target"]["value"]) < 0.15, j["kl_to_target"]
assert j["kl_to_target"]["ci"][0] < 0.1, j["kl_to_target"]
assert 0 <= j["tv"]["ci"][0] and j["tv"]["ci"][1] <= 1 and j["tv"]["value"] < 0.4, j["tv"]
'
  # Same seed as the one that drew s.csv: the reference draws are still other particles.
  if eval_ok "same seed" "$dir/same_seed.json" --samples "$dir/s.csv" --target "$dir/t.json" \
    --seed 11 --metrics w2; then
    check_json "same seed" "$dir/same_seed.json" 'assert 0.05 < j["w2"]["value"] < 0.35, j["w2"]'
  fi
  # --out holds the same JSON as stdout.
  "$py" -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); a.pop("wall_seconds"); b.pop("wall_seconds"); sys.exit(a != b)' \
    "$dir/exact.json" "$dir/exact_out.json" || fail "--out differs from stdout"
  compgen -G "$dir/*.tmp.*" >/dev/null && fail "--out left a temporary file"
fi

# 2. Same inputs, other thread count, .npy instead of .csv: identical values (same seed).
if eval_ok "npy, 1 thread" "$dir/exact_npy.json" --samples "$dir/s.npy" --target "$dir/t.json" \
  --seed 3 --threads 1; then
  "$py" -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
for x in (a, b): x.pop("wall_seconds"); x["samples"].pop("file")
sys.exit(a != b)' "$dir/exact.json" "$dir/exact_npy.json" ||
    fail "eval differs between .csv/2 threads and .npy/1 thread"
fi

# 3. A translate against the originals: W2 is exactly |v| = 1, SW2^2 = E (theta.v)^2 = |v|^2 / d.
if eval_ok "translate" "$dir/shift_ref.json" --samples "$dir/shift.csv" --reference "$dir/s.csv" \
  --metrics w2,sw2,mmd,knn_kl --sw2-projections 2000 --w2-bootstrap 0 --seed 5; then
  check_json "translate" "$dir/shift_ref.json" '
assert set(j) == {"w2", "sw2", "mmd", "knn_kl", "samples", "reference", "seed", "wall_seconds"}, sorted(j)
assert j["reference"] == {"kind": "samples", "file": j["reference"]["file"], "n": 400, "d": 2}, j["reference"]
assert abs(j["w2"]["value"] - 1.0) < 1e-9, repr(j["w2"]["value"])
assert j["w2"]["ci"] == [j["w2"]["value"]] * 2, j["w2"]
assert abs(j["sw2"]["value"] - math.sqrt(0.5)) < 0.03, j["sw2"]
assert j["sw2"]["ci"][0] < math.sqrt(0.5) < j["sw2"]["ci"][1], j["sw2"]
assert j["mmd"]["ci"][0] > 0, j["mmd"]
assert sane(j["knn_kl"]) and j["knn_kl"]["value"] > 0.5, j["knn_kl"]
'
fi
# With a bootstrap the W2 CI has width, around the same exact value.
if eval_ok "translate, bootstrap" "$dir/shift_boot.json" --samples "$dir/shift.csv" \
  --reference "$dir/s.csv" --metrics w2 --w2-bootstrap 10; then
  check_json "translate, bootstrap" "$dir/shift_boot.json" '
w = j["w2"]
assert abs(w["value"] - 1.0) < 1e-9 and sane(w) and w["ci"][0] < w["ci"][1], w
assert "bootstrap" in w["method"], w
'
fi

# 4. The shift against the target: KL(N(m + v, S) || N(m, S)) = v^T S^{-1} v / 2 = 1.108/0.82.
if eval_ok "shift vs target" "$dir/shift_t.json" --samples "$dir/shift.csv" --target "$dir/t.json" \
  --metrics kl_to_target,w2,energy --reference-n 250 --seed 9; then
  check_json "shift vs target" "$dir/shift_t.json" '
kl = j["kl_to_target"]
assert sane(kl) and abs(kl["value"] - 1.108 / 0.82) < 0.3, kl
assert 0.8 < j["w2"]["value"] < 1.3 and j["w2"]["n_q"] == 250, j["w2"]
assert j["energy"]["ci"][0] > 0, j["energy"]
assert j["reference"]["exact_samples"] == 250, j["reference"]
'
fi
# kl_to_target alone needs no exact samples.
if eval_ok "kl only" "$dir/kl_only.json" --samples "$dir/s.csv" --target "$dir/t.json" --metrics kl_to_target; then
  check_json "kl only" "$dir/kl_only.json" '
assert j["reference"]["exact_samples"] == 0 and set(j) >= {"kl_to_target"}, j
'
fi

# 5. Default metrics in d = 3: no tv (reported as skipped); a too-large W2 is skipped by default.
if eval_ok "default d=3" "$dir/d3.json" --samples "$dir/s3.csv" --target "$dir/t3.json"; then
  check_json "default d=3" "$dir/d3.json" '
assert {"w2", "sw2", "mmd", "energy", "kl_to_target"} <= set(j) and "tv" not in j, sorted(j)
assert "tv" in j["skipped"], j.get("skipped")
'
fi
if eval_ok "default, w2 too large" "$dir/big.json" --samples "$dir/s3.csv" --target "$dir/t3.json" \
  --w2-max-pairs 1000; then
  check_json "default, w2 too large" "$dir/big.json" '
assert "w2" not in j and "w2" in j["skipped"] and "sw2" in j, sorted(j)
'
fi

# 6. --nll: with the exact score the PF-ODE maps q_delta onto q_T, so from N(0, I) at T = 12 the
# mean NLL is the average of -log q(x) over the samples (scipy) up to O(e^{-T}) and RK4 error.
nll_expected="
import numpy as np
from scipy.stats import multivariate_normal
x = np.loadtxt('$dir/s.csv', delimiter=',', ndmin=2)
expected = -multivariate_normal([1, -1], [[1, 0.3], [0.3, 0.5]]).logpdf(x).mean()
n = j['nll']
assert sane(n), n
"
if eval_ok "nll" "$dir/nll.json" --samples "$dir/s.csv" --target "$dir/t.json" --nll \
  --nll-T 12 --nll-steps 60 --process ou; then
  check_json "nll" "$dir/nll.json" "$nll_expected
assert abs(n['value'] - expected) < 1e-4, (n['value'], expected)
assert abs(n['bits_per_dim'] - n['value'] / (2 * math.log(2))) < 1e-12, n
assert n['nfe'] == 60 * 4 * (1 + 2 * 2) and n['divergence'] == 'exact', n
assert 'exact divergence' in n['method'] and n['n'] == 400 and n['process'] == 'ou', n
assert set(j) == {'nll', 'samples', 'reference', 'seed', 'wall_seconds'}, sorted(j)
"
fi
# Hutchinson's estimate (with --metrics, the metrics come too): its CI covers the same value.
if eval_ok "nll, hutchinson" "$dir/nll_h.json" --samples "$dir/s.csv" --target "$dir/t.json" \
  --nll --nll-T 12 --nll-steps 40 --nll-divergence hutchinson --nll-probes 2 --metrics sw2; then
  check_json "nll, hutchinson" "$dir/nll_h.json" "$nll_expected
assert n['ci'][0] < expected < n['ci'][1] and abs(n['value'] - expected) < 0.05, (n, expected)
assert n['divergence'] == 'hutchinson' and n['probes'] == 2 and 'sw2' in j, n
"
fi

# 7. Bad input: exit 2 and one line naming the problem.
: >"$dir/empty.csv"
head -n 2 "$dir/s.csv" >"$dir/two.csv"
head -n 5 "$dir/s.csv" >"$dir/five.csv"
printf '1,2\n3\n' >"$dir/ragged.csv"
printf '1,2\nnan,3\n' >"$dir/nan.csv"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do head -n 1 "$dir/s.csv"; done >"$dir/dup.csv"
S=(--samples "$dir/s.csv")
expect_error "unknown metric 'foo' (valid: w2, sw2, mmd, energy, knn_kl, kl_to_target, tv, mode_weights, memorisation)" eval "${S[@]}" \
  --target "$dir/t.json" --metrics w2,foo
expect_error "listed twice" eval "${S[@]}" --target "$dir/t.json" --metrics w2,w2
expect_error "exclusive" eval "${S[@]}" --target "$dir/t.json" --reference "$dir/s.csv"
expect_error "one of --target" eval "${S[@]}"
expect_error "the target $dir/t3.json has dimension 3" eval "${S[@]}" --target "$dir/t3.json"
expect_error "dimension mismatch" eval "${S[@]}" --reference "$dir/s3.csv"
expect_error "empty file" eval --samples "$dir/empty.csv" --target "$dir/t.json"
expect_error "empty file" eval "${S[@]}" --reference "$dir/empty.csv"
expect_error "ragged" eval --samples "$dir/ragged.csv" --target "$dir/t.json"
expect_error "not finite" eval --samples "$dir/nan.csv" --target "$dir/t.json"
expect_error "at least 3" eval --samples "$dir/two.csv" --target "$dir/t.json" --metrics mmd
expect_error "at least 3" eval "${S[@]}" --reference "$dir/two.csv" --metrics energy
expect_error "at least 12" eval --samples "$dir/five.csv" --target "$dir/t.json" --metrics kl_to_target
expect_error "knn_kl (against reference samples) or kl_to_target" eval "${S[@]}" --target "$dir/t.json" --metrics kl
expect_error "metric knn_kl" eval --samples "$dir/dup.csv" --reference "$dir/s.csv" --metrics knn_kl
expect_error "needs dimension <= 2" eval --samples "$dir/s3.csv" --target "$dir/t3.json" --metrics tv
expect_error "use sw2" eval "${S[@]}" --target "$dir/t.json" --metrics w2 --w2-max-pairs 1000
expect_error "--reference-n applies only with --target" eval "${S[@]}" --reference "$dir/s.csv" \
  --reference-n 10
expect_error "'mmd_bandwidth' must be a list of finite numbers > 0" eval "${S[@]}" --target "$dir/t.json" \
  --metrics mmd --mmd-bandwidth -1
expect_error "--samples is required" eval --target "$dir/t.json"
expect_error "cannot open" eval --samples "$dir/missing.csv" --target "$dir/t.json"
expect_error "--nll needs --target" eval "${S[@]}" --reference "$dir/s.csv" --nll
expect_error "steps must be >= 1" eval "${S[@]}" --target "$dir/t.json" --nll --nll-steps 0
expect_error "exceeds t_max" eval "${S[@]}" --target "$dir/t.json" --nll --process vp-linear \
  --nll-T 2
expect_error "unknown divergence method 'jac'" eval "${S[@]}" --target "$dir/t.json" --nll \
  --nll-divergence jac

finish "eval behaves"
