#!/usr/bin/env python3
"""PyTorch CPU peer for bench/sampling_bench.cpp: the exponential integrator with the exact
score of the same 16-component isotropic Gaussian mixture in d = 32 (float64 like difflab), in
one of two forms:

  broadcast  the straightforward one: an n x K x d difference tensor;
  gemm       the fast one: |x - a mu_k|^2 = |x|^2 - 2a x.mu_k + a^2 |mu_k|^2 with x @ mu^T as a
             matrix product, and the responsibility-weighted means r @ (mu / c) as another.

Before timing it measures the float32 and float64 GEMM rate of this torch (2048^3 matmul, best
of 3) and reports it with the BLAS torch loaded, so a ratio against a slow BLAS can be refused.
Prints one JSON line.

Run with Debian's python3-torch:  /usr/bin/python3 bench/peer_torch_ei.py --form gemm --threads 2
"""
import argparse
import ctypes
import json
import math
import time

import torch


def blas_info():
    """The BLAS library torch resolved (libblas.so.3 is an alternative on Debian) and, for
    OpenBLAS, the kernel it chose (openblas_get_corename)."""
    name, core = "unknown", None
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line}
        name = ",".join(sorted(libs)) or "unknown"
        for lib in sorted(libs):
            if "openblas" in lib:
                h = ctypes.CDLL(lib)
                h.openblas_get_corename.restype = ctypes.c_char_p
                core = h.openblas_get_corename().decode()
                break
    except OSError:
        pass
    return name, core


def gemm_gflops(dtype, n=2048, repeats=3):
    a = torch.randn(n, n, dtype=dtype)
    b = torch.randn(n, n, dtype=dtype)
    a @ b  # warm-up (thread pool, page faults)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best / 1e9


def mixture(d, K):
    i = torch.arange(K, dtype=torch.float64)[:, None]
    k = torch.arange(d, dtype=torch.float64)[None, :]
    means = 2.0 * torch.sin(1.0 + 7.0 * i + 3.0 * k)  # K x d, same rule as the C++ benchmark
    variances = 0.5 + 0.05 * torch.arange(K, dtype=torch.float64)  # K
    weights = torch.full((K,), 1.0 / K, dtype=torch.float64)
    return weights, means, variances


def score_broadcast(x, t, weights, means, variances):
    # q_t = sum_i w_i N(e^{-t} mu_i, (e^{-2t} v_i + 1 - e^{-2t}) I)
    a = math.exp(-t)
    c = a * a * variances + (1.0 - a * a)  # K
    diff = x[:, None, :] - a * means[None, :, :]  # n x K x d
    d = x.shape[1]
    logp = torch.log(weights) - 0.5 * d * torch.log(2 * math.pi * c) - 0.5 * (diff**2).sum(-1) / c
    r = torch.softmax(logp, dim=1)  # n x K
    return -(r[:, :, None] * diff / c[None, :, None]).sum(1)


def score_gemm(x, t, weights, means, variances):
    # Same score; the n x K x d tensor never exists: two n x d x K matrix products.
    a = math.exp(-t)
    c = a * a * variances + (1.0 - a * a)  # K
    d = x.shape[1]
    x2 = (x * x).sum(1, keepdim=True)  # n x 1
    m2 = (means * means).sum(1)  # K
    quad = x2 - 2.0 * a * (x @ means.T) + (a * a) * m2  # n x K
    logp = torch.log(weights) - 0.5 * d * torch.log(2 * math.pi * c) - 0.5 * quad / c
    r = torch.softmax(logp, dim=1) / c  # n x K, r_k / c_k
    return a * (r @ means) - r.sum(1, keepdim=True) * x


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--form", choices=["broadcast", "gemm"], default="gemm")
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeats", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    blas, core = blas_info()
    peak32 = gemm_gflops(torch.float32)
    peak64 = gemm_gflops(torch.float64)
    blas, core = blas_info()  # the BLAS is loaded lazily on the first matmul
    score = score_gemm if args.form == "gemm" else score_broadcast
    weights, means, variances = mixture(32, 16)
    T, delta = 5.0, 1e-3
    times = [T - (T - delta) * k / args.steps for k in range(args.steps + 1)]
    gen = torch.Generator().manual_seed(1)
    best = math.inf
    with torch.no_grad():
        for _ in range(args.repeats):
            x = torch.randn(args.n, 32, dtype=torch.float64, generator=gen)
            start = time.perf_counter()
            for k in range(args.steps):
                h = times[k] - times[k + 1]
                s = score(x, times[k], weights, means, variances)
                noise = torch.randn(x.shape, dtype=torch.float64, generator=gen)
                x = math.exp(h) * x + 2 * math.expm1(h) * s + math.sqrt(math.expm1(2 * h)) * noise
            best = min(best, time.perf_counter() - start)
    # The step's noise alone (torch.randn of the same shape, same generator): its share of the step.
    start = time.perf_counter()
    for _ in range(args.steps):
        torch.randn((args.n, 32), dtype=torch.float64, generator=gen)
    randn_ns = (time.perf_counter() - start) / (args.steps * args.n * 32) * 1e9
    print(json.dumps({"peer": "pytorch-" + args.form, "randn_ns_per_normal": randn_ns, "torch": torch.__version__, "blas": blas,
                      "openblas_core": core, "gemm_gflops_fp32": peak32, "gemm_gflops_fp64": peak64,
                      "threads": args.threads, "n": args.n, "steps": args.steps, "seconds": best,
                      "particle_steps_per_s": args.n * args.steps / best}))


if __name__ == "__main__":
    main()
