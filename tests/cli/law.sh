#!/usr/bin/env bash
# difflab law: the O(d N) diagonal path (used from d = 64 for diagonal targets and one-step
# samplers) against the general linear-response path run coordinate by coordinate (KL of
# product laws adds up), and the error contract.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"
py=/usr/bin/python3

d=64
"$py" -c "
import json
print(json.dumps({'type': 'gaussian', 'mean': [0.05 * i - 1 for i in range($d)],
                  'diag': [0.3 + 0.02 * i for i in range($d)]}))" >"$dir/big.json"
"$bin" law --target "$dir/big.json" --sampler ddpm --grid benton --steps 16 --out "$dir/big_law.json" \
  >/dev/null 2>"$dir/err" || fail "diagonal law run failed: $(cat "$dir/err")"
sum=0
for ((i = 0; i < d; i++)); do
  "$py" -c "print('{\"type\": \"gaussian\", \"mean\": [%r], \"var\": %r}' % (0.05 * $i - 1, 0.3 + 0.02 * $i))" \
    >"$dir/one.json"
  "$bin" law --target "$dir/one.json" --sampler ddpm --grid benton --steps 16 --out "$dir/one_law.json" \
    >/dev/null 2>"$dir/err" || fail "1-D law run $i failed: $(cat "$dir/err")"
  sum=$("$py" -c "import json; print($sum + json.load(open('$dir/one_law.json'))['kl_target_output'])")
done
"$py" - "$dir/big_law.json" "$sum" <<'PY' || fail "diagonal law disagrees with the per-coordinate laws"
import json, sys
j = json.load(open(sys.argv[1]))
total = float(sys.argv[2])
assert j["method"].startswith("per-step linear response, diagonal"), j["method"]
assert len(j["var"]) == 64 and "cov" not in j
assert abs(j["kl_target_output"] - total) <= 1e-9 * max(1.0, total), (j["kl_target_output"], total)
assert j["kl_target_output"] > 0
PY

# Grid laws: a product of two different factors against the two one-dimensional laws (KL and
# W2^2 add over independent coordinates; TV is given as bounds that contain the 1-D values).
echo '{"type":"product","factors":[{"type":"laplace","loc":0.5},{"type":"mixture","weights":[0.3,0.7],"means":[-1.5,1],"stds":[0.4,0.6]}]}' \
  >"$dir/p.json"
echo '{"type":"product","factors":[{"type":"laplace","loc":0.5}]}' >"$dir/f0.json"
echo '{"type":"gmm","weights":[0.3,0.7],"means":[[-1.5],[1]],"vars":[0.16,0.36]}' >"$dir/f1.json"
for t in p f0 f1; do
  "$bin" law --target "$dir/$t.json" --sampler em --grid uniform --steps 20 --delta 0.05 \
    --out "$dir/$t.law.json" >/dev/null 2>"$dir/err" || fail "grid law of $t failed: $(cat "$dir/err")"
done
if [[ -f "$dir/f0.law.json" && -f "$dir/f1.law.json" && -f "$dir/p.law.json" ]]; then
  "$py" - "$dir" <<'PY' || fail "the product's grid law does not combine its factors' laws"
import json, math, sys
d = sys.argv[1]
p, a, b = (json.load(open(f"{d}/{t}.law.json")) for t in ("p", "f0", "f1"))
assert p["method"] == "grid law (chapman-kolmogorov)", p["method"]
for k in ("kl_target_output", "kl_output_target"):
    tol = 1e-9 + 2 * (p["grid_error"][k] + a["grid_error"][k] + b["grid_error"][k])
    assert abs(p[k] - a[k] - b[k]) <= tol, (k, p[k], a[k] + b[k])
assert abs(p["w2"] ** 2 - a["w2"] ** 2 - b["w2"] ** 2) <= 1e-6, (p["w2"], a["w2"], b["w2"])
assert "tv" not in p and p["tv_bounds"]["lower"] <= p["tv_bounds"]["upper"]
assert p["tv_bounds"]["upper"] >= max(a["tv"], b["tv"]) - 1e-9  # TV of the product >= each
# Smooth factors converge fast; the Laplace kink limits the trapezoidal rule to O(h^2) (~0.4% here).
assert b["grid_error"]["kl_target_output"] < 1e-6 * b["kl_target_output"] + 1e-9, b["grid_error"]
assert a["grid_error"]["kl_target_output"] < 1e-2 * a["kl_target_output"], a["grid_error"]
PY
fi

echo '{"type":"gaussian","mean":[0,0],"var":1}' >"$dir/g.json"
# A 2-D mixture: the tensor-grid law, with its node-halving error estimate.
echo '{"type":"gmm","weights":[0.3,0.7],"means":[[-1.5,1],[1,-0.5]],"covs":[[[0.3,0.1],[0.1,0.2]],[[0.4,-0.15],[-0.15,0.3]]]}' \
  >"$dir/m2.json"
"$bin" law --target "$dir/m2.json" --sampler ei --grid uniform --steps 20 --delta 0.05 --grid-nodes 81 \
  --out "$dir/m2.law.json" >/dev/null 2>"$dir/err" || fail "2-D grid law failed: $(cat "$dir/err")"
if [[ -f "$dir/m2.law.json" ]]; then
  "$py" - "$dir/m2.law.json" <<'PY' || fail "2-D grid law report is incomplete"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["method"] == "2-D grid law (chapman-kolmogorov)", j["method"]
assert j["nodes"] == 81 and len(j["cov"]) == 2
for k in ("kl_target_output", "kl_output_target", "tv", "hellinger"):
    assert j[k] > 0 and j["grid_error"][k] < 0.05 * j[k], (k, j[k], j["grid_error"])
PY
fi
echo '{"type":"gmm","weights":[0.5,0.5],"means":[[0,0,0],[1,1,1]],"vars":[1,1]}' >"$dir/m3.json"
expect_error "target type 'gmm' of dimension 3 has none yet" law --target "$dir/m3.json"
expect_error "law does not apply" law --target "$dir/p.json" --sampler pc
expect_error "not affine" law --target "$dir/g.json" --sampler pc
expect_error "uniforms" law --target "$dir/g.json" --sampler mala

# An empirical target (a user's data) has no density: the law compares with q_delta only.
echo '{"type":"empirical","samples":[[0.0],[1.0],[2.0],[-1.0]]}' >"$dir/emp.json"
"$bin" law --target "$dir/emp.json" --sampler ei --steps 10 --T 4 --delta 0.05 >"$dir/emp_law.json" \
  2>"$dir/err" || fail "law of an empirical target: $(cat "$dir/err")"
/usr/bin/python3 - "$dir/emp_law.json" <<'PY' || fail "empirical law report"
import json, sys
j = json.load(open(sys.argv[1]))
assert "kl_target_output" not in j and "no density" in j["to_target_reason"], j.keys()
q = j["to_q_delta"]
assert 0 < q["kl_target_output"] < 1 and 0 < q["tv"] < 1, q
assert q["grid_error"]["kl_target_output"] < 0.05 * q["kl_target_output"], q["grid_error"]
PY
expect_error "which needs early stopping: delta > 0" law --target "$dir/emp.json" --sampler ei --steps 10 --T 4 --delta 0 --grid uniform

finish "law behaves"
