"""One drawing function per figure kind, and the PNG encoder.

Figures are built as matplotlib.figure.Figure objects on an Agg canvas, never through pyplot:
nothing is registered in pyplot's global figure list, so nothing is left open between figures
and no display is ever touched. Sizes depend only on the figure's shape (number of panels, and
the plotted region of a scatter figure), dpi is fixed at 100 and the PNG carries no
Software/date metadata, so the same data always gives the same bytes.
"""
import io
import math

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogFormatter, NullFormatter  # noqa: E402
import numpy as np  # noqa: E402

DPI = 100
SCATTER_PER_ROW = 6
QUIVER_PER_ROW = 4
# Density contours at exp(-k^2/2) of the maximum, k = 1..5: the 1-5 sigma ellipses of a
# Gaussian. Being geometric, they are contours of the log density, so a light mode still gets
# its outer rings.
CONTOUR_SIGMAS = (5, 4, 3, 2, 1)
CONTOUR_NOTE = ("Contours: the density at exp(-k\u00b2/2) of its maximum, k = 1, \u2026, 5 "
                "(the 1\u20135 sigma levels of a Gaussian; equally spaced in log density).")
STYLE = {
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "lines.solid_capstyle": "round",
}


def render_png(spec):
    """Draw one validated figure and return its PNG bytes."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=size_inches(spec), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        DRAW[spec["kind"]](fig, spec)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def size_inches(spec):
    """Figure size in inches: fixed per kind, growing only with the number of panels (and, for
    scatter, with the shape of the plotted region, so equal-aspect panels fill their cells)."""
    kind = spec["kind"]
    if kind == "curves":
        return (10.0, 5.5)
    if kind == "bars":
        return (9.0, 5.0)
    if kind == "trajectories":
        return (11.0, 4.8)
    if kind == "quiver":
        rows, cols = _grid_shape(len(spec["panels"]), QUIVER_PER_ROW)
        return (0.4 + 3.3 * cols, 0.2 + 3.4 * rows)
    if kind == "images":
        h, w = spec["shape"]
        cols = max(len(r["images"]) for r in spec["rows"])
        cell = 0.75  # inches per image column
        return (round(2.0 + cols * cell, 2), round(0.3 + len(spec["rows"]) * cell * h / w, 2))
    rows, cols = _grid_shape(len(spec["panels"]), SCATTER_PER_ROW)
    xlim, ylim = scatter_limits(spec)
    aspect = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    width = min(3.0, 3.6 / aspect)
    return (round(0.2 + cols * (width + 0.5), 2), round(0.1 + rows * (width * aspect + 1.1), 2))


def scatter_limits(spec):
    """The region a scatter figure shows: xlim/ylim when given, else the density's grid."""
    d = spec["density"]
    xlim = spec.get("xlim") or (float(d["x"][0]), float(d["x"][-1]))
    ylim = spec.get("ylim") or (float(d["y"][0]), float(d["y"][-1]))
    return tuple(xlim), tuple(ylim)


def note(spec):
    """Fixed explanation appended to the caption (what the density contours are), or ''."""
    if spec["kind"] == "scatter":
        return CONTOUR_NOTE
    if spec["kind"] == "trajectories" and spec["density"] is not None:
        return CONTOUR_NOTE
    if spec["kind"] == "quiver":
        text = ("Arrows show the score's direction; their length is sqrt(|score| / max |score|) "
                "of 0.9 grid cells, the maximum of each panel in its title.")
        if any(p["density"] is not None for p in spec["panels"]):
            text += " " + CONTOUR_NOTE
        return text
    return ""


def _colors():
    return matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]


def _grid_shape(n, per_row):
    cols = min(n, per_row)
    return math.ceil(n / cols), cols


def _panel_axes(fig, n, per_row):
    """A rows x cols grid of axes for n panels, the unused trailing ones hidden."""
    rows, cols = _grid_shape(n, per_row)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]


def _label_outer(axes, per_row):
    """Tick labels only on the left column and on the lowest panel of each column, for panels
    sharing their limits (subplots' sharex would also strip a column whose last row is empty)."""
    cols = min(len(axes), per_row)
    for k, ax in enumerate(axes):
        ax.tick_params(labelleft=k % cols == 0, labelbottom=k + cols >= len(axes))


def _outside_legend(ax, handles):
    """Legend right of the axes, so it never covers data (constrained layout makes room).

    The handles come in drawing order: matplotlib's own order groups artists by type, which
    would put bounds and guides before the measured series. A handle may be a tuple of
    artists drawn on top of each other (a series' markers and its fit line), labelled by the
    first (`type(h) is tuple`: matplotlib's containers are tuple subclasses with their own
    label)."""
    if handles:
        labels = [(h[0] if type(h) is tuple else h).get_label() for h in handles]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0)


# ---------------------------------------------------------------- curves

def draw_curves(fig, spec):
    """Error curves: series (markers + line, CI bars, fit), bounds, reference slopes, hline."""
    ax = fig.subplots()
    log_x, log_y = spec["axes"] == "loglog", spec["axes"] in ("loglog", "semilogy")
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    colors = _colors()
    series_colors, handles = {}, []
    for i, s in enumerate(spec["series"]):
        color = colors[i % len(colors)]
        series_colors[s["label"]] = color
        handles.append(_draw_series(ax, s, color, spec["axes"]))
    for j, b in enumerate(spec["bounds"]):
        if b["style"] in ("uncertified", "vacuous"):
            # Not a certified inequality: grey, dotted, hollow markers, labelled as such.
            handles += ax.plot(b["x"], b["y"], ls=":", lw=1.2, color="0.55", marker="o",
                               ms=5, mfc="none", mec="0.45", label=b["label"], zorder=2)
            continue
        color = _bound_color(b["label"], series_colors, j)
        handles += ax.plot(b["x"], b["y"], ls="--", lw=1.6, color=color, label=b["label"],
                           zorder=2)
    handles += _draw_reference_slopes(ax, spec)
    if spec["hline"] is not None:
        handles.append(ax.axhline(spec["hline"]["y"], ls=(0, (6, 3)), lw=1.2, color="0.15",
                                  label=spec["hline"]["label"], zorder=1))
    ax.set_xlabel(spec["xlabel"])
    ax.set_ylabel(spec["ylabel"])
    ax.grid(True, which="major", color="0.88", lw=0.8)
    if log_x or log_y:
        ax.grid(True, which="minor", color="0.95", lw=0.5)
    _plain_log_ticks(ax, spec, log_x, log_y)
    ax.set_axisbelow(True)
    _outside_legend(ax, handles)


def _plain_log_ticks(ax, spec, log_x, log_y):
    """Plain numbers on short log axes, where matplotlib would label 3 x 10^0: a log x axis with
    at most 12 distinct x values gets a tick at each (steps 5, 10, 20, 50); a log y axis that
    spans less than two decades labels the ticks matplotlib labels as plain numbers (0.6, 1, 2)."""
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    if log_x:
        xs = sorted({float(x) for s in spec["series"] for x in s["x"] if x > 0})
        if 0 < len(xs) <= 12:
            ax.set_xticks(xs)
            ax.xaxis.set_major_formatter(plain)
            ax.xaxis.set_minor_formatter(NullFormatter())
    if log_y:
        lo, hi = ax.get_ylim()
        if lo > 0 and hi / lo < 100:  # matplotlib's choice of labelled ticks, as plain numbers
            ax.yaxis.set_major_formatter(_PlainLogFormatter())
            ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))


class _PlainLogFormatter(LogFormatter):
    """matplotlib's log-axis labels (which ticks get one), written %g: 0.6 rather than 6e-01."""

    def _num_to_string(self, x, vmin, vmax):
        return f"{x:g}"


def _draw_series(ax, s, color, axes):
    """Markers joined by a line, CI error bars, and the fit as a thin line over the x range.

    With a fit, the joining line is faint so the fit line stays visible where it follows the
    data closely. Returns the legend handle."""
    label = s["label"]
    fit = s["fit"]
    if fit is not None:
        label = f"{label}: slope {_slope_text(fit['slope'])}"
        if fit["ci"] is not None:
            lo, hi = (_slope_text(v) for v in fit["ci"])
            label += f" [{lo}, {hi}]"
        else:
            label += " (no interval)"
    yerr = None
    if "ci_lo" in s:
        yerr = np.vstack([np.maximum(s["y"] - s["ci_lo"], 0), np.maximum(s["ci_hi"] - s["y"], 0)])
    handle = ax.errorbar(s["x"], s["y"], yerr=yerr, fmt="o-" if fit is None else "o",
                         color=color, ms=5, lw=1.4, capsize=3, elinewidth=1.0, label=label,
                         zorder=3)
    if fit is None:
        return handle
    ax.plot(s["x"], s["y"], color=color, lw=1.4, alpha=0.35, zorder=2)
    xs = _span(s["x"], axes == "loglog")
    fit_line, = ax.plot(xs, _fit_line(fit, xs, axes), color=color, lw=1.0, zorder=2)
    return (handle, fit_line)


def _slope_text(v):
    """Two decimals (rates like -2.06), but two significant digits for slopes near zero."""
    return f"{v:.2f}" if abs(v) >= 0.1 or v == 0 else f"{v:.2g}"


def _span(x, log):
    """Dense points between the smallest and largest x (geometric on a log axis)."""
    lo, hi = float(np.min(x)), float(np.max(x))
    return np.geomspace(lo, hi, 200) if log else np.linspace(lo, hi, 200)


def _fit_line(fit, xs, axes):
    """The fitted model: log y linear in log x (loglog), in x (semilogy); y linear in x (linear)."""
    a, b = fit["intercept"], fit["slope"]
    if axes == "loglog":
        return np.exp(a) * xs ** b
    if axes == "semilogy":
        return np.exp(a + b * xs)
    return a + b * xs


def _bound_color(label, series_colors, j):
    """The colour of the series the bound's label starts with (longest match), else a grey."""
    matches = [name for name in series_colors if name and label.startswith(name)]
    if matches:
        return series_colors[max(matches, key=len)]
    return ("0.35", "0.55", "0.7")[j % 3]


def _draw_reference_slopes(ax, spec):
    """Dotted grey guides through the first point of the first series, over all series' x."""
    refs = spec["reference_slopes"]
    if not refs:
        return []
    first = spec["series"][0]
    x0, y0 = first["x"][0], first["y"][0]
    xs = _span(np.concatenate([s["x"] for s in spec["series"]]), spec["axes"] == "loglog")
    shades = ("0.3", "0.5", "0.65")
    handles = []
    for k, r in enumerate(refs):
        if spec["axes"] == "loglog":
            ys = y0 * (xs / x0) ** r["slope"]
        elif spec["axes"] == "semilogy":
            ys = y0 * np.exp(r["slope"] * (xs - x0))
        else:
            ys = y0 + r["slope"] * (xs - x0)
        handles += ax.plot(xs, ys, ls=":", lw=1.5, color=shades[k % 3], label=r["label"],
                           zorder=1)
    return handles


# ---------------------------------------------------------------- densities, scatter

def _density_contours(ax, density):
    """Contours of the (log) density, darker towards the modes."""
    z = density["z"]
    zmax = float(z.max())
    levels = [zmax * math.exp(-k * k / 2) for k in CONTOUR_SIGMAS]
    colors = matplotlib.colormaps["Blues"](np.linspace(0.4, 0.95, len(levels)))
    ax.contour(density["x"], density["y"], z, levels=levels, colors=colors, linewidths=0.9,
               zorder=1)


def draw_scatter(fig, spec):
    """One equal-aspect panel per sampler: its points over the target's density contours."""
    panels = spec["panels"]
    axes = _panel_axes(fig, len(panels), SCATTER_PER_ROW)
    _label_outer(axes, SCATTER_PER_ROW)
    xlim, ylim = scatter_limits(spec)
    for ax, panel in zip(axes, panels):
        _density_contours(ax, spec["density"])
        pts = panel["points"]
        n = len(pts)
        ax.scatter(pts[:, 0], pts[:, 1], s=4, color="C3", alpha=min(0.6, max(0.1, 300 / n)),
                   linewidths=0, zorder=2)
        outside = _count_outside(pts, xlim, ylim)
        extra = f", {outside} outside" if outside else ""
        ax.set_title(f"{panel['label']}\n(n = {n}{extra})")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal", adjustable="box")


def _count_outside(pts, xlim, ylim):
    """Points the panel's limits cut off, so a clipped sample is visible in the title."""
    inside = ((pts[:, 0] >= xlim[0]) & (pts[:, 0] <= xlim[1])
              & (pts[:, 1] >= ylim[0]) & (pts[:, 1] <= ylim[1]))
    return int((~inside).sum())


# ---------------------------------------------------------------- trajectories

def draw_trajectories(fig, spec):
    """Paths in the plane (start/end marked) and coordinate 1 against t, time left to right."""
    plane, coord = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.35]})
    t, paths = spec["t"], spec["paths"]
    colors = _path_colors(len(paths))
    alpha = _path_alpha(len(paths))
    if spec["density"] is not None:
        _density_contours(plane, spec["density"])
    for path, color in zip(paths, colors):
        plane.plot(path[:, 0], path[:, 1], color=color, lw=0.8, alpha=alpha, zorder=2)
        coord.plot(t, path[:, 0], color=color, lw=0.8, alpha=alpha)
    name = spec.get("time_label") or "t"
    plane.scatter(paths[:, 0, 0], paths[:, 0, 1], s=14, facecolors="white", edgecolors="0.2",
                  linewidths=0.8, zorder=3, label=f"start ({name} = {t[0]:.3g})")
    plane.scatter(paths[:, -1, 0], paths[:, -1, 1], s=16, color="black", marker="x",
                  linewidths=1.0, zorder=4, label=f"end ({name} = {t[-1]:.3g})")
    plane.set_aspect("equal", adjustable="datalim")
    plane.set_xlabel("coordinate 1")
    plane.set_ylabel("coordinate 2")
    plane.set_title(f"{len(paths)} paths in the plane")
    plane.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2, borderaxespad=0.0)
    _time_axis(coord, t, spec.get("time_label"))
    coord.set_ylabel("coordinate 1")
    coord.set_title(f"coordinate 1 against {spec.get('time_label') or 't'}")
    coord.grid(True, color="0.9", lw=0.8)


def _path_colors(n):
    """Distinct colours for a few particles; one colour when there are too many to tell apart."""
    if n <= 10:
        return _colors()[:n]
    return ["C0"] * n


def _path_alpha(n):
    return 0.9 if n <= 10 else max(0.08, min(0.5, 20 / n))


def _time_axis(ax, t, label=None):
    """t on x; reversed when t decreases (T down to delta) so sampling runs left to right. With a
    label (e.g. "Langevin iteration", whose t does not change) the values are plotted as given."""
    if label:
        ax.set_xlabel(label)
        return
    if t.min() > 0 and t.max() / t.min() > 100:
        ax.set_xscale("log")
    if t[0] > t[-1]:
        ax.invert_xaxis()
        ax.set_xlabel(f"t (axis reversed: sampling runs from T = {t[0]:.3g} "
                      f"down to \u03b4 = {t[-1]:.3g})")
    else:
        ax.set_xlabel("t")


# ---------------------------------------------------------------- quiver

def draw_quiver(fig, spec):
    """One panel per t: the score field as arrows, direction exact, length sqrt(|s| / max |s|)
    of 0.9 grid cells: a linear length leaves the arrows near a mode invisible beside the tails'
    (the score grows linearly away from the modes)."""
    panels = spec["panels"]
    axes = _panel_axes(fig, len(panels), QUIVER_PER_ROW)
    for ax, panel in zip(axes, panels):
        if panel["density"] is not None:
            _density_contours(ax, panel["density"])
        x, y = panel["x"], panel["y"]
        norm = np.hypot(panel["u"], panel["v"])
        peak = float(norm.max())
        cell = float(min(np.diff(x).min(), np.diff(y).min()))
        safe = np.where(norm > 0, norm, 1.0)
        length = np.sqrt(norm / peak) if peak > 0 else np.zeros_like(norm)
        gx, gy = np.meshgrid(x, y)
        ax.quiver(gx, gy, panel["u"] / safe * length, panel["v"] / safe * length, angles="xy",
                  scale_units="xy", scale=1 / (0.9 * cell), width=0.005, color="0.15", zorder=2)
        ax.set_title(f"t = {panel['t']:.3g}   (max |score| = {peak:.3g})")
        ax.set_xlim(x[0] - cell, x[-1] + cell)
        ax.set_ylim(y[0] - cell, y[-1] + cell)
        ax.set_aspect("equal", adjustable="box")


# ---------------------------------------------------------------- bars

def draw_bars(fig, spec):
    """Grouped bars per category with CI error bars, the reference as a mark across each group."""
    ax = fig.subplots()
    cats, series = spec["categories"], spec["series"]
    centers = np.arange(len(cats), dtype=float)
    group = 0.8
    width = group / len(series)
    colors = _colors()
    handles = []
    for i, s in enumerate(series):
        offsets = centers - group / 2 + (i + 0.5) * width
        yerr = None
        if s["ci_lo"] is not None:
            yerr = np.vstack([np.maximum(s["values"] - s["ci_lo"], 0),
                              np.maximum(s["ci_hi"] - s["values"], 0)])
        handles.append(ax.bar(offsets, s["values"], width * 0.92, yerr=yerr, capsize=3,
                              color=colors[i % len(colors)], label=s["label"], zorder=2,
                              error_kw={"elinewidth": 1.0, "ecolor": "0.2"}))
    if spec["reference"] is not None:
        ref = spec["reference"]
        handles.append(ax.hlines(ref["values"], centers - group / 2 - 0.04,
                                 centers + group / 2 + 0.04, colors="black", linestyles="--",
                                 lw=1.8, label=ref["label"], zorder=3))
    ax.set_xticks(centers, cats)
    if sum(len(c) for c in cats) > 60:
        ax.tick_params(axis="x", labelrotation=20)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    ax.set_ylabel(spec["ylabel"])
    ax.grid(True, axis="y", color="0.9", lw=0.8)
    ax.set_axisbelow(True)
    _outside_legend(ax, handles)


def draw_images(fig, spec):
    """One row of images per entry, its label on the left; pixel values on one common grey scale
    (white at spec["range"][0] or the smallest value of the figure, black at range[1] or the
    largest; values outside are clipped), so rows compare."""
    rows = spec["rows"]
    cols = max(len(r["images"]) for r in rows)
    if spec["range"] is not None:
        lo, hi = spec["range"]
    else:
        lo = min(float(np.min(a)) for r in rows for a in r["images"])
        hi = max(float(np.max(a)) for r in rows for a in r["images"])
        if hi <= lo:
            hi = lo + 1.0
    axes = fig.subplots(len(rows), cols, squeeze=False)
    for i, r in enumerate(rows):
        for k in range(cols):
            ax = axes[i][k]
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            if k < len(r["images"]):
                ax.imshow(r["images"][k], cmap="gray_r", vmin=lo, vmax=hi,
                          interpolation="nearest")
        axes[i][0].set_ylabel(r["label"], rotation=0, ha="right", va="center", fontsize=9)


DRAW = {"curves": draw_curves, "scatter": draw_scatter, "trajectories": draw_trajectories,
        "quiver": draw_quiver, "bars": draw_bars, "images": draw_images}
