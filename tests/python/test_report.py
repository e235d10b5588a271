"""The report renderer (python/difflab_report) through its command line, as difflab runs it.

Run with `PYTHONPATH=python /usr/bin/python3 -m pytest tests/python/test_report.py`; needs only
Debian's python3-matplotlib, python3-numpy and python3-pytest. The synthetic data has every
figure kind, with contents that have closed forms (a slope-2 curve and its fit, the exact
density of a 2-component mixture, the exact score of a Gaussian).
"""
import base64
import copy
import json
import math
import os
import re
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

PYTHON_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python")
sys.path.insert(0, PYTHON_DIR)

from difflab_report import figures  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def curves_figure():
    """err = 0.3 h^2 (fit slope 2), err = 0.5 h with a bound, reference slopes, a target."""
    h = np.geomspace(0.005, 0.4, 8)
    wobble = 1 + 0.05 * np.sin(np.arange(8))
    ei = 0.3 * h**2 * wobble
    em = 0.5 * h * wobble[::-1]
    return {
        "kind": "curves", "name": "tv_vs_h", "title": "TV distance against the step size h",
        "caption": "Exponential integrator (ei) and Euler-Maruyama (em), 95% CIs.",
        "axes": "loglog", "xlabel": "step size h", "ylabel": "TV(q, p)",
        "series": [
            {"label": "ei", "x": h.tolist(), "y": ei.tolist(), "ci_lo": (0.85 * ei).tolist(),
             "ci_hi": (1.15 * ei).tolist(),
             "fit": {"slope": 2.0, "intercept": math.log(0.3), "ci": [1.96, 2.04]}},
            {"label": "em", "x": h.tolist(), "y": em.tolist(),
             "fit": {"slope": 1.0, "intercept": math.log(0.5), "ci": [0.97, 1.03]}},
        ],
        "bounds": [{"label": "em bound (CCL23)", "x": h.tolist(), "y": (3 * h**0.5).tolist()},
                   {"label": "generic bound", "x": h.tolist(), "y": (8 * h).tolist()}],
        "reference_slopes": [{"label": "h^1/2 (CCL23 bound rate)", "slope": 0.5},
                             {"label": "h^2", "slope": 2.0}],
        "hline": {"label": "target eps = 1e-3", "y": 1e-3},
    }


def mixture_density(x, y):
    """0.2 N((-2, -2), 0.5 I) + 0.8 N((2, 1), 0.5 I) on the grid: z[i][j] at (x[j], y[i])."""
    gx, gy = np.meshgrid(x, y)
    z = np.zeros_like(gx)
    for w, (mx, my) in ((0.2, (-2.0, -2.0)), (0.8, (2.0, 1.0))):
        z += w * np.exp(-((gx - mx) ** 2 + (gy - my) ** 2) / (2 * 0.5)) / (2 * math.pi * 0.5)
    return {"x": x.tolist(), "y": y.tolist(), "z": z.tolist()}


def mixture_samples(rng, n, heavy=0.8):
    heavy_mode = rng.random(n) < heavy
    means = np.where(heavy_mode[:, None], [2.0, 1.0], [-2.0, -2.0])
    return (means + math.sqrt(0.5) * rng.standard_normal((n, 2))).tolist()


def scatter_figure(rng):
    density = mixture_density(np.linspace(-5, 5, 81), np.linspace(-5, 4, 73))
    return {"kind": "scatter", "name": "samples", "title": "Samples against the target",
            "caption": "2000 samples per sampler.", "density": density,
            "panels": [{"label": "exact", "points": mixture_samples(rng, 2000)},
                       {"label": "ei, 20 steps", "points": mixture_samples(rng, 2000, 0.7)},
                       {"label": "Langevin", "points": mixture_samples(rng, 2000, 0.5)}]}


def trajectories_figure(rng):
    t = np.geomspace(1.0, 1e-3, 25)
    start = rng.standard_normal((12, 2)) * 1.5
    end = np.array(mixture_samples(rng, 12))
    w = (1 - t / t[0])[:, None]
    paths = [(s[None, :] * (1 - w) + e[None, :] * w
              + 0.15 * np.sin(7 * w) * rng.standard_normal(2)).tolist()
             for s, e in zip(start, end)]
    return {"kind": "trajectories", "name": "paths", "title": "Particles from T to delta",
            "t": t.tolist(), "paths": paths,
            "density": mixture_density(np.linspace(-5, 5, 61), np.linspace(-5, 4, 55))}


def gaussian_score_panel(t):
    """Exact score of the OU-noised N(m, S): S_t = e^{-2t} S + (1 - e^{-2t}) I, mean e^{-t} m."""
    m, s = np.array([1.0, -0.5]), np.array([[1.5, 0.8], [0.8, 1.0]])
    st = math.exp(-2 * t) * s + (1 - math.exp(-2 * t)) * np.eye(2)
    mt = math.exp(-t) * m
    x, y = np.linspace(-3, 3, 13), np.linspace(-3, 3, 13)
    gx, gy = np.meshgrid(x, y)
    d = np.stack([gx - mt[0], gy - mt[1]], axis=-1)
    prec = np.linalg.inv(st)
    score = -d @ prec.T
    z = np.exp(-0.5 * np.einsum("...i,ij,...j->...", d, prec, d))
    fine = np.linspace(-3.2, 3.2, 65)
    fx, fy = np.meshgrid(fine, fine)
    fd = np.stack([fx - mt[0], fy - mt[1]], axis=-1)
    fz = np.exp(-0.5 * np.einsum("...i,ij,...j->...", fd, prec, fd))
    assert z.shape == (13, 13)
    return {"t": t, "x": x.tolist(), "y": y.tolist(), "u": score[..., 0].tolist(),
            "v": score[..., 1].tolist(),
            "density": {"x": fine.tolist(), "y": fine.tolist(), "z": fz.tolist()}}


def quiver_figure():
    return {"kind": "quiver", "name": "score", "title": "Exact score of a noised Gaussian",
            "panels": [gaussian_score_panel(t) for t in (0.01, 0.5, 2.0)]}


def bars_figure():
    return {"kind": "bars", "name": "mode_weights", "title": "Mass in each mode",
            "caption": "Binomial 95% CIs; the black marks are the target weights.",
            "categories": ["mode (-2, -2)", "mode (2, 1)"], "ylabel": "fraction of samples",
            "series": [{"label": "Langevin", "values": [0.5, 0.5], "ci_lo": [0.47, 0.47],
                        "ci_hi": [0.53, 0.53]},
                       {"label": "annealed Langevin", "values": [0.23, 0.77]},
                       {"label": "ei", "values": [0.19, 0.81], "ci_lo": [0.17, 0.79],
                        "ci_hi": [0.21, 0.83]}],
            "reference": {"label": "target", "values": [0.2, 0.8]}}


def table_figure():
    return {"kind": "table", "name": "fits", "title": "Fitted slopes",
            "columns": ["sampler", "steps", "slope", "TV at h = 0.01", "note"],
            "rows": [["ei", 128, 2.0612345, 3.000123e-05, None],
                     ["em", 128, 0.98765, 0.00499, "<biased>"]]}


def main_data():
    rng = np.random.default_rng(0)
    return {"version": 1, "name": "ccl23_tv_vs_h", "title": "TV against h <for CCL23>",
            "description": "Synthetic data with every figure kind.\n\nSecond paragraph.",
            "claim": "CCL23: TV = O(h^1/2) for Euler-type samplers; we measure the rate.",
            "summary": ["ei converges at rate 2", "em at rate 1 & stays above eps"],
            "figures": [curves_figure(), scatter_figure(rng), trajectories_figure(rng),
                        quiver_figure(), bars_figure(), table_figure()]}


def second_data():
    """A second section: linear and semilogy curves, one non-positive point to drop."""
    x = np.arange(1.0, 9.0)
    return {"version": 1, "name": "linear-check", "title": "Linear and semi-log axes",
            "description": "Curves on other axes.",
            "figures": [
                {"kind": "curves", "name": "linear", "title": "Bias against n", "axes": "linear",
                 "xlabel": "n", "ylabel": "bias",
                 "series": [{"label": "bias", "x": x.tolist(), "y": (0.5 - 0.1 * x).tolist(),
                             "fit": {"slope": -0.1, "intercept": 0.5, "ci": [-0.11, -0.09]}}],
                 "reference_slopes": [{"label": "slope -0.05", "slope": -0.05}],
                 "hline": {"label": "zero", "y": 0.0}},
                {"kind": "curves", "name": "semilogy", "title": "Error against steps",
                 "axes": "semilogy", "xlabel": "steps", "ylabel": "error",
                 "series": [{"label": "err", "x": x.tolist(),
                             "y": [0.0] + np.exp(-0.7 * x[1:]).tolist(),
                             "fit": {"slope": -0.7, "intercept": 0.0, "ci": [-0.75, -0.65]}}]},
            ]}


def write_json(obj, directory, name):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def run_render(data_paths, out_dir):
    html = os.path.join(out_dir, "report.html")
    figdir = os.path.join(out_dir, "figures")
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    proc = subprocess.run([sys.executable, "-m", "difflab_report", "render", "--html", html,
                           "--figure-dir", figdir, *data_paths],
                          capture_output=True, text=True, env=env, timeout=300)
    return proc, html, figdir


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    data = [main_data(), second_data()]
    paths = [write_json(d, str(tmp), f"data{i}.json") for i, d in enumerate(data)]
    proc, html, figdir = run_render(paths, str(tmp / "out"))
    return data, paths, proc, html, figdir


def read_listing(figdir):
    with open(os.path.join(figdir, "figures.json")) as f:
        return json.load(f)


def test_render_succeeds_with_only_the_expected_warning(rendered):
    _, paths, proc, _, _ = rendered
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr.strip().splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith(f"difflab report: {paths[1]}: warning: figures[1].series[0]")
    assert "dropped 1 of 8 points" in warnings[0]


def test_every_listed_png_is_valid_with_its_size(rendered):
    data, _, _, _, figdir = rendered
    specs = {(d["name"], f["name"]): f for d in data for f in d["figures"]}
    for item in read_listing(figdir):
        assert set(item) == {"section", "figure", "file", "kind", "title"}
        path = os.path.join(figdir, item["file"])
        assert item["file"] == f"{item['section']}_{item['figure']}.png"
        with open(path, "rb") as f:
            assert f.read(8) == PNG_MAGIC
        image = matplotlib.image.imread(path)
        w, h = figures.size_inches(specs[(item["section"], item["figure"])])
        assert image.shape[:2] == (round(h * figures.DPI), round(w * figures.DPI))


def test_listing_has_every_non_table_figure_in_order(rendered):
    data, _, _, _, figdir = rendered
    expected = [(d["name"], f["name"], f["kind"], f["title"])
                for d in data for f in d["figures"] if f["kind"] != "table"]
    got = [(i["section"], i["figure"], i["kind"], i["title"]) for i in read_listing(figdir)]
    assert got == expected


def test_html_embeds_each_png_and_names_its_file(rendered):
    _, _, _, html_path, figdir = rendered
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    listing = read_listing(figdir)
    assert len(uris) == len(listing)
    for item, uri in zip(listing, uris):
        with open(os.path.join(figdir, item["file"]), "rb") as f:
            assert base64.b64decode(uri) == f.read()
        assert f"figures/{item['file']}" in page


def test_html_has_every_section_figure_and_table_escaped(rendered):
    data, _, _, html_path, _ = rendered
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    assert "<nav" in page
    assert "TV against h &lt;for CCL23&gt;" in page and "<for CCL23>" not in page
    assert "&lt;biased&gt;" in page and "&amp; stays above eps" in page
    positions = []
    for d in data:
        positions.append(page.index(f'<section id="{d["name"]}">'))
        for fig in d["figures"]:
            positions.append(page.index(f'<figure id="{d["name"]}.{fig["name"]}">'))
            assert fig["title"] in page
    assert positions == sorted(positions)
    assert "<td class=\"num\">2.061</td>" in page and "<td class=\"num\">3e-05</td>" in page
    assert "<td class=\"num\">128</td>" in page


def test_rendering_twice_gives_identical_pngs(rendered, tmp_path):
    _, paths, _, _, figdir = rendered
    proc, _, figdir2 = run_render(paths, str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for item in read_listing(figdir):
        with open(os.path.join(figdir, item["file"]), "rb") as a, \
                open(os.path.join(figdir2, item["file"]), "rb") as b:
            assert a.read() == b.read(), item["file"]


def png_chunk_types(data):
    """The chunk types of a PNG file, in order."""
    types, pos = [], len(PNG_MAGIC)
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        types.append(data[pos + 4:pos + 8].decode("ascii"))
        pos += 12 + length
    return types


def test_pngs_carry_no_software_or_time_metadata(rendered):
    _, _, _, _, figdir = rendered
    for item in read_listing(figdir):
        with open(os.path.join(figdir, item["file"]), "rb") as f:
            data = f.read()
        types = png_chunk_types(data)
        assert types[0] == "IHDR" and types[-1] == "IEND"
        assert "tIME" not in types and b"Software" not in data


def test_no_temporary_files_are_left(rendered):
    _, _, _, html_path, figdir = rendered
    for d in (figdir, os.path.dirname(html_path)):
        assert not [n for n in os.listdir(d) if n.endswith(".tmp")]


def small_data():
    """One cheap curves figure, the base of the error cases."""
    return {"version": 1, "name": "s", "title": "t", "description": "d",
            "figures": [{"kind": "curves", "name": "c", "title": "c", "xlabel": "x",
                         "ylabel": "y", "series": [{"label": "a", "x": [1, 2], "y": [1, 2]}]}]}


def without_title(d):
    del d["title"]


def string_for_x(d):
    d["figures"][0]["series"][0]["x"] = "1, 2"


def unequal_lengths(d):
    d["figures"][0]["series"][0]["y"] = [1, 2, 3]


def bad_name(d):
    d["name"] = "a b/c"


def nonpositive_log(d):
    d["figures"][0]["series"][0]["y"] = [0, -1]


def bad_kind(d):
    d["figures"][0]["kind"] = "pie"


def bad_mathtext(d):
    d["figures"][0]["xlabel"] = r"$\nosuchcommand$"


def duplicate_figure(d):
    d["figures"].append(copy.deepcopy(d["figures"][0]))


def ragged_density(d):
    d["figures"] = [{"kind": "scatter", "name": "s", "title": "s",
                     "density": {"x": [0, 1, 2], "y": [0, 1], "z": [[1, 1, 1], [1, 1]]},
                     "panels": [{"label": "p", "points": [[0, 0]]}]}]


@pytest.mark.parametrize("mutate, expected", [
    (without_title, 'missing key "title"'),
    (string_for_x, "figures[0].series[0].x: expected a list, got a string"),
    (unequal_lengths, "figures[0].series[0].y: 3 values, but x has 2"),
    (bad_name, "name: 'a b/c' is not a valid name"),
    (nonpositive_log, "figures[0].series[0]: all 2 points have non-positive"),
    (bad_kind, "figures[0].kind: unknown kind 'pie'"),
    (bad_mathtext, "figures[0] (c): cannot draw"),
    (duplicate_figure, "figures[1].name: 'c' is used by an earlier figure"),
    (ragged_density, "figures[0].density.z[1]: 2 values, but x has 3"),
])
def test_bad_data_exits_2_with_one_line(tmp_path, mutate, expected):
    data = small_data()
    mutate(data)
    path = write_json(data, str(tmp_path), "bad.json")
    proc, html, _ = run_render([path], str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"difflab report: {path}: "), proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not os.path.exists(html)


def test_missing_and_invalid_files_exit_2(tmp_path):
    missing = str(tmp_path / "nonexistent.json")
    proc, _, _ = run_render([missing], str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr == f"difflab report: {missing}: cannot read: No such file or directory\n"
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"version": 1,')
    proc, _, _ = run_render([str(invalid)], str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"difflab report: {invalid}: invalid JSON")
    assert proc.stderr.count("\n") == 1


def test_colliding_png_file_names_exit_2(tmp_path):
    first, second = small_data(), small_data()
    first["name"], first["figures"][0]["name"] = "a_b", "c"
    second["name"], second["figures"][0]["name"] = "a", "b_c"
    a = write_json(first, str(tmp_path), "a.json")
    b = write_json(second, str(tmp_path), "b.json")
    proc, _, _ = run_render([a, b], str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"difflab report: {b}: figures[0].name: the file a_b_c.png")
    assert proc.stderr.count("\n") == 1


def test_two_files_with_one_section_name_exit_2(tmp_path):
    a = write_json(small_data(), str(tmp_path), "a.json")
    b = write_json(small_data(), str(tmp_path), "b.json")
    proc, _, _ = run_render([a, b], str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr == f"difflab report: {b}: name: section 's' is already used by {a}\n"


# ---------------------------------------------------------------- fits without an interval,
# bounds beside measurements, one bad experiment directory

from difflab_report import assemble  # noqa: E402


def _experiment(tmp_path, name, spec, rows, fits=None):
    d = tmp_path / name
    d.mkdir()
    (d / "spec.json").write_text(json.dumps(spec))
    (d / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    if fits is not None:
        (d / "fits.json").write_text(json.dumps(fits))
    return str(d)


def _bound_cell(value, metric="KL", samplers=("ei",), certified=True, vacuous=False,
                kind="published_bound"):
    return {"value": value, "metric": metric, "quantity": "error_bound", "kind": kind,
            "samplers": list(samplers), "certified": certified, "vacuous": vacuous}


def _two_point_experiment(tmp_path, name="twopoint", bound=None, sampler="ei",
                          metric="kl_target_output"):
    """KL = 1/N at N = 10, 20 (two points: the runner's fit has no interval and writes null)."""
    rows = []
    for i, n in enumerate((10, 20)):
        r = {"row": i, "options": {"steps": n, "sampler": sampler},
             "metrics": {"law": {metric: 1.0 / n}}}
        if bound is not None:
            r["bounds"] = {"b": dict(bound, value=bound["value"] * 10 / n)}
        rows.append(r)
    spec = {"name": name, "base": {}, "sweep": {"axes": {"steps": [10, 20]}},
            "bounds": ["b"] if bound is not None else []}
    fits = {"fits": [{"metric": metric, "against": "steps", "column": f"metrics.law.{metric}",
                      "groups": [{"group": {}, "fit": {"slope": -1.0, "intercept": 0.0,
                                                       "ci": [None, None], "r2": 1.0,
                                                       "n": 2}}]}]}
    return _experiment(tmp_path, name, spec, rows, fits)


def run_build(dirs, out_dir):
    html = os.path.join(out_dir, "report.html")
    figdir = os.path.join(out_dir, "figures")
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    proc = subprocess.run([sys.executable, "-m", "difflab_report", "build", "--html", html,
                           "--figure-dir", figdir, *dirs],
                          capture_output=True, text=True, env=env, timeout=300)
    return proc, html, figdir


def test_fit_over_two_points_with_a_null_interval_renders(tmp_path):
    d = _two_point_experiment(tmp_path)
    proc, html, figdir = run_build([d], str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    page = open(html).read()
    assert "slope" in page or os.listdir(figdir)
    data = json.load(open(os.path.join(d, "report", "report_data.json")))
    fit = data["figures"][0]["series"][0]["fit"]
    assert fit["slope"] == -1.0 and "ci" not in fit
    table = next(f for f in data["figures"] if f["kind"] == "table")
    assert table["rows"][0][4] is None and table["rows"][0][5] is None


def test_infinite_kl_written_as_null_with_its_reason_is_read_as_infinity(tmp_path):
    """The library writes an infinite KL as null with kl_target_output_reason "infinite"
    (json_util::put_extended): the table shows "inf", the curves leave the point out, and a
    null without a reason stays missing."""
    rows = [{"row": 0, "options": {"steps": 10}, "metrics": {"law": {"kl_target_output": 0.1}}},
            {"row": 1, "options": {"steps": 20}, "metrics": {"law": {"kl_target_output": 0.05}}},
            {"row": 2, "options": {"steps": 40}, "metrics": {"law": {
                "kl_target_output": None, "kl_target_output_reason": "infinite"}}},
            {"row": 3, "options": {"steps": 80}, "metrics": {"law": {"kl_target_output": None}}}]
    spec = {"name": "inf", "base": {}, "sweep": {"axes": {"steps": [10, 20, 40, 80]}},
            "report": {"table": ["kl_target_output"],
                       "curves": [{"x": "steps", "y": "kl_target_output"}]}}
    d = _experiment(tmp_path, "inf", spec, rows)
    table = assemble.Table(spec, rows)
    col = table.column("kl_target_output")
    assert [table.value(i, col) for i in range(4)] == [0.1, 0.05, math.inf, None]
    proc, html, _ = run_build([d], str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    data = json.load(open(os.path.join(d, "report", "report_data.json")))
    cells = next(f for f in data["figures"] if f["kind"] == "table")["rows"]
    assert [r[1] for r in cells] == [0.1, 0.05, "inf", None]
    curve = next(f for f in data["figures"] if f["kind"] == "curves")
    assert curve["series"][0]["x"] == [10, 20]
    assert ">inf<" in open(html).read()


def test_one_bad_directory_shows_its_error_and_the_page_is_drawn(tmp_path):
    good = _two_point_experiment(tmp_path, "good")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "spec.json").write_text("{not json")
    proc, html, _ = run_build([good, str(bad)], str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "bad/spec.json" in proc.stderr and "invalid JSON" in proc.stderr
    page = open(html).read()
    assert 'id="good"' in page and 'id="bad"' in page
    assert "invalid JSON" in page and 'class="error"' in page
    assert page.count("<img") == 1  # the good section's figure


def test_bounds_are_drawn_only_beside_their_metric_and_samplers(tmp_path):
    # Same metric (KL), covered sampler, certified: drawn plain, value = 10 / N * 0.5.
    d = _two_point_experiment(tmp_path, "same", bound=_bound_cell(0.5))
    fig = assemble.section(d)["figures"][0]
    assert [b["style"] for b in fig["bounds"]] == ["certified"]
    assert fig["bounds"][0]["y"] == pytest.approx([0.5, 0.25])
    # A KL bound on a sliced-W2 figure: not drawn, and the caption says why.
    d = _two_point_experiment(tmp_path, "other_metric", bound=_bound_cell(0.5),
                              metric="sliced_w2")
    fig = assemble.section(d)["figures"][0]
    assert "bounds" not in fig and "bounds KL, the figure shows SW2" in fig["caption"]
    # A bound for "ei" beside a dpmpp-2m run: not drawn.
    d = _two_point_experiment(tmp_path, "other_sampler", bound=_bound_cell(0.5),
                              sampler="dpmpp-2m")
    fig = assemble.section(d)["figures"][0]
    assert "bounds" not in fig and "does not cover sampler dpmpp-2m" in fig["caption"]
    # Uncertified and vacuous bounds: their own grey style and label.
    d = _two_point_experiment(tmp_path, "uncert", bound=_bound_cell(0.5, certified=False))
    fig = assemble.section(d)["figures"][0]
    assert [b["style"] for b in fig["bounds"]] == ["uncertified"]
    assert fig["bounds"][0]["label"].endswith("(not certified)")
    d = _two_point_experiment(tmp_path, "vac", bound=_bound_cell(0.5, vacuous=True))
    assert assemble.section(d)["figures"][0]["bounds"][0]["style"] == "vacuous"
    # An exact decomposition (bruno-example) is never drawn as a bound.
    d = _two_point_experiment(tmp_path, "exact",
                              bound=_bound_cell(0.5, kind="exact_decomposition"))
    fig = assemble.section(d)["figures"][0]
    assert "bounds" not in fig and "exact decomposition" in fig["caption"]


def test_metric_kind_of_results_columns():
    assert assemble.metric_kind("metrics.law.to_q_delta.kl_target_output") == "KL"
    assert assemble.metric_kind("metrics.law.tv") == "TV"
    assert assemble.metric_kind("metrics.sw2.value") == "SW2"
    assert assemble.metric_kind("metrics.law.w2") == "W2"
    assert assemble.metric_kind("metrics.energy.value") is None
    assert assemble.metric_kind("metrics.law.tv_bounds.upper") == "TV"
    assert assemble.metric_kind("metrics.law.kl_output_target") == "KL reversed"


def test_uncertified_bound_is_drawn_grey_and_hollow():
    spec = {"kind": "curves", "name": "b", "title": "t", "axes": "loglog", "xlabel": "x",
            "ylabel": "y", "series": [{"label": "s", "x": [1, 2], "y": [1, 0.5]}],
            "bounds": [{"label": "b (not certified)", "x": [1, 2], "y": [2, 1],
                        "style": "uncertified"}]}
    from difflab_report import schema
    s = schema.validate({"version": 1, "name": "n", "title": "t", "description": "",
                         "figures": [spec]}, lambda m: None)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = plt.figure()
    figures.draw_curves(fig, s["figures"][0])
    line = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "b (not certified)"][0]
    assert line.get_markerfacecolor() == "none" and line.get_linestyle() == ":"
    plt.close(fig)


def test_short_log_axes_are_labelled_with_plain_numbers():
    # steps 5, 10, 20, 50 on a log x axis: a tick at each, written as the number; a log y axis
    # within a decade: matplotlib's labelled ticks written %g (0.6, not 6e-01 or 6 x 10^-1).
    spec = {"kind": "curves", "name": "p", "title": "t", "axes": "loglog", "xlabel": "x",
            "ylabel": "y", "series": [{"label": "s", "x": [5, 10, 20, 50],
                                       "y": [0.9, 0.7, 0.55, 0.5]}]}
    from difflab_report import schema
    s = schema.validate({"version": 1, "name": "n", "title": "t", "description": "",
                         "figures": [spec]}, lambda m: None)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = plt.figure()
    figures.draw_curves(fig, s["figures"][0])
    ax = fig.axes[0]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5", "10", "20", "50"]
    ylabels = [t.get_text() for t in ax.get_yticklabels(minor=True) if t.get_text()]
    assert ylabels and all("e" not in y and "times" not in y for y in ylabels), ylabels
    assert "0.6" in ylabels
    plt.close(fig)


def test_images_figure_takes_the_data_grey_range_and_checks_pixel_counts():
    """report/images.json (library) -> an images figure: real rows first, the grey scale of the
    data; a row whose image has another number of pixels than h * w is a schema error."""
    from difflab_report import schema
    spec = {"name": "im", "base": {}, "sweep": {"axes": {"sampler": ["ei"]}}}
    rows = [{"row": 0, "options": {"sampler": "ei"}, "metrics": {}}]
    data = {"shape": [2, 2], "rows": [{"row": 0, "images": [[-0.5, 0.2, 0.3, 1.7]]}],
            "real": [{"label": "data", "images": [[0.0, 0.25, 0.5, 1.0]]}]}
    fig = assemble.images_figure(assemble.Table(spec, rows), data)
    assert [r["label"] for r in fig["rows"]] == ["data", "sampler=ei"]
    assert fig["range"] == [0.0, 1.0]
    v = schema.validate({"version": 1, "name": "im", "title": "t", "description": "",
                         "figures": [fig]}, print)
    assert v["figures"][0]["rows"][1]["images"][0].shape == (2, 2)
    fig["rows"][1]["images"][0] = [0.0, 1.0, 2.0]
    with pytest.raises(schema.SchemaError, match=r"rows\[1\]\.images\[0\]: 3 values, but there "
                                                  r"are 4 pixels"):
        schema.validate({"version": 1, "name": "im", "title": "t", "description": "",
                         "figures": [fig]}, print)
