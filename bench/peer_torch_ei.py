#!/usr/bin/env python3
"""PyTorch CPU peer for bench/sampling_bench.cpp: the exponential integrator with the exact
score of the same 16-component isotropic Gaussian mixture in d = 32, written the straightforward
way (batched tensor ops, float64 like difflab). Prints particle-steps per second as JSON.

Run with Debian's python3-torch:  /usr/bin/python3 bench/peer_torch_ei.py --threads 2
"""
import argparse
import json
import math
import time

import torch


def mixture(d, K):
    i = torch.arange(K, dtype=torch.float64)[:, None]
    k = torch.arange(d, dtype=torch.float64)[None, :]
    means = 2.0 * torch.sin(1.0 + 7.0 * i + 3.0 * k)  # K x d, same rule as the C++ benchmark
    variances = 0.5 + 0.05 * torch.arange(K, dtype=torch.float64)  # K
    weights = torch.full((K,), 1.0 / K, dtype=torch.float64)
    return weights, means, variances


def score(x, t, weights, means, variances):
    # q_t = sum_i w_i N(e^{-t} mu_i, (e^{-2t} v_i + 1 - e^{-2t}) I)
    a = math.exp(-t)
    c = a * a * variances + (1.0 - a * a)  # K
    diff = x[:, None, :] - a * means[None, :, :]  # n x K x d
    d = x.shape[1]
    logp = torch.log(weights) - 0.5 * d * torch.log(2 * math.pi * c) - 0.5 * (diff**2).sum(-1) / c
    r = torch.softmax(logp, dim=1)  # n x K
    return -(r[:, :, None] * diff / c[None, :, None]).sum(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n", type=int, default=16384)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
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
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": args.threads, "n": args.n,
                      "steps": args.steps, "seconds": best, "particle_steps_per_s": args.n * args.steps / best}))


if __name__ == "__main__":
    main()
