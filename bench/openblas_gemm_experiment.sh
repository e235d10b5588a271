#!/usr/bin/env bash
# What OpenBLAS's GEMM kernels would give the MLP's tile products, measured, not adopted: builds
# difflab a second time in build/openblas-experiment with Eigen's products routed to OpenBLAS
# (-DEIGEN_USE_BLAS, Debian's libopenblas0-pthread, run single-threaded), then runs
# bench/compare_training.sh against the same torch peer for the normal build and for that one,
# one after the other. bench/README.md ("An OpenBLAS GEMM under the tiles") gives the result and
# why the library does not link OpenBLAS.
#   bench/openblas_gemm_experiment.sh [threads]     (REPEATS, ITERS, WIDTHS as compare_training.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-1}
lib=/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0
[[ -e $lib ]] || { echo "missing $lib: apt-get install libopenblas0-pthread" >&2; exit 1; }
dir=build/openblas-experiment
cmake --preset release -B "$dir" -DDIFFLAB_BUILD_BENCH=ON -DDIFFLAB_WERROR=OFF \
  -DCMAKE_CXX_FLAGS=-DEIGEN_USE_BLAS -DCMAKE_CXX_STANDARD_LIBRARIES="$lib" >/dev/null
cmake --build "$dir" --target difflab_cli -j "$(nproc)" >/dev/null
# One OpenBLAS thread per call: the tiles are already spread over difflab's OpenMP threads.
export OPENBLAS_NUM_THREADS=1
echo "== Eigen's GEMM (build/release)"
bench/compare_training.sh "$threads"
echo "== OpenBLAS's GEMM ($dir)"
DIFFLAB="$dir/difflab" bench/compare_training.sh "$threads"
