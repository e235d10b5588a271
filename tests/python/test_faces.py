"""Python's plan() and target() against the CLI: the same JSON (the chosen bound, T, N and grid,
the verify run's measured error; the target's summary), the same sample and score bits, and the
same errors.

Run by ctest (python.faces) with PYTHONPATH pointing at the built module and DIFFLAB_CLI at the
difflab executable.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import pytest

import difflab

CLI = os.environ.get("DIFFLAB_CLI", "difflab")
GAUSS = {"type": "gaussian", "mean": [1.0, -0.5], "var": 1.0}


def cli_json(*args):
    out = subprocess.run([CLI, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("args,kwargs", [
    (["--metric", "kl", "--eps", "0.05"], {"metric": "kl", "eps": 0.05}),
    (["--metric", "kl", "--eps", "0.05", "--grid", "uniform"],
     {"metric": "kl", "eps": 0.05, "grid": "uniform"}),
    (["--metric", "tv", "--eps", "0.1", "--delta", "0.01"],
     {"metric": "tv", "eps": 0.1, "delta": 0.01}),
    (["--paper", "benton24", "--eps", "0.2", "--delta", "0.01", "--L", "3", "--kl", "2"],
     {"paper": "benton24", "eps": 0.2, "delta": 0.01, "inputs": {"L": 3.0, "kl": 2.0}}),
    (["--metric", "kl", "--eps", "0.5", "--verify", "--seed", "3"],
     {"metric": "kl", "eps": 0.5, "verify": True, "seed": 3}),
])
def test_plan_matches_the_cli(args, kwargs):
    with tempfile.TemporaryDirectory() as tmp:
        t = os.path.join(tmp, "g.json")
        with open(t, "w") as f:
            json.dump(GAUSS, f)
        cli = cli_json("plan", "--target", t, *args)
    ours = difflab.plan(GAUSS, **kwargs)
    # The JSON the CLI prints round-trips doubles exactly: equality here is equality of bits.
    assert ours == cli
    assert ours["steps"] >= 1 and ours["grid_kind"] in ("benton", "uniform")
    if kwargs.get("verify"):
        assert ours["verify"]["measured"] <= ours["verify"]["bound"]


def test_plan_errors_speak_python():
    with pytest.raises(ValueError, match="plan needs eps"):
        difflab.plan(GAUSS, metric="kl")
    with pytest.raises(ValueError, match="metric must be kl or tv"):
        difflab.plan(GAUSS, metric="w2", eps=0.1)
    # A failed assumption names the remedy as the keyword argument (the CLI's flag is the same
    # name with '-' for '_'), and the keyword plans anyway.
    inputs = {"d": 2, "kl": 1.0}
    with pytest.raises(ValueError, match="the option 'allow_failed_assumptions' plans anyway"):
        difflab.plan(inputs=inputs, paper="benton24", eps=0.5)
    assert difflab.plan(inputs=inputs, paper="benton24", eps=0.5,
                        allow_failed_assumptions=True)["steps"] >= 1
    # Python is told the option's name, never a command-line flag.
    with pytest.raises(ValueError, match="ccl23 needs L .*: pass option 'L'") as e:
        difflab.bound("ccl23", inputs={"T": 5.0, "delta": 0.0, "steps": 10, "d": 2})
    assert "--" not in str(e.value)
    with pytest.raises(ValueError, match="'ccl23' listed twice"):
        difflab.bound(["ccl23", "ccl23"], inputs={"d": 2})
    with pytest.raises(ValueError, match="plan verify needs a target"):
        difflab.plan(inputs={"d": 2, "kl": 1.0, "identity_covariance": True}, metric="kl",
                     eps=0.5, verify=True)


MIX2 = {"type": "gmm", "weights": [0.3, 0.7], "means": [[-2.0, 0.0], [2.0, 1.0]],
        "vars": [0.5, 1.0]}


def test_target_matches_the_cli():
    with tempfile.TemporaryDirectory() as tmp:
        t = os.path.join(tmp, "t.json")
        with open(t, "w") as f:
            json.dump(MIX2, f)
        summary = cli_json("target", "--target", t)
        xt = os.path.join(tmp, "xt.npy")
        subprocess.run([CLI, "target", "--target", t, "--t", "0.5", "--sample", "300", "--seed",
                        "4", "--out", xt], check=True, capture_output=True)
        s = os.path.join(tmp, "s.npy")
        subprocess.run([CLI, "target", "--target", t, "--t", "0.5", "--points", xt, "--out", s,
                        "--process", "vp-linear"], check=True, capture_output=True)
        v = os.path.join(tmp, "v.npy")
        subprocess.run([CLI, "target", "--target", t, "--t", "0.5", "--points", xt, "--out", v,
                        "--process", "linear", "--prediction", "flow"], check=True,
                       capture_output=True)
        cli_samples, cli_scores, cli_flow = np.load(xt), np.load(s), np.load(v)
    # The flow-matching velocity on the linear path, v = -(x + t s)/(1 - t) (docs/theory.md
    # 1.3), through both faces.
    fl = difflab.target(MIX2, t=0.5, points=cli_samples, process="linear", prediction="flow")
    assert np.array_equal(fl["flow"], cli_flow[:, 1:])
    sc = difflab.target(MIX2, t=0.5, points=cli_samples, process="linear")["score"]
    np.testing.assert_allclose(fl["flow"], -(cli_samples + 0.5 * sc) / 0.5, rtol=1e-12, atol=1e-12)
    assert difflab.target(MIX2) == summary
    x = difflab.target(MIX2, t=0.5, sample=300, seed=4)
    assert x.shape == (300, 2) and np.array_equal(x, cli_samples)
    q = difflab.target(MIX2, t=0.5, points=x, process="vp-linear")
    assert np.array_equal(q["logq"], cli_scores[:, 0])
    assert np.array_equal(q["score"], cli_scores[:, 1:])
    # The score is the gradient of log q_t (central differences of the returned log-density).
    h = 1e-5
    e = np.array([h, 0.0])
    fd = (difflab.target(MIX2, t=0.5, points=x[:5] + e, process="vp-linear")["logq"]
          - difflab.target(MIX2, t=0.5, points=x[:5] - e, process="vp-linear")["logq"]) / (2 * h)
    np.testing.assert_allclose(fd, q["score"][:5, 0], rtol=1e-6, atol=1e-6)


def test_empirical_knn_target_through_both_faces():
    # Three separated clusters; "knn" truncates the empirical score (docs/theory.md 10.4).
    rng = np.random.default_rng(5)
    data = np.concatenate([0.1 * rng.standard_normal((20, 2)) + c for c in ([0, 0], [6, 0], [0, 6])])
    spec = {"type": "empirical", "samples": data.tolist(), "knn": 20}
    x = difflab.target(spec, t=0.05, sample=40, seed=2)
    q = difflab.target(spec, t=0.05, points=x)
    k = q["knn_truncation"]
    assert k["knn"] == 20 and len(k["score_error"]) == 40
    assert 0 <= k["max_neglected_mass"] < 1e-12 and k["max_score_error"] < 1e-10
    exact = difflab.target({"type": "empirical", "samples": data.tolist()}, t=0.05, points=x)
    assert "knn_truncation" not in exact
    np.testing.assert_allclose(q["score"], exact["score"], rtol=0, atol=1e-9)
    with tempfile.TemporaryDirectory() as tmp:
        t = os.path.join(tmp, "t.json")
        with open(t, "w") as f:
            json.dump(spec, f)
        xt, s = os.path.join(tmp, "x.npy"), os.path.join(tmp, "s.npy")
        np.save(xt, x)
        out = subprocess.run([CLI, "target", "--target", t, "--t", "0.05", "--points", xt, "--out",
                              s], check=True, capture_output=True, text=True).stdout
        assert "k-NN truncation (k = 20)" in out
        assert np.array_equal(np.load(s)[:, 1:], q["score"])
    with pytest.raises(ValueError, match="knn must be 0"):
        difflab.target({"type": "empirical", "samples": data.tolist(), "knn": 61})


def test_target_errors_speak_python():
    with pytest.raises(ValueError, match="t must lie in"):
        difflab.target(MIX2, t=-1.0, sample=3)
    with pytest.raises(ValueError, match="exclusive"):
        difflab.target(MIX2, sample=3, points=np.zeros((2, 2)))
