#!/usr/bin/env bash
# Runs difflab's EI sampling benchmark and the PyTorch peer on the same problem, same machine,
# same thread count, in the same run, and prints the throughput ratio.
#   bench/compare_sampling.sh [threads]      (needs: apt-get install python3-torch libbenchmark-dev)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
cmake --preset release -DDIFFLAB_BUILD_BENCH=ON >/dev/null
cmake --build --preset release --target sampling_bench -j "$(nproc)" >/dev/null
ours=$(build/release/bench/sampling_bench --benchmark_filter="BM_ExponentialIntegratorGmm/16384/${threads}/" \
  --benchmark_repetitions=3 --benchmark_format=json 2>/dev/null |
  /usr/bin/python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"]; print(max(x["particle_steps/s"] for x in b if x.get("run_type")=="iteration"))')
peer=$(/usr/bin/python3 bench/peer_torch_ei.py --threads "$threads" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["particle_steps_per_s"])')
/usr/bin/python3 - "$ours" "$peer" "$threads" <<'PY'
import sys
ours, peer, threads = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"EI sampling, 16-component GMM, d=32, n=16384, 100 steps, {threads} threads")
print(f"  difflab : {ours:14.0f} particle-steps/s")
print(f"  PyTorch : {peer:14.0f} particle-steps/s")
print(f"  ratio   : {ours / peer:.1f}x")
PY
