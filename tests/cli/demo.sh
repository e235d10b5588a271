#!/usr/bin/env bash
# difflab demo (the README's first command): runs with no arguments in seconds and shows what the
# seed lecture claims: the reverse SDE with the exact score recovers the 0.2/0.8 mode weights of
# the built-in mixture, Langevin MCMC started from N(0, I) does not.
set -u
bin="$1"
source "$(dirname "$0")/lib/common.sh"

if ! timeout 60 "$bin" demo >"$dir/demo.txt" 2>"$dir/err"; then
  fail "difflab demo failed: $(cat "$dir/err")"
fi
ei=$(awk '/^reverse SDE/ {print $(NF-4)}' "$dir/demo.txt")
ula=$(awk '/^Langevin \(ULA\)/ {print $(NF-4)}' "$dir/demo.txt")
# 4000 particles: the minority fraction has standard error sqrt(0.2 * 0.8 / 4000) = 0.0063.
awk -v x="$ei" 'BEGIN { exit !(x > 0.175 && x < 0.225) }' ||
  fail "reverse SDE minority-mode fraction '$ei' is not 0.2 within 4 standard errors"
awk -v x="$ula" 'BEGIN { exit !(x > 0.35) }' ||
  fail "ULA minority-mode fraction '$ula' should stay far above 0.2"
grep -q "exact score grad log q_t" "$dir/demo.txt" || fail "the score table is missing"

finish "demo behaves"
