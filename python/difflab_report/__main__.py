"""Command line:
  python3 -m difflab_report render --html OUT.html --figure-dir DIR DATA.json...
  python3 -m difflab_report build --html OUT.html --figure-dir DIR EXPERIMENT_DIR...
`build` first writes EXPERIMENT_DIR/report/report_data.json for each results directory
(assemble.py), then renders them as `render` does.

Errors go to stderr as one line `difflab report: <file>: <what is wrong>` with exit code 2, never
a traceback: the caller (`difflab report`, C++) passes the line on to the user.
"""
import argparse
import json
import os
import sys

try:
    from . import assemble, render
    from .files import write_atomic
except ImportError as _missing:  # matplotlib or numpy absent: one line, not a traceback
    print(f"difflab report: needs Debian's python3-matplotlib and python3-numpy for {sys.executable}"
          f" (scripts/setup installs them): {_missing}", file=sys.stderr)
    sys.exit(2)

PREFIX = "difflab report"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2, like every other failure here."""

    def error(self, message):
        _fail(f"usage: {message}")


def _fail(message):
    print(f"{PREFIX}: {render.one_line(message)}", file=sys.stderr)
    sys.exit(2)


def _warn(path, message):
    print(f"{PREFIX}: {path}: warning: {render.one_line(message)}", file=sys.stderr)


def _parser():
    parser = _Parser(prog="python3 -m difflab_report",
                     description="Render difflab report_data.json files into an HTML page.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    cmd = commands.add_parser("render", help="render data files into one HTML page and PNGs")
    cmd.add_argument("--html", required=True, help="the HTML page to write")
    cmd.add_argument("--figure-dir", required=True, help="directory for the PNGs and figures.json")
    cmd.add_argument("data", nargs="+", help="report_data.json files, one section each, in order")
    build = commands.add_parser("build", help="assemble experiment directories, then render")
    build.add_argument("--html", required=True, help="the HTML page to write")
    build.add_argument("--figure-dir", required=True, help="directory for the PNGs")
    build.add_argument("dirs", nargs="+", help="experiment results directories, in order")
    return parser


def _assemble(dirs):
    """Writes DIR/report/report_data.json for each directory; returns their paths. A directory
    that cannot be assembled gets a section holding only its error (and a warning), so one bad
    experiment never fails the page. When every directory fails there is no page to draw: the
    first error is raised."""
    sections, errors = [], []
    for d in dirs:
        try:
            sections.append((d, assemble.section(d)))
        except Exception as e:  # AssembleError, or a bug here (named as such)
            message = str(e) if isinstance(e, assemble.AssembleError) else \
                f"internal error: {type(e).__name__}: {e}"
            errors.append((d, message))
            sections.append((d, assemble.error_section(d, message)))
    if len(errors) == len(dirs):
        raise assemble.AssembleError(errors[0][1])
    for d, message in errors:
        _warn(d, message)
    paths = []
    for d, data in sections:
        path = os.path.join(d, "report", "report_data.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
        paths.append(path)
    return paths


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        data = args.data if args.command == "render" else _assemble(args.dirs)
        render.render(data, args.html, args.figure_dir, _warn,
                      isolate=args.command == "build")
    except (render.ReportError, assemble.AssembleError) as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"{e.filename}: {e.strerror}")
    except Exception as e:  # a bug in this package: still one line, naming it as such
        _fail(f"internal error: {type(e).__name__}: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
