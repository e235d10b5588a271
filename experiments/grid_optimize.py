#!/usr/bin/env python3
"""Optimised grids against the named ones, and how they transfer (docs/grid-optimize.md).

    python3 experiments/grid_optimize.py build/release/difflab OUTDIR [--steps 5,10,20,50]
        [--samplers ei,ddim] [--targets gauss4,...] [--sources gauss4,mix1] [--budget 400]

For each (target, sampler, N) it runs `difflab grid optimize` (which also evaluates every named
grid and, on Gaussian targets, the 'Align Your Steps'-style KLUB grid), then evaluates each
optimised grid on the other targets with `difflab law --grid file` (transfer). Everything is an
exact law: the Gaussian recursion (Gaussian targets) or the 1-D grid law (mixtures, on a fixed
mesh of --grid-nodes, the same for every grid compared). Merges into OUTDIR/results.json (so
parts can run separately) and prints the tables of everything in it in Markdown. A grid whose
law is refused (mass leaving the mesh: the sampler diverges on it) or infinite is reported so.
"""
import argparse
import json
import math
import os
import subprocess
import sys

T, DELTA = 4.0, 1e-2


def rotation(d):
    """A fixed orthogonal matrix: the product of Givens rotations by 0.4 + 0.3 i radians."""
    q = [[float(i == j) for j in range(d)] for i in range(d)]
    for i in range(d - 1):
        c, s = math.cos(0.4 + 0.3 * i), math.sin(0.4 + 0.3 * i)
        for row in q:
            a, b = row[i], row[i + 1]
            row[i], row[i + 1] = c * a - s * b, s * a + c * b
    return q


def gaussian(eigenvalues, mean):
    d = len(eigenvalues)
    q = rotation(d)
    cov = [[sum(q[i][k] * eigenvalues[k] * q[j][k] for k in range(d)) for j in range(d)]
           for i in range(d)]
    return {"type": "gaussian", "mean": mean, "cov": cov}


def targets():
    return {
        # Non-isotropic, rotated: eigenvalues from 4 down to 0.01.
        "gauss4": gaussian([4.0, 1.0, 0.1, 0.01], [1.0, -0.5, 0.3, 0.0]),
        # Another dimension and spectrum: 16 eigenvalues log-spaced in [0.05, 2].
        "gauss16": gaussian([0.05 * 40 ** (i / 15) for i in range(16)], [0.2] * 16),
        # Symmetric two-component 1-D mixtures, means -s and s, variance 0.2 each. (Wider
        # separations make the grid law of ddim refuse most grids at N = 50: its flow map is too
        # steep at the separatrix for the mesh, law/grid_law.hpp.)
        **{f"mix{s:g}": {"type": "gmm", "weights": [0.5, 0.5], "means": [[-s], [s]],
                         "vars": [0.2, 0.2]} for s in (0.5, 1, 1.5)},
    }


def run(cmd):
    """The JSON of a difflab command, or {"refused": message} for a refused input (exit 2)."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 2:
        return {"refused": p.stderr.strip()}
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return json.loads(p.stdout)


def value(j, key):
    """A distance as a float (inf for null + "infinite"), None when refused."""
    if "refused" in j:
        return None
    v = j.get(key)
    return math.inf if v is None and j.get(key + "_reason") == "infinite" else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("out")
    ap.add_argument("--steps", default="5,10,20,50")
    ap.add_argument("--samplers", default="ei,ddim")
    ap.add_argument("--grid-nodes", type=int, default=801)
    ap.add_argument("--budget", type=int, default=400, help="Nelder-Mead evaluations (mixtures)")
    ap.add_argument("--targets", default="", help="a subset of the targets (default: all)")
    ap.add_argument("--sources", default="gauss4,mix1", help="targets whose grids are transferred")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tg = targets()
    if a.targets:
        tg = {k: tg[k] for k in a.targets.split(",")}
    for name, spec in tg.items():
        with open(f"{a.out}/{name}.json", "w") as f:
            json.dump(spec, f)
    common = ["--T", str(T), "--delta", str(DELTA), "--grid-nodes", str(a.grid_nodes)]
    path = f"{a.out}/results.json"
    results = {"T": T, "delta": DELTA, "grid_nodes": a.grid_nodes, "optimize": {}, "transfer": {}}
    if os.path.exists(path):
        results = json.load(open(path))
    steps = [int(s) for s in a.steps.split(",")]
    for sampler in a.samplers.split(","):
        for n in steps:
            for name in tg:
                key = f"{name}/{sampler}/{n}"
                grid_file = f"{a.out}/grid_{name}_{sampler}_{n}.txt"
                r = run([a.bin, "grid", "optimize", "--target", f"{a.out}/{name}.json",
                         "--sampler", sampler, "--steps", str(n), "--max-evaluations",
                         str(a.budget), "--out", grid_file] + common)
                if "refused" not in r:
                    r.pop("law")
                    for e in r["named"].values():
                        e.pop("times", None)
                    r["budget"] = a.budget
                results["optimize"][key] = r
                print(f"optimised {key}: {r.get('value')} (start {r.get('start')} "
                      f"{r.get('start_value')})", file=sys.stderr, flush=True)
            for src in a.sources.split(","):
                if src not in tg or "refused" in results["optimize"][f"{src}/{sampler}/{n}"]:
                    continue
                grid_file = f"{a.out}/grid_{src}_{sampler}_{n}.txt"
                for name in tg:
                    if name == src:
                        continue
                    law = run([a.bin, "law", "--target", f"{a.out}/{name}.json", "--sampler",
                               sampler, "--grid", "file", "--grid-file", grid_file,
                               "--grid-tol", "0"] + common)
                    results["transfer"][f"{src}->{name}/{sampler}/{n}"] = value(
                        law, "kl_target_output")
                    if "refused" in law:
                        results.setdefault("transfer_refused", {})[
                            f"{src}->{name}/{sampler}/{n}"] = law["refused"]
    with open(path + ".tmp", "w") as f:
        json.dump(results, f, indent=1)
    os.replace(path + ".tmp", path)
    print_tables(results)


def best_named(r):
    """The best named grid (AYS apart) and its value; None when every named law was refused."""
    named = {k: value(e, "value") for k, e in r["named"].items() if k != "ays" and "error" not in e}
    if not named:
        return None, None
    k = min(named, key=named.get)
    return k, named[k]


def fmt(v):
    return "refused" if v is None else ("inf" if v == math.inf else f"{v:.3g}")


def ratio(a, b):
    if a is None or b is None:
        return "n/a"
    if b == math.inf:
        return "0 (named: inf)" if a < math.inf else "n/a"
    return f"{a / b:.3f}"


def print_tables(results):
    keys = sorted(results["optimize"], key=lambda k: (k.split("/")[1], k.split("/")[0],
                                                      int(k.split("/")[2])))
    print("| target | sampler | N | best named | its KL | AYS (KLUB) KL | optimised KL | "
          "optimised / best named |")
    print("|---|---|---|---|---|---|---|---|")
    for key in keys:
        name, sampler, n = key.split("/")
        r = results["optimize"][key]
        if "refused" in r:
            print(f"| {name} | {sampler} | {n} | every named grid refused | | | | |")
            continue
        k, v = best_named(r)
        ays = r["named"]["ays"]
        ays_v = value(ays, "value") if "error" not in ays else None
        print(f"| {name} | {sampler} | {n} | {k} | {fmt(v)} | "
              f"{fmt(ays_v) if 'error' not in ays else 'n/a'} | {fmt(r['value'])} | "
              f"{ratio(r['value'], v)} |")
    print()
    print("| source -> target | sampler | N | transferred KL | / target's best named | "
          "/ target's own optimum |")
    print("|---|---|---|---|---|---|")
    tkeys = sorted(results["transfer"], key=lambda k: (k.split("/")[1], k.split("/")[0],
                                                       int(k.split("/")[2])))
    for key in tkeys:
        pair, sampler, n = key.split("/")
        v = results["transfer"][key]
        own = results["optimize"].get(f"{pair.split('->')[1]}/{sampler}/{n}")
        if own is None or "refused" in own:
            continue
        _, b = best_named(own)
        print(f"| {pair} | {sampler} | {n} | {fmt(v)} | {ratio(v, b)} | "
              f"{ratio(v, own['value'])} |")


if __name__ == "__main__":
    main()
