"""Bring your own PyTorch model to difflab.

Trains a small torch MLP by denoising score matching (noise prediction, docs/theory.md 1.2) on a
two-dimensional Gaussian mixture, then, through difflab.torch_score:
  * samples it with three difflab samplers,
  * computes the exact 2-D grid law of each sampler with the trained network and its KL to the
    target (difflab.law; the grid error is reported beside it),
  * measures the network's L2 score error against the target's exact score at every time of the
    sampler's grid (Monte Carlo over exact samples of q_t),
  * evaluates published bounds with that measured score error beside the measured KL
    (difflab.bound(measure=True)),
and writes results.json and report.png (samples, score error along the grid, bounds beside the
measured error) into --out. Run: PYTHONPATH=build/release/python python3
python/examples/own_torch_model.py --out /tmp/own-model  (about 40 s;
--quick, as the test suite runs it, about 15 s).
"""
import argparse
import json
import math
import os
import tempfile
import time

import numpy as np
import torch

import difflab

TARGET = {"type": "gmm", "weights": [0.35, 0.65], "means": [[-2.0, -1.0], [1.5, 1.5]],
          "vars": [0.3, 0.5]}
T, DELTA, STEPS = 4.0, 0.02, 40
SAMPLERS = ["ei", "dpmpp-2m", "heun"]


class NoiseNet(torch.nn.Module):
    """eps_theta(x, lambda): the noise prediction at log-SNR lambda."""

    def __init__(self, width=64):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(3, width), torch.nn.SiLU(), torch.nn.Linear(width, width),
            torch.nn.SiLU(), torch.nn.Linear(width, 2))

    def forward(self, x, logsnr):
        return self.net(torch.cat([x, logsnr[:, None] / 4.0], dim=1))


def train(steps, seed):
    """DSM with the noise parametrisation: E |eps_theta(a x0 + s z, lambda) - z|^2, t ~ U[delta, T]."""
    torch.manual_seed(seed)
    data = torch.tensor(difflab.Target(TARGET).sample(20000, seed=seed), dtype=torch.float32)
    net = NoiseNet()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for _ in range(steps):
        x0 = data[torch.randint(0, data.shape[0], (512,))]
        t = DELTA + (T - DELTA) * torch.rand(512)
        a = torch.exp(-t)[:, None]
        s = torch.sqrt(-torch.expm1(-2.0 * t))[:, None]
        z = torch.randn_like(x0)
        lam = torch.log(a / s)[:, 0]
        loss = ((net(a * x0 + s * z, lam) - z) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return net.eval()


def score_error_along_grid(score, target, times, n, seed):
    """e(t_k) = sqrt(E_{q_t} |s(t, X) - grad log q_t(X)|^2) at each grid time, by Monte Carlo."""
    x0 = target.sample(n, seed=seed)
    z = np.random.default_rng(seed).standard_normal(x0.shape)
    out = []
    for t in times:
        a, s2 = math.exp(-t), -math.expm1(-2.0 * t)
        x = a * x0 + math.sqrt(s2) * z
        diff = score(t, x) - target.score(x, alpha=a, sigma2=s2)
        out.append(math.sqrt(np.mean(np.sum(diff ** 2, axis=1))))
    return out


def write_atomically(path, write):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", suffix=os.path.basename(path))
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def draw(results, samples, reference, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    ax[0].scatter(reference[:, 0], reference[:, 1], s=2, c="0.6", label="target")
    for name, x in samples.items():
        ax[0].scatter(x[:, 0], x[:, 1], s=2, label=name, alpha=0.6)
    ax[0].set_title("samples of the trained network")
    ax[0].legend(markerscale=4)
    g = results["score_error"]
    ax[1].semilogx(g["t"], g["rms"], "o-", ms=3)
    ax[1].set_xlabel("forward time t (grid of the samplers)")
    ax[1].set_ylabel("L2(q_t) score error")
    ax[1].set_title("measured score error along the grid")
    shown = [b for b in results["bounds"] if not b["skipped"]]
    names = [b["paper"] for b in shown]
    vals = [b["value"] for b in shown]
    meas = [b.get("measured") or 0.0 for b in shown]
    pos = np.arange(len(names))
    ax[2].bar(pos - 0.2, vals, 0.4, label="bound")
    ax[2].bar(pos + 0.2, meas, 0.4, label="measured (exact grid law)")
    ax[2].set_yscale("log")
    ax[2].set_xticks(pos, names)
    ax[2].set_title("bounds beside the measured error (ei)")
    ax[2].legend()
    fig.tight_layout()
    write_atomically(path, lambda p: fig.savefig(p, format="png", dpi=90))
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--train-steps", type=int, default=1500)
    ap.add_argument("--grid-nodes", type=int, default=201)
    ap.add_argument("--n", type=int, default=4000, help="samples per sampler")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true",
                    help="the test suite's size: 400 training steps, 61 grid nodes, n = 1000")
    args = ap.parse_args()
    if args.quick:
        args.train_steps, args.grid_nodes, args.n = 400, 61, 1000
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    start = time.time()
    net = train(args.train_steps, args.seed)
    target = difflab.Target(TARGET)
    score = difflab.torch_score(net, prediction="noise", time="logsnr", target=TARGET)
    run = dict(steps=STEPS, T=T, delta=DELTA, grid="logsnr", seed=args.seed)
    results = {"target": TARGET, "run": run, "train_seconds": time.time() - start,
               "samplers": {}}
    samples = {}
    for name in SAMPLERS:
        samples[name] = difflab.sample(score, sampler=name, n=args.n, **run)
        law = difflab.law(score, sampler=name, grid_nodes=args.grid_nodes, **run)
        results["samplers"][name] = {
            "kl_target_output": law["kl_target_output"],
            "grid_error": law.get("grid_error", {}).get("kl_target_output"),
            "method": law["method"],
            "mmd2": difflab.eval(samples[name], target=TARGET, metrics=["mmd"],
                                 seed=args.seed)["mmd"]["value"],
        }
    times = difflab.grid("logsnr", T=T, delta=DELTA, steps=STEPS)[:-1]
    rms = score_error_along_grid(score, target, times, args.n, args.seed)
    results["score_error"] = {"t": list(map(float, times)), "rms": rms}
    rows = difflab.bound(["benton24", "ccl23-path"], target=score, measure=True,
                         sampler="ei", grid_nodes=args.grid_nodes, **run)
    results["bounds"] = [{k: r.get(k) for k in ("paper", "metric", "direction", "value",
                                                 "measured", "ratio", "notes", "skipped",
                                                 "reason")} for r in rows]
    results["seconds"] = time.time() - start
    write_atomically(os.path.join(args.out, "results.json"),
                     lambda p: open(p, "w").write(json.dumps(results, indent=1)))
    draw(results, samples, target.sample(args.n, seed=args.seed + 1),
         os.path.join(args.out, "report.png"))
    for name, r in results["samplers"].items():
        print("%-9s KL(q || p) = %.4f (grid error %s)  MMD^2 = %.2e"
              % (name, r["kl_target_output"], r["grid_error"], r["mmd2"]))
    print("score error at t = %.3g: %.3f, at t = %.3g: %.3f"
          % (times[0], rms[0], times[-1], rms[-1]))
    for b in results["bounds"]:
        if b["skipped"]:
            print("%-11s skipped: %s" % (b["paper"], b["reason"]))
        else:
            print("%-11s bound %.4g, measured %.4g" % (b["paper"], b["value"], b["measured"]))
    print("done in %.1f s; %s" % (results["seconds"], args.out))


if __name__ == "__main__":
    main()
