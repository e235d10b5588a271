#!/usr/bin/env bash
# experiments/digits.json end to end, as a quick variant (a smaller network, few iterations, few
# particles): experiments/digits_data.py writes the digits from python3-sklearn (no network), the
# spec trains the MLP on the training split (DIR/train/), samples it and the exact empirical
# score, measures the samples against all held-out digits and memorisation against the training
# digits; the exact empirical score reproduces training digits (up to the noise of q_delta) while
# the trained model does not;
# a row re-runs bit for bit; the report draws generated digits beside real ones and the trained
# model's score error. Bad specs are one-line errors.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"

mkdir -p "$dir/exp"
/usr/bin/python3 "$root/experiments/digits_data.py" --out "$dir/exp/data" >/dev/null ||
  fail "experiments/digits_data.py failed"
/usr/bin/python3 - "$root/experiments/digits.json" "$dir/exp/digits.json" <<'PY' || fail "quick spec"
import json, sys
s = json.load(open(sys.argv[1]))
s["train"].update(iters=60, decay_steps=60, width=32, depth=1, validate_every=30, error_samples=50)
s["base"].update(n=60, steps=12)
s["report"]["images"]["count"] = 6
json.dump(s, open(sys.argv[2], "w"))
PY
"$bin" run "$dir/exp/digits.json" --out "$dir/res" --threads 1 >/dev/null 2>"$dir/err" ||
  fail "difflab run (digits) failed: $(cat "$dir/err")"
[[ -s "$dir/res/train/model.dlm" && -s "$dir/res/train/summary.json" ]] || fail "no trained model in DIR/train"
[[ -s "$dir/res/results.jsonl" ]] && { /usr/bin/python3 - "$dir/res" <<'PY' || fail "digits rows are wrong"
import json, math, os, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(os.path.join(d, "results.jsonl"))]
assert [r["options"]["score"] for r in rows] == ["trained"] * 3 + ["exact"], rows
for r in rows:
    assert r["dim"] == 64 and r["reference_file"].startswith("data/reference_"), r
    m = r["metrics"]
    for k in ("mmd", "sw2", "knn_kl"):
        assert math.isfinite(m[k]["value"]) and m[k]["n_p"] == 60, (k, m[k])
        assert m[k]["n_q"] == 297, (k, m[k])  # every held-out digit, not target samples
    assert m["memorisation"]["n_training"] == 1500, m["memorisation"]
mem = [r["metrics"]["memorisation"] for r in rows]
# The exact empirical score's reverse flow ends on training digits: its samples are training
# digits plus the noise of q_delta, at distance sigma(delta) sqrt(d) (chi_64, sharp: median
# within 3%); the trained model's samples are not.
sd = math.sqrt((1 - math.exp(-2 * 1e-3)) * 64)
assert abs(mem[3]["median_sample_distance"] - sd) < 0.03 * sd, (mem[3], sd)
assert mem[3]["ratio"] < 0.2 * min(x["ratio"] for x in mem[:3]), mem
s = json.load(open(os.path.join(d, "train", "summary.json")))
assert s["final_step"] == 60 and s["options"]["model"]["dim"] == 64, s["options"]
errs = s["train"]["log"][-1]["score_error"]
assert errs and all(e["rms"] > 0 and math.isfinite(e["rms"]) for e in errs), errs
PY
}
out=$("$bin" run --rerun "$dir/res" --row 1 2>"$dir/err") || fail "rerun of row 1 failed: $(cat "$dir/err")"
[[ "$out" == *'"match": true'* || "$out" == *'"match":true'* ]] || fail "rerun of row 1 does not match: $out"

"$bin" report "$dir/res" --out "$dir/page/report.html" >/dev/null 2>"$dir/err" ||
  fail "report of digits failed: $(cat "$dir/err")"
[[ -s "$dir/res/report/images.json" ]] && { /usr/bin/python3 - "$dir/res" "$dir/exp/data" <<'PY' || fail "digit images are wrong"
import json, os, sys
import numpy as np
d, data = sys.argv[1:3]
im = json.load(open(os.path.join(d, "report", "images.json")))
assert [r["label"] for r in im["real"]] == ["held-out data (reference)", "training data (target)"]
test = np.load(os.path.join(data, "digits_test.npy"))
assert np.array_equal(np.array(im["real"][0]["images"]), test[:6])  # the real digits themselves
assert len(im["rows"]) == 4 and all(np.array(r["images"]).shape == (6, 64) for r in im["rows"])
rep = json.load(open(os.path.join(d, "report", "report_data.json")))
kinds = {f["name"]: f["kind"] for f in rep["figures"]}
assert kinds.get("images") == "images" and kinds.get("train_score_error") == "curves", kinds
assert len(next(f for f in rep["figures"] if f["name"] == "images")["rows"]) == 6
PY
}
grep -q 'alt="Generated digits beside real ones"\|Generated digits beside real ones' "$dir/page/report.html" ||
  fail "the report page lacks the digits figure"

# Bad specs: one line, exit 2.
/usr/bin/python3 - "$dir/exp/digits.json" "$dir/exp" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
bad = dict(s); bad.pop("train")
json.dump(bad, open(os.path.join(sys.argv[2], "no_train.json"), "w"))
bad = json.loads(json.dumps(s)); bad["train"]["out"] = "x.dlm"
json.dump(bad, open(os.path.join(sys.argv[2], "train_out.json"), "w"))
bad = json.loads(json.dumps(s)); bad["base"]["reference"] = "data/nope.npy"
json.dump(bad, open(os.path.join(sys.argv[2], "no_reference.json"), "w"))
PY
expect_error "score 'trained' needs the spec's 'train'" run "$dir/exp/no_train.json" --out "$dir/o1"
expect_error "train: 'out' is set by the runner" run "$dir/exp/train_out.json" --out "$dir/o2"
expect_error "nope.npy" run "$dir/exp/no_reference.json" --out "$dir/o3"

finish "digits: data without network, trained model, held-out metrics, memorisation, rerun, images"
