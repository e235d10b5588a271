#!/usr/bin/env bash
# difflab train end to end: a tiny run on a 2-D Gaussian mixture writes a checkpoint, a JSON-lines
# log and a summary (with the true score error and the Lipschitz estimates); `difflab sample
# --score model:FILE` samples with it; a model trained on a data file alone (no target) samples
# without a target; a resumed run gives the same checkpoint bytes as an
# uninterrupted one; `difflab law` refuses a learned score; and the error contract for bad input
# (exit 2, one line naming the problem).
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"

cat >"$dir/gmm.json" <<'J'
{"type":"gmm","weights":[0.4,0.6],"means":[[-1.5,0],[1.5,0.5]],"vars":[0.3,0.2]}
J
cat >"$dir/g3.json" <<'J'
{"type":"gaussian","mean":[0,0,0],"var":1}
J
small=(--width 16 --depth 1 --batch 32 --samples 300 --validate-every 10 --error-samples 50
  --lipschitz-samples 20 --seed 3)

"$bin" train --target "$dir/gmm.json" "${small[@]}" --iters 20 --out "$dir/m.dlm" \
  --log "$dir/log.jsonl" --summary "$dir/s.json" 2>"$dir/err" || fail "train run failed: $(cat "$dir/err")"
[[ -s "$dir/m.dlm" ]] || fail "no checkpoint written"
[[ $(grep -c '"train_loss"' "$dir/log.jsonl") -eq 2 ]] || fail "log has $(grep -c . "$dir/log.jsonl") lines, expected 2 (steps 10, 20)"
/usr/bin/python3 - "$dir/s.json" <<'PY' || fail "summary lacks the expected fields"
import json, math, sys
s = json.load(open(sys.argv[1]))
assert s["final_step"] == 20
log = s["train"]["log"]
assert [e["step"] for e in log] == [10, 20]
assert all(math.isfinite(e["train_loss"]) and e["validation_loss"] is not None for e in log)
assert all(len(e["score_error"]) == 4 for e in log)
assert all(l["empirical"] <= l["upper_bound"] for l in s["lipschitz"])
PY
ls "$dir" | grep -q "\.tmp" && fail "a temporary file was left behind"

# Sampling with the model.
"$bin" sample --target "$dir/gmm.json" --score model:"$dir/m.dlm" --steps 10 --n 40 \
  --out "$dir/x.csv" 2>"$dir/err" || fail "sample with the model failed: $(cat "$dir/err")"
[[ $(grep -c . "$dir/x.csv") -eq 40 ]] || fail "sample output has $(grep -c . "$dir/x.csv") rows, expected 40"

# Resume: 10 + 10 steps give the same checkpoint bytes as 20 in one go.
"$bin" train --target "$dir/gmm.json" "${small[@]}" --iters 10 --out "$dir/r.dlm" 2>/dev/null ||
  fail "first half failed"
"$bin" train --target "$dir/gmm.json" "${small[@]}" --iters 20 --out "$dir/r.dlm" --resume \
  2>"$dir/err" || fail "resume failed: $(cat "$dir/err")"
cmp -s "$dir/m.dlm" "$dir/r.dlm" || fail "resumed checkpoint differs from the uninterrupted one"

# Training on data alone: no target, the dimension is the data's and is stored in the checkpoint;
# sampling that model needs no target either (its dimension from the checkpoint), and gives the
# same bits as the same run with a target of that dimension (the start N(0, I) is the same).
"$bin" target --target "$dir/gmm.json" --sample 300 --seed 4 --out "$dir/data.npy" >/dev/null 2>&1
"$bin" train --data "$dir/data.npy" --width 16 --depth 1 --batch 32 --validate-every 10 \
  --seed 3 --iters 20 --out "$dir/dm.dlm" --summary "$dir/ds.json" 2>"$dir/err" ||
  fail "train --data without --target failed: $(cat "$dir/err")"
[[ -s "$dir/ds.json" ]] && { /usr/bin/python3 - "$dir/ds.json" <<'PY' || fail "data-only model summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["final_step"] == 20 and s["options"]["model"]["dim"] == 2, s["options"]
PY
}
"$bin" sample --score model:"$dir/dm.dlm" --steps 10 --n 40 --seed 2 --out "$dir/y_model.npy" \
  --summary "$dir/y_model.json" 2>"$dir/err" || fail "sample with a model and no target: $(cat "$dir/err")"
"$bin" sample --target "$dir/gmm.json" --score model:"$dir/dm.dlm" --steps 10 --n 40 --seed 2 \
  --out "$dir/y_target.npy" 2>/dev/null || fail "sample with the model and a target failed"
[[ -s "$dir/y_model.npy" ]] && { cmp -s "$dir/y_model.npy" "$dir/y_target.npy" ||
  fail "the model's samples without a target differ from those with one"; }
[[ -s "$dir/y_model.json" ]] && { /usr/bin/python3 - "$dir/y_model.json" <<'PY' || fail "summary of a run without target"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["run"]["target"] is None and s["particles"] == 40, s
PY
}
# Refusals: data of another dimension than the given target, no data, NaN in the data (.csv and
# .npy), a target of another dimension than the model, q_T without a target.
: >"$dir/empty.csv"
printf '1,2,3\n4,5,6\n' >"$dir/d3.csv"
/usr/bin/python3 -c "
import sys, numpy as np
np.save(sys.argv[1], np.array([[0.0, 1.0], [np.nan, 2.0]]))" "$dir/nan.npy"
expect_error "d3.csv: samples have dimension 3 but 2 is expected" train --data "$dir/d3.csv" --target "$dir/gmm.json" \
  --out "$dir/x.dlm"
expect_error "no samples (empty file)" train --data "$dir/empty.csv" --out "$dir/x.dlm"
expect_error "nan.npy: row 2, column 1: value is not finite" train --data "$dir/nan.npy" --out "$dir/x.dlm"
expect_error "the model has dimension 2 but the target has dimension 3" sample --target "$dir/g3.json" \
  --score model:"$dir/dm.dlm" --out "$dir/y.csv"
expect_error "without a target use start normal or init" sample --score model:"$dir/dm.dlm" \
  --start exact --out "$dir/y.csv"
expect_error "samples have dimension 3 but 2 is expected" sample --score model:"$dir/dm.dlm" \
  --init "$dir/d3.csv" --out "$dir/y.csv"
[[ -e "$dir/x.dlm" ]] && fail "a refused training wrote its checkpoint"

# Errors: one line, exit 2.
printf '1,2\nnan,3\n' >"$dir/nan.csv"
printf '1,2,3\n4,5,6\n' >"$dir/d3.csv"
expect_error "nan.csv" train --data "$dir/nan.csv" --out "$dir/n.dlm"
expect_error "dimension" train --data "$dir/d3.csv" --out "$dir/m.dlm" --resume --iters 30
# A resume continues the checkpoint's options: a flag that would change them is refused, not
# ignored (repeating the original flags, as above, is fine).
expect_error "optimizer.lr (checkpoint 0.001, given 0.5)" train --target "$dir/gmm.json" \
  "${small[@]}" --iters 30 --out "$dir/r.dlm" --resume --lr 0.5
expect_error "'optimizer' must be one of: sgd" train --target "$dir/gmm.json" --optimizer adamx --out "$dir/o.dlm"
expect_error "option --out is required" train --target "$dir/gmm.json"
expect_error "option --data (a samples file) or the option --target" train --out "$dir/o.dlm"
head -c 200 "$dir/m.dlm" >"$dir/t.dlm"
expect_error "truncated" sample --target "$dir/gmm.json" --score model:"$dir/t.dlm" --out "$dir/y.csv"
expect_error "dimension" sample --target "$dir/g3.json" --score model:"$dir/m.dlm" --out "$dir/y.csv"
# A trained model through law (the 2-D grid law needs only score evaluations) and bound (its L2
# score error measured against the target's exact score). After 20 iterations the model is far
# from the score: a stochastic sampler's output leaves the grid, and the law refuses rather than
# report distances that miss that mass; the flow-map law of ode-ei keeps all of it.
expect_error "of the output law's mass leaves the grid" law --target "$dir/gmm.json" \
  --score model:"$dir/m.dlm" --sampler ei --steps 10 --grid-nodes 41
"$bin" law --target "$dir/gmm.json" --score model:"$dir/m.dlm" --sampler ode-ei --steps 10 \
  --grid-nodes 41 >"$dir/law_model.json" 2>"$dir/err" || fail "law with a model failed: $(cat "$dir/err")"
"$bin" bound --target "$dir/gmm.json" --score model:"$dir/m.dlm" --papers benton24 --steps 10 \
  --json >"$dir/bound_model.json" 2>"$dir/err" || fail "bound with a model failed: $(cat "$dir/err")"
if [[ -s "$dir/law_model.json" && -s "$dir/bound_model.json" ]]; then
  /usr/bin/python3 - "$dir/law_model.json" "$dir/bound_model.json" <<'PY' || fail "model law/bound"
import json, math, sys
law, bound = (json.load(open(p)) for p in sys.argv[1:3])
assert "2-D grid law (flow-map)" in law["method"] and math.isfinite(law["kl_output_target"]), law
b = bound[0]
assert b["terms"]["score_error"] > 0, b
assert any("measured against the target's exact score" in n for n in b["notes"]), b["notes"]
PY
fi

# The likelihood of samples under the trained model's PF-ODE (eval --nll-model): the exact
# divergence and Hutchinson's estimator (independent probes) agree within their intervals.
"$bin" target --target "$dir/gmm.json" --sample 60 --seed 5 --out "$dir/x.csv" 2>/dev/null
for div in exact hutchinson; do
  "$bin" eval --samples "$dir/x.csv" --nll --nll-model "$dir/m.dlm" --nll-steps 40 \
    --nll-divergence "$div" --nll-probes 8 --out "$dir/nll_$div.json" >/dev/null 2>"$dir/err" ||
    fail "eval --nll-model ($div) failed: $(cat "$dir/err")"
done
if [[ -f "$dir/nll_exact.json" && -f "$dir/nll_hutchinson.json" ]]; then
  /usr/bin/python3 - "$dir/nll_exact.json" "$dir/nll_hutchinson.json" <<'PY' || fail "model NLL: exact and Hutchinson disagree"
import json, math, sys
a, b = (json.load(open(p))["nll"] for p in sys.argv[1:3])
assert math.isfinite(a["value"]) and "trained model" in a["quantity"], a
half = (b["ci"][1] - b["ci"][0]) / 2 + (a["ci"][1] - a["ci"][0]) / 2
assert abs(a["value"] - b["value"]) <= half, (a["value"], b["value"], half)
PY
fi
# The model's NLL integrates over its own training range by default and refuses times outside.
"$bin" eval --samples "$dir/x.csv" --nll --nll-model "$dir/m.dlm" --nll-steps 20 \
  --out "$dir/nll_default.json" >/dev/null 2>"$dir/err" || fail "eval --nll-model: $(cat "$dir/err")"
[[ -s "$dir/nll_default.json" ]] && { /usr/bin/python3 - "$dir/nll_default.json" <<'PY' || fail "model NLL range is not the trained one"
import json, sys
o = json.load(open(sys.argv[1]))["nll"]
assert (o["T"], o["delta"]) == (6.0, 1e-3), o
PY
}
expect_error "beyond the model's training range [0.001, 6]" eval --samples "$dir/x.csv" --nll \
  --nll-model "$dir/m.dlm" --nll-T 10
expect_error "below the model's training range" eval --samples "$dir/x.csv" --nll \
  --nll-model "$dir/m.dlm" --nll-delta 1e-6
expect_error "--nll-model applies only with --nll" eval --samples "$dir/x.csv" --target "$dir/gmm.json" \
  --nll-model "$dir/m.dlm"
"$bin" target --target "$dir/g3.json" --sample 10 --out "$dir/x3.csv" 2>/dev/null
expect_error "dimension" eval --samples "$dir/x3.csv" --nll --nll-model "$dir/m.dlm"

# The Gaussian-mean example of Bruno et al.: the report's W2 is the closed form of its own law
# (W2^2 = |m - mu|^2 + d (sqrt(v) - 1)^2, docs/theory.md 4.3), one theta per epoch.
"$bin" train --example gaussian-mean --example-epochs 3 --out "$dir/gm.json" >"$dir/gm_stdout.json" \
  2>"$dir/err" || fail "train --example gaussian-mean failed: $(cat "$dir/err")"
if [[ -f "$dir/gm.json" ]]; then
  /usr/bin/python3 - "$dir/gm.json" <<'PY' || fail "gaussian-mean example report is wrong"
import json, math, sys
j = json.load(open(sys.argv[1]))
assert len(j["theta_history"]) == 3 and len(j["loss_history"]) == 3
for s in ("em", "ei"):
    law, mu = j["law_" + s], j["mu"]
    w2 = math.sqrt(sum((a - b) ** 2 for a, b in zip(law["mean"], mu)) +
                   len(mu) * (math.sqrt(law["variance"]) - 1) ** 2)
    assert abs(w2 - j["w2_" + s]) <= 1e-12 * max(1, w2), (s, w2, j["w2_" + s])
    assert set(j["bound_terms"][s]) == {"optimisation", "initialisation", "discretisation"}
PY
fi
expect_error "unknown example 'nope'" train --example nope

finish "train: run, log, summary, sampling with the model, bit-identical resume, error contract"
