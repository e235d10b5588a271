"""Scores from outside: difflab.Score.from_callable against the built-in exact score, each
prediction type against a hand conversion (docs/theory.md 11.4), and the refusals.

Run by ctest (python.own_model) with PYTHONPATH pointing at the built module; needs Debian's
python3-numpy and python3-pytest.
"""
import math
import numpy as np
import pytest

import difflab

MIX2 = {"type": "gmm", "weights": [0.4, 0.6], "means": [[-1.5, 0.5], [1.5, -0.5]],
        "vars": [0.3, 0.5]}


def ou(t):
    # The OU process as difflab computes it: alpha = exp(log alpha), sigma^2 = -expm1(2 log alpha)
    # (forward_process.hpp), so the callable sees the same bits as the built-in score.
    return math.exp(-t), -math.expm1(-2.0 * t)


def exact_callable(target):
    def f(x, t):
        a, s2 = ou(t)
        return target.score(x, alpha=a, sigma2=s2)
    return f


@pytest.mark.parametrize("sampler", ["ei", "dpmpp-2m-sde", "heun", "unipc"])
def test_callable_exact_score_gives_the_builtin_bits(sampler):
    target = difflab.Target(MIX2)
    own = difflab.Score.from_callable(exact_callable(target), target=MIX2)
    builtin = difflab.exact_score(target)
    kw = dict(sampler=sampler, steps=26, T=4.0, n=500, seed=9, block_size=64)
    a = difflab.sample(own, **kw)
    b = difflab.sample(builtin, **kw)
    assert np.array_equal(a, b)


def test_each_prediction_converts_to_the_exact_score():
    target = difflab.Target(MIX2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2)) * 2.0
    for t in (0.05, 0.7, 2.0):
        a, s2 = ou(t)
        s = math.sqrt(s2)
        truth = target.score(x, alpha=a, sigma2=s2)
        # Tweedie: E[Z|x] = -sigma s, E[X_0|x] = (x + sigma^2 s)/alpha, v = alpha E[Z] - sigma E[X_0].
        preds = {"noise": -s * truth, "data": (x + s2 * truth) / a}
        preds["velocity"] = a * preds["noise"] - s * preds["data"]
        times = {"t": t, "sigma": s / a, "logsnr": math.log(a / s)}
        for kind, value in preds.items():
            for conv, tau in times.items():
                seen = []

                def f(xx, tt, value=value, seen=seen):
                    seen.append(tt)
                    return value
                sc = difflab.Score.from_callable(f, prediction=kind, time=conv, target=MIX2)
                got = sc(t, x)
                assert seen[-1] == pytest.approx(tau, rel=1e-12), (kind, conv)
                assert np.allclose(got, truth, rtol=1e-9, atol=1e-9), (kind, conv, t)


def test_vector_time_and_laws_and_bounds_accept_a_callable():
    target = difflab.Target(MIX2)
    shapes = []

    def f(x, t):
        shapes.append(np.shape(t))
        return exact_callable(target)(x, float(t[0]))
    own = difflab.Score.from_callable(f, target=MIX2, vector_time=True)
    difflab.sample(own, steps=4, n=10, seed=1)
    assert shapes and all(s == (10,) for s in shapes)
    # The 2-D grid law of a callable equals the built-in exact score's.
    own2 = difflab.Score.from_callable(exact_callable(target), target=MIX2)
    kw = dict(sampler="ode-ei", steps=10, T=3.0, delta=0.05, grid_nodes=61)
    assert difflab.law(own2, **kw)["kl_target_output"] == difflab.law(
        difflab.exact_score(target), **kw)["kl_target_output"]
    # Measured bounds: the score error is measured against the exact score. A callable that adds
    # a constant c to the exact score has E|s - grad log q_t|^2 = |c|^2 = 0.04 at every t, so
    # Benton et al.'s score term, the time integral sum_k gamma_k e2(t_k), is 0.04 (T - delta).
    shift = np.array([0.12, -0.16])
    shifted = difflab.Score.from_callable(lambda x, t: exact_callable(target)(x, t) + shift,
                                          target=MIX2)
    for sc, e2 in ((own2, 0.0), (shifted, 0.04)):
        row = difflab.bound("benton24", target=sc, measure=True, steps=10, T=3.0, delta=0.05)
        assert row["terms"]["score_error"] == pytest.approx(e2 * (3.0 - 0.05), rel=1e-12, abs=0)
        assert any("measured against the target's exact score" in n for n in row["notes"])
        assert row["measured"] > 0 and row["measured_against"] == "q_delta"


def test_bad_callables_are_refused_with_the_time():
    cases = [
        (lambda x, t: x[:, :1], r"at t = .*shape \(\d+, 1\), expected \(\d+, 2\)"),
        (lambda x, t: x * np.nan, r"at t = .*non-finite"),
        (lambda x, t: 1 / 0, r"at t = .*raised ZeroDivisionError"),
        (lambda x, t: "no", r"at t = "),
    ]
    for f, msg in cases:
        own = difflab.Score.from_callable(f, target=MIX2)
        with pytest.raises(ValueError, match=r"ei: step 0 of 6 \(from t = 6 to .*\): callable " + msg):
            difflab.sample(own, steps=6, n=20)
    with pytest.raises(ValueError, match="not callable"):
        difflab.Score.from_callable(3, target=MIX2)
    with pytest.raises(ValueError, match="give target="):
        difflab.Score.from_callable(lambda x, t: x)
    with pytest.raises(ValueError, match="valid: score, noise, data, velocity"):
        difflab.Score.from_callable(lambda x, t: x, prediction="eps", target=MIX2)
    with pytest.raises(ValueError, match="valid: t, sigma, logsnr"):
        difflab.Score.from_callable(lambda x, t: x, time="step", target=MIX2)


def test_importing_difflab_does_not_import_torch():
    import subprocess
    import sys
    code = "import sys, difflab; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_torch_score_matches_a_hand_conversion():
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.lin = torch.nn.Linear(3, 2)

        def forward(self, x, tau):
            return torch.tanh(self.lin(torch.cat([x, tau[:, None]], dim=1)))

    net = Net().double()
    sc = difflab.torch_score(net, prediction="noise", time="logsnr", target=MIX2,
                             dtype=torch.float64)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((33, 2))
    for t in (0.1, 1.3):
        a, s2 = ou(t)
        lam = math.log(a / math.sqrt(s2))
        with torch.no_grad():
            eps = net(torch.tensor(x), torch.full((33,), lam, dtype=torch.float64)).numpy()
        assert np.allclose(sc(t, x), -eps / math.sqrt(s2), rtol=1e-12, atol=1e-12)
    # float32 by default: the same up to single precision.
    import copy
    sc32 = difflab.torch_score(copy.deepcopy(net).float(), prediction="noise", time="logsnr",
                               target=MIX2)
    assert np.allclose(sc32(0.1, x), sc(0.1, x), rtol=1e-5, atol=1e-5)
    # Each declares its rounding, which the exact laws' checks allow for (an optimised BLAS
    # rounds a particle differently in batches of different sizes).
    assert sc.to_json()["relative_precision"] == np.finfo(np.float64).eps
    assert sc32.to_json()["relative_precision"] == np.finfo(np.float32).eps
    with pytest.raises(ValueError, match="relative precision must be in"):
        difflab.Score.from_callable(lambda x, t: -x, target=MIX2, precision=0.5)
    with pytest.raises(ValueError, match="raised TypeError: the module returned"):
        difflab.torch_score(lambda x, t: 3, target=MIX2)(0.5, x)


def test_the_own_torch_model_example_runs_and_reports():
    pytest.importorskip("torch")
    import json
    import os
    import subprocess
    import sys
    import tempfile
    example = os.path.join(os.path.dirname(__file__), "..", "..", "python", "examples",
                           "own_torch_model.py")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, example, "--out", tmp, "--quick"], check=True,
                       capture_output=True, env=dict(os.environ, MPLBACKEND="Agg"))
        with open(os.path.join(tmp, "results.json")) as f:
            r = json.load(f)
        assert os.path.getsize(os.path.join(tmp, "report.png")) > 10000
    assert set(r["samplers"]) == {"ei", "dpmpp-2m", "heun"}
    for name, s in r["samplers"].items():
        # A trained network is close to the target but not exact.
        assert 0 < s["kl_target_output"] < 1.0, name
    assert len(r["score_error"]["rms"]) == 40 and all(e > 0 for e in r["score_error"]["rms"])
    benton = [b for b in r["bounds"] if b["paper"] == "benton24"][0]
    assert benton["measured"] > 0 and benton["value"] > benton["measured"]


def test_empirical_target_score_matches_numpy_and_eval_returns():
    import os
    import tempfile
    import time
    rng = np.random.default_rng(5)
    data = rng.standard_normal((3000, 4)) * np.array([1.0, 2.0, 0.5, 3.0])
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "data.npy"), data)
        with open(os.path.join(tmp, "t.json"), "w") as f:
            f.write('{"type": "empirical", "samples": "data.npy"}')
        target = difflab.Target(os.path.join(tmp, "t.json"))
    x = rng.standard_normal((50, 4)) * 2.0
    for t in (0.02, 0.5, 3.0):
        a, s2 = ou(t)
        # Direct numpy formula: mixture of N(a x_i, s2 I), difference form, log-sum-exp.
        l = -((x[:, None, :] - a * data[None, :, :]) ** 2).sum(-1) / (2 * s2)
        w = np.exp(l - l.max(1, keepdims=True))
        w /= w.sum(1, keepdims=True)
        truth = (a * w @ data - x) / s2
        assert np.allclose(target.score(x, alpha=a, sigma2=s2), truth, rtol=1e-8, atol=1e-8)
    # Exact copies of the data as samples: every default metric returns (w2 had hung on ties).
    start = time.time()
    r = difflab.eval(data[:400], target={"type": "empirical", "samples": data[:800].tolist()},
                     seed=1)
    assert time.time() - start < 60
    assert "w2" in r and "kl_to_target" not in r
    with pytest.raises(ValueError, match="has no density"):
        difflab.eval(data[:100], target={"type": "empirical", "samples": data.tolist()},
                     metrics=["kl_to_target"])
    with pytest.raises(ValueError, match="sigma\\^2 > 0"):
        target.score(x, alpha=1.0, sigma2=0.0)


def test_memorisation_of_copies_and_of_fresh_samples():
    rng = np.random.default_rng(8)
    data = rng.standard_normal((1000, 2))
    target = {"type": "empirical", "samples": data.tolist()}
    copies = difflab.eval(data[rng.integers(0, 1000, 300)], target=target,
                          metrics=["memorisation"], seed=2)["memorisation"]
    assert copies["copy_fraction"] == 1.0 and copies["ratio"] == 0.0
    fresh = difflab.eval(rng.standard_normal((300, 2)), target=target, metrics=["memorisation"],
                         seed=2)["memorisation"]
    # Nearest distances to all 1000 points by numpy, the same nearest-rank median.
    x = rng.standard_normal((300, 2))
    got = difflab.eval(x, target=target, metrics=["memorisation"], seed=2)["memorisation"]
    r = np.sort(np.sqrt(((x[:, None, :] - data[None, :, :]) ** 2).sum(-1)).min(1))
    assert got["median_sample_distance"] == pytest.approx(r[149], rel=1e-12)
    assert fresh["copy_fraction"] == 0.0 and 0.5 < fresh["ratio"] < 1.0
    with pytest.raises(ValueError, match="needs an empirical target"):
        difflab.eval(x, target=MIX2, metrics=["memorisation"])


def test_a_nonlinear_callable_has_no_affine_gaussian_law():
    gauss = {"type": "gaussian", "mean": [0.5, -1.0], "var": 0.7}
    target = difflab.Target(gauss)
    nonlinear = difflab.Score.from_callable(
        lambda x, t: exact_callable(target)(x, t) + 0.1 * np.tanh(x), target=gauss)
    with pytest.raises(ValueError, match="affine"):
        difflab.law(nonlinear, steps=10)


def test_the_digits_example_shows_the_exact_empirical_score_memorising():
    pytest.importorskip("sklearn")
    import json
    import os
    import subprocess
    import sys
    import tempfile
    example = os.path.join(os.path.dirname(__file__), "..", "..", "python", "examples",
                           "digits_empirical.py")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, example, "--out", tmp, "--n", "200"], check=True,
                       capture_output=True, env=dict(os.environ, MPLBACKEND="Agg"))
        with open(os.path.join(tmp, "results.json")) as f:
            r = json.load(f)
        assert os.path.getsize(os.path.join(tmp, "digits.png")) > 5000
    for name, s in r["samplers"].items():
        # Nearer to a training digit than held-out digits are: the ideal denoiser memorises.
        assert s["memorisation_ratio"] < 0.6, (name, s)
        assert s["sw2"] < 3 * r["train_vs_held_out"]["sw2"], (name, s)


def test_a_flow_matching_velocity_on_the_linear_path():
    # A flow-matching model predicts v = E[Z - X_0 | x] on x_t = (1 - t) x_0 + t z; by Tweedie
    # (docs/theory.md 1.3) v = -(x + t s)/(1 - t) for the exact score s of q_t. Given as
    # prediction "flow" it must sample as the built-in exact score on the same path.
    target = difflab.Target(MIX2)

    def velocity(x, t):
        s = target.score(x, alpha=1.0 - t, sigma2=t * t)
        return -(x + t * s) / (1.0 - t)
    own = difflab.Score.from_callable(velocity, prediction="flow", process="linear", target=MIX2)
    builtin = difflab.exact_score(target, process="linear")
    kw = dict(sampler="flow-heun", grid="logsnr", steps=20, T=0.999, n=300, seed=4)
    a = difflab.sample(own, **kw)
    b = difflab.sample(builtin, **kw)
    assert np.allclose(a, b, rtol=1e-9, atol=1e-9)
    # The Salimans-Ho velocity presumes a variance-preserving process.
    bad = difflab.Score.from_callable(velocity, prediction="velocity", process="linear",
                                      target=MIX2)
    with pytest.raises(ValueError, match="prediction 'flow'"):
        difflab.sample(bad, **kw)
    # A sampler derived for variance-preserving processes refuses the path.
    with pytest.raises(ValueError, match="assumes a variance-preserving process"):
        difflab.sample(builtin, **dict(kw, sampler="ei"))
