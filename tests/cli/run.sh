#!/usr/bin/env bash
# difflab run: spec validation (one-line errors, exit 2), a tiny experiment whose fitted KL-vs-steps
# slope is the known -2 (EI on a Gaussian target, exact law: KL ~ h^2, docs/theory.md 5.2 and
# src/bounds/measured_rates_test.cpp), resume after an interruption (completed rows are kept
# byte for byte, not recomputed), --rerun bit for bit, and results independent of --threads and
# --jobs.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"
py=/usr/bin/python3

target='{"type": "gaussian", "mean": [0.8, -0.5], "diag": [1.6, 0.5]}'

# --- validation -----------------------------------------------------------------------------
spec() { echo "$1" >"$dir/$2"; }
spec '{"base": {"target": "t.json", "stepz": 3}, "metrics": ["law"]}' bad1.json
expect_error "unknown option 'stepz'" run "$dir/bad1.json" --out "$dir/o1"
spec '{"base": {"target": "t.json"}, "sweep": {"axes": {"steps": []}}, "metrics": ["law"]}' bad2.json
expect_error "axis 'steps' is empty" run "$dir/bad2.json" --out "$dir/o2"
spec '{"base": {"target": "t.json"}, "sweep": {"axes": {}}, "metrics": ["law"]}' bad3.json
expect_error "'axes' is empty" run "$dir/bad3.json" --out "$dir/o3"
spec '{"base": {"target": "t.json", "T": "ten"}, "metrics": ["law"]}' bad4.json
expect_error "option 'T' must be a finite number" run "$dir/bad4.json" --out "$dir/o4"
spec '{"base": {"target": "t.json"}, "sweep": {"mode": "zip", "axes": {"steps": [1, 2], "T": [3]}}, "metrics": ["law"]}' bad5.json
expect_error "differ in length" run "$dir/bad5.json" --out "$dir/o5"
spec "{\"base\": {\"target\": $target, \"steps\": 0}, \"metrics\": [\"law\"]}" bad6.json
expect_error "'steps' must be an integer in [1, 100000000]" run "$dir/bad6.json" --out "$dir/o6"
spec "{\"base\": {\"target\": $target}, \"metrics\": [\"law\"], \"bounds\": [\"nope\"]}" bad7.json
expect_error "unknown bound 'nope'" run "$dir/bad7.json" --out "$dir/o7"
expect_error "--out DIR is required" run "$dir/bad7.json"
spec "{\"base\": {\"target\": $target, \"noise\": \"sobol\"}, \"metrics\": [\"law\"]}" bad8.json
expect_error "'noise' must be one of: counter, brownian" run "$dir/bad8.json" --out "$dir/o8"
# Grid "optimized" needs an exact law to optimise against (a 3-D mixture has none): refused at
# spec check, before any optimisation (experiments/README.md, "Optimised grids").
mix3='{"type": "gmm", "weights": [0.5, 0.5], "means": [[-1, 0, 0], [1, 0, 0]], "vars": [0.2, 0.2]}'
spec "{\"base\": {\"target\": $mix3, \"grid\": \"optimized\", \"steps\": 4}, \"metrics\": [\"law\"]}" bad9.json
expect_error "grid 'optimized' needs a run with an exact output law" run "$dir/bad9.json" --out "$dir/o9"
[[ ! -e "$dir/o9/grids" ]] || fail "grid optimized: a refused spec optimised a grid"
# The spec key noise: the rows carry it, and the exact law does not depend on it (the increments
# are i.i.d. N(0, 1), docs/theory.md "Coupled Brownian noise"; brownian_noise_test.cpp checks the
# samples against it), so both rows report the same law.
spec "{\"base\": {\"target\": $target, \"sampler\": \"em\", \"steps\": 8}, \"sweep\": {\"axes\": {\"noise\": [\"counter\", \"brownian\"]}}, \"metrics\": [\"law\"]}" noise.json
"$bin" run "$dir/noise.json" --out "$dir/onoise" >/dev/null 2>"$dir/err" || fail "noise sweep: $(cat "$dir/err")"
$py - "$dir/onoise/results.jsonl" <<'PY' || fail "noise sweep rows"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert sorted(r["options"]["noise"] for r in rows) == ["brownian", "counter"], rows
# The closed-form distances (the TV is a Monte Carlo estimate with the row's own seed).
keys = ("kl_target_output", "kl_output_target", "w2", "hellinger")
laws = [[r["metrics"]["law"][k] for k in keys] for r in rows]
assert laws[0] == laws[1], laws
PY
[[ ! -e "$dir/o6/results.jsonl" ]] || fail "a spec with a bad run wrote results"

# --- a tiny experiment: EI, exact law, KL(q_delta || p) against steps --------------------------
cat >"$dir/steps.json" <<JSON
{"seed": 5,
 "base": {"target": $target, "sampler": "ei", "grid": "uniform", "T": 2.0, "delta": 0.05,
          "start": "exact"},
 "sweep": {"axes": {"steps": [10, 20, 40, 80]}},
 "metrics": ["law"], "bounds": ["benton24"],
 "fits": [{"metric": "law.to_q_delta.kl_target_output", "against": "steps"}]}
JSON
"$bin" run "$dir/steps.json" --out "$dir/steps" 2>"$dir/err" || fail "tiny experiment failed: $(cat "$dir/err")"
"$py" - "$dir/steps" <<'PY' || fail "tiny experiment results"
import csv, json, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(d + "/results.jsonl")]
assert [r["row"] for r in rows] == [0, 1, 2, 3]
assert [r["options"]["steps"] for r in rows] == [10, 20, 40, 80]
assert len({r["seed"] for r in rows}) == 4, "seeds must be distinct"
for r in rows:
    assert r["nfe"] == r["options"]["steps"], r["nfe"]
    assert r["bounds"]["benton24"]["metric"] == "KL" and r["bounds"]["benton24"]["value"] > 0
    assert set(r["bounds"]["benton24"]["terms"]) >= {"initialisation", "discretisation"}
table = list(csv.DictReader(open(d + "/results.csv")))
assert len(table) == 4 and table[2]["options.steps"] == "40" and "wall_seconds" in table[0]
assert float(table[3]["metrics.law.to_q_delta.kl_target_output"]) == rows[3]["metrics"]["law"]["to_q_delta"]["kl_target_output"]
assert json.load(open(d + "/spec.json"))["seed"] == 5
fit = json.load(open(d + "/fits.json"))["fits"][0]
g = fit["groups"][0]["fit"]
# Started from the exact q_T, the only error is the discretisation: KL ~ h^2 ~ steps^-2 (the same
# tolerance as src/bounds/measured_rates_test.cpp); the interval must contain the fitted slope.
assert abs(g["slope"] + 2) < 0.15, g
assert g["ci"][0] <= g["slope"] <= g["ci"][1] and g["n"] == 4, g
PY

# --- resume: a run killed in the middle of row 3 ------------------------------------------------
cp "$dir/steps/results.jsonl" "$dir/full.jsonl"
head -n 3 "$dir/full.jsonl" >"$dir/steps/results.jsonl"
tail -n 1 "$dir/full.jsonl" | head -c 100 >>"$dir/steps/results.jsonl"
"$bin" run "$dir/steps.json" --out "$dir/steps" 2>"$dir/err" || fail "resume failed: $(cat "$dir/err")"
grep -q "4 runs, 3 already done, running 1" "$dir/err" || fail "resume did not skip rows: $(cat "$dir/err")"
head -n 3 "$dir/steps/results.jsonl" | cmp -s - <(head -n 3 "$dir/full.jsonl") ||
  fail "resume changed completed rows"
# Rows deleted outright: recomputed, identical to the first time except for the wall time.
head -n 2 "$dir/full.jsonl" >"$dir/steps/results.jsonl"
"$bin" run "$dir/steps.json" --out "$dir/steps" 2>"$dir/err" || fail "resume 2 failed: $(cat "$dir/err")"
grep -q "2 already done, running 2" "$dir/err" || fail "resume 2 did not skip rows: $(cat "$dir/err")"
"$py" - "$dir/full.jsonl" "$dir/steps/results.jsonl" <<'PY' || fail "resumed results differ"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert a[:2] == b[:2]
for r in a + b: r.pop("wall_seconds")
assert a == b
PY
# A different spec in the same directory is an error.
sed 's/"seed": 5/"seed": 6/' "$dir/steps.json" >"$dir/steps6.json"
expect_error "holds the results of a different spec" run "$dir/steps6.json" --out "$dir/steps"

# --- --rerun: bit for bit; a tampered row is reported ------------------------------------------
"$bin" run --rerun "$dir/steps" --row 2 >"$dir/rerun.json" 2>"$dir/err" || fail "--rerun failed: $(cat "$dir/err")"
grep -q '"match": true' "$dir/rerun.json" || fail "--rerun row 2 does not match: $(cat "$dir/rerun.json")"
"$py" - "$dir/steps/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows[1]["metrics"]["law"]["kl_target_output"] *= 1 + 2**-50
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
"$bin" run --rerun "$dir/steps" --row 1 >"$dir/rerun.json" 2>"$dir/err"
rc=$?
[[ $rc -eq 3 ]] && grep -q "metrics.law.kl_target_output" "$dir/rerun.json" ||
  fail "--rerun of a tampered row: exit $rc, $(cat "$dir/rerun.json")"
expect_error "has 4 runs" run --rerun "$dir/steps" --row 9
expect_error "--rerun needs --row" run --rerun "$dir/steps"

# --- sample metrics and a d sweep; results do not depend on --threads ---------------------------
cat >"$dir/samples.json" <<'JSON'
{"seed": 2,
 "base": {"target": {"type": "gaussian", "mean": 0.5, "var": 2.0}, "sampler": "em",
          "grid": "uniform", "steps": 20, "T": 4.0, "delta": 0.01, "n": 300},
 "sweep": {"mode": "zip", "axes": {"d": [1, 3], "seed": [0, 1]}},
 "metrics": ["law", "w2", "sw2", "energy", "knn_kl"]}
JSON
"$bin" run "$dir/samples.json" --out "$dir/s1" --threads 1 2>"$dir/err" || fail "sample run failed: $(cat "$dir/err")"
"$bin" run "$dir/samples.json" --out "$dir/s2" --threads 2 2>"$dir/err" || fail "sample run 2 failed: $(cat "$dir/err")"
# Two runs at once (the default with 2 threads above) or one run with both threads: same rows.
"$bin" run "$dir/samples.json" --out "$dir/s3" --threads 2 --jobs 1 2>"$dir/err" || fail "sample run 3 failed: $(cat "$dir/err")"
"$py" - "$dir/s1" "$dir/s2" "$dir/s3" <<'PY' || fail "sample-metric runs"
import json, sys
def rows(d):  # rows are appended as they finish: compare them by index
    return sorted((json.loads(l) for l in open(d + "/results.jsonl")), key=lambda r: r["row"])
a, b, c = rows(sys.argv[1]), rows(sys.argv[2]), rows(sys.argv[3])
assert [r["dim"] for r in a] == [1, 3]
t = json.load(open(sys.argv[1] + "/" + a[1]["target_file"]))
assert t == {"type": "gaussian", "mean": [0.5, 0.5, 0.5], "var": 2.0}, t
for r in a:
    for m in ("sw2", "energy", "knn_kl"):
        e = r["metrics"][m]
        assert e["ci_lo"] <= e["value"] <= e["ci_hi"] and e["n_p"] == 300, (m, e)
    w = r["metrics"]["w2"]
    assert w["ci_lo"] < w["ci_hi"] and w["n_p"] == 300, w  # bootstrap interval (20 replicates)
    assert r["nfe"] == 20
for r in a + b + c: r.pop("wall_seconds")
assert a == b == c, "results depend on --threads or --jobs"
PY

# --- a target file path is relative to the spec's directory -------------------------------------
mkdir -p "$dir/sub"
echo '{"type": "gaussian", "mean": [1.0], "var": 0.5}' >"$dir/sub/t.json"
echo '{"base": {"target": "t.json", "steps": 20, "T": 3.0}, "metrics": ["law"]}' >"$dir/sub/spec.json"
abs_bin=$(realpath "$bin")
(cd "$dir" && "$abs_bin" run sub/spec.json --out rel 2>"$dir/err") || fail "relative target path: $(cat "$dir/err")"
"$py" - "$dir" <<'PY' || fail "stored target differs"
import glob, json, sys
stored = json.load(open(glob.glob(sys.argv[1] + "/rel/targets/*.json")[0]))
assert stored == json.load(open(sys.argv[1] + "/sub/t.json")), stored
PY

finish "difflab run: validation, slope, resume, rerun and thread independence behave"
