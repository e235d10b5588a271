"""Python's train() against `difflab train` on a tiny run: the same options and seed write the
same checkpoint bytes and the same summary numbers (apart from wall times); the data may be an
array or a file; a resume continues bit for bit; errors name the option.

Run by ctest (python.train) with PYTHONPATH pointing at the built module and DIFFLAB_CLI at the
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
GMM = {"type": "gmm", "weights": [0.4, 0.6], "means": [[-1.5, 0.0], [1.5, 0.5]],
       "vars": [0.3, 0.2]}
SMALL = {"width": 8, "depth": 1, "batch": 16, "samples": 200, "validate_every": 5,
         "error_samples": 20, "lipschitz_samples": 10, "iters": 10, "seed": 3}


def flags(options):
    out = []
    for key, value in options.items():
        out += ["--" + key.replace("_", "-"), str(value)]
    return out


def without_times(summary):
    """The summary without wall times and the checkpoint's path."""
    s = json.loads(json.dumps(summary))
    s.pop("model")
    for key in ("wall_seconds", "steps_per_second"):
        s["train"].pop(key)
    for entry in s["train"]["log"]:
        entry.pop("seconds")
    return s


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_train_matches_the_cli_bit_for_bit():
    with tempfile.TemporaryDirectory() as tmp:
        t = os.path.join(tmp, "gmm.json")
        with open(t, "w") as f:
            json.dump(GMM, f)
        cli_out, cli_summary = os.path.join(tmp, "cli.dlm"), os.path.join(tmp, "cli.json")
        subprocess.run([CLI, "train", "--target", t, *flags(SMALL), "--out", cli_out,
                        "--summary", cli_summary], check=True, capture_output=True)
        py_out = os.path.join(tmp, "py.dlm")
        summary = difflab.train(GMM, out=py_out, **SMALL)
        assert read(py_out) == read(cli_out)
        with open(cli_summary) as f:
            assert without_times(summary) == without_times(json.load(f))
    assert summary["final_step"] == 10
    assert [e["step"] for e in summary["train"]["log"]] == [5, 10]
    assert all(l["empirical"] <= l["upper_bound"] for l in summary["lipschitz"])


def test_train_on_an_array_and_resume():
    x = difflab.target(GMM, sample=200, seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a.dlm"), os.path.join(tmp, "b.dlm")
        options = dict(SMALL, lipschitz_samples=0)
        # Data as an array or as a file: the same run.
        npy = os.path.join(tmp, "x.npy")
        np.save(npy, x)
        difflab.train(GMM, data=x, out=a, **options)
        difflab.train(GMM, data=npy, out=b, **options)
        assert read(a) == read(b)
        # 4 steps, then a resume to 10: the uninterrupted checkpoint.
        whole, c = os.path.join(tmp, "whole.dlm"), os.path.join(tmp, "c.dlm")
        difflab.train(GMM, out=whole, **options)
        difflab.train(GMM, out=c, **dict(options, iters=4))
        difflab.train(GMM, out=c, resume=True, **options)
        assert read(c) == read(whole)
        with pytest.raises(ValueError, match=r"optimizer.lr \(checkpoint 0.001, given 0.5\)"):
            difflab.train(GMM, out=c, resume=True, lr=0.5, **options)


def test_train_errors_name_the_option():
    with pytest.raises(ValueError, match="option 'out' is required"):
        difflab.train(GMM, iters=1)
    with pytest.raises(ValueError, match="unknown option 'learning_rate'"):
        difflab.train(GMM, out="x.dlm", learning_rate=0.1)
    with pytest.raises(ValueError, match="'batch' must be"):
        difflab.train(GMM, out="x.dlm", batch=0)
    names = {o["name"] for o in difflab.options("train")}
    assert {"iters", "lr", "width", "validate_every", "resume", "out"} <= names
