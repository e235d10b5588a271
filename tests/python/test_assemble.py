"""The report assembler (python/difflab_report/assemble.py) on synthetic results directories
whose answers are known in closed form: power laws, their crossings of a threshold, replicate
pooling, row filters and the errors for bad hints."""
import json
import math
import os
import subprocess
import sys

import pytest

from difflab_report import assemble


def write_experiment(tmp_path, spec, rows, fits=None):
    d = tmp_path / spec.get("name", "exp")
    d.mkdir()
    (d / "spec.json").write_text(json.dumps(spec))
    with open(d / "results.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
        f.write('{"row": 99, "torn')  # a row cut by a kill: ignored, as by the runner
    if fits is not None:
        (d / "fits.json").write_text(json.dumps(fits))
    return str(d)


def power_rows(c_by_d, steps, seeds=(0,)):
    """KL = c_d / N^2 for each (d, N, seed): the needed N for KL <= eps is sqrt(c_d / eps)."""
    rows = []
    for d, c in c_by_d.items():
        for n in steps:
            for s in seeds:
                rows.append({"row": len(rows), "options": {"d": d, "steps": n, "seed": s},
                             "metrics": {"law": {"kl": c / n ** 2}}})
    return rows


def test_threshold_figure_draws_the_library_crossings_and_fit(tmp_path):
    # The crossings and the fit are the library's (report_fits.cpp, tested there against the
    # closed form); the report draws what fits.json says and never refits: the fit below is
    # deliberately not the fit of its points.
    spec = {"name": "thr", "base": {}, "sweep": {"axes": {"d": [1, 10], "steps": [8, 16]}},
            "report": {"threshold": {"metric": "law.kl", "eps": 1e-3, "over": "steps", "against": "d"}}}
    fits = {"fits": [], "report_fits": {"curves": [], "thresholds": [{
        "hint": 0, "column": "metrics.law.kl", "missing": [{"group": {}, "x": 100}],
        "groups": [{"group": {}, "x": [1, 10], "y": [31.6, 100.0],
                    "fit": {"slope": 0.25, "intercept": 3.0, "ci": None, "r2": 1, "n": 2}}]}]}}
    d = write_experiment(tmp_path, spec, power_rows({1: 1.0, 10: 10.0}, [8, 16]), fits)
    data = assemble.section(d)
    fig = next(f for f in data["figures"] if f["kind"] == "curves")
    s = fig["series"][0]
    assert s["x"] == [1, 10] and s["y"] == [31.6, 100.0]
    assert s["fit"] == {"slope": 0.25, "intercept": 3.0}  # no interval: none is drawn
    assert any("slope 0.25" in line for line in data["summary"])
    assert any("not reached" in line and "d=100" in line for line in data["summary"])


def test_ratio_figure_draws_the_library_ratios_with_a_line_at_one(tmp_path):
    # The ratios are the library's (report_fits.cpp, tested there); the report draws fits.json's
    # values: 0.4 is deliberately not 0.05 / 0.1 of the rows.
    spec = {"name": "ratio", "base": {},
            "sweep": {"mode": "zip", "axes": {"grid": ["karras", "optimized"], "steps": [4, 4]}},
            "report": {"ratios": [{"metric": "law.kl", "x": "steps",
                                   "baseline": {"grid": ["karras"]}, "title": "gain"},
                                  {"metric": "law.kl", "x": "steps", "baseline": {"grid": ["x"]},
                                   "title": "broken"}]}}
    rows = [{"row": 0, "options": {"grid": "karras", "steps": 4}, "metrics": {"law": {"kl": 0.1}}},
            {"row": 1, "options": {"grid": "optimized", "steps": 4},
             "metrics": {"law": {"kl": 0.05}}}]
    fits = {"fits": [], "report_fits": {"curves": [], "thresholds": [], "ratios": [
        {"hint": 0, "column": "metrics.law.kl", "x_column": "options.steps", "group_by": [],
         "series_by": ["grid"], "missing": [],
         "series": [{"group": {"grid": "optimized"}, "x": [4.0], "y": [0.4], "value": [0.05],
                     "baseline_value": [0.125], "baseline": [{"grid": "karras"}]}]},
        {"hint": 1, "error": "no baseline"}]}}
    data = assemble.section(write_experiment(tmp_path, spec, rows, fits))
    fig = next(f for f in data["figures"] if f["title"] == "gain")
    assert fig["series"] == [{"label": "grid=optimized", "x": [4.0], "y": [0.4]}]
    assert fig["hline"]["y"] == 1.0
    assert any("gain, grid=optimized: steps=4: 0.4 (0.05 against grid=karras 0.125)" in line
               for line in data["summary"])
    assert "broken: no baseline" in data["summary"]
    assert not any(f["title"] == "broken" for f in data["figures"])


def test_ratios_left_out_are_one_line_per_series_with_each_reason(tmp_path):
    spec = {"name": "left", "base": {},
            "sweep": {"mode": "zip", "axes": {"grid": ["karras", "optimized"], "steps": [4, 4]}},
            "report": {"ratios": [{"metric": "law.kl", "x": "steps",
                                   "baseline": {"grid": ["karras"]}, "title": "gain"}],
                       "table": ["law.kl"]}}
    rows = [{"row": 0, "options": {"grid": "karras", "steps": 4}, "metrics": {"law": {"kl": 0.1}}}]
    source = {"grid_optimize_source": "targets/mix1.json"}
    fits = {"fits": [], "report_fits": {"curves": [], "thresholds": [], "ratios": [
        {"hint": 0, "column": "metrics.law.kl", "x_column": "options.steps", "group_by": [],
         "series_by": ["grid_optimize_source"], "series": [],
         "missing": [{"group": source, "row": 1, "x": 5.0, "reason": "refused: A"},
                     {"group": source, "row": 2, "x": 10.0, "reason": "refused: A"},
                     {"group": source, "row": 3, "x": 20.0, "reason": "metrics.law.kl is infinite"},
                     {"group": source, "row": 4, "reason": "no steps"}]}]}}
    data = assemble.section(write_experiment(tmp_path, spec, rows, fits))
    # A target file is named by its stem.
    assert ("gain, grid_optimize_source=mix1: not drawn at steps=5, steps=10 (refused: A); "
            "steps=20 (metrics.law.kl is infinite); row 4 (no steps)") in data["summary"]


def test_results_without_the_library_fits_say_so(tmp_path):
    spec = {"name": "old", "base": {}, "sweep": {"axes": {"d": [1, 10]}},
            "report": {"curves": [{"name": "kl", "x": "d", "y": ["law.kl"], "fit": True}]}}
    d = write_experiment(tmp_path, spec, power_rows({1: 1.0, 10: 10.0}, [10]), {"fits": []})
    data = assemble.section(d)
    fig = next(f for f in data["figures"] if f["name"] == "kl")
    assert "fit" not in fig["series"][0]
    assert any("predates the report's fits" in line for line in data["summary"])


def test_threshold_not_reached_is_said(tmp_path):
    spec = {"name": "thr2", "base": {}, "sweep": {"axes": {"d": [1], "steps": [8, 16]}},
            "report": {"threshold": {"metric": "law.kl", "eps": 1e-9, "over": "steps", "against": "d"}}}
    d = write_experiment(tmp_path, spec, power_rows({1: 1.0}, [8, 16]))
    with pytest.raises(assemble.AssembleError, match="nothing to draw"):
        assemble.section(d)


def test_seed_replicates_are_pooled_and_where_filters(tmp_path):
    spec = {"name": "pool", "base": {}, "sweep": {"axes": {"d": [1, 4], "steps": [10, 20], "seed": [1, 2, 3]}},
            "report": {"curves": [{"name": "kl_vs_d", "x": "d", "y": ["law.kl"], "where": {"steps": 20}, "fit": True}]}}
    d = write_experiment(tmp_path, spec, power_rows({1: 1.0, 4: 4.0}, [10, 20], seeds=(1, 2, 3)))
    data = assemble.section(d)
    fig = next(f for f in data["figures"] if f["name"] == "kl_vs_d")
    # Grouped by no axis ("seed" pools, "steps" is filtered to 20, "d" is x): one series of
    # 2 d-values x 3 seeds, KL = d / 400, slope exactly 1.
    assert len(fig["series"]) == 1
    s = fig["series"][0]
    assert len(s["x"]) == 6 and set(s["y"]) == {1 / 400, 4 / 400}


def test_bad_hints_name_the_problem(tmp_path):
    spec = {"name": "bad", "base": {}, "sweep": {"axes": {"d": [1, 2]}},
            "report": {"curves": [{"x": "d", "y": ["law.nope"]}]}}
    d = write_experiment(tmp_path, spec, power_rows({1: 1.0, 2: 2.0}, [10]))
    with pytest.raises(assemble.AssembleError, match="'law.nope' is not a results column"):
        assemble.section(d)
    spec["report"] = {"curves": [{"y": ["law.kl"]}]}
    (tmp_path / "bad" / "spec.json").write_text(json.dumps(spec))
    with pytest.raises(assemble.AssembleError, match="'x' is required"):
        assemble.section(d)


def test_build_command_writes_data_and_page(tmp_path):
    spec = {"name": "cli", "base": {}, "sweep": {"axes": {"d": [1, 10, 100]}},
            "report": {"curves": [{"name": "kl", "x": "d", "y": ["law.kl"], "fit": True}]}}
    d = write_experiment(tmp_path, spec, power_rows({1: 1.0, 10: 10.0, 100: 100.0}, [10]))
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "..", "python"))
    html = tmp_path / "page.html"
    proc = subprocess.run([sys.executable, "-m", "difflab_report", "build", "--html", str(html),
                           "--figure-dir", str(tmp_path / "figs"), d],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.load(open(os.path.join(d, "report", "report_data.json")))["name"] == "cli"
    assert "cli_kl.png" in html.read_text()
    # A directory without results: one line, exit 2.
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "spec.json").write_text("{}")
    proc = subprocess.run([sys.executable, "-m", "difflab_report", "build", "--html", str(html),
                           "--figure-dir", str(tmp_path / "figs"), str(empty)],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_grid_errors_are_drawn_as_bars_and_the_fits_table_shows_the_widened_interval(tmp_path):
    # KL = 3 / N^2 from a grid law with a grid error of 2% of each value (law_report.hpp writes
    # it as metrics.law.grid_error.KEY); fits.json as the runner writes it with the interval
    # widened for that error.
    steps = [10, 20, 40, 80]
    rows = [{"row": k, "options": {"steps": n},
             "metrics": {"law": {"kl": 3 / n ** 2, "grid_error": {"kl": 0.02 * 3 / n ** 2}}}}
            for k, n in enumerate(steps)]
    fit = {"slope": -2.0, "intercept": math.log(3), "ci": [-2.0, -2.0], "r2": 1.0, "n": 4,
           "ci_with_grid_error": [-2.03, -1.97], "grid_error_slope_shift": [0.03, 0.03],
           "grid_error_max_relative": 0.02}
    fits = {"fits": [{"metric": "kl", "against": "steps", "column": "metrics.law.kl",
                      "grid_error_column": "metrics.law.grid_error.kl",
                      "groups": [{"group": {}, "x": steps, "y": [3 / n ** 2 for n in steps],
                                  "y_err": [0.06 / n ** 2 for n in steps], "fit": fit}]}]}
    spec = {"name": "grid", "base": {}, "sweep": {"axes": {"steps": steps}},
            "report": {"curves": [{"name": "kl", "x": "steps", "y": ["law.kl"]}]}}
    data = assemble.section(write_experiment(tmp_path, spec, rows, fits))
    for name in ("fit0_kl_vs_steps", "kl"):  # the fit figure and the curve figure
        s = next(f for f in data["figures"] if f["name"] == name)["series"][0]
        assert s["ci_lo"] == pytest.approx([0.98 * 3 / n ** 2 for n in steps], rel=1e-12)
        assert s["ci_hi"] == pytest.approx([1.02 * 3 / n ** 2 for n in steps], rel=1e-12)
    fig = next(f for f in data["figures"] if f["name"] == "fit0_kl_vs_steps")
    assert fig["series"][0]["fit"]["ci"] == [-2.03, -1.97]
    assert "grid error" in fig["caption"]
    table = next(f for f in data["figures"] if f["kind"] == "table" and f["name"] == "fits")
    assert table["columns"][-2:] == ["CI low with grid error", "CI high with grid error"]
    assert table["rows"][0][4:6] == [-2.0, -2.0] and table["rows"][0][-2:] == [-2.03, -1.97]
    assert any("with the grid error [-2.03, -1.97]" in line for line in data["summary"])

    # Without a grid error in the rows, no bars, and the table keeps its eight columns.
    for r in rows:
        del r["metrics"]["law"]["grid_error"]
    del fits["fits"][0]["grid_error_column"]
    for key in ("ci_with_grid_error", "grid_error_slope_shift", "grid_error_max_relative"):
        del fit[key]
    spec["name"] = "exact"
    data = assemble.section(write_experiment(tmp_path, spec, rows, fits))
    assert all("ci_lo" not in s for f in data["figures"] if f["kind"] == "curves"
               for s in f["series"])
    assert len(next(f for f in data["figures"] if f["kind"] == "table")["columns"]) == 8


def test_a_fit_with_sampler_orders_gets_the_orders_table(tmp_path):
    # fits.json as the runner writes it for a fit against steps (experiment_fits.hpp's
    # sampler_order): the report lists each measured order beside the stated and published ones.
    steps = [10, 20, 40]
    rows = [{"row": k, "options": {"steps": n, "sampler": "lms"},
             "metrics": {"law": {"w2": n ** -3.5}}} for k, n in enumerate(steps)]
    order = {"sampler": "lms", "measured": 3.5, "measured_ci": [3.4, 3.6], "stated": 2.0,
             "published": 4.0, "published_source": "Adams-Bashforth of order 4"}
    fit = {"slope": -3.5, "intercept": 0.0, "ci": [-3.6, -3.4], "r2": 1.0, "n": 3}
    fits = {"fits": [{"metric": "w2", "against": "steps", "column": "metrics.law.w2",
                      "groups": [{"group": {"sampler": "lms"}, "x": steps,
                                  "y": [n ** -3.5 for n in steps], "fit": fit,
                                  "sampler_order": order}]}]}
    spec = {"name": "orders", "base": {}, "sweep": {"axes": {"steps": steps, "sampler": ["lms"]}}}
    data = assemble.section(write_experiment(tmp_path, spec, rows, fits))
    table = next(f for f in data["figures"] if f["name"] == "sampler_orders")
    assert table["rows"] == [["lms", 3.5, 3.4, 3.6, 2.0, 4.0, "Adams-Bashforth of order 4"]]
    assert any(line.startswith("lms: measured order 3.50 [3.40, 3.60], stated 2, published 4")
               for line in data["summary"])
    # A sampler with no published order says so, in its source's words or in these.
    order["published"] = None
    order["published_source"] = "none found in the sources read"
    spec["name"] = "none"
    data = assemble.section(write_experiment(tmp_path, spec, rows, fits))
    assert any(line.endswith("stated 2, published: none found in the sources read")
               for line in data["summary"])
    order["published_source"] = ""
    spec["name"] = "none2"
    data = assemble.section(write_experiment(tmp_path, spec, rows, fits))
    assert any(line.endswith("published: none stated") for line in data["summary"])
