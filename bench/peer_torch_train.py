#!/usr/bin/env python3
"""PyTorch CPU peer of `difflab train` / `difflab sample --score model:`: the same MLP score
network (random Fourier features of the log-SNR, input layer, `depth` residual SiLU blocks, output
layer, noise prediction), the same DSM loss (sigma_t^2 weighting, OU process, t ~ U[delta, T]),
trained with torch.nn + torch.optim.Adam in float32; then the exponential-integrator sampler with
the model under torch.no_grad(). The architecture is difflab's, parameter for parameter (the
count is printed; bench/compare_training.sh refuses a ratio when it differs from difflab's).
Also reports the BLAS torch loaded and its float32 GEMM rate (bench/peer_torch_ei.py).
Prints JSON: train steps/s and sampling particle-steps/s."""
import argparse
import json
import math
import time

import torch

from peer_torch_ei import blas_info, gemm_gflops


class Block(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.l1 = torch.nn.Linear(width, width)
        self.l2 = torch.nn.Linear(width, width)

    def forward(self, h):
        return h + self.l2(torch.nn.functional.silu(self.l1(h)))


class Mlp(torch.nn.Module):
    def __init__(self, d, width, depth, features=16):
        super().__init__()
        self.register_buffer("freq", torch.randn(features))
        self.inp = torch.nn.Linear(d + 2 * features, width)
        self.blocks = torch.nn.ModuleList([Block(width) for _ in range(depth)])
        self.out = torch.nn.Linear(width, d)

    def forward(self, x, c):
        phase = c[:, None] * self.freq[None, :]
        h = self.inp(torch.cat([x, torch.sin(phase), torch.cos(phase)], dim=1))
        for b in self.blocks:
            h = b(h)
        return self.out(torch.nn.functional.silu(h))


def log_snr(t):
    return -t - 0.5 * torch.log(-torch.expm1(-2 * t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=2)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--particles", type=int, default=10000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    data = torch.randn(10000, a.d)
    peak32 = gemm_gflops(torch.float32)
    model = Mlp(a.d, a.width, a.depth)
    parameters = sum(p.numel() for p in model.parameters())  # the frequencies are a buffer
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    delta, T = 1e-3, 6.0

    def step():
        idx = torch.randint(0, data.shape[0], (a.batch,))
        x0 = data[idx]
        t = delta + (T - delta) * torch.rand(a.batch)
        alpha = torch.exp(-t)[:, None]
        sigma = torch.sqrt(-torch.expm1(-2 * t))[:, None]
        z = torch.randn_like(x0)
        eps = model(alpha * x0 + sigma * z, log_snr(t))
        loss = ((z - eps) ** 2).sum(dim=1).mean()  # sigma^2 ||s + z/sigma||^2 with s = -eps/sigma
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    start = time.perf_counter()
    for _ in range(a.iters):
        step()
    train_rate = a.iters / (time.perf_counter() - start)

    # EI sampler (docs/theory.md 1.1): y <- e^h y + 2(e^h - 1) s + sqrt(e^{2h} - 1) xi, uniform grid.
    times = torch.linspace(T, delta, a.steps + 1)
    with torch.no_grad():
        y = torch.randn(a.particles, a.d)
        start = time.perf_counter()
        for k in range(a.steps):
            t = times[k]
            h = float(times[k] - times[k + 1])
            sigma = math.sqrt(-math.expm1(-2 * float(t)))
            c = torch.full((a.particles,), float(log_snr(t)))
            s = -model(y, c) / sigma
            y = math.exp(h) * y + 2 * math.expm1(h) * s + math.sqrt(math.expm1(2 * h)) * torch.randn_like(y)
        sample_rate = a.particles * a.steps / (time.perf_counter() - start)
    blas, core = blas_info()
    print(json.dumps({"train_steps_per_s": train_rate, "particle_steps_per_s": sample_rate,
                      "threads": a.threads, "d": a.d, "width": a.width, "parameters": parameters,
                      "torch": torch.__version__, "blas": blas, "openblas_core": core,
                      "gemm_gflops_fp32": peak32}))


if __name__ == "__main__":
    main()
