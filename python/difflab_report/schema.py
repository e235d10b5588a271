"""Validation of report_data.json (version 1) into plain dicts holding numpy arrays.

Everything is checked before anything is drawn, so a bad file fails with one message naming the
key at fault (e.g. `figures[2].series[0].y: 7 values, but x has 8`) instead of a matplotlib
traceback halfway through a page. Validated figures carry defaults filled in and numeric arrays
as float64 numpy arrays; points dropped from a log axis are reported through `warn`.
"""
import json
import math
import re

import numpy as np

VERSION = 1
NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
CURVE_AXES = ("loglog", "semilogy", "linear")
_REQUIRED = object()


class SchemaError(Exception):
    """A problem with the content of one data file; the message names the offending key."""


def load(path, warn):
    """Read and validate one data file; `warn(message)` receives non-fatal problems."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise SchemaError(f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise SchemaError("not UTF-8 text") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise SchemaError(f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    return validate(doc, warn)


def validate(doc, warn):
    """Check a parsed document against schema version 1 and return the normalised section."""
    _object(doc, "the document")
    version = _field(doc, "version", "", _int)
    if version != VERSION:
        raise SchemaError(f"version: unsupported version {version} (this renderer reads {VERSION})")
    section = {
        "name": _field(doc, "name", "", _name),
        "title": _field(doc, "title", "", _string),
        "description": _field(doc, "description", "", _string),
        "claim": _field(doc, "claim", "", _string, ""),
        "summary": _field(doc, "summary", "", _strings, []),
        # An experiment directory that could not be assembled: its section shows this message
        # instead of figures, and the rest of the page is still drawn.
        "error": _field(doc, "error", "", _string, ""),
    }
    figures = _field(doc, "figures", "", _list)
    section["figures"] = [_figure(f, f"figures[{i}]", warn) for i, f in enumerate(figures)]
    _unique_names(section["figures"])
    return section


def _figure(fig, where, warn):
    """Common keys of every figure, then the kind-specific part."""
    _object(fig, where)
    kind = _field(fig, "kind", where, _string)
    if kind not in _KINDS:
        raise SchemaError(f"{where}.kind: unknown kind {kind!r} (one of {', '.join(_KINDS)})")
    out = {
        "kind": kind,
        "name": _field(fig, "name", where, _name),
        "title": _field(fig, "title", where, _string),
        "caption": _field(fig, "caption", where, _string, ""),
    }
    out.update(_KINDS[kind](fig, where, warn))
    return out


def _unique_names(figures):
    """Figure names become file names, so two figures of one section may not share one."""
    seen = set()
    for i, fig in enumerate(figures):
        if fig["name"] in seen:
            raise SchemaError(f"figures[{i}].name: {fig['name']!r} is used by an earlier figure")
        seen.add(fig["name"])


# ---------------------------------------------------------------- curves

def _curves(fig, where, warn):
    axes = _field(fig, "axes", where, _string, "loglog")
    if axes not in CURVE_AXES:
        raise SchemaError(f"{where}.axes: {axes!r} is not one of {', '.join(CURVE_AXES)}")
    log_x, log_y = axes == "loglog", axes in ("loglog", "semilogy")
    series = _field(fig, "series", where, _list)
    if not series:
        raise SchemaError(f"{where}.series: empty (a curves figure needs at least one series)")
    out = {
        "axes": axes,
        "xlabel": _field(fig, "xlabel", where, _string),
        "ylabel": _field(fig, "ylabel", where, _string),
        "series": [_series(s, f"{where}.series[{i}]", log_x, log_y, warn)
                   for i, s in enumerate(series)],
        "bounds": [_bound(b, f"{where}.bounds[{i}]", log_x, log_y, warn)
                   for i, b in enumerate(_field(fig, "bounds", where, _list, []))],
        "reference_slopes": [_reference_slope(r, f"{where}.reference_slopes[{i}]") for i, r
                             in enumerate(_field(fig, "reference_slopes", where, _list, []))],
        "hline": None,
    }
    if "hline" in fig:
        out["hline"] = _hline(fig["hline"], f"{where}.hline", log_y)
    return out


def _series(s, where, log_x, log_y, warn):
    """One measured curve; its CI must come as a pair, and all arrays share x's length."""
    _object(s, where)
    out = {"label": _field(s, "label", where, _string)}
    arrays = {"x": _field(s, "x", where, _numbers), "y": _field(s, "y", where, _numbers)}
    if ("ci_lo" in s) != ("ci_hi" in s):
        raise SchemaError(f"{where}: ci_lo and ci_hi must be given together")
    if "ci_lo" in s:
        arrays["ci_lo"] = _field(s, "ci_lo", where, _numbers)
        arrays["ci_hi"] = _field(s, "ci_hi", where, _numbers)
    _same_length(arrays, where)
    out.update(_positive_on_log_axes(arrays, where, log_x, log_y, warn))
    out["fit"] = _fit(s["fit"], f"{where}.fit") if "fit" in s else None
    return out


BOUND_STYLES = ("plain", "certified", "uncertified", "vacuous")


def _bound(b, where, log_x, log_y, warn):
    """A theory curve or published bound. style: "plain" (a theory column), "certified",
    "uncertified" or "vacuous" (a published bound's status: the last two are drawn grey and
    hollow)."""
    _object(b, where)
    arrays = {"x": _field(b, "x", where, _numbers), "y": _field(b, "y", where, _numbers)}
    _same_length(arrays, where)
    style = _field(b, "style", where, _string, "plain")
    if style not in BOUND_STYLES:
        raise SchemaError(f"{where}.style: {style!r} is not one of {', '.join(BOUND_STYLES)}")
    out = {"label": _field(b, "label", where, _string), "style": style}
    out.update(_positive_on_log_axes(arrays, where, log_x, log_y, warn))
    return out


def _fit(fit, where):
    _object(fit, where)
    # A fit may have no interval (a fit over two points): "ci" absent, null, or with null or
    # infinite ends. It is then drawn without one, never an error.
    raw = fit.get("ci")
    if raw is None or (isinstance(raw, list) and any(
            x is None or (isinstance(x, float) and not math.isfinite(x)) for x in raw)):
        ci = None
    else:
        ci = _field(fit, "ci", where, _numbers)
        if len(ci) != 2:
            raise SchemaError(f"{where}.ci: expected [lo, hi], got {len(ci)} values")
    return {"slope": _field(fit, "slope", where, _number),
            "intercept": _field(fit, "intercept", where, _number), "ci": ci}


def _reference_slope(r, where):
    _object(r, where)
    return {"label": _field(r, "label", where, _string),
            "slope": _field(r, "slope", where, _number)}


def _hline(h, where, log_y):
    _object(h, where)
    y = _field(h, "y", where, _number)
    if log_y and y <= 0:
        raise SchemaError(f"{where}.y: {y:g} is not positive, but the y axis is logarithmic")
    return {"label": _field(h, "label", where, _string), "y": y}


def _positive_on_log_axes(arrays, where, log_x, log_y, warn):
    """Drop points a log axis cannot show (with a warning); fail when none would be left."""
    keep = np.ones(len(arrays["x"]), dtype=bool)
    if log_x:
        keep &= arrays["x"] > 0
    if log_y:
        keep &= arrays["y"] > 0
    n, kept = len(keep), int(keep.sum())
    if kept == n:
        return arrays
    axes = "x or y" if log_x and log_y else "y"
    if kept == 0:
        raise SchemaError(f"{where}: all {n} points have non-positive {axes} values, "
                          f"which the log axis cannot show")
    warn(f"{where}: dropped {n - kept} of {n} points with non-positive {axes} values "
         f"(log axis)")
    return {key: values[keep] for key, values in arrays.items()}


# ---------------------------------------------------------------- scatter, trajectories, quiver

def _scatter(fig, where, _warn):
    panels = _field(fig, "panels", where, _list)
    if not panels:
        raise SchemaError(f"{where}.panels: empty (a scatter figure needs at least one panel)")
    out = {"panels": [], "density": _field(fig, "density", where, _density),
           "xlim": _field(fig, "xlim", where, _limits, None),
           "ylim": _field(fig, "ylim", where, _limits, None)}
    for i, p in enumerate(panels):
        pw = f"{where}.panels[{i}]"
        _object(p, pw)
        out["panels"].append({"label": _field(p, "label", pw, _string),
                              "points": _field(p, "points", pw, _points)})
    return out


def _trajectories(fig, where, _warn):
    t = _field(fig, "t", where, _numbers)
    if len(t) < 2:
        raise SchemaError(f"{where}.t: a trajectory needs at least 2 times, got {len(t)}")
    paths = _field(fig, "paths", where, _list)
    if not paths:
        raise SchemaError(f"{where}.paths: empty (no particles)")
    arrays = []
    for i, p in enumerate(paths):
        path = _points(p, f"{where}.paths[{i}]")
        if len(path) != len(t):
            raise SchemaError(f"{where}.paths[{i}]: {len(path)} points, but t has {len(t)} times")
        arrays.append(path)
    density = _field(fig, "density", where, _density, None)
    time_label = _field(fig, "time_label", where, _string, None)
    return {"t": t, "paths": np.stack(arrays), "density": density, "time_label": time_label}


def _quiver(fig, where, _warn):
    panels = _field(fig, "panels", where, _list)
    if not panels:
        raise SchemaError(f"{where}.panels: empty (a quiver figure needs at least one panel)")
    return {"panels": [_quiver_panel(p, f"{where}.panels[{i}]") for i, p in enumerate(panels)]}


def _quiver_panel(p, where):
    _object(p, where)
    x, y = _field(p, "x", where, _axis), _field(p, "y", where, _axis)
    u = _field(p, "u", where, lambda v, w: _grid(v, w, len(y), len(x)))
    v = _field(p, "v", where, lambda v, w: _grid(v, w, len(y), len(x)))
    return {"t": _field(p, "t", where, _number), "x": x, "y": y, "u": u, "v": v,
            "density": _field(p, "density", where, _density, None)}


def _density(d, where):
    """A density on a rectangular grid: z[i][j] is the density at (x[j], y[i])."""
    _object(d, where)
    x, y = _field(d, "x", where, _axis), _field(d, "y", where, _axis)
    z = _field(d, "z", where, lambda v, w: _grid(v, w, len(y), len(x)))
    if (z < 0).any():
        raise SchemaError(f"{where}.z: negative density values")
    if not (z > 0).any():
        raise SchemaError(f"{where}.z: the density is zero everywhere")
    return {"x": x, "y": y, "z": z}


def _axis(v, where):
    """Grid coordinates: at least 2, strictly increasing (contour and quiver need a grid)."""
    a = _numbers(v, where)
    if len(a) < 2:
        raise SchemaError(f"{where}: a grid axis needs at least 2 values, got {len(a)}")
    if not (np.diff(a) > 0).all():
        raise SchemaError(f"{where}: grid values must be strictly increasing")
    return a


def _grid(v, where, ny, nx):
    """A ny x nx array given as ny rows of nx numbers."""
    rows = _list(v, where)
    if len(rows) != ny:
        raise SchemaError(f"{where}: {len(rows)} rows, but y has {ny} values")
    out = np.empty((ny, nx))
    for i, row in enumerate(rows):
        r = _numbers(row, f"{where}[{i}]", min_len=0)
        if len(r) != nx:
            raise SchemaError(f"{where}[{i}]: {len(r)} values, but x has {nx}")
        out[i] = r
    return out


def _points(v, where):
    """A list of [x, y] pairs as an (n, 2) array."""
    pts = _list(v, where)
    if not pts:
        raise SchemaError(f"{where}: no points")
    out = np.empty((len(pts), 2))
    for i, p in enumerate(pts):
        pair = _numbers(p, f"{where}[{i}]", min_len=0)
        if len(pair) != 2:
            raise SchemaError(f"{where}[{i}]: expected an [x, y] pair, got {len(pair)} values")
        out[i] = pair
    return out


def _limits(v, where):
    lim = _numbers(v, where)
    if len(lim) != 2 or not lim[0] < lim[1]:
        raise SchemaError(f"{where}: expected [a, b] with a < b")
    return (float(lim[0]), float(lim[1]))


# ---------------------------------------------------------------- bars, table

def _bars(fig, where, _warn):
    categories = _field(fig, "categories", where, _strings)
    if not categories:
        raise SchemaError(f"{where}.categories: empty")
    series = _field(fig, "series", where, _list)
    if not series:
        raise SchemaError(f"{where}.series: empty (a bars figure needs at least one series)")
    out = {"categories": categories, "ylabel": _field(fig, "ylabel", where, _string),
           "series": [_bar_series(s, f"{where}.series[{i}]", len(categories))
                      for i, s in enumerate(series)],
           "reference": None}
    if "reference" in fig:
        rw = f"{where}.reference"
        ref = _object(fig["reference"], rw)
        out["reference"] = {"label": _field(ref, "label", rw, _string),
                            "values": _field(ref, "values", rw, _numbers)}
        _length_is(out["reference"]["values"], len(categories), f"{rw}.values", "categories")
    return out


def _bar_series(s, where, n):
    _object(s, where)
    out = {"label": _field(s, "label", where, _string),
           "values": _field(s, "values", where, _numbers), "ci_lo": None, "ci_hi": None}
    _length_is(out["values"], n, f"{where}.values", "categories")
    if ("ci_lo" in s) != ("ci_hi" in s):
        raise SchemaError(f"{where}: ci_lo and ci_hi must be given together")
    for key in ("ci_lo", "ci_hi"):
        if key in s:
            out[key] = _field(s, key, where, _numbers)
            _length_is(out[key], n, f"{where}.{key}", "categories")
    return out


def _table(fig, where, _warn):
    columns = _field(fig, "columns", where, _strings)
    if not columns:
        raise SchemaError(f"{where}.columns: empty")
    rows = _field(fig, "rows", where, _list)
    for i, row in enumerate(rows):
        rw = f"{where}.rows[{i}]"
        _list(row, rw)
        if len(row) != len(columns):
            raise SchemaError(f"{rw}: {len(row)} cells, but there are {len(columns)} columns")
        for j, cell in enumerate(row):
            if cell is not None and not isinstance(cell, (str, int, float)):
                raise SchemaError(f"{rw}[{j}]: expected a string, number or null, "
                                  f"got {_describe(cell)}")
    return {"columns": columns, "rows": rows}


# ---------------------------------------------------------------- images

def _images(fig, where, _warn):
    """Rows of same-shape grey images (e.g. generated digits beside real ones): shape [h, w],
    each row a label and images of h * w pixel values; optional range [lo, hi] of the grey
    scale (white to black)."""
    shape = _field(fig, "shape", where, _list)
    if len(shape) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                  for v in shape):
        raise SchemaError(f"{where}.shape: expected two positive integers [h, w]")
    rows = _field(fig, "rows", where, _list)
    if not rows:
        raise SchemaError(f"{where}.rows: empty (an images figure needs at least one row)")
    out = []
    for i, row in enumerate(rows):
        rw = f"{where}.rows[{i}]"
        _object(row, rw)
        images = _field(row, "images", rw, _list)
        if not images:
            raise SchemaError(f"{rw}.images: empty")
        arrays = []
        for k, img in enumerate(images):
            a = _numbers(img, f"{rw}.images[{k}]")
            _length_is(a, shape[0] * shape[1], f"{rw}.images[{k}]", "pixels (h * w)")
            arrays.append(a.reshape(shape))
        out.append({"label": _field(row, "label", rw, _string), "images": arrays})
    grey = None
    if "range" in fig:
        grey = _field(fig, "range", where, _numbers)
        if len(grey) != 2 or not grey[0] < grey[1]:
            raise SchemaError(f"{where}.range: expected [lo, hi] with lo < hi")
        grey = (float(grey[0]), float(grey[1]))
    return {"shape": tuple(shape), "rows": out, "range": grey}


_KINDS = {"curves": _curves, "scatter": _scatter, "trajectories": _trajectories,
          "quiver": _quiver, "bars": _bars, "table": _table, "images": _images}


# ---------------------------------------------------------------- primitive checks

def _field(obj, key, where, check, default=_REQUIRED):
    """obj[key] passed through check, or default when absent (absent and required: error)."""
    path = f"{where}.{key}" if where else key
    if key not in obj:
        if default is _REQUIRED:
            raise SchemaError(f"{where + ': ' if where else ''}missing key \"{key}\"")
        return default
    return check(obj[key], path)


def _describe(v):
    """The JSON type of a value, for messages."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    return "an object"


def _expect(ok, v, where, what):
    if not ok:
        raise SchemaError(f"{where}: expected {what}, got {_describe(v)}")
    return v


def _object(v, where):
    return _expect(isinstance(v, dict), v, where, "an object")


def _list(v, where):
    return _expect(isinstance(v, list), v, where, "a list")


def _string(v, where):
    return _expect(isinstance(v, str), v, where, "a string")


def _strings(v, where):
    _list(v, where)
    for i, s in enumerate(v):
        _string(s, f"{where}[{i}]")
    return v


def _int(v, where):
    return _expect(isinstance(v, int) and not isinstance(v, bool), v, where, "an integer")


def _number(v, where):
    _expect(isinstance(v, (int, float)) and not isinstance(v, bool), v, where, "a number")
    if not math.isfinite(v):
        raise SchemaError(f"{where}: {v} is not a finite number")
    return float(v)


def _numbers(v, where, min_len=1):
    """A list of finite numbers as a float64 array; most arrays must not be empty."""
    _list(v, where)
    if len(v) < min_len:
        raise SchemaError(f"{where}: empty list")
    for i, x in enumerate(v):
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise SchemaError(f"{where}[{i}]: expected a number, got {_describe(x)}")
        if not math.isfinite(x):
            raise SchemaError(f"{where}[{i}]: {x} is not a finite number")
    return np.array(v, dtype=float)


def _name(v, where):
    _string(v, where)
    if not NAME_RE.fullmatch(v):
        raise SchemaError(f"{where}: {v!r} is not a valid name (letters, digits, '_' and '-' only)")
    return v


def _length_is(values, n, where, other):
    if len(values) != n:
        raise SchemaError(f"{where}: {len(values)} values, but there are {n} {other}")


def _same_length(arrays, where):
    """Every array of a curve has x's length, so points pair up."""
    n = len(arrays["x"])
    for key, values in arrays.items():
        if len(values) != n:
            raise SchemaError(f"{where}.{key}: {len(values)} values, but x has {n}")
