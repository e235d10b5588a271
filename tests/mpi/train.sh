#!/usr/bin/env bash
# mpirun -n K difflab train (docs/scale-out.md): with 2 and 3 ranks sharing each batch's gradient
# chunks (batch 1024: 4 chunks, batch 600: 3), the checkpoint is the one-process checkpoint byte
# for byte; a run started on 2 ranks and resumed on 3 equals the one-process run resumed the same
# way; only rank 0 writes (one log, one summary).
set -u
source "$(dirname "$0")/lib/common.sh"

cat >"$dir/t.json" <<'JSON'
{"type": "gmm", "weights": [0.3, 0.7], "means": [[-1.0, 0.5], [1.5, -0.5]], "vars": [0.4, 0.9]}
JSON
common=(train --target "$dir/t.json" --width 32 --depth 2 --samples 3000 --threads 1 --seed 4
        --validate-every 10)
for batch in 1024 600; do
  "$bin" "${common[@]}" --batch "$batch" --iters 30 --out "$dir/serial$batch.dlm" 2>"$dir/err" ||
    fail "serial training: $(cat "$dir/err")"
  for k in 2 3; do
    mpi "$k" "$bin" "${common[@]}" --batch "$batch" --iters 30 --out "$dir/k$k-$batch.dlm" \
      --log "$dir/k$k-$batch.log" --summary "$dir/k$k-$batch.json" 2>"$dir/err" >/dev/null ||
      fail "training on $k ranks: $(cat "$dir/err")"
    cmp -s "$dir/serial$batch.dlm" "$dir/k$k-$batch.dlm" ||
      fail "batch $batch on $k ranks: the checkpoint differs from the one-process one"
    [[ $(wc -l <"$dir/k$k-$batch.log") -eq 3 ]] || fail "$k ranks wrote $(wc -l <"$dir/k$k-$batch.log") log lines, not 3"
    [[ -s "$dir/k$k-$batch.json" ]] || fail "$k ranks: no summary"
  done
done
# Resume across rank counts: 20 steps on 2 ranks, then to 40 on 3; serially 20 then 40.
"$bin" "${common[@]}" --batch 1024 --iters 20 --out "$dir/r1.dlm" 2>/dev/null &&
  "$bin" "${common[@]}" --batch 1024 --iters 40 --out "$dir/r1.dlm" --resume 2>/dev/null ||
  fail "serial resume"
mpi 2 "$bin" "${common[@]}" --batch 1024 --iters 20 --out "$dir/rk.dlm" 2>/dev/null >/dev/null &&
  mpi 3 "$bin" "${common[@]}" --batch 1024 --iters 40 --out "$dir/rk.dlm" --resume 2>"$dir/err" >/dev/null ||
  fail "resume under mpirun: $(cat "$dir/err")"
cmp -s "$dir/r1.dlm" "$dir/rk.dlm" || fail "resumed on 2 then 3 ranks: the checkpoint differs"
mpi 2 "$bin" train --example gaussian-mean --out "$dir/ex.json" >/dev/null 2>"$dir/err"
[[ $? -eq 2 ]] && grep -q "trains in one process" "$dir/err" || fail "--example under mpirun: $(cat "$dir/err")"

finish "mpirun difflab train: 2 and 3 ranks give the one-process checkpoint, also across a resume"
