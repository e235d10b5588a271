"""The Python module against the CLI on the same seed, against closed forms, and its errors.

Run by ctest (python.module) with PYTHONPATH pointing at the built module and DIFFLAB_CLI at the
difflab executable; needs Debian's python3-numpy, python3-scipy and python3-pytest.
"""
import json
import math
import os
import subprocess
import tempfile

import numpy as np
import pytest
import scipy.stats

import difflab

CLI = os.environ.get("DIFFLAB_CLI", "difflab")

GAUSS = {"type": "gaussian", "mean": [0.5, -1.0], "cov": [[1.2, 0.3], [0.3, 0.6]]}
MIX = {"type": "gmm", "weights": [0.2, 0.8], "means": [[-2.0], [2.0]], "vars": [0.25, 0.25]}


def run_cli(*args):
    return subprocess.run([CLI, *args], check=True, capture_output=True, text=True).stdout


def write_json(obj, directory, name):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


@pytest.mark.parametrize("sampler", ["ei", "em", "ddim", "heun"])
def test_sample_matches_the_cli_bit_for_bit(sampler):
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(GAUSS, tmp, "t.json")
        out = os.path.join(tmp, "s.npy")
        run_cli("sample", "--target", t, "--sampler", sampler, "--grid", "uniform", "--steps", "15",
                "--T", "4", "--delta", "0.01", "--n", "300", "--seed", "9", "--out", out)
        cli = np.load(out)
    ours = difflab.sample(difflab.exact_score(difflab.Target(GAUSS)), sampler=sampler,
                          grid="uniform", steps=15, T=4.0, delta=0.01, n=300, seed=9)
    assert ours.shape == (300, 2)
    assert np.array_equal(ours, cli)


def test_exact_law_matches_the_cli():
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(GAUSS, tmp, "t.json")
        law = json.loads(run_cli("law", "--target", t, "--sampler", "ei", "--steps", "20"))
    mean, cov = difflab.gaussian_law(difflab.exact_score(difflab.Target(GAUSS)), steps=20)
    np.testing.assert_allclose(mean, law["mean"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cov, law["cov"], rtol=1e-12, atol=1e-14)
    # The KL of the reported law, recomputed here with the module's closed form.
    kl = difflab.gaussian_kl(np.array(GAUSS["mean"]), np.array(GAUSS["cov"]), mean, cov)
    assert kl == pytest.approx(law["kl_target_output"], rel=1e-10)


def test_target_density_and_samples_against_scipy():
    target = difflab.Target(GAUSS)
    x = np.array([[0.0, 0.0], [1.0, -2.0], [0.3, 0.7]])
    ref = scipy.stats.multivariate_normal(GAUSS["mean"], GAUSS["cov"]).logpdf(x)
    np.testing.assert_allclose(target.log_density(x), ref, rtol=1e-12)
    # Score of N(m, C): -C^{-1} (x - m).
    score = -(x - np.array(GAUSS["mean"])) @ np.linalg.inv(np.array(GAUSS["cov"]))
    np.testing.assert_allclose(target.score(x), score, rtol=1e-12)
    s = target.sample(20000, seed=4)
    assert s.shape == (20000, 2)
    se = np.sqrt(np.diag(GAUSS["cov"]) / 20000)
    assert np.all(np.abs(s.mean(axis=0) - GAUSS["mean"]) < 4.5 * se)
    # Inputs need not be float64 or C-contiguous: converted once.
    np.testing.assert_allclose(target.log_density(np.asfortranarray(x.astype(np.float32))),
                               scipy.stats.multivariate_normal(GAUSS["mean"], GAUSS["cov"]).logpdf(
                                   x.astype(np.float32)), rtol=1e-6)


def test_metrics_and_grid_law():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((400, 1))
    y = rng.standard_normal((400, 1)) + 0.5
    # 1-D equal sizes: exact W2 is the sorted matching.
    exact = math.sqrt(np.mean((np.sort(x[:, 0]) - np.sort(y[:, 0])) ** 2))
    assert difflab.w2(x, y)["value"] == pytest.approx(exact, rel=1e-10)
    assert difflab.sliced_w2(x, y, projections=8)["value"] == pytest.approx(exact, rel=1e-10)
    d = difflab.grid_law_distances(difflab.exact_score(difflab.Target(MIX)), sampler="ei",
                                   grid="uniform", steps=30, delta=0.05)
    assert d["method"] == "chapman-kolmogorov"
    assert d["kl_target_output"] > 0 and 0 < d["tv"] < 1


def test_bound_matches_the_cli_calculator():
    ours = difflab.bound("benton24", inputs={"d": 10, "T": 6.0, "delta": 1e-3, "steps": 200,
                                             "grid": "benton", "kl": 1.0})
    cli = json.loads(run_cli("bound", "--papers", "benton24", "--grid", "benton", "--T", "6",
                             "--delta", "1e-3", "--steps", "200", "--d", "10", "--kl", "1",
                             "--json"))
    assert ours["value"] == pytest.approx(cli[0]["value"], rel=1e-12)
    assert ours["kappa"] == pytest.approx(0.0715193052, rel=1e-9)  # docs/theory.md test vector
    # Target-derived inputs, from a Target object or its spec, as `difflab bound --target`.
    t = difflab.Target(GAUSS)
    a = difflab.bound("benton24", target=t, inputs={"T": 6.0, "delta": 1e-3, "steps": 50})
    b = difflab.bound("benton24", target=GAUSS, inputs={"T": 6.0, "delta": 1e-3, "steps": 50})
    assert a["value"] == b["value"] and a["value"] > 0


def test_errors_are_value_errors_with_a_message():
    with pytest.raises(ValueError, match="columns, expected the dimension 2"):
        difflab.Target(GAUSS).log_density(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="unknown"):
        difflab.Target({"type": "nope"})
    with pytest.raises(ValueError, match="unknown quantity 'dimension'"):
        difflab.bound("benton24", inputs={"dimension": 3})
    with pytest.raises(ValueError):
        difflab.sample(difflab.exact_score(difflab.Target(GAUSS)), sampler="no-such-sampler")


# --- the engine's faces: every option, sampler and metric the same from Python and the CLI -----

def test_every_registered_sampler_gives_the_cli_bits():
    # Langevin samplers sample the target itself and take their iteration count from options.
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(GAUSS, tmp, "t.json")
        for name in difflab.samplers():
            out = os.path.join(tmp, name + ".npy")
            run_cli("sample", "--target", t, "--sampler", name, "--steps", "6", "--T", "3",
                    "--n", "7", "--seed", "5", "--langevin-steps", "5", "--denoise",
                    "--out", out)
            ours = difflab.sample(GAUSS, sampler=name, steps=6, T=3.0, n=7, seed=5,
                                  langevin_steps=5, denoise=True)
            assert np.array_equal(ours, np.load(out)), name


def test_brownian_noise_gives_the_cli_bits_and_the_same_errors():
    # noise="brownian" (docs/theory.md "Coupled Brownian noise") for every sampler that takes it;
    # the Langevin chains refuse it on both faces.
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(GAUSS, tmp, "t.json")
        ran, refused = [], []
        for name in difflab.samplers():
            out = os.path.join(tmp, name + ".npy")
            args = ["sample", "--target", t, "--sampler", name, "--steps", "6", "--T", "3",
                    "--n", "7", "--seed", "5", "--langevin-steps", "5", "--noise", "brownian",
                    "--out", out]
            cli = subprocess.run([CLI, *args], capture_output=True, text=True)
            if cli.returncode == 2:
                assert 'noise "brownian" is not defined' in cli.stderr, name
                with pytest.raises(ValueError, match='noise "brownian" is not defined'):
                    difflab.sample(GAUSS, sampler=name, steps=6, T=3.0, n=7, seed=5,
                                   langevin_steps=5, noise="brownian")
                refused.append(name)
                continue
            assert cli.returncode == 0, cli.stderr
            ours = difflab.sample(GAUSS, sampler=name, steps=6, T=3.0, n=7, seed=5,
                                  langevin_steps=5, noise="brownian")
            assert np.array_equal(ours, np.load(out)), name
            ran.append(name)
    assert ran and refused, (ran, refused)


def test_law_matches_the_cli_for_gaussian_and_grid_laws():
    with tempfile.TemporaryDirectory() as tmp:
        for spec, extra in ((GAUSS, {}), (MIX, {"grid_nodes": 301})):
            t = write_json(spec, tmp, "t.json")
            args = ["law", "--target", t, "--sampler", "ddpm", "--steps", "12", "--T", "4",
                    "--delta", "0.02", "--seed", "3"]
            for k, v in extra.items():
                args += ["--" + k.replace("_", "-"), str(v)]
            cli = json.loads(run_cli(*args))
            ours = difflab.law(spec, sampler="ddpm", steps=12, T=4.0, delta=0.02, seed=3, **extra)
            for key in ("kl_target_output", "kl_output_target", "tv", "nfe", "method"):
                assert ours[key] == cli[key], key


def test_grid_optimize_matches_the_cli():
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(GAUSS, tmp, "t.json")
        cli = json.loads(run_cli("grid", "optimize", "--target", t, "--sampler", "ddim",
                                 "--steps", "5", "--T", "4", "--delta", "0.01", "--metric", "w2"))
    ours = difflab.grid_optimize(GAUSS, sampler="ddim", steps=5, T=4.0, delta=0.01, metric="w2")
    for key in ("value", "start", "start_value", "times", "iterations"):
        assert ours[key] == cli[key], key
    assert ours["value"] < min(e["value"] for e in ours["named"].values() if "value" in e)
    assert ours["times"][0] == 4.0 and ours["times"][-1] == 0.01 and len(ours["times"]) == 6
    with pytest.raises(ValueError, match="metric 'tv'"):
        difflab.grid_optimize(GAUSS, steps=4, metric="tv")


def test_strong_error_matches_the_cli():
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(GAUSS, tmp, "t.json")
        cli = json.loads(run_cli("strong-error", "--target", t, "--sampler", "em", "--grid",
                                 "uniform", "--T", "2", "--delta", "0.01", "--n", "200",
                                 "--coarse-steps", "8,16,32", "--seed", "3"))
    ours = difflab.strong_error(GAUSS, sampler="em", grid="uniform", T=2.0, delta=0.01, n=200,
                                coarse_steps=[8, 16, 32], seed=3)
    assert ours["points"] == cli["points"] and ours["fit"] == cli["fit"]
    assert [p["fine_steps"] for p in ours["points"]] == [16, 32, 64]
    # Euler-Maruyama with additive noise: strong order 1 (strong_error_test.cpp checks it finely).
    assert 0.7 < ours["fit"]["strong_order"] < 1.3
    with pytest.raises(ValueError, match="increasing"):
        difflab.strong_error(GAUSS, coarse_steps=[16, 8])


def test_eval_matches_the_cli_for_every_metric():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((150, 1)) * 0.6 + 1.5
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(MIX, tmp, "t.json")
        np.save(os.path.join(tmp, "x.npy"), x)
        # memorisation needs an empirical target (tests/python/test_own_model.py).
        names = [m["name"] for m in difflab.metrics() if m["needs"] != "empirical target"]
        assert "kl" not in names and {"knn_kl", "kl_to_target", "mode_weights"} <= set(names)
        for name in names:
            cli = json.loads(run_cli("eval", "--samples", os.path.join(tmp, "x.npy"), "--target",
                                     t, "--metrics", name, "--seed", "4", "--w2-bootstrap", "3"))
            ours = difflab.eval(x, target=MIX, metrics=[name], seed=4, w2_bootstrap=3)
            assert ours[name] == cli[name], name


def test_measured_bounds_match_the_cli():
    with tempfile.TemporaryDirectory() as tmp:
        t = write_json(GAUSS, tmp, "t.json")
        cli = json.loads(run_cli("bound", "--target", t, "--papers", "benton24,ccl23", "--steps",
                                 "40", "--score", "perturbed", "--score-error", "0.05", "--json"))
    ours = difflab.bound(["benton24", "ccl23"], target=GAUSS, measure=True, steps=40,
                         score="perturbed", score_error=0.05)
    for a, b in zip(ours, cli):
        assert a["paper"] == b["paper"] and a.get("value") == b.get("value")
        assert a.get("measured") == b.get("measured")


def test_run_rows_match_the_cli_rows():
    spec = {"seed": 2, "base": {"target": GAUSS, "sampler": "em", "grid": "uniform", "steps": 10,
                                "T": 3.0, "n": 120},
            "sweep": {"axes": {"steps": [5, 10]}}, "metrics": ["law", "sw2"],
            "bounds": ["ccl23"]}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_json(spec, tmp, "spec.json")
        run_cli("run", path, "--out", os.path.join(tmp, "cli"))
        cli = sorted((json.loads(l) for l in open(os.path.join(tmp, "cli", "results.jsonl"))),
                     key=lambda r: r["row"])
        ours = difflab.run(spec, os.path.join(tmp, "py"))["rows"]
    for a, b in zip(ours, cli):
        a.pop("wall_seconds"), b.pop("wall_seconds")
        assert a == b


def test_options_tables_and_errors_speak_python_names():
    names = [f["name"] for f in difflab.options("run")]
    assert {"sampler", "steps", "denoise", "rtol", "annealed_step_rule"} <= set(names)
    with pytest.raises(ValueError, match="'steps' must be an integer in"):
        difflab.sample(GAUSS, steps=4294967306)
    with pytest.raises(ValueError, match="unknown option 'denoise_last_step'"):
        difflab.sample(GAUSS, denoise_last_step=True)
    grid_names = {f["name"]: f["default"] for f in difflab.options("run_grid_optimize")}
    assert grid_names == {"grid_optimize_metric": "kl", "grid_optimize_budget": 400,
                          "grid_optimize_source": "self"}


def test_report_writes_the_page_of_a_run():
    spec = {"seed": 1, "base": {"target": {"type": "gmm", "weights": [0.5, 0.5],
                                           "means": [[-1.5, 0.0], [1.5, 0.0]],
                                           "vars": [0.3, 0.3]},
                                "sampler": "ei", "steps": 20, "T": 4.0, "n": 200},
            "sweep": {"axes": {"steps": [10, 20]}}, "metrics": ["sw2"]}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "exp")
        difflab.run(spec, out)
        html = difflab.report(out)
        assert html == out + "/report.html" and os.path.getsize(html) > 1000
        # The 2-D data the library wrote: the rows re-sampled bit for bit from their seeds.
        fig = json.load(open(os.path.join(out, "report", "figures2d.json")))
        assert len(fig["rows"]) >= 1 and len(fig["views"]) == 1


def test_set_threads_refuses_counts_outside_its_range():
    with pytest.raises(ValueError, match=r"threads must be in \[0, 4096\]"):
        difflab.set_threads(10**9)
    with pytest.raises(ValueError, match="got -1"):
        difflab.set_threads(-1)
    assert difflab.set_threads(1) == 1
    difflab.set_threads(0)


def test_a_noise_level_or_time_that_defines_no_law_is_refused():
    t = difflab.Target({"type": "gaussian", "mean": [0.0], "var": 1.0})
    x = np.zeros((3, 1))
    with pytest.raises(ValueError, match="sigma2 finite and >= 0"):
        t.score(x, sigma2=-1.0)
    with pytest.raises(ValueError, match="alpha must be finite"):
        t.log_density(x, alpha=float("nan"))
    with pytest.raises(ValueError, match="time t must be finite and >= 0, got -1"):
        difflab.exact_score(t)(-1.0, x)


def test_set_max_memory_refuses_requests_above_it_before_allocating():
    t = difflab.Target(GAUSS)
    difflab.set_max_memory("1M")
    try:
        with pytest.raises(ValueError, match="the max_memory setting") as e:
            t.sample(10**6, 1)  # 16 MB of samples
        assert "--" not in str(e.value)
        assert t.sample(100, 1).shape == (100, 2)
        with pytest.raises(ValueError, match="not a memory size"):
            difflab.set_max_memory("lots")
    finally:
        difflab.set_max_memory(None)
    assert t.sample(10**6, 1).shape == (10**6, 2)
