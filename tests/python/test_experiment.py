"""Python's run_experiment() and demo() against `difflab run` and `difflab demo`: the same spec
gives the same rows bit for bit (apart from wall times), the demo runs the shipped specs of
experiments/demo/ and draws the report, and a second run resumes.

Run by ctest (python.experiment) with PYTHONPATH pointing at the built module and DIFFLAB_CLI at
the difflab executable.
"""
import json
import os
import subprocess
import tempfile

import pytest

import difflab

CLI = os.environ.get("DIFFLAB_CLI", "difflab")
HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_SPECS = os.path.join(HERE, "..", "..", "experiments", "demo")

SPEC = {
    "name": "tiny",
    "seed": 7,
    "base": {"target": {"type": "gaussian", "mean": [0.5, -0.5], "var": 0.5}, "sampler": "ei",
             "grid": "uniform", "T": 4.0, "delta": 0.0, "n": 200},
    "sweep": {"mode": "grid", "axes": {"steps": [4, 8], "sampler": ["ei", "em"]}},
    "metrics": ["law", "sw2"],
}


def rows_of(directory):
    with open(os.path.join(directory, "results.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    for r in rows:
        r.pop("wall_seconds", None)
    return sorted(rows, key=lambda r: r["row"])


def test_run_experiment_matches_the_cli():
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w") as f:
            json.dump(SPEC, f)
        subprocess.run([CLI, "run", spec, "--out", os.path.join(tmp, "cli")], check=True,
                       capture_output=True)
        result = difflab.run_experiment(SPEC, os.path.join(tmp, "py"))
        assert len(result["rows"]) == 4
        assert rows_of(os.path.join(tmp, "py")) == rows_of(os.path.join(tmp, "cli"))


def test_demo_runs_the_shipped_specs():
    specs = difflab.demo_experiments()
    assert sorted(specs) == sorted(n[:-5] for n in os.listdir(DEMO_SPECS) if n.endswith(".json"))
    for name, spec in specs.items():
        with open(os.path.join(DEMO_SPECS, name + ".json")) as f:
            assert spec == json.load(f)


def test_demo_runs_resumes_and_draws():
    name = "1_ccl23_tv_vs_h"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "demo")
        first = difflab.demo(out, only=[name])
        assert first["experiments"] == [os.path.join(out, name)]
        assert os.path.getsize(first["report"]) > 1000
        rows = rows_of(os.path.join(out, name))
        assert len(rows) == len(rows_of_spec(difflab.demo_experiments()[name]))
        # A second call finds every row done.
        difflab.demo(out, only=[name], draw=False)
        assert rows_of(os.path.join(out, name)) == rows
    with pytest.raises(ValueError, match="unknown experiment 'nope'"):
        difflab.demo(os.path.join(tmp, "x"), only=["nope"])


def rows_of_spec(spec):
    """The runs of a grid sweep: the product of its axes' lengths."""
    count = 1
    for values in spec["sweep"]["axes"].values():
        count *= len(values)
    return range(count)
