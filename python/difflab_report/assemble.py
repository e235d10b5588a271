"""From an experiment results directory to report_data.json (the schema of schema.py).

Inputs, all written by the C++ side: DIR/spec.json (the spec as given, with its optional
"report" hints), DIR/results.jsonl (one row per run), DIR/fits.json (slope fits, if the spec
asked for any) and DIR/report/figures2d.json (samples, trajectories, density and score fields
of 2-D sampler experiments, computed by `difflab report`).

What becomes a figure (experiments/README.md, "Reports"):
  - every fit of fits.json: the metric against its axis, one series per group with its interval,
    the fitted line, the spec's bounds for the same runs (dashed), reference slopes;
  - report.curves: any columns against an option or column (theory columns dashed);
  - report.threshold: the smallest value of one axis that brings a metric under eps, against
    another axis (Benton et al.'s "steps needed");
  - report.ratios: a metric over the best baseline row's at equal x (the library's values);
  - report.bars and the mode_weights metric: grouped bars with intervals and the reference;
  - figures2d.json: sample scatter over the target's density contours, trajectories, score
    fields at several t;
  - tables: the fits and report.table columns.
"""
import json
import math
import os
import re

import numpy as np

Z975 = 1.959963984540054  # two-sided 95% normal quantile


class AssembleError(Exception):
    """A problem with an experiment directory; the message names the file."""


# ---------------------------------------------------------------- reading

def load_experiment(directory):
    """(spec, rows sorted by row index, fits or None, figures2d or None)."""
    spec = _read_json(os.path.join(directory, "spec.json"))
    rows = []
    path = os.path.join(directory, "results.jsonl")
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a row torn by a kill: the runner drops and recomputes it too
    except OSError as e:
        raise AssembleError(f"{path}: cannot read: {e.strerror or e}") from None
    rows.sort(key=lambda r: r["row"])
    fits_path = os.path.join(directory, "fits.json")
    fits = _read_json(fits_path) if os.path.exists(fits_path) else None
    fig_path = os.path.join(directory, "report", "figures2d.json")
    fig2d = _read_json(fig_path) if os.path.exists(fig_path) else None
    return spec, rows, fits, fig2d


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise AssembleError(f"{path}: cannot read: {e.strerror or e}") from None
    except json.JSONDecodeError as e:
        raise AssembleError(f"{path}: invalid JSON: {e}") from None


def flatten(value, prefix=""):
    """Row -> {column: scalar}, columns joined by '.', as the C++ results table does."""
    out = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix] = value
    return out


class Table:
    """The rows of one experiment, flattened, with the column lookup of `difflab run`'s fits."""

    def __init__(self, spec, rows):
        self.spec = spec
        self.rows = rows
        self.flat = [flatten(r) for r in rows]
        sweep = spec.get("sweep", {})
        # Axes in byte order of their names: the runner's sweep order. A "seed" axis holds
        # replicates, pooled in every figure (as the runner's fits do).
        self.axes = sorted(k for k in sweep.get("axes", {}) if k != "seed")
        # report.label_by: the options that name a run (e.g. only "sampler" when other zipped
        # axes follow it).
        if spec.get("report", {}).get("label_by"):
            self.axes = list(spec["report"]["label_by"])

    def column(self, name, as_x=False):
        """The column a name means: options.NAME (for x), then metrics.NAME.value,
        metrics.NAME, metrics.law.NAME, metrics.app.NAME, NAME."""
        candidates = [f"options.{name}"] if as_x else []
        candidates += [f"metrics.{name}.value", f"metrics.{name}", f"metrics.law.{name}",
                       f"metrics.app.{name}", name]
        for c in candidates:
            if any(c in f for f in self.flat):
                return c
        raise AssembleError(f"spec.json: report: '{name}' is not a results column (tried "
                            f"{', '.join(candidates)})")

    def groups(self, keys):
        """[(label, [row indices])] of the rows grouped by the options in keys, in row order."""
        order, members = [], {}
        for i, r in enumerate(self.rows):
            key = tuple(json.dumps(r["options"].get(k), sort_keys=True) for k in keys)
            if key not in members:
                order.append(key)
                members[key] = []
            members[key].append(i)
        out = []
        for key in order:
            i0 = members[key][0]
            out.append((self.label(i0, keys), members[key]))
        return out

    def label(self, i, keys):
        if not keys:
            return "all runs"
        parts = []
        for k in keys:
            v = self.rows[i]["options"].get(k)
            parts.append(f"{k}={_short(v)}")
        return ", ".join(parts)

    def value(self, i, column):
        """A number, math.inf / -inf / nan for a null written with its reason (extended), or
        None."""
        return extended(self.flat[i], column)


# The library writes a value that may be infinite (a KL between laws that do not share their
# support) as null with a sibling "<key>_reason" of "infinite", "-infinite" or "not a number"
# (json_util::put_extended): JSON has no infinity.
EXTENDED = {"infinite": math.inf, "-infinite": -math.inf, "not a number": math.nan}


def extended(obj, key):
    """obj[key] as a number, the extended value of a null with its reason, or None."""
    v = obj.get(key)
    if v is None:
        return EXTENDED.get(obj.get(key + "_reason"))
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _short(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, str) and v.endswith(".json") and "/" in v:  # a target file: its name
        return v.rsplit("/", 1)[1][:-len(".json")]
    if isinstance(v, dict) and "type" in v:  # an inline target: its name or type and dimension
        if "name" in v:
            return str(v["name"])
        dim = len(v.get("factors", [])) or len(v.get("mean", [])) or ""
        return f"{v['type']}{dim}" if dim else str(v["type"])
    if isinstance(v, (dict, list)):
        return json.dumps(v)[:40]
    return str(v)


def _name(text):
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "x"


# ---------------------------------------------------------------- fits

def library_fit(entries, hint, group, y=None):
    """The fit the library wrote in fits.json's report_fits (report_fits.hpp) for report hint
    number `hint`, the group of rows whose options are `group` (and the y column name of a
    curve): the group's dict ({"x", "y", "fit" or "error"}) or None. The report never refits."""
    for e in entries or []:
        if e.get("hint") != hint or (y is not None and e.get("y") != y):
            continue
        for g in e.get("groups", []):
            if g.get("group") == group:
                return g
    return None


def _drawn_fit(fit):
    """The fitted line a figure draws: slope, intercept and the interval _fit_interval picks."""
    out = {"slope": fit["slope"], "intercept": fit["intercept"]}
    ci = _fit_interval(fit)
    if ci:
        out["ci"] = ci
    return out


def _interval(table, i, column):
    """(lo, hi) of a metric cell: its .ci_lo/.ci_hi when the column is a .value; a grid law's
    distance +- its grid error (value -+ error)."""
    if column.endswith(".value"):
        base = column[: -len(".value")]
        lo, hi = table.value(i, base + ".ci_lo"), table.value(i, base + ".ci_hi")
        if lo is not None and hi is not None:
            return lo, hi
    err = grid_error(table, i, column)
    if err is not None:
        y = table.value(i, column)
        return y - err, y + err
    return None


def grid_error(table, i, column):
    """The finite grid error of a grid law's distance in row i, or None: the library writes it
    as P.grid_error.KEY beside P.KEY (law_report.hpp; fits.json's "grid_error_column")."""
    head, dot, key = column.rpartition(".")
    if not dot:
        return None
    err = table.value(i, f"{head}.grid_error.{key}")
    return err if err is not None and math.isfinite(err) else None


def _series(table, members, xcol, ycol, label, se_col=None, log=True):
    xs, ys, lo, hi = [], [], [], []
    for i in members:
        x, y = table.value(i, xcol), table.value(i, ycol)
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            continue
        if log and (x <= 0 or y <= 0):
            continue
        xs.append(x)
        ys.append(y)
        ci = _interval(table, i, ycol)
        if se_col is not None and table.value(i, se_col) is not None:
            se = table.value(i, se_col)
            ci = (y - Z975 * se, y + Z975 * se)
        lo.append(ci[0] if ci else y)
        hi.append(ci[1] if ci else y)
    order = np.argsort(xs, kind="stable")
    s = {"label": label, "x": [xs[k] for k in order], "y": [ys[k] for k in order]}
    if any(a != b for a, b in zip(lo, hi)):
        lo_s, hi_s = [lo[k] for k in order], [hi[k] for k in order]
        if log:  # an interval reaching 0 is drawn down to a tenth of the value
            lo_s = [max(v, 0.1 * y) for v, y in zip(lo_s, s["y"])]
        s["ci_lo"], s["ci_hi"] = lo_s, hi_s
    return s


def _finite_ci(ci):
    """A fit's [lo, hi] when both ends are finite numbers, else None: fits.json writes null for
    an interval it cannot compute (a fit over two points has no residual degrees of freedom)."""
    if not isinstance(ci, (list, tuple)) or len(ci) != 2:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in ci):
        return None
    return [float(ci[0]), float(ci[1])]


# ---------------------------------------------------------------- bounds beside measurements

def metric_kind(column):
    """The metric a results column measures, in the bounds' names ("TV", "KL", "W2", "SW2"),
    or None when the name does not say (a bound is then never drawn beside it)."""
    for part in reversed(column.lower().split(".")):
        if "sliced" in part or part.startswith("sw2") or "_sw2" in part:
            return "SW2"
        if "kl_output_target" in part:  # KL(p || q): the reverse of every bound's direction
            return "KL reversed"
        if part.startswith("kl") or "_kl" in part:
            return "KL"
        if part.startswith("tv") or "_tv" in part:
            return "TV"
        if part.startswith("w2") or "_w2" in part:
            return "W2"
    return None


def bound_status(b):
    """'certified', 'vacuous' or 'uncertified' for one bound cell of a results row."""
    if b.get("vacuous"):
        return "vacuous"
    if b.get("certified") is True:
        return "certified"
    return "uncertified"


def bound_series(table, members, xcol, bound_id, measured_column, label, log=True):
    """The points of bound `bound_id` beside the measured column, split by status.

    A row contributes only when the bound is an error bound of the measured metric, a published
    bound (not an exact decomposition such as bruno-example), and covers the row's sampler (the
    bound's "samplers" list). Returns ([series], [reasons for dropped rows])."""
    want = metric_kind(measured_column)
    by_status, dropped = {}, set()
    for i in members:
        b = table.rows[i].get("bounds", {}).get(bound_id)
        if not isinstance(b, dict) or "value" not in b:
            continue
        if b.get("kind", "published_bound") != "published_bound":
            dropped.add(f"{bound_id} is an exact decomposition, not a published bound")
            continue
        if b.get("quantity", "error_bound") != "error_bound":
            dropped.add(f"{bound_id} is a step count, not an error bound")
            continue
        if want is None or b.get("metric") != want:
            dropped.add(f"{bound_id} bounds {b.get('metric')}, the figure shows "
                        f"{want or 'an unnamed metric'}")
            continue
        samplers = b.get("samplers")
        sampler = table.rows[i].get("options", {}).get("sampler")
        if isinstance(samplers, list) and sampler is not None and sampler not in samplers:
            dropped.add(f"{bound_id} does not cover sampler {sampler}")
            continue
        by_status.setdefault(bound_status(b), []).append(i)
    out = []
    for status in ("certified", "uncertified", "vacuous"):
        rows = by_status.get(status)
        if not rows:
            continue
        s = _series(table, rows, xcol, f"bounds.{bound_id}.value", "", log=log)
        if s["x"]:
            suffix = "" if status == "certified" else f" ({'not certified' if status == 'uncertified' else 'vacuous'})"
            out.append({"label": f"{label}{suffix}", "x": s["x"], "y": s["y"], "style": status})
    return out, sorted(dropped)


def _fmt_fit(fit):
    ci = fit.get("ci") or [None, None]
    text = f"{fit['slope']:.3g}"
    if ci[0] is not None:
        text += f" [{ci[0]:.3g}, {ci[1]:.3g}]"
    if "ci_with_grid_error" in fit:
        wide = _finite_ci(fit["ci_with_grid_error"])
        text += (f", with the grid error [{wide[0]:.3g}, {wide[1]:.3g}]" if wide else
                 ", no interval with the grid error")
    if fit.get("grid_error_note"):
        text += f" ({fit['grid_error_note']})"
    return text


def _fit_interval(fit):
    """The interval a fit figure shows: the one widened for the grid error when fits.json has
    it (the statistical one alone would claim too much), else the statistical one."""
    if "ci_with_grid_error" in fit:
        return _finite_ci(fit["ci_with_grid_error"])
    return _finite_ci(fit.get("ci"))


def fit_figures(table, fits, reference_slopes):
    """One curves figure per fit of fits.json, with the spec's bounds; summary lines; table."""
    figures, summary, rows, order_rows = [], [], [], []
    with_grid_error = False
    bounds = table.spec.get("bounds", [])
    for n, f in enumerate(fits.get("fits", [])):
        against, column = f["against"], f["column"]
        keys = [a for a in table.axes if a != against]
        series, bound_series_all, skipped = [], [], set()
        xcol = f"options.{against}"
        for label, members in table.groups(keys):
            s = _series(table, members, xcol, column, label if keys else f["metric"])
            if not s["x"]:
                continue
            g = next((g for g in f["groups"] if _group_label(g["group"], keys) == label), None)
            if g is not None and g.get("fit") and g["fit"].get("slope") is not None:
                s["fit"] = {"slope": g["fit"]["slope"], "intercept": g["fit"]["intercept"]}
                ci = _fit_interval(g["fit"])
                if ci is not None:
                    s["fit"]["ci"] = ci
                summary.append(f"{f['metric']} against {against}"
                               f"{' (' + label + ')' if keys else ''}: log-log slope "
                               f"{_fmt_fit(g['fit'])}, r\u00b2 = {g['fit'].get('r2', 0):.3f}")
                ci = _finite_ci(g["fit"].get("ci")) or [None, None]
                row = [f["metric"], against, label if keys else "", g["fit"]["slope"],
                       ci[0], ci[1], g["fit"].get("r2"), g["fit"].get("n")]
                if "ci_with_grid_error" in g["fit"]:
                    row += _finite_ci(g["fit"]["ci_with_grid_error"]) or [None, None]
                    with_grid_error = True
                rows.append(row)
                if g.get("sampler_order"):
                    order_rows.append(_order_row(g["sampler_order"]))
                    summary.append(_order_text(g["sampler_order"]))
            series.append(s)
            for b in bounds:
                bs, why = bound_series(table, members, xcol, b, column,
                                       f"{s['label']}: {b} bound")
                bound_series_all.extend(bs)
                skipped.update(why)
        if not series:
            continue
        fig = {"kind": "curves", "name": _name(f"fit{n}_{f['metric']}_vs_{against}"),
               "title": f"{f['metric']} against {against}", "axes": "loglog",
               "xlabel": against, "ylabel": f["metric"], "series": series,
               "caption": "Markers: measured values with their 95% intervals" +
                          (GRID_ERROR_CAPTION if "grid_error_column" in f else "") +
                          "; solid lines: least-squares fits in log-log coordinates (slope and "
                          "95% interval in the legend" +
                          (", widened for the grid error" if "grid_error_column" in f else "") +
                          ")" + (BOUND_CAPTION if bound_series_all else "") + "." +
                          _skipped_text(skipped)}
        if bound_series_all:
            fig["bounds"] = bound_series_all
        refs = [r for r in reference_slopes if r.get("against") == against]
        if refs:
            fig["reference_slopes"] = [{"label": r["label"], "slope": r["slope"]} for r in refs]
        figures.append(fig)
    if rows:
        columns = ["metric", "against", "group", "slope", "95% CI low", "95% CI high",
                   "r\u00b2", "points"]
        if with_grid_error:  # a fit without a grid error leaves these cells empty
            columns += ["CI low with grid error", "CI high with grid error"]
            rows = [r + [None] * (len(columns) - len(r)) for r in rows]
        figures.append({"kind": "table", "name": "fits", "title": "Fitted log-log slopes",
                        "columns": columns, "rows": rows})
    if order_rows:
        figures.append({"kind": "table", "name": "sampler_orders",
                        "title": "Measured orders beside the stated and published ones",
                        "columns": ["sampler", "measured order", "95% CI low", "95% CI high",
                                    "stated (difflab)", "published", "published: where"],
                        "rows": order_rows})
    return figures, summary


def _order_row(o):
    """A row of the orders table from a fit group's sampler_order (experiment_fits.hpp)."""
    ci = o.get("measured_ci") or [None, None]
    return [o["sampler"], o["measured"], ci[0], ci[1], o["stated"], o.get("published"),
            o.get("published_source", "")]


def _order_text(o):
    """One summary line: the measured order beside the stated and published ones."""
    ci = o.get("measured_ci")
    ci_text = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
    source = o.get("published_source") or ""
    published = (f"published {o['published']:g} ({source})" if o.get("published") is not None
                 else f"published: {source or 'none stated'}")
    return (f"{o['sampler']}: measured order {o['measured']:.2f}{ci_text}, stated "
            f"{o['stated']:g}, {published}")


GRID_ERROR_CAPTION = (" or, for a grid law's distance, +- its grid error (the difference from "
                      "the law on about half the nodes)")


BOUND_CAPTION = ("; dashed: the published bounds for the same runs (grey, hollow markers and "
                 "labelled: not certified, i.e. an assumption fails or is unchecked, a constant "
                 "is the paper's unstated '<~' constant or the statement was not read; or "
                 "vacuous, at or above the metric's trivial maximum)")


def _skipped_text(skipped):
    """The reasons bounds were left out, one clause per reason, samplers grouped per bound."""
    if not skipped:
        return ""
    samplers, other = {}, []
    for reason in sorted(skipped):
        m = re.fullmatch(r"(\S+) does not cover sampler (\S+)", reason)
        if m:
            samplers.setdefault(m.group(1), []).append(m.group(2))
        else:
            other.append(reason)
    clauses = [f"{b} does not cover sampler{'s' if len(s) > 1 else ''} {', '.join(s)}"
               for b, s in sorted(samplers.items())] + other
    return " Bounds not drawn: " + "; ".join(clauses) + "."


def _group_label(group, keys):
    if not keys:
        return "all runs"
    return ", ".join(f"{k}={_short(group.get(k))}" for k in keys)


# ---------------------------------------------------------------- report hints

def curve_figures(table, hints, report_fits=None):
    """report.curves; their fits are the library's (report_fits: fits.json's "report_fits")."""
    figures, summary = [], []
    curve_fits = (report_fits or {}).get("curves")
    for n, c in enumerate(hints):
        _require(c, ["x", "y"], f"report.curves[{n}]")
        axes = c.get("axes", "loglog")
        log = axes == "loglog"
        xcol = table.column(c["x"], as_x=True)
        keys = c.get("group_by", [a for a in table.axes if a != c["x"]])
        ys = c["y"] if isinstance(c["y"], list) else [c["y"]]
        ses = c.get("y_se", [None] * len(ys))
        theories = c.get("theory", [])
        series, bounds, skipped = [], [], set()
        where = c.get("where", {})  # only the rows whose options have these values
        for label, members in table.groups(keys):
            members = [i for i in members
                       if all(table.rows[i]["options"].get(k) == v for k, v in where.items())]
            for yname, sename in zip(ys, ses):
                ycol = table.column(yname)
                secol = table.column(sename) if sename else None
                slabel = yname if not keys else (f"{yname}, {label}" if len(ys) > 1 else label)
                s = _series(table, members, xcol, ycol, slabel, secol, log=axes != "linear")
                if not s["x"]:
                    continue
                if c.get("fit") and log:
                    where_text = f"{yname} against {c['x']}{' (' + label + ')' if keys else ''}"
                    group = {k: table.rows[members[0]]["options"].get(k) for k in keys}
                    g = library_fit(curve_fits, n, group, yname)
                    if curve_fits is None:
                        summary.append(f"{where_text}: no fit (fits.json predates the report's "
                                       "fits: resume the experiment to write them)")
                    elif g is not None and g.get("fit"):
                        s["fit"] = _drawn_fit(g["fit"])
                        summary.append(f"{where_text}: log-log slope {_fmt_fit(g['fit'])}")
                    elif g is not None and g.get("error"):
                        summary.append(f"{where_text}: no fit ({g['error']})")
                series.append(s)
            for tname in theories:
                tl = f"{label}: {tname}" if keys else tname
                m = re.fullmatch(r"bounds\.([^.]+)\.value", tname)
                if m:  # a published bound: only beside its metric and samplers, with its status
                    bs, why = bound_series(table, members, xcol, m.group(1),
                                           table.column(ys[0]), tl, log=axes != "linear")
                    bounds.extend(bs)
                    skipped.update(why)
                    continue
                ts = _series(table, members, xcol, table.column(tname), "",
                             log=axes != "linear")
                if ts["x"]:
                    bounds.append({"label": tl, "x": ts["x"], "y": ts["y"]})
        if not series:
            continue
        fig = {"kind": "curves", "name": _name(c.get("name", f"curve{n}")),
               "title": c.get("title", f"{', '.join(ys)} against {c['x']}"), "axes": axes,
               "xlabel": c.get("xlabel", c["x"]), "ylabel": c.get("ylabel", ", ".join(ys)),
               "series": series}
        if bounds:
            fig["bounds"] = bounds
        if c.get("caption") or skipped:
            fig["caption"] = c.get("caption", "") + _skipped_text(skipped)
        if c.get("reference_slopes"):
            fig["reference_slopes"] = c["reference_slopes"]
        figures.append(fig)
    return figures, summary


def threshold_figure(table, t, computed):
    """The smallest `over` with metric <= eps, per value of `against` (log-log interpolation
    between the bracketing sweep points), one series per group: the library's crossings and
    fits (computed: this hint's entry of fits.json's report_fits.thresholds, or None)."""
    _require(t, ["metric", "eps", "over", "against"], "report.threshold")
    table.column(t["metric"])  # refuses an unknown column with the report's message
    eps, over, against = float(t["eps"]), t["over"], t["against"]
    keys = t.get("group_by", [a for a in table.axes if a not in (over, against)])
    series, summary = [], []
    if computed is None:
        return [], [f"{over} needed for {t['metric']} \u2264 {eps:g}: not drawn (fits.json "
                     "predates the report's fits: resume the experiment to write them)"]
    if computed.get("error"):
        return [], [f"{over} needed for {t['metric']} \u2264 {eps:g}: {computed['error']}"]

    def label_of(group):
        return ", ".join(f"{k}={_short(group.get(k))}" for k in keys) if keys else "all runs"

    missing = [f"{label_of(m['group'])}, {against}={_short(m['x'])}"
               for m in computed.get("missing", [])]
    for g in computed.get("groups", []):
        if not g.get("x"):
            continue
        label = label_of(g["group"])
        s = {"label": label, "x": g["x"], "y": g["y"]}
        if g.get("fit"):
            s["fit"] = _drawn_fit(g["fit"])
            summary.append(f"{over} needed for {t['metric']} \u2264 {eps:g} against {against}"
                           f"{' (' + label + ')' if keys else ''}: log-log slope "
                           f"{_fmt_fit(g['fit'])}")
        series.append(s)
    if missing:
        summary.append(f"{t['metric']} \u2264 {eps:g} was not reached within the sweep for: "
                       + "; ".join(missing))
    if not series:
        return [], summary
    fig = {"kind": "curves", "name": _name(t.get("name", f"{over}_needed_vs_{against}")),
           "title": t.get("title", f"{over} needed for {t['metric']} \u2264 {eps:g}"),
           "axes": "loglog", "xlabel": against, "ylabel": f"{over} needed", "series": series,
           "caption": f"For each {against}, the smallest {over} with {t['metric']} \u2264 {eps:g}, "
                      f"interpolated log-log between the two sweep points that bracket it."}
    if t.get("reference_slopes"):
        fig["reference_slopes"] = t["reference_slopes"]
    return [fig], summary


def ratio_figures(hints, computed):
    """report.ratios: each row's metric over the best baseline row's at equal x and group, as the
    library computed them (fits.json's report_fits.ratios, report_fits.hpp); one series per
    group and series_by values, a line at 1 (the best baseline)."""
    figures, summary = [], []
    for n, h in enumerate(hints):
        _require(h, ["metric", "x", "baseline"], f"report.ratios[{n}]")
        title = h.get("title", f"{h['metric']} over the best baseline")
        entry = computed[n] if computed and n < len(computed) else None
        if entry is None:
            summary.append(f"{title}: not drawn (fits.json predates the report's ratios: resume "
                           "the experiment to write them)")
            continue
        if entry.get("error"):
            summary.append(f"{title}: {entry['error']}")
            continue
        keys = entry.get("group_by", []) + entry.get("series_by", [])
        series = []
        for g in entry.get("series", []):
            label = _group_label(g["group"], keys)
            series.append({"label": label, "x": g["x"], "y": g["y"]})
            points = "; ".join(
                f"{h['x']}={_short(x)}: {y:.3g} ({v:.3g} against {_group_label(b, list(b))} "
                f"{bv:.3g})"
                for x, y, v, bv, b in zip(g["x"], g["y"], g["value"], g["baseline_value"],
                                           g["baseline"]))
            summary.append(f"{title}, {label}: {points}")
        # One line per series: each x (row) it leaves out, with the reason; a reason shared by
        # consecutive points is said once.
        left_out = {}
        for m in entry.get("missing", []):
            where = f"{h['x']}={_short(m['x'])}" if "x" in m else f"row {m['row']}"
            left_out.setdefault(_group_label(m["group"], keys), []).append((where, m["reason"]))
        for label, points in left_out.items():
            parts = []
            for where, reason in points:
                if parts and parts[-1][1] == reason:
                    parts[-1][0].append(where)
                else:
                    parts.append(([where], reason))
            summary.append(f"{title}, {label}: not drawn at "
                           + "; ".join(f"{', '.join(w)} ({r})" for w, r in parts))
        if not series:
            continue
        fig = {"kind": "curves", "name": _name(h.get("name", f"ratio{n}")), "title": title,
               "axes": h.get("axes", "loglog"), "xlabel": h.get("xlabel", h["x"]),
               "ylabel": h.get("ylabel", f"{h['metric']} / best baseline"), "series": series,
               "hline": {"label": h.get("baseline_label", "best baseline (= 1)"), "y": 1.0}}
        if h.get("caption"):
            fig["caption"] = h["caption"]
        figures.append(fig)
    return figures, summary


def bars_figures(table, hints, chosen_rows):
    figures = []
    keys = table.axes
    for n, b in enumerate(hints):
        _require(b, ["categories", "columns"], f"report.bars[{n}]")
        cols = [table.column(c) for c in b["columns"]]
        if len(cols) != len(b["categories"]):
            raise AssembleError(f"spec.json: report.bars[{n}]: {len(b['categories'])} "
                                f"categories but {len(cols)} columns")
        se = table.column(b["se_column"]) if b.get("se_column") else None
        series = []
        for i in chosen_rows:
            vals = [table.value(i, c) for c in cols]
            if any(v is None or not math.isfinite(v) for v in vals):
                continue
            s = {"label": table.label(i, keys) if keys else "", "values": vals}
            if se and table.value(i, se) is not None:
                e = Z975 * table.value(i, se)
                s["ci_lo"] = [v - e for v in vals]
                s["ci_hi"] = [v + e for v in vals]
            series.append(s)
        if not series:
            continue
        fig = {"kind": "bars", "name": _name(b.get("name", f"bars{n}")),
               "title": b.get("title", ", ".join(b["columns"])), "categories": b["categories"],
               "series": series, "ylabel": b.get("ylabel", "")}
        if b.get("reference"):
            ref = b["reference"]
            i0 = chosen_rows[0]
            values = ([table.value(i0, table.column(ref))] * len(cols) if isinstance(ref, str)
                      else [float(v) for v in ref])
            fig["reference"] = {"label": b.get("reference_label", "theory"), "values": values}
        if b.get("caption"):
            fig["caption"] = b["caption"]
        figures.append(fig)
    return figures


def mode_weight_figure(table, chosen_rows):
    rows = [i for i in chosen_rows if table.rows[i]["metrics"].get("mode_weights", {}).get("fractions")]
    if not rows:
        return [], []
    weights = table.rows[rows[0]]["metrics"]["mode_weights"]["weights"]
    series, summary = [], []
    for i in rows:
        mw = table.rows[i]["metrics"]["mode_weights"]
        label = table.label(i, table.axes) if table.axes else "samples"
        series.append({"label": label, "values": mw["fractions"], "ci_lo": mw["fractions_ci_lo"],
                       "ci_hi": mw["fractions_ci_hi"]})
        summary.append(f"{label}: mass per mode {', '.join(f'{v:.3f}' for v in mw['fractions'])} "
                       f"(target {', '.join(f'{w:.3f}' for w in weights)}); weight error "
                       f"TV = {mw['value']:.3f} [{mw['ci_lo']:.3f}, {mw['ci_hi']:.3f}]")
    fig = {"kind": "bars", "name": "mode_weights", "title": "Mass per mixture mode",
           "categories": [f"mode {k + 1} (w = {w:.2g})" for k, w in enumerate(weights)],
           "series": series, "reference": {"label": "target weight", "values": weights},
           "ylabel": "fraction of samples",
           "caption": "Each sample is assigned to the mode of largest posterior probability "
                      "under the target; bars: fractions with Wilson 95% intervals."}
    return [fig], summary


def _cell(v):
    """A table cell: report_data.json is JSON, so an infinite value is written as its text."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def table_figure(table, columns, chosen_rows):
    cols = [table.column(c) for c in columns]
    rows = []
    for i in chosen_rows:
        rows.append([table.label(i, table.axes)] + [_cell(table.value(i, c)) for c in cols])
    return {"kind": "table", "name": "rows", "title": "Results",
            "columns": ["run"] + list(columns), "rows": rows}


# ---------------------------------------------------------------- 2-D figures

def figures_2d(table, fig2d):
    """Per target view: a scatter of its rows' samples, and its score field; trajectories of
    the first row of each view."""
    by_row = {r["row"]: i for i, r in enumerate(table.rows)}
    keys = table.axes or ["sampler"]
    views = fig2d["views"]
    scatters, trajectories, quivers = [], [], []
    for v, view in enumerate(views):
        suffix = f"_{v + 1}" if len(views) > 1 else ""
        entries = [e for e in fig2d["rows"] if e["view"] == v]
        panels = []
        for entry in entries:
            i = by_row.get(entry["row"])
            label = table.label(i, keys) if i is not None else f"row {entry['row']}"
            if entry["points"]:
                panels.append({"label": label, "points": entry["points"]})
        box = view["box"]
        if panels:
            scatters.append({"kind": "scatter", "name": f"samples{suffix}",
                             "title": "Samples against the target density" +
                                      (f" (target {v + 1})" if suffix else ""),
                             "panels": panels, "density": view["density"],
                             "xlim": box[0:2], "ylim": box[2:4],
                             "caption": "Final particles of each drawn run (the run's own first "
                                        "particles, recomputed from its seed)."})
        for entry in entries[:2]:
            i = by_row.get(entry["row"])
            label = table.label(i, keys) if i is not None else f"row {entry['row']}"
            tr = entry["trajectory"]
            fig = {"kind": "trajectories", "name": _name(f"trajectories_row{entry['row']}"),
                   "title": f"Trajectories: {label}", "paths": tr["paths"],
                   "density": view["density"]}
            if len(set(tr["t"])) < len(tr["t"]):  # Langevin: t stays put, iterations count
                fig["t"] = tr["step"]
                fig["time_label"] = "Langevin iteration"
            else:
                fig["t"] = tr["t"]
            if len(fig["t"]) >= 2:
                trajectories.append(fig)
        if view.get("quiver"):
            quivers.append({"kind": "quiver", "name": f"score_field{suffix}",
                            "title": "Exact score of q_t (the forward marginal) at several t" +
                                     (f" (target {v + 1})" if suffix else ""),
                            "panels": view["quiver"],
                            "caption": "Arrows: grad log q_t, normalised per panel; contours: "
                                       "the density of q_t."})
    return scatters + trajectories + quivers


# ---------------------------------------------------------------- images, the trained model

def images_figure(table, data):
    """report/images.json (written by the library: samples of the drawn rows, re-run from their
    seeds, and the data beside them) as an images figure: real rows first."""
    by_row = {r["row"]: i for i, r in enumerate(table.rows)}
    keys = table.axes or ["sampler"]
    rows = [{"label": r["label"], "images": r["images"]} for r in data.get("real", [])]
    for entry in data["rows"]:
        i = by_row.get(entry["row"])
        label = table.label(i, keys) if i is not None else f"row {entry['row']}"
        rows.append({"label": label, "images": entry["images"]})
    h, w = data["shape"]
    fig = {"kind": "images", "name": "images", "shape": [int(h), int(w)], "rows": rows,
           "title": data.get("title", "Generated samples beside the data"),
           "caption": data.get("caption", "The first samples of each drawn run (recomputed from "
                                          "its seed) under the data, on the grey scale of the "
                                          "data (samples outside its range clipped).")}
    real = [v for r in data.get("real", []) for img in r["images"] for v in img]
    if real and min(real) < max(real):  # the data's range: generated pixels compare with it
        fig["range"] = [min(real), max(real)]
    return fig


def train_figures(summary):
    """DIR/train/summary.json (the spec's trained model): its L2(q_t) score error against the
    target's exact score at the last logged step, by t, and the loss as a summary line."""
    log = summary.get("train", {}).get("log", [])
    lines = []
    if log:
        last = log[-1]
        lines.append(f"trained model: {summary.get('final_step')} steps, training loss "
                     f"{last['train_loss']:.4g}" +
                     (f", validation loss {last['validation_loss']:.4g}"
                      if last.get("validation_loss") is not None else ""))
    errors = [e for e in (log[-1].get("score_error", []) if log else [])
              if isinstance(e.get("rms"), (int, float)) and e["rms"] > 0]
    if not errors:
        return [], lines
    series = {"label": f"step {log[-1]['step']}", "x": [e["t"] for e in errors],
              "y": [e["rms"] for e in errors],
              "ci_lo": [max(e["rms_ci95"][0], 0.1 * e["rms"]) for e in errors],
              "ci_hi": [e["rms_ci95"][1] for e in errors]}
    fig = {"kind": "curves", "name": "train_score_error", "axes": "loglog",
           "title": "Trained model: L2(q_t) score error against the exact score",
           "xlabel": "t", "ylabel": "rms ||s(t, x) - grad log q_t(x)||", "series": [series],
           "caption": "Monte Carlo over exact samples of q_t with 95% intervals, at the last "
                      "logged training step (the target's exact noised score, docs/theory.md "
                      "10.4 for an empirical target)."}
    lines.append("trained model's rms score error: " + ", ".join(
        f"{e['rms']:.3g} at t = {e['t']:g}" for e in errors))
    return [fig], lines


# ---------------------------------------------------------------- the section

def chosen_rows(table, fig2d, limit=8):
    """Rows for bars and tables: all when few, else the last row of each sampler."""
    if len(table.rows) <= limit:
        return list(range(len(table.rows)))
    last = {}
    for i, r in enumerate(table.rows):
        last[json.dumps(r["options"].get("sampler"))] = i
    return sorted(last.values())[:limit]


def section(directory):
    """The report_data.json object of one experiment directory."""
    spec, rows, fits, fig2d = load_experiment(directory)
    if not rows:
        raise AssembleError(f"{directory}/results.jsonl: no finished runs")
    hints = spec.get("report", {})
    table = Table(spec, rows)
    name = _name(spec.get("name") or os.path.basename(os.path.normpath(directory)))
    out = {"version": 1, "name": name, "title": hints.get("title", spec.get("name", name)),
           "description": spec.get("description", ""), "figures": []}
    if hints.get("claim"):
        out["claim"] = hints["claim"]
    summary = []
    picked = chosen_rows(table, fig2d)
    if fits:
        figs, lines = fit_figures(table, fits, hints.get("reference_slopes", []))
        out["figures"] += figs
        summary += lines
    report_fits = (fits or {}).get("report_fits")
    figs, lines = curve_figures(table, hints.get("curves", []), report_fits)
    out["figures"] += figs
    summary += lines
    thresholds = hints.get("threshold", [])
    computed = (report_fits or {}).get("thresholds")
    for n, t in enumerate(thresholds if isinstance(thresholds, list) else [thresholds]):
        figs, lines = threshold_figure(table, t, computed[n] if computed else None)
        out["figures"] += figs
        summary += lines
    if hints.get("ratios"):
        figs, lines = ratio_figures(hints["ratios"], (report_fits or {}).get("ratios"))
        out["figures"] += figs
        summary += lines
    if "mode_weights" in spec.get("metrics", []):
        figs, lines = mode_weight_figure(table, picked)
        out["figures"] += figs
        summary += lines
    out["figures"] += bars_figures(table, hints.get("bars", []), picked)
    if fig2d:
        out["figures"] += figures_2d(table, fig2d)
    images_path = os.path.join(directory, "report", "images.json")
    if os.path.exists(images_path):
        out["figures"].append(images_figure(table, _read_json(images_path)))
    train_path = os.path.join(directory, "train", "summary.json")
    if os.path.exists(train_path):
        figs, lines = train_figures(_read_json(train_path))
        out["figures"] += figs
        summary += lines
    if hints.get("table"):
        out["figures"].append(table_figure(table, hints["table"], list(range(len(rows)))))
    if summary:
        out["summary"] = summary
    if not out["figures"]:
        raise AssembleError(f"{directory}: nothing to draw (no fits, no report hints, no 2-D "
                            f"samples; see experiments/README.md, 'Reports')")
    return out


def error_section(directory, message):
    """The report_data.json object of a directory that could not be assembled: its error, no
    figures (render.py draws the message in the section)."""
    name = _name(os.path.basename(os.path.normpath(directory)))
    return {"version": 1, "name": name, "title": name, "description": "",
            "error": message, "figures": []}


def _require(obj, keys, where):
    if not isinstance(obj, dict):
        raise AssembleError(f"spec.json: {where} must be an object")
    for k in keys:
        if k not in obj:
            raise AssembleError(f"spec.json: {where}: '{k}' is required")
