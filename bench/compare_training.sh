#!/usr/bin/env bash
# DSM training (width W in {256, 512}, depth 3, d = 32, batch 512, float32, Adam) and EI sampling
# with the trained MLP (n = 10,000, 100 uniform steps), difflab against the same-architecture
# PyTorch peer (bench/peer_torch_train.py), same machine, same thread count, interleaved in one
# run, best of REPEATS (default 3). Prints both parameter counts (a ratio is refused when they
# differ), the training rate as GFLOP/s against Eigen's float32 GEMM peak measured in the same
# run (6 flops per weight per sample: forward 2, backward 4), the peer's BLAS and GEMM rate (a
# ratio is refused under 30 GFLOP/s), and the load average.
#   bench/compare_training.sh [threads]     (ITERS timed training steps, default 100; WIDTHS,
#                                           default "256 512"; DIFFLAB, the difflab binary to time)
# Installs python3-torch, libopenblas0-pthread and libbenchmark-dev (Debian) when missing and
# run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
repeats=${REPEATS:-3}
iters=${ITERS:-100}
need=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
dpkg -s libbenchmark-dev >/dev/null 2>&1 || need+=(libbenchmark-dev)
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]]; then
    apt-get install -y "${need[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
  else
    echo "missing: ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
cmake --preset release -DDIFFLAB_BUILD_BENCH=ON >/dev/null
cmake --build --preset release --target difflab_cli sampling_bench -j "$(nproc)" >/dev/null
bin=${DIFFLAB:-build/release/difflab}  # DIFFLAB=path times another build (a before/after)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d=32
/usr/bin/python3 - "$d" "$tmp/data.csv" "$tmp/g.json" <<'PY'
import json, random, sys
d = int(sys.argv[1]); random.seed(1)
with open(sys.argv[2], "w") as f:
    for _ in range(10000):
        f.write(",".join(f"{random.gauss(0, 1):.6f}" for _ in range(d)) + "\n")
json.dump({"type": "gaussian", "mean": [0.0] * d, "var": 1.0}, open(sys.argv[3], "w"))
PY
for width in ${WIDTHS:-256 512}; do
  for r in $(seq "$repeats"); do
    build/release/bench/sampling_bench --benchmark_filter="BM_GemmPeak<float>/${threads}/" \
      --benchmark_format=json 2>/dev/null >"$tmp/peak$width.$r.json"
    "$bin" train --data "$tmp/data.csv" --width "$width" --depth 3 --batch 512 \
      --iters "$iters" --validate-every "$iters" --validation-fraction 0 --lipschitz-samples 0 \
      --threads "$threads" --out "$tmp/m$width.dlm" --json 2>/dev/null >"$tmp/train$width.$r.json"
    "$bin" sample --target "$tmp/g.json" --score model:"$tmp/m$width.dlm" --sampler ei \
      --grid uniform --steps 100 --n 10000 --threads "$threads" --out "$tmp/x.npy" \
      --summary "$tmp/sample$width.$r.json" >/dev/null 2>&1
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
      /usr/bin/python3 bench/peer_torch_train.py --d "$d" --width "$width" --iters "$iters" \
      --particles 10000 --threads "$threads" >"$tmp/peer$width.$r.json"
  done
done
/usr/bin/python3 - "$tmp" "$repeats" "$threads" "$d" "$(uptime)" ${WIDTHS:-256 512} <<'PY'
import json, sys
tmp, repeats, threads, d, up = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
widths = [int(w) for w in sys.argv[6:]]
print(f"DSM training (batch 512, depth 3, d={d}, float32, Adam) and EI sampling with the MLP "
      f"(n=10000, 100 steps), {threads} threads, best of {repeats}")
print(f"  load: {up.strip()}")
refused = False
for width in widths:
    peak = max(b["gflops"] for r in range(1, repeats + 1)
               for b in json.load(open(f"{tmp}/peak{width}.{r}.json"))["benchmarks"])
    train = [json.load(open(f"{tmp}/train{width}.{r}.json"))["train"] for r in range(1, repeats + 1)]
    samp = [json.load(open(f"{tmp}/sample{width}.{r}.json")) for r in range(1, repeats + 1)]
    peer = [json.load(open(f"{tmp}/peer{width}.{r}.json")) for r in range(1, repeats + 1)]
    params = train[0]["parameters"]
    weights = width * (d + 32) + 3 * 2 * width * width + d * width
    ours_t = max(t["steps_per_second"] for t in train)
    ours_s = max(1e6 / s["wall_seconds"] for s in samp)
    peer_t = max(p["train_steps_per_s"] for p in peer)
    peer_s = max(p["particle_steps_per_s"] for p in peer)
    blas32 = max(p["gemm_gflops_fp32"] for p in peer)
    gf = ours_t * 6 * weights * 512 / 1e9
    print(f"  width {width}: parameters difflab {params:,}, torch {peer[0]['parameters']:,};"
          f" Eigen fp32 GEMM peak {peak:.0f} GFLOP/s; torch BLAS {peer[0]['openblas_core']} {blas32:.0f} GFLOP/s fp32")
    print(f"    training : difflab {ours_t:7.1f} steps/s ({gf:.0f} GFLOP/s = {100 * gf / peak:.0f}% of peak),"
          f" torch {peer_t:7.1f} steps/s")
    print(f"    sampling : difflab {ours_s:10.0f}, torch (no_grad) {peer_s:10.0f} particle-steps/s"
          f" (difflab {ours_s * 2 * weights / 1e9:.0f} GFLOP/s)")
    if params != peer[0]["parameters"]:
        print("    REFUSED: the parameter counts differ"); refused = True; continue
    if blas32 < 30:
        print(f"    REFUSED: the peer's fp32 GEMM runs at {blas32:.1f} GFLOP/s (< 30)"); refused = True; continue
    print(f"    ratios   : training {ours_t / peer_t:.2f}x, sampling {ours_s / peer_s:.2f}x")
sys.exit(2 if refused else 0)
PY
