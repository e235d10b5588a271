#!/usr/bin/env python3
"""Peer comparison of metric speeds (bench/README.md "Metrics against POT"): difflab eval against
POT on the same data, same machine, same run.

  exact W2 between two empirical measures (n = 2000, 5000 and 10,000 by default, --w2-sizes;
      d = 4): difflab's network simplex (LEMON) with column generation against ot.emd2 on the
      squared-Euclidean cost matrix from ot.dist;
  sliced W2 (n = 100,000, d = 32, 200 projections): difflab's sliced_w2 against
      ot.sliced_wasserstein_distance.

Times are the metric's own compute time on both sides (difflab's "wall_seconds" for the metric,
which includes building its cost matrix; POT's call including ot.dist), best of --repeats.
Needs Debian's python3-pot and python3-numpy and a built difflab binary:

  /usr/bin/python3 bench/compare_metrics.py [--bin build/release/difflab] [--threads 2]
      [--w2-sizes 2000,5000,10000] [--repeats 3]
"""
import argparse
import json
import math
import os
import subprocess
import tempfile
import time

import numpy as np
import ot


def difflab_metric(binary, x_path, y_path, metric, threads, extra=()):
    out = subprocess.run(
        [binary, "eval", "--samples", x_path, "--reference", y_path, "--metrics", metric,
         "--threads", str(threads), *extra],
        check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    return j[metric]["value"], j["wall_seconds"][metric]


def best_time(fn, repeats):
    best, value = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return value, best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default="build/release/difflab")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--w2-sizes", type=lambda v: [int(n) for n in v.split(",")],
                   default=[2000, 5000, 10000], help="particle counts of the exact W2 comparison")
    args = p.parse_args()
    rng = np.random.default_rng(7)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        xp, yp = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        for n in args.w2_sizes:
            # Exact W2 in d = 4 between two shifted, scaled normal samples.
            x = rng.standard_normal((n, 4))
            y = rng.standard_normal((n, 4)) * 1.2 + 0.3
            np.save(xp, x)
            np.save(yp, y)
            # The value only, as POT computes it: no bootstrap interval (each replicate is one
            # more OT solve); difflab refuses exact OT above 25e6 pairs unless asked.
            extra = ("--w2-bootstrap", "0")
            if n * n > 25_000_000:
                extra += ("--w2-max-pairs", str(n * n))
            ours = min((difflab_metric(args.bin, xp, yp, "w2", args.threads, extra)
                        for _ in range(args.repeats)), key=lambda r: r[1])
            a = np.full(n, 1.0 / n)
            b = np.full(n, 1.0 / n)
            # POT's default iteration cap (1e5) stops short of the optimum at these sizes.
            pot_w2sq, pot_t = best_time(lambda: ot.emd2(a, b, ot.dist(x, y), numItermax=10**8),
                                        args.repeats)
            rows.append((f"exact W2, n={n}, d=4", ours[0], math.sqrt(pot_w2sq), ours[1], pot_t))
        # Sliced W2, n = 100,000 in d = 32.
        x = rng.standard_normal((100000, 32))
        y = rng.standard_normal((100000, 32)) + 0.05
        np.save(xp, x)
        np.save(yp, y)
        ours = min((difflab_metric(args.bin, xp, yp, "sw2", args.threads,
                                   ("--sw2-projections", "200", "--sw2-bootstrap", "0"))
                    for _ in range(args.repeats)),
                   key=lambda r: r[1])
        pot_sw, pot_t = best_time(
            lambda: ot.sliced_wasserstein_distance(x, y, n_projections=200, seed=0), args.repeats)
        rows.append(("sliced W2, n=100000, d=32, 200 directions", ours[0], pot_sw, ours[1], pot_t))
    print(f"{'metric':44s} {'difflab':>10s} {'POT':>10s} {'difflab s':>10s} {'POT s':>9s} {'speed-up':>9s}")
    for name, v_ours, v_pot, t_ours, t_pot in rows:
        print(f"{name:44s} {v_ours:10.6f} {v_pot:10.6f} {t_ours:10.3f} {t_pot:9.3f} {t_pot / t_ours:8.1f}x")


if __name__ == "__main__":
    main()
