"""Python's plan() against `difflab plan`: the same JSON (the chosen bound, T, N and grid, the
verify run's measured error), bit for bit, and the same errors.

Run by ctest (python.faces) with PYTHONPATH pointing at the built module and DIFFLAB_CLI at the
difflab executable.
"""
import json
import os
import subprocess
import tempfile

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
    with pytest.raises(ValueError, match="plan verify needs a target"):
        difflab.plan(inputs={"d": 2, "kl": 1.0, "identity_covariance": True}, metric="kl",
                     eps=0.5, verify=True)
