#!/usr/bin/env bash
# The CLI's error contract: bad input -> exit 2 and one line on stderr naming the problem.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"

cat >"$dir/nonpsd.json" <<'J'
{"type":"gaussian","mean":[0,0],"cov":[[1,2],[2,1]]}
J
cat >"$dir/negw.json" <<'J'
{"type":"gmm","weights":[-0.5,1.5],"means":[[0],[1]],"vars":[1,1]}
J
cat >"$dir/sumw.json" <<'J'
{"type":"gmm","weights":[0.5,0.6],"means":[[0],[1]],"vars":[1,1]}
J
cat >"$dir/dim.json" <<'J'
{"type":"gmm","weights":[0.5,0.5],"means":[[0],[1,2]],"vars":[1,1]}
J
cat >"$dir/nonpd_comp.json" <<'J'
{"type":"gmm","weights":[0.5,0.5],"means":[[0,0],[1,1]],"covs":[[[1,0],[0,1]],[[1,3],[3,1]]]}
J
echo '{"type":"gaussian","mean":[0,0],' >"$dir/broken.json"
echo '{"type":"gaussian","mean":[0,"x"],"var":1}' >"$dir/nan.json"
echo '{"type":"cauchy"}' >"$dir/unknown.json"
echo '{"type":"gaussian","mean":[0,0],"var":1}' >"$dir/ok.json"
printf '1,2\n3\n' >"$dir/ragged.csv"
printf '1,2\nnan,3\n' >"$dir/nan.csv"
printf '1,2,3\n' >"$dir/dim3.csv"

expect_error "not positive definite" target --target "$dir/nonpsd.json"
expect_error "weight 0 is negative" target --target "$dir/negw.json"
expect_error "sum to" target --target "$dir/sumw.json"
expect_error "component 1" target --target "$dir/dim.json"
expect_error "component 1: covariance is not positive definite" target --target "$dir/nonpd_comp.json"
expect_error "invalid JSON" target --target "$dir/broken.json"
expect_error "entry 1" target --target "$dir/nan.json"
expect_error "unknown target type 'cauchy'" target --target "$dir/unknown.json"
expect_error "cannot open" target --target "$dir/missing.json"
expect_error "ragged" target --target "$dir/ok.json" --points "$dir/ragged.csv" --out "$dir/s.csv"
expect_error "not finite" target --target "$dir/ok.json" --points "$dir/nan.csv" --out "$dir/s.csv"
echo '{"type":"empirical","samples":[[0,0],[1,1],[2,0]],"knn":4}' >"$dir/knn_big.json"
echo '{"type":"empirical","samples":[[0,0],[1,1],[2,0]],"knn":-1}' >"$dir/knn_neg.json"
expect_error "knn must be 0 (exact score) or between 1 and 3" target --target "$dir/knn_big.json"
expect_error "knn must be 0 (exact score) or between 1 and 3" target --target "$dir/knn_neg.json"
expect_error "dimension 3" target --target "$dir/ok.json" --points "$dir/dim3.csv" --out "$dir/s.csv"
expect_error "--target is required" target
expect_error "unknown sample file format" target --target "$dir/ok.json" --sample 3 --out "$dir/s.txt"

# Absurd sizes are refused with the memory estimate before anything is allocated; --max-memory
# (any subcommand) lowers the budget.
expect_error "is allowed (the max_memory setting: option --max-memory, or DIFFLAB_MAX_MEMORY)" sample --target "$dir/ok.json" --n 10000000 --max-memory 100M --out "$dir/s.csv"
expect_error "not a memory size" sample --target "$dir/ok.json" --max-memory 1X --out "$dir/s.csv"
expect_error "a GOE matrix of size n = 1000000" app sk --n 1000000 --out "$dir/sk.json"
expect_error "an MLP of width 100000" train --target "$dir/ok.json" --width 100000 --out "$dir/m.dlm"

finish "all error cases behave"
