#!/usr/bin/env bash
# difflab demo (the README's first command): runs small versions of reproductions 1, 5 and 6
# with no arguments besides the output directory and writes the report. Checked against the
# theory the demo illustrates, not against its own past output:
#   - CCL23 on a Gaussian: KL of the exponential integrator ~ h^2 (slope -2 against steps);
#   - SE19: the reverse diffusion recovers the 0.2 minority weight (4.5 binomial standard errors
#     at n = 2000), ULA started from N(0, I) keeps about half the mass there;
#   - the page embeds every figure it lists; a second run resumes instead of recomputing.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"
py=/usr/bin/python3

if ! timeout 600 "$bin" demo --out "$dir/demo" >"$dir/demo.txt" 2>"$dir/err"; then
  fail "difflab demo failed: $(tail -3 "$dir/err")"
fi
[[ -s "$dir/demo/report.html" ]] || fail "no report.html"
grep -q "report written to $dir/demo/report.html" "$dir/demo.txt" || fail "the demo does not say where the report is"
$py - "$dir/demo" <<'PY' || fail "demo results or figures are not what the theory says"
import json, math, os, sys
d = sys.argv[1]
def rows(name):
    return [json.loads(l) for l in open(os.path.join(d, name, "results.jsonl"))]
fits = json.load(open(os.path.join(d, "1_ccl23_tv_vs_h", "fits.json")))["fits"]
kl = next(f for f in fits if f["metric"] == "kl_target_output")
gauss = next(g for g in kl["groups"] if g["group"]["target"]["type"] == "gaussian")
assert abs(gauss["fit"]["slope"] + 2) < 0.15, gauss["fit"]
modes = {r["options"]["sampler"]: r["metrics"]["mode_weights"] for r in rows("2_langevin_vs_diffusion")}
n = 2000
assert abs(modes["ei"]["fractions"][0] - 0.2) < 4.5 * math.sqrt(0.2 * 0.8 / n), modes["ei"]
assert modes["ula"]["fractions"][0] > 0.35, modes["ula"]
listing = json.load(open(os.path.join(d, "figures", "figures.json")))
assert len(listing) >= 12, len(listing)
html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
assert html.count("data:image/png;base64,") == len(listing)
for f in listing:
    assert os.path.getsize(os.path.join(d, "figures", f["file"])) > 1000, f["file"]
PY
# A second run finds every row done and only redraws.
timeout 300 "$bin" demo --out "$dir/demo" >"$dir/demo2.txt" 2>"$dir/err2" || fail "second demo run failed"
grep -q "already done, running 0" "$dir/err2" || fail "the second run recomputed rows: $(head -2 "$dir/err2")"

finish "demo behaves"
