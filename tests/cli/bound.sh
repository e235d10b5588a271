#!/usr/bin/env bash
# difflab bound / plan: values checked against the formulas, measured errors against the bounds,
# and the error contract (exit 2, one line on stderr).
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"
py=/usr/bin/python3

# check <name> <json file> <python expression over j, printing nothing on success>
check() {
  local name="$1" file="$2" code="$3"
  local msg
  msg=$("$py" -c "
import json, math, sys
j = json.load(open(sys.argv[1]))
by = {r['paper']: r for r in j} if isinstance(j, list) else {}
$code
" "$file" 2>&1)
  if [[ -n "$msg" ]]; then fail "$name: $msg"; fi
}

run() {  # run <out.json> args...: difflab must succeed
  local out="$1"
  shift
  if ! "$bin" "$@" >"$out" 2>"$dir/err"; then
    fail "difflab $* failed: $(cat "$dir/err")"
    echo '[]' >"$out"
  fi
}

# 1. Benton grid kappa test vector and Theorem 1 recomputed by hand.
run "$dir/benton.json" bound --papers benton24 --grid benton --T 6 --delta 1e-3 --steps 200 --d 10 --json
check benton-kappa "$dir/benton.json" '
r = by["benton24"]
if abs(r["kappa"] - 0.0715193052) > 1e-9: print("kappa", r["kappa"])
M, T, d, N, delta = 100, 6.0, 10, 200, 1e-3
k = max((T - 1) / M, delta ** (-1 / M) - 1)
v = k * k * d * N + k * d * T + d * math.exp(-2 * T)
if abs(r["value"] - v) > 1e-12 * v: print("value", r["value"], "expected", v)
if abs(sum(r["terms"].values()) - r["value"]) > 1e-12 * v: print("terms do not sum to value")
if r["constant"] != 1 or r["metric"] != "KL" or r["skipped"]: print("fields", r)
if r["assumptions"]["identity_covariance"]: print("Cov = I was not declared but holds")
'

# 2. CCL23 Theorem 2 by hand, with a constant and a score error.
run "$dir/ccl23.json" bound --papers ccl23,ccl23-path --grid uniform --T 5 --delta 0 --steps 100 \
  --d 4 --L 2 --m2 3 --kl 1.5 --eps-score 0.1 --constant C=2 --json
check ccl23 "$dir/ccl23.json" '
T, h, d, L, m2, kl, eps, C = 5.0, 0.05, 4, 2.0, 3.0, 1.5, 0.1, 2.0
v = C * (math.sqrt(kl) * math.exp(-T) + (L * math.sqrt(d * h) + L * m2 * h) * math.sqrt(T) + eps * math.sqrt(T))
r = by["ccl23"]
if abs(r["value"] - v) > 1e-12 * v: print("ccl23 value", r["value"], "expected", v)
if not r["assumptions"]["step_h_le_c_over_L"] or not r["assumptions_hold"]: print("assumptions", r["assumptions"])
p = by["ccl23-path"]
vp = math.exp(-2 * T) * kl + C * (L * L * d * h + L * L * m2 * m2 * h * h + eps * eps) * T
if abs(p["value"] - vp) > 1e-12 * vp: print("ccl23-path value", p["value"], "expected", vp)
'

# 3. Default papers: bounds lacking inputs are skipped with a reason, never given a value.
run "$dir/all.json" bound --T 6 --delta 1e-3 --steps 200 --d 10 --json
check skipped "$dir/all.json" '
if len(j) != 12: print("expected all 12 bounds, got", len(j))
for r in j:
    if not r["skipped"] and not ("certified" in r and "vacuous" in r and "kind" in r and "samplers" in r): print("metadata", r["paper"])
if by["bruno-example"].get("kind", "exact_decomposition") != "exact_decomposition": print("bruno kind")
s = [r for r in j if r["skipped"]]
if not by["ccl23"]["skipped"] or "value" in by["ccl23"] or not by["ccl23"]["reason"]: print("ccl23 should be skipped", by["ccl23"])
if by["benton24"]["skipped"]: print("benton24 skipped", by["benton24"])
if not by["pf-ode-dpum"]["skipped"] or "pass option \x27L\x27" not in by["pf-ode-dpum"]["reason"] and "pass option \x27accuracy\x27" not in by["pf-ode-dpum"]["reason"]: print("pf-ode-dpum", by["pf-ode-dpum"])
'
"$bin" bound --T 6 --delta 1e-3 --steps 200 --d 10 >"$dir/table.txt" 2>"$dir/err" || fail "table: $(cat "$dir/err")"
grep -q "^benton24 .*KL" "$dir/table.txt" || fail "table has no benton24 row: $(cat "$dir/table.txt")"
grep -q "^ccl23 .*skipped: " "$dir/table.txt" || fail "table has no skipped ccl23 row"

# 4. Measured mode: Gaussian N(mu, I), exact score, EI: KL(q_delta || p) finite, > 0, below the
# bound, from the exact law; --out writes the same array.
echo '{"type":"gaussian","mean":[1,-0.5,0.3],"var":1}' >"$dir/g.json"
run "$dir/m.json" bound --target "$dir/g.json" --sampler ei --grid benton --T 6 --delta 1e-3 --steps 200 \
  --accuracy 0.1 --json --out "$dir/m_out.json"
check measured "$dir/m.json" '
r = by["benton24"]
m = r["measured"]
if not (isinstance(m, float) and math.isfinite(m) and m > 0): print("measured", m)
elif not m < r["value"]: print("measured", m, ">= bound", r["value"])
if r["measured_against"] != "q_delta" or r["measured_key"] != "kl_target_output": print(r)
if abs(r["ratio"] - m / r["value"]) > 1e-12: print("ratio", r["ratio"])
if not r["assumptions_hold"]: print("assumptions", r["assumptions"])
# N(mu, I) with mu != 0: the initialisation term is e^{-2T} KL(q || N(0, I)), not d e^{-2T}.
if abs(r["terms"]["initialisation"] - math.exp(-12) * 0.5 * (1 + 0.25 + 0.09)) > 1e-15: print("init", r["terms"])
if r["certified"]: print("benton24 with C = 1 (a placeholder) cannot be certified")
if not by["ccl23-path"]["skipped"]: print("ccl23-path needs delta = 0")
if by["chen-lee-lu23"].get("measured", 0) is not None: print("steps_needed has no measured value")
if json.load(open(sys.argv[1].replace("m.json", "m_out.json"))) != j: print("--out differs from stdout")
'
# The same run in `difflab law` reports the same number.
# Measured terms split as the bounds split them: with the exact score the score-error term is
# exactly 0; a perturbed score adds a positive one; a short horizon shows an initialisation term.
run "$dir/terms0.json" bound --target "$dir/g.json" --papers benton24 --steps 40 --json
check "measured terms, exact score" "$dir/terms0.json" "
t = by['benton24']['measured_terms']
assert t['score_error'] == 0.0, t
assert t['discretisation'] > 0 and t['initialisation'] >= 0, t
"
run "$dir/terms1.json" bound --target "$dir/g.json" --papers benton24 --steps 40 --T 1.5 \
  --score perturbed --score-error 0.2 --json
check "measured terms, perturbed score and T = 1.5" "$dir/terms1.json" "
t = by['benton24']['measured_terms']
assert t['score_error'] > 1e-4, t
assert t['initialisation'] > 1e-4, t
"

run "$dir/law.json" law --target "$dir/g.json" --sampler ei --grid benton --T 6 --delta 1e-3 --steps 200
"$py" -c "
import json, sys
a = json.load(open(sys.argv[1]))['to_q_delta']['kl_target_output']
b = [r for r in json.load(open(sys.argv[2])) if r['paper'] == 'benton24'][0]['measured']
sys.exit(0 if a == b else 1)
" "$dir/law.json" "$dir/m.json" || fail "bound and law disagree on KL(q_delta || p)"

# Perturbed score, uniform grid, delta = 0: CCL23's TV and path KL against the exact law; Benton's
# eps is the time-averaged one (sqrt(T) x score error).
run "$dir/p.json" bound --target "$dir/g.json" --score perturbed --score-error 0.05 --grid uniform \
  --T 4 --delta 0 --steps 100 --papers ccl23,ccl23-path,li-yan24,benton24 --json
check perturbed "$dir/p.json" '
for id in ["ccl23", "ccl23-path", "li-yan24"]:
    r = by[id]
    if r["skipped"] or not (r["measured"] > 0 and r["measured"] < r["value"]): print(id, r)
if abs(by["ccl23"]["terms"]["score_error"] - 0.05 * 2) > 1e-12: print("ccl23 score term", by["ccl23"]["terms"])
if not by["benton24"]["skipped"]: print("benton24 at delta = 0 should be skipped")
'

# Gaussian-mean score (Bruno et al.'s example): eps_score computed exactly (max_k e^{-t_k}
# |theta - mu| on N(mu, I)), and bruno-example's exact W2 equals the measured W2 of the law.
run "$dir/gm.json" bound --target "$dir/g.json" --score gaussian-mean --theta 0.9,-0.4,0.35 --sampler em \
  --grid uniform --delta 0 --T 5 --steps 100 --papers bruno-example,ccl23 --json
check gaussian-mean "$dir/gm.json" '
b = by["bruno-example"]
if abs(b["measured"] - b["details"]["exact_w2"]) > 1e-10: print("bruno exact_w2", b["details"]["exact_w2"], "measured", b["measured"])
if not b["measured"] <= b["value"]: print("bruno: measured above the bound", b)
eps = 0.15 * math.exp(-0.05)
if abs(by["ccl23"]["terms"]["score_error"] - eps * math.sqrt(5)) > 1e-12: print("ccl23 score term", by["ccl23"]["terms"])
'
# A sampler without an exact law: measured is null with the reason.
run "$dir/mala.json" bound --target "$dir/g.json" --sampler mala --steps 10 --papers benton24 --json
check mala "$dir/mala.json" '
r = by["benton24"]
if r["measured"] is not None or "not Gaussian" not in r["measured_reason"]: print(r)
'

# A product target: measured from the grid law (KL adds over the coordinates), below the bound.
echo '{"type":"product","dim":2,"factor":{"type":"laplace","loc":0,"scale":1}}' >"$dir/lap.json"
run "$dir/lap_out.json" bound --target "$dir/lap.json" --papers benton24 --steps 20 --json
check product-grid-law "$dir/lap_out.json" '
r = by["benton24"]
if r["measured"] is None or not (0 < r["measured"] <= r["value"]) or "discretisation" not in r["measured_terms"]: print(r)
'

# A target with no exact output law (a 3-D mixture): measured is null with the reason.
echo '{"type":"gmm","weights":[0.5,0.5],"means":[[0,0,0],[1,1,1]],"vars":[1,1]}' >"$dir/m3.json"
run "$dir/m3_out.json" bound --target "$dir/m3.json" --papers benton24 --steps 20 --json
check no-law "$dir/m3_out.json" '
r = by["benton24"]
if r["measured"] is not None or "no exact output law" not in r["measured_reason"]: print(r)
'

# conforti23 by hand in the calculator (KL from I/2 without --kl), and both new bounds beside
# the exact law of a Gaussian run: measured <= bound, with the ratio; the mixture refuses
# strasman24 (Gaussian data only) and feeds conforti23 the upper end of its Fisher interval.
run "$dir/cf.json" bound --papers conforti23,strasman24 --grid uniform --T 2 --delta 0 --steps 20 \
  --d 2 --fisher 3 --eps-score 0.1 --json
check conforti23-calculator "$dir/cf.json" '
r = by["conforti23"]
v = math.exp(-4) * 1.5 + 0.01 + 0.1 * (2 + 3)
if abs(r["value"] - v) > 1e-12 * v: print("conforti23", r["value"], "expected", v)
if r["certified"] or r["statement_verified"] or r["vacuous"]: print("conforti23 flags", r)
if not by["strasman24"]["skipped"] or "Gaussian data" not in by["strasman24"]["reason"]: print(by["strasman24"])
'
echo '{"type":"gaussian","mean":[0.8,-0.5],"cov":[[1.6,0.3],[0.3,0.5]]}' >"$dir/g2.json"
run "$dir/new.json" bound --target "$dir/g2.json" --papers conforti23,strasman24 --sampler ei \
  --grid uniform --T 3 --delta 0 --steps 30 --json
check new-bounds-measured "$dir/new.json" '
for id, key in [("conforti23", "kl_target_output"), ("strasman24", "w2")]:
    r = by[id]
    if r["skipped"] or r["measured_key"] != key or not (0 < r["measured"] <= r["value"]): print(id, r)
    if abs(r["ratio"] - r["measured"] / r["value"]) > 1e-12: print(id, "ratio", r["ratio"])
if not by["strasman24"]["constant_is_explicit"] or by["strasman24"]["certified"]: print(by["strasman24"])
'
echo '{"type":"gmm","weights":[0.4,0.6],"means":[[-1.5],[1]],"vars":[0.3,0.5]}' >"$dir/m1.json"
run "$dir/new_mix.json" bound --target "$dir/m1.json" --papers conforti23,strasman24 --grid uniform \
  --T 3 --delta 0 --steps 30 --json
check new-bounds-mixture "$dir/new_mix.json" '
r = by["conforti23"]
if r["skipped"] or "fisher_information_ci_hi" not in r["details"]: print(r)
elif r["measured"] is not None and not r["measured"] <= r["value"]: print("measured above", r)
if not by["strasman24"]["skipped"]: print("strasman24 should refuse a mixture", by["strasman24"])
'

# 5. plan: the planned bound certifies the accuracy.
run "$dir/plan.json" plan --target "$dir/g.json" --metric kl --eps 0.5
check plan "$dir/plan.json" '
if j["paper"] != "benton24" or not (j["bound"]["value"] <= 0.5) or j["steps"] < 2: print(j["paper"], j["steps"], j["bound"]["value"])
'

run "$dir/plan_tv.json" plan --target "$dir/g.json" --metric tv --eps 0.2
check plan-tv "$dir/plan_tv.json" '
if j["paper"] != "ccl23" or j["grid_kind"] != "uniform" or not (j["bound"]["value"] <= 0.2) or not j["bound"]["assumptions_hold"]: print(j["paper"], j["bound"]["value"])
'

# plan --verify: the planned run (EI, exact score) measured from its exact law; for N(mu, I) the
# planned benton24 certificate holds (measured <= eps), and the measured error is > 0.
run "$dir/verify.json" plan --target "$dir/g.json" --metric kl --eps 0.5 --verify
check plan-verify "$dir/verify.json" '
v = j["verify"]
m = v["measured"]
if not (isinstance(m, float) and math.isfinite(m) and 0 < m <= 0.5): print("measured", m)
if not v["within_accuracy"] or v["bound"] != j["bound"]["value"] or v["steps"] != j["steps"]: print(v)
if v["measured_against"] != "q_delta" or v["measured_key"] != "kl_target_output" or v["metric"] != "KL": print(v)
if abs(v["ratio"] - m / v["bound"]) > 1e-12: print("ratio", v["ratio"])
'
# The same number as `difflab law` on the planned run.
"$py" -c "
import json, sys
print(' '.join(str(x) for x in (json.load(open(sys.argv[1]))['T'], json.load(open(sys.argv[1]))['steps'])))
" "$dir/verify.json" >"$dir/verify_Tn.txt"
read -r vT vN <"$dir/verify_Tn.txt"
run "$dir/verify_law.json" law --target "$dir/g.json" --sampler ei --grid benton --T "$vT" --delta 1e-3 \
  --steps "$vN"
"$py" -c "
import json, math, sys
a = json.load(open(sys.argv[1]))['to_q_delta']['kl_target_output']
b = json.load(open(sys.argv[2]))['verify']['measured']
sys.exit(0 if math.isclose(a, b, rel_tol=1e-9) else 1)
" "$dir/verify_law.json" "$dir/verify.json" || fail "plan --verify and law disagree on KL(q_delta || p)"
run "$dir/verify_tv.json" plan --target "$dir/g.json" --metric tv --eps 0.2 --verify
check plan-verify-tv "$dir/verify_tv.json" '
v = j["verify"]
if v["metric"] != "TV" or not (0 < v["measured"] <= 0.2) or v["measured_against"] != "q": print(v)
'

# 6. Errors: exit 2, one line.
expect_error "L (the score's Lipschitz constant) must be finite and > 0" bound --papers ccl23 --T 5 --delta 0 --steps 10 --d 2 --L -1 --m2 1 --kl 1
expect_error "m2" bound --papers ccl23 --T 5 --delta 0 --steps 10 --d 2 --L 1 --m2 nan --kl 1
expect_error "delta must be < T" bound --papers benton24 --T 6 --delta 7 --steps 10 --d 2
expect_error "unknown bound 'nope'; valid bounds: ccl23" bound --papers benton24,nope --d 2
# The library names the option; the command line shows its flag (core/option_ref.hpp).
expect_error "ccl23 needs L (the score's Lipschitz constant): pass option --L" bound --papers ccl23 --T 5 --delta 0 --steps 10 --d 2
expect_error "benton24 needs d" bound --papers benton24 --T 6 --delta 1e-3 --steps 10
expect_error "benton24 needs d" bound --papers benton24,ccl23 --T 6 --delta 1e-3 --steps 10 --strict
expect_error "not NAME=VALUE" bound --papers benton24 --d 2 --T 6 --delta 1e-3 --steps 10 --constant C
expect_error "constant C must be > 0" bound --papers benton24 --d 2 --T 6 --delta 1e-3 --steps 10 --constant C=-1
expect_error "eps_score" bound --papers benton24 --d 2 --T 6 --delta 1e-3 --steps 10 --eps-score -0.1
expect_error "OU process" bound --target "$dir/g.json" --process vp-linear --T 0.9
expect_error "plan needs eps" plan --target "$dir/g.json" --metric kl
expect_error "the option --allow-failed-assumptions plans anyway" plan --paper benton24 --eps 0.5 \
  --d 2 --kl 1
"$bin" plan --paper benton24 --eps 0.5 --d 2 --kl 1 --allow-failed-assumptions >/dev/null 2>&1 ||
  fail "plan --allow-failed-assumptions did not plan"
expect_error "plan verify: the measured error needs an exact output law" plan --target "$dir/lap.json" --metric kl --eps 0.5 --L 1 --m2 2 --kl 1 --identity-covariance --verify
# --kl: without a target the mean is unknown, so Benton's d e^{-2T} is not valid; with KL the
# initialisation term e^{-2T} KL is, and the plan reaches the --verify check.
expect_error "plan verify needs a target" plan --metric kl --eps 0.5 --d 2 --identity-covariance --kl 1 --verify
expect_error "metric must be kl or tv" plan --target "$dir/g.json" --metric w2 --eps 0.1
expect_error "L (the score's Lipschitz constant) must be finite" bound --target "$dir/g.json" --papers benton24 --L -2

finish "bound: all checks pass"
