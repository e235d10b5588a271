#!/usr/bin/env bash
# EI sampling with the exact score of a 16-component isotropic GMM (d = 32, n = 10,000, 100
# steps, float64): difflab against both PyTorch peers (bench/peer_torch_ei.py, broadcast and
# GEMM form), same machine, same thread count, interleaved in one run, best of REPEATS (default 3)
# each. Also prints Eigen's float64 GEMM rate measured in the same run (the peak difflab's rate
# is compared with), the peer's float32/float64 GEMM rate and BLAS, difflab's peak RSS, and the
# load average. Refuses to print a ratio when the peer's float32 GEMM is under 30 GFLOP/s (a
# reference BLAS: the ratio would be meaningless).
#   bench/compare_sampling.sh [threads]
# Installs python3-torch and libopenblas0-pthread (Debian) when missing and run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
repeats=${REPEATS:-3}
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
cmake --build --preset release --target sampling_bench -j "$(nproc)" >/dev/null
bench=build/release/bench/sampling_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$repeats"); do
  "$bench" --benchmark_filter="BM_ExponentialIntegratorGmm/10000/${threads}/|BM_GemmPeak<double>/${threads}/" \
    --benchmark_format=json 2>/dev/null >"$tmp/ours$r.json"
  # The peer runs with OpenBLAS choosing its kernel for this processor (some machines preset
  # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for other uses; they are unset for this command only).
  for form in broadcast gemm; do
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
      /usr/bin/python3 bench/peer_torch_ei.py --form "$form" --threads "$threads" >"$tmp/$form$r.json"
  done
  # torch's threading slows its GEMM form down at this size, so with several threads the peer
  # also runs data-parallel: one single-thread process per thread, each on n / threads particles,
  # all at once (the fastest way we found for torch to use the same cores).
  if ((threads > 1)); then
    for p in $(seq "$threads"); do
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
        /usr/bin/python3 bench/peer_torch_ei.py --form gemm --threads 1 --n $((10000 / threads)) \
        >"$tmp/split$r.$p.json" &
    done
    wait
  fi
done
# Peak resident memory of one difflab sampling run (the benchmark process: X0, X and the
# sampler's scratch).
/usr/bin/time -f '%M' -o "$tmp/rss" "$bench" --benchmark_filter="BM_ExponentialIntegratorGmm/10000/${threads}/" \
  --benchmark_min_time=0.01 >/dev/null 2>&1
/usr/bin/python3 - "$tmp" "$repeats" "$threads" "$(cat "$tmp/rss")" "$(uptime)" <<'PY'
import json, sys
tmp, repeats, threads, rss_kb, up = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
ours, peak64, peers = 0.0, 0.0, {"broadcast": [], "gemm": []}
gflops = 0.0
for r in range(1, repeats + 1):
    for b in json.load(open(f"{tmp}/ours{r}.json"))["benchmarks"]:
        if b["name"].startswith("BM_ExponentialIntegratorGmm"):
            if b["particle_steps/s"] > ours:
                ours, gflops = b["particle_steps/s"], b["gflops"]
        else:
            peak64 = max(peak64, b["gflops"])
    for form in ("broadcast", "gemm"):
        peers[form].append(json.load(open(f"{tmp}/{form}{r}.json")))
    if int(threads) > 1:
        # The processes ran at once: their particle-steps over the slowest one's time.
        parts = [json.load(open(f"{tmp}/split{r}.{p}.json")) for p in range(1, int(threads) + 1)]
        seconds = max(q["seconds"] for q in parts)
        peers.setdefault("split", []).append(
            dict(parts[0], seconds=seconds,
                 particle_steps_per_s=sum(q["n"] * q["steps"] for q in parts) / seconds))
best = {f: max(p, key=lambda x: x["particle_steps_per_s"]) for f, p in peers.items()}
blas32 = max(p["gemm_gflops_fp32"] for ps in peers.values() for p in ps)
blas64 = max(p["gemm_gflops_fp64"] for ps in peers.values() for p in ps)
info = best["gemm"]
print(f"EI sampling, 16-component isotropic GMM, d=32, n=10000, 100 steps, float64, {threads} threads, best of {repeats}")
print(f"  load: {up.strip()}")
print(f"  peer: torch {info['torch']}, BLAS {info['blas']} (OpenBLAS kernel {info['openblas_core']}),"
      f" GEMM {blas32:.0f} GFLOP/s fp32, {blas64:.0f} GFLOP/s fp64")
print(f"  Eigen fp64 GEMM peak (1024^3, same run): {peak64:.1f} GFLOP/s")
print(f"  difflab          : {ours:12.0f} particle-steps/s ({1e6 / ours:.3f} s per 1e6),"
      f" {gflops:.1f} GFLOP/s = {100 * gflops / peak64:.0f}% of the fp64 GEMM peak; peak RSS {rss_kb / 1024:.0f} MB")
names = {"broadcast": "torch broadcast  ", "gemm": "torch gemm       ",
         "split": f"torch gemm, {threads} one-thread processes on n/{threads} each"}
for form in best:
    b = best[form]
    print(f"  {names[form]}: {b['particle_steps_per_s']:12.0f} particle-steps/s ({1e6 / b['particle_steps_per_s']:.3f} s per 1e6)")
randn = min(b["randn_ns_per_normal"] for b in best.values())
print(f"  torch.randn alone: {randn:.1f} ns per normal, {32 * randn:.0f} ns of noise per particle-step"
      f" (difflab's whole step: {1e9 / ours:.0f} ns)")
if blas32 < 30:
    print(f"  REFUSED: the peer's fp32 GEMM runs at {blas32:.1f} GFLOP/s (< 30): not an optimised BLAS, no ratio")
    sys.exit(2)
for form in best:
    print(f"  ratio vs {names[form].strip()}: {ours / best[form]['particle_steps_per_s']:.1f}x")
PY
