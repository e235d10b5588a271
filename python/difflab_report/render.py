"""The render pipeline: validate every data file, draw the PNGs, write figures.json and the page.

All files are validated before anything is written, so a bad file leaves earlier output alone;
each output file is written atomically.
"""
import json
import os
import warnings

from . import figures, html_page, schema
from .files import write_atomic


class ReportError(Exception):
    """A fatal problem attributed to one input (or output) file; main prints it on one line."""

    def __init__(self, path, message):
        super().__init__(f"{path}: {message}")


def render(data_paths, html_path, figure_dir, warn, isolate=False):
    """Render data_paths into html_path with PNGs in figure_dir; warn(path, message) for
    non-fatal problems. Raises ReportError. With isolate (the `build` command), a data file
    that fails to validate or to draw becomes a section showing its error, and the rest of the
    page is drawn."""
    sections = [(path, _load_isolated(path, warn) if isolate else _load(path, warn))
                for path in data_paths]
    _check_unique_sections(sections)
    html_dir = os.path.dirname(os.path.abspath(html_path))
    _make_dirs(figure_dir, html_dir)
    rendered, listing = [], []
    for path, section in sections:
        entries = []
        if isolate:
            try:
                pngs = {i: _draw(path, i, spec, warn) for i, spec in enumerate(section["figures"])
                        if spec["kind"] != "table"}
            except ReportError as e:
                warn(path, str(e))
                section = _error_section(path, section, str(e))
                pngs = {}
        for i, spec in enumerate(section["figures"]):
            entry = {"spec": spec}
            if spec["kind"] != "table":
                png = pngs[i] if isolate else _draw(path, i, spec, warn)
                file_path = os.path.join(figure_dir, _file_name(section, spec))
                _write(file_path, png)
                entry.update(png=png, note=figures.note(spec), href=_href(file_path, html_dir))
                listing.append({"section": section["name"], "figure": spec["name"],
                                "file": _file_name(section, spec), "kind": spec["kind"],
                                "title": spec["title"]})
            entries.append(entry)
        rendered.append((section, entries))
    figures_json = json.dumps(listing, indent=2) + "\n"
    _write(os.path.join(figure_dir, "figures.json"), figures_json.encode("utf-8"))
    page = html_page.page(rendered, list(data_paths))
    _write(html_path, page.encode("utf-8"))
    return listing


def one_line(message):
    """Join a multi-line message (matplotlib's mathtext errors put a caret line under the text)."""
    lines = [line.strip() for line in message.splitlines()]
    return "; ".join(line for line in lines if line.strip("^ "))


def _load(path, warn):
    try:
        return schema.load(path, lambda message: warn(path, message))
    except schema.SchemaError as e:
        raise ReportError(path, str(e)) from None


def _load_isolated(path, warn):
    try:
        return _load(path, warn)
    except ReportError as e:
        warn(path, str(e))
        return _error_section(path, None, str(e))


def _error_section(path, section, message):
    """A section with only its error: the validated one without figures, or one named after
    the data file's directory when the file itself is unusable."""
    if section is None:
        parent = os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))
        name = "".join(c if c.isalnum() or c in "_-" else "_" for c in parent) or "section"
        section = {"name": name, "title": name, "description": "", "claim": "", "summary": []}
    return dict(section, figures=[], error=message)


def _check_unique_sections(sections):
    """Section names prefix the PNG file names, so two data files may not share one; and
    <section>_<figure>.png must not collide either (section "a_b" figure "c", section "a"
    figure "b_c")."""
    seen, files = {}, {}
    for path, section in sections:
        name = section["name"]
        if name in seen:
            raise ReportError(path, f"name: section {name!r} is already used by {seen[name]}")
        seen[name] = path
        for i, spec in enumerate(section["figures"]):
            if spec["kind"] == "table":
                continue
            file_name = _file_name(section, spec)
            if file_name in files:
                raise ReportError(path, f"figures[{i}].name: the file {file_name} is also "
                                        f"written for {files[file_name]}")
            files[file_name] = f"{path} ({name}, {spec['name']})"


def _file_name(section, spec):
    return f"{section['name']}_{spec['name']}.png"


def _make_dirs(*directories):
    for d in directories:
        try:
            os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise ReportError(d, f"cannot create directory: {e.strerror or e}") from None


def _draw(path, index, spec, warn):
    """The PNG bytes of one figure; matplotlib's errors and warnings name the figure."""
    where = f"figures[{index}] ({spec['name']})"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            png = figures.render_png(spec)
    except Exception as e:  # a matplotlib failure (e.g. bad mathtext in a label), not a bug here
        raise ReportError(path, f"{where}: cannot draw: {one_line(str(e))}") from None
    for w in caught:  # matplotlib's own warnings, as our one-line warnings naming the figure
        warn(path, f"{where}: {one_line(str(w.message))}")
    return png


def _href(file_path, html_dir):
    """The PNG's path relative to the page, for the link next to each figure."""
    return os.path.relpath(os.path.abspath(file_path), html_dir).replace(os.sep, "/")


def _write(path, data):
    try:
        write_atomic(path, data)
    except OSError as e:
        raise ReportError(path, f"cannot write: {e.strerror or e}") from None
