#!/usr/bin/env bash
# difflab run --shard i/n and --merge (docs/scale-out.md): three shards of a five-row sweep,
# merged, give the serial run's spec.json, targets/, results.csv (but the wall-time column),
# results.jsonl (but wall_seconds) and fits.json byte for byte; the merge refuses overlapping,
# missing and unfinished shards and shards of another spec (one-line errors, exit 2).
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"

cat >"$dir/spec.json" <<'JSON'
{"seed": 4,
 "base": {"target": {"type": "gaussian", "mean": [0.3, -0.2], "diag": [1.5, 0.6]},
          "sampler": "em", "grid": "uniform", "T": 3.0, "delta": 0.02, "n": 200},
 "sweep": {"axes": {"steps": [5, 10, 20, 40, 80]}},
 "metrics": ["law", "sw2"],
 "fits": [{"metric": "law.to_q_delta.kl_target_output", "against": "steps"}]}
JSON
"$bin" run "$dir/spec.json" --out "$dir/serial" 2>"$dir/err" || fail "serial run: $(cat "$dir/err")"
for i in 0 1 2; do
  "$bin" run "$dir/spec.json" --out "$dir/s$i" --shard "$i/3" 2>"$dir/err" ||
    fail "shard $i/3: $(cat "$dir/err")"
done
grep -q "5 runs, shard 2/3 holds 1, 0 already done, running 1" "$dir/err" ||
  fail "shard 2/3 log: $(cat "$dir/err")"
[[ ! -e "$dir/s0/fits.json" ]] || fail "a shard wrote fits"
"$bin" run --merge "$dir/s2" "$dir/s0" "$dir/s1" --out "$dir/merged" 2>"$dir/err" ||
  fail "merge: $(cat "$dir/err")"
strip_wall() { sed -E 's/"wall_seconds":[^,}]*,?//' "$1"; }
cmp -s <(strip_wall "$dir/serial/results.jsonl") <(strip_wall "$dir/merged/results.jsonl") ||
  fail "merged results.jsonl differs from the serial one"
no_wall_csv() { python3 -c 'import csv,sys
r = list(csv.reader(open(sys.argv[1]))); w = r[0].index("wall_seconds")
for line in r: del line[w]; print(line)' "$1"; }
cmp -s <(no_wall_csv "$dir/serial/results.csv") <(no_wall_csv "$dir/merged/results.csv") ||
  fail "merged results.csv differs from the serial one"
for f in fits.json spec.json; do
  cmp -s "$dir/serial/$f" "$dir/merged/$f" || fail "merged $f differs from the serial one"
done
diff -r "$dir/serial/targets" "$dir/merged/targets" >/dev/null || fail "merged targets/ differ"
[[ $(wc -l <"$dir/merged/results.jsonl") -eq 5 ]] || fail "merged rows: $(wc -l <"$dir/merged/results.jsonl")"

# Refusals, before anything is written.
expect_error "both hold shard 1/3 (overlapping shards)" run --merge "$dir/s0" "$dir/s1" "$dir/s1" --out "$dir/m1"
expect_error "shard 2/3 is missing" run --merge "$dir/s0" "$dir/s1" --out "$dir/m2"
expect_error "already holds results" run --merge "$dir/s0" "$dir/s1" "$dir/s2" --out "$dir/merged"
expect_error "not a shard (no shard.json)" run --merge "$dir/serial" --out "$dir/m3"
sed 's/"seed": 4/"seed": 5/' "$dir/spec.json" >"$dir/spec5.json"
"$bin" run "$dir/spec5.json" --out "$dir/other2" --shard 2/3 2>/dev/null || fail "shard of spec5"
expect_error "a shard of a different spec" run --merge "$dir/s0" "$dir/s1" "$dir/other2" --out "$dir/m4"
head -n 1 "$dir/s1/results.jsonl" >"$dir/cut" && mkdir -p "$dir/s1cut" &&
  cp -r "$dir/s1/spec.json" "$dir/s1/shard.json" "$dir/s1/targets" "$dir/s1cut/" &&
  mv "$dir/cut" "$dir/s1cut/results.jsonl"
expect_error "shard 1/3 is unfinished (row 4 missing)" run --merge "$dir/s0" "$dir/s1cut" "$dir/s2" --out "$dir/m5"
[[ ! -e "$dir/m1" && ! -e "$dir/m2" && ! -e "$dir/m4" && ! -e "$dir/m5" ]] ||
  fail "a refused merge wrote its output directory"

# Shard flags: a malformed shard and a directory resumed as another shard are refused.
expect_error "--shard must be i/n with 0 <= i < n, got '3/3'" run "$dir/spec.json" --out "$dir/x" --shard 3/3
expect_error "--shard must be i/n with integers" run "$dir/spec.json" --out "$dir/x" --shard 1/-3
expect_error "holds shard 0/3, not 1/3" run "$dir/spec.json" --out "$dir/s0" --shard 1/3
expect_error "holds shard 0/3 of a sweep" run "$dir/spec.json" --out "$dir/s0"
expect_error "holds the results of the whole sweep" run "$dir/spec.json" --out "$dir/serial" --shard 0/2
expect_error "takes no spec" run "$dir/spec.json" --merge "$dir/s0" --out "$dir/x"
# A shard resumed after losing a row recomputes just that row.
head -n 1 "$dir/s1/results.jsonl" >"$dir/s1/r" && mv "$dir/s1/r" "$dir/s1/results.jsonl"
"$bin" run "$dir/spec.json" --out "$dir/s1" --shard 1/3 2>"$dir/err" || fail "shard resume: $(cat "$dir/err")"
grep -q "holds 2, 1 already done, running 1" "$dir/err" || fail "shard resume log: $(cat "$dir/err")"

finish "difflab run --shard/--merge: merged shards equal the serial run; bad merges refused"
