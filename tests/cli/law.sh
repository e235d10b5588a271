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

echo '{"type":"gaussian","mean":[0,0],"var":1}' >"$dir/g.json"
echo '{"type":"product","dim":2,"factor":{"type":"laplace"}}' >"$dir/p.json"
expect_error "target type 'product' has none yet" law --target "$dir/p.json"
expect_error "not affine" law --target "$dir/g.json" --sampler pc
expect_error "uniforms" law --target "$dir/g.json" --sampler mala

finish "law behaves"
