#!/usr/bin/env bash
# difflab grid optimize: the optimised grid beats every named grid, the grid file it writes
# round-trips through `difflab law --grid file` and reproduces the reported error (Gaussian
# recursion: against the linear response to 1e-9; grid law: bit for bit on the same mesh), and
# the error contract.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"
py=/usr/bin/python3

echo '{"type":"gaussian","mean":[1.0,-0.5],"cov":[[1.5,0.3],[0.3,0.1]]}' >"$dir/g.json"
"$bin" grid optimize --target "$dir/g.json" --sampler ei --steps 6 --T 5 --delta 1e-3 \
  --out "$dir/grid.txt" --json "$dir/opt.json" >"$dir/stdout" 2>"$dir/err" ||
  fail "grid optimize failed: $(cat "$dir/err")"
[[ $(grep -c '^iteration ' "$dir/err") -ge 2 ]] || fail "no progress lines: $(cat "$dir/err")"
"$bin" law --target "$dir/g.json" --sampler ei --grid file --grid-file "$dir/grid.txt" \
  --out "$dir/law.json" >/dev/null 2>"$dir/err" || fail "law on the grid file failed: $(cat "$dir/err")"
"$bin" law --target "$dir/g.json" --sampler ei --grid uniform --steps 6 --T 5 --delta 1e-3 \
  --out "$dir/uniform.json" >/dev/null 2>"$dir/err" || fail "law on uniform failed: $(cat "$dir/err")"
"$py" - "$dir" <<'PY' || fail "the optimised Gaussian grid does not reproduce or does not win"
import json, sys
d = sys.argv[1]
opt = json.load(open(d + "/opt.json"))
law = json.load(open(d + "/law.json"))
uni = json.load(open(d + "/uniform.json"))
assert opt == json.load(open(d + "/stdout")), "stdout and --json differ"
v = opt["value"]
assert abs(law["kl_target_output"] - v) <= 1e-9 * v, (law["kl_target_output"], v)
assert abs(opt["named"]["uniform"]["value"] - uni["kl_target_output"]) <= 1e-9 * v
named = {k: e["value"] for k, e in opt["named"].items() if "value" in e}
assert set(named) == {"uniform", "benton", "karras", "quadratic", "logsnr", "ays"}, named
assert all(v < x for x in named.values()), (v, named)
times = [float(l) for l in open(d + "/grid.txt") if not l.startswith("#")]
assert times == opt["times"] and times[0] == 5 and times[-1] == 1e-3, times
PY

# A one-dimensional mixture (grid law, Nelder-Mead): the file reproduces the value bit for bit on
# the same mesh (--grid-tol 0 there, as while optimising).
echo '{"type":"gmm","weights":[0.3,0.7],"means":[[-2],[1.5]],"vars":[0.1,0.3]}' >"$dir/m.json"
"$bin" grid optimize --target "$dir/m.json" --sampler ei --steps 4 --T 4 --delta 0.01 \
  --grid-nodes 101 --max-evaluations 30 --out "$dir/mgrid.txt" >"$dir/mopt.json" 2>"$dir/err" ||
  fail "grid optimize (grid law) failed: $(cat "$dir/err")"
"$bin" law --target "$dir/m.json" --sampler ei --grid file --grid-file "$dir/mgrid.txt" \
  --grid-nodes 101 --grid-tol 0 --out "$dir/mlaw.json" >/dev/null 2>"$dir/err" ||
  fail "law on the mixture grid failed: $(cat "$dir/err")"
"$py" - "$dir" <<'PY' || fail "the grid-law optimum does not reproduce"
import json, sys
d = sys.argv[1]
opt, law = json.load(open(d + "/mopt.json")), json.load(open(d + "/mlaw.json"))
assert law["kl_target_output"] == opt["value"], (law["kl_target_output"], opt["value"])
assert opt["value"] < opt["start_value"], opt
assert "error" in opt["named"]["ays"]
PY

# Deterministic whatever the thread count: the same JSON on one thread.
"$bin" grid optimize --target "$dir/m.json" --sampler ei --steps 4 --T 4 --delta 0.01 \
  --grid-nodes 101 --max-evaluations 30 --threads 1 >"$dir/mopt1.json" 2>"$dir/err" ||
  fail "grid optimize on one thread failed: $(cat "$dir/err")"
cmp -s "$dir/mopt.json" "$dir/mopt1.json" || fail "one thread and all threads give different results"

expect_error "metric 'tv'" grid optimize --target "$dir/g.json" --steps 4 --metric tv
expect_error "steps" grid optimize --target "$dir/g.json" --steps 0
expect_error "not Gaussian" grid optimize --target "$dir/g.json" --steps 4 --sampler mala
expect_error "metric" grid optimize --target "$dir/g.json" --steps 4 --metric hellinger
finish "grid optimize: beats the named grids, round-trips through --grid file, refuses bad input"
