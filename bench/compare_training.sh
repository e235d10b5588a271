#!/usr/bin/env bash
# DSM training steps/s (batch 512, width 256, depth 3) and sampling particle-steps/s with the
# trained MLP (EI, 100 steps, 4096 particles), difflab against the PyTorch CPU peer
# (bench/peer_torch_train.py), same machine, same thread count, same run, d in {2, 32}.
#   bench/compare_training.sh [threads] [build-dir]   (needs: apt-get install python3-torch)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
build=${2:-build}
bin="$build/difflab"
[[ -x "$bin" ]] || { echo "build the CLI first: cmake --build $build --target difflab_cli"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
iters=${ITERS:-100}
for d in 2 32; do
  /usr/bin/python3 - "$d" "$tmp/data$d.csv" "$tmp/g$d.json" <<'PY'
import json, random, sys
d = int(sys.argv[1]); random.seed(1)
with open(sys.argv[2], "w") as f:
    for _ in range(10000):
        f.write(",".join(f"{random.gauss(0, 1):.6f}" for _ in range(d)) + "\n")
json.dump({"type": "gaussian", "mean": [0.0] * d, "var": 1.0}, open(sys.argv[3], "w"))
PY
  ours_train=$("$bin" train --data "$tmp/data$d.csv" --width 256 --depth 3 --batch 512 \
    --iters "$iters" --validate-every "$iters" --validation-fraction 0 --lipschitz-samples 0 \
    --threads "$threads" --out "$tmp/m$d.dlm" --json 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["train"]["steps_per_second"])')
  ours_sample=$("$bin" sample --target "$tmp/g$d.json" --score model:"$tmp/m$d.dlm" --sampler ei \
    --grid uniform --steps 100 --n 4096 --threads "$threads" --out "$tmp/x.npy" \
    --summary "$tmp/s.json" 2>/dev/null &&
    /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(4096*100/s["wall_seconds"])' "$tmp/s.json")
  peer=$(/usr/bin/python3 bench/peer_torch_train.py --d "$d" --iters "$iters" --threads "$threads")
  /usr/bin/python3 - "$d" "$threads" "$ours_train" "$ours_sample" "$peer" <<'PY'
import json, sys
d, threads, ot, os_ = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
p = json.loads(sys.argv[5])
print(f"d = {d}, {threads} threads, width 256, depth 3")
print(f"  training (batch 512): difflab {ot:8.1f} steps/s, PyTorch {p['train_steps_per_s']:8.1f} steps/s, ratio {ot / p['train_steps_per_s']:.2f}x")
print(f"  sampling (EI, 4096 particles): difflab {os_:10.0f}, PyTorch {p['particle_steps_per_s']:10.0f} particle-steps/s, ratio {os_ / p['particle_steps_per_s']:.2f}x")
PY
done
