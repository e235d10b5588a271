#!/usr/bin/env bash
# difflab report: a tiny sampler experiment (2-D target: fits with bounds, sample scatter,
# trajectories, score fields, mode weights) and a tiny application experiment (report curves and
# a table) become one HTML page; every figure it lists exists as a PNG, is embedded in the page
# byte for byte, and is titled there. Errors: one line, exit 2.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"
py=/usr/bin/python3

mkdir -p "$dir/exps"
cat >"$dir/sampler.json" <<'JSON'
{"name": "tiny_samplers", "seed": 3,
 "base": {"target": {"type": "gmm", "weights": [0.3, 0.7], "means": [[-2.0, 0.0], [2.0, 0.5]],
                     "vars": [0.5, 0.5]},
          "grid": "uniform", "T": 6.0, "delta": 0.01, "n": 300},
 "sweep": {"mode": "grid", "axes": {"sampler": ["ei", "ddim"], "steps": [8, 16, 32]}},
 "metrics": ["law", "sw2", "mode_weights"],
 "fits": [{"metric": "law.to_q_delta.kl_target_output", "against": "steps"}],
 "report": {"claim": "A tiny claim <with markup>.", "quiver_times": [0.1, 1.0]}}
JSON
cat >"$dir/app.json" <<'JSON'
{"name": "tiny_app", "app": "gmm-learn", "seed": 4,
 "base": {"d": 4, "k": 2, "steps_large": 50, "steps_small": 50, "em_iterations": 50},
 "sweep": {"mode": "grid", "axes": {"n": [200, 400, 800]}},
 "fits": [{"metric": "app.gd_error", "against": "n"}],
 "report": {"curves": [{"name": "errors", "x": "n", "y": ["app.gd_error", "app.em_error"],
                        "theory": ["app.sqrt_d_over_n"], "fit": true}],
            "table": ["app.gd_error", "app.em_error"]}}
JSON
"$bin" run "$dir/sampler.json" --out "$dir/exps/a_samplers" 2>/dev/null || fail "sampler experiment failed"
"$bin" run "$dir/app.json" --out "$dir/exps/b_app" 2>/dev/null || fail "app experiment failed"

# One experiment: report.html and figures/ inside its directory.
"$bin" report "$dir/exps/a_samplers" 2>"$dir/err1" || fail "report of one experiment failed: $(cat "$dir/err1")"
[[ -s "$dir/exps/a_samplers/report.html" ]] || fail "no report.html in the experiment directory"

# Both, into a chosen file.
"$bin" report "$dir/exps" --out "$dir/page/page.html" 2>"$dir/err2" || fail "report of two experiments failed: $(cat "$dir/err2")"
$py - "$dir/page" <<'PY' || fail "the page does not hold every listed figure"
import base64, json, os, re, sys
out = sys.argv[1]
html = open(os.path.join(out, "page.html"), encoding="utf-8").read()
listing = json.load(open(os.path.join(out, "figures", "figures.json")))
kinds = {f["kind"] for f in listing}
sections = {f["section"] for f in listing}
assert sections == {"tiny_samplers", "tiny_app"}, sections
# Every kind a 2-D sampler experiment and an app experiment produce.
assert {"curves", "scatter", "trajectories", "quiver", "bars"} <= kinds, kinds
uris = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
assert len(uris) == len(listing), (len(uris), len(listing))
for f, uri in zip(listing, uris):
    png = open(os.path.join(out, "figures", f["file"]), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", f["file"]
    assert base64.b64decode(uri) == png, f["file"]
    assert f["title"].replace("&", "&amp;").replace("<", "&lt;") in html, f["title"]
assert "A tiny claim &lt;with markup&gt;." in html
assert "<table" in html  # the fits table and the app's rows
# The assembled data of each experiment stays beside its results.
for e in ("a_samplers", "b_app"):
    json.load(open(os.path.join(out, "..", "exps", e, "report", "report_data.json")))
PY
ls "$dir/page/figures" | grep -q "\.tmp" && fail "a temporary file was left behind"

# Errors: one line, exit 2.
expect_error "is not a directory" report "$dir/nowhere"
mkdir -p "$dir/empty"
expect_error "holds no experiment" report "$dir/empty"
mkdir -p "$dir/bad" && cp "$dir/exps/b_app/spec.json" "$dir/bad/spec.json"
expect_error "has no results.jsonl" report "$dir/bad"
# A report hint naming a column that is not in the results.
cp -r "$dir/exps/b_app" "$dir/badhint"
$py - "$dir/badhint/spec.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["report"]["curves"][0]["y"] = ["app.no_such_column"]
json.dump(s, open(sys.argv[1], "w"))
PY
expect_error "'app.no_such_column' is not a results column" report "$dir/badhint"

finish "report: page with every listed figure, embedded byte for byte; errors one line"
