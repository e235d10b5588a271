"""The self-contained HTML page: sections, figures embedded as data URIs, tables, contents.

Every piece of text from the data files goes through html.escape; the only markup is ours.
Each PNG is embedded (the page works when moved alone) and its file is named and linked next to
it (so the PNGs can be found for a paper or slides).
"""
import base64
import html

CSS = """
:root { --ink: #1d2329; --muted: #5b6670; --rule: #dde2e6; --accent: #2c6e9b; --soft: #f4f7f9; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 0.3rem; }
h2 { font-size: 1.45rem; margin: 3rem 0 0.6rem; padding-bottom: 0.3rem;
     border-bottom: 2px solid var(--rule); }
a { color: var(--accent); }
.meta { color: var(--muted); margin: 0; font-size: 0.9rem; }
nav.toc { background: var(--soft); border: 1px solid var(--rule); border-radius: 6px;
          padding: 0.8rem 1.4rem; margin: 1.5rem 0; }
nav.toc h2 { font-size: 1.05rem; margin: 0 0 0.3rem; border: 0; padding: 0; }
nav.toc ol { margin: 0.2rem 0; padding-left: 1.3rem; }
nav.toc ol ol { font-size: 0.9rem; color: var(--muted); }
.claim { border-left: 4px solid var(--accent); background: var(--soft);
         padding: 0.6rem 1rem; margin: 1rem 0; border-radius: 0 6px 6px 0; }
.claim .label { display: block; font-weight: 600; font-size: 0.8rem; text-transform: uppercase;
                letter-spacing: 0.05em; color: var(--accent); }
.claim p { margin: 0.2rem 0; }
.error { border-left: 4px solid #b00020; background: #fdecee; padding: 0.4rem 0.8rem;
  margin: 1rem 0; }
.error .label { display: block; font-weight: 600; font-size: 0.8rem; text-transform: uppercase;
  color: #b00020; }
ul.summary { margin: 1rem 0; padding-left: 1.4rem; }
ul.summary li { margin: 0.25rem 0; }
figure { margin: 2rem 0; }
figure h3 { font-size: 1.1rem; margin: 0 0 0.5rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule);
             border-radius: 4px; }
figcaption { color: var(--muted); font-size: 0.93rem; margin-top: 0.5rem; }
figcaption p { margin: 0.25rem 0; }
.file { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.85rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.92rem; }
th, td { padding: 0.35rem 0.8rem; border-bottom: 1px solid var(--rule); text-align: left; }
th { background: var(--soft); font-weight: 600; border-bottom: 2px solid var(--rule); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafbfc; }
"""


def page(sections, sources):
    """The whole document. sections: [(section, [figure entry])], an entry being a dict with
    "spec" and, for PNG figures, "png" (bytes), "href" (link to the file) and "note"."""
    title = sections[0][0]["title"] if len(sections) == 1 else "difflab report"
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
             "<main>", "<header>", "<h1>difflab report</h1>",
             f'<p class="meta">Rendered from {_e(", ".join(sources))}.</p>', "</header>"]
    if len(sections) > 1:
        parts.append(_contents(sections))
    parts.extend(_section(section, entries) for section, entries in sections)
    parts.extend(["</main>", "</body>", "</html>", ""])
    return "\n".join(parts)


def _e(text):
    return html.escape(text, quote=True)


def _anchor(section, spec=None):
    """Element id of a section or figure; names never hold '.', so ids cannot collide."""
    return section["name"] if spec is None else f"{section['name']}.{spec['name']}"


def _contents(sections):
    """Table of contents: sections and their figures."""
    items = []
    for section, entries in sections:
        figs = "".join(f'<li><a href="#{_anchor(section, e["spec"])}">{_e(e["spec"]["title"])}'
                       f"</a></li>" for e in entries)
        items.append(f'<li><a href="#{_anchor(section)}">{_e(section["title"])}</a>'
                     f"<ol>{figs}</ol></li>")
    return f'<nav class="toc"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'


def _paragraphs(text, cls=None):
    """Plain text to <p> elements, a blank line separating paragraphs."""
    attr = f' class="{cls}"' if cls else ""
    return "".join(f"<p{attr}>{_e(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _section(section, entries):
    parts = [f'<section id="{_anchor(section)}">', f"<h2>{_e(section['title'])}</h2>",
             _paragraphs(section["description"], "description")]
    if section["claim"]:
        parts.append(f'<div class="claim"><span class="label">Claim</span>'
                     f'{_paragraphs(section["claim"])}</div>')
    if section["error"]:
        parts.append(f'<div class="error"><span class="label">Not drawn</span>'
                     f'<p>{_e(section["error"])}</p></div>')
    if section["summary"]:
        items = "".join(f"<li>{_e(line)}</li>" for line in section["summary"])
        parts.append(f'<ul class="summary">{items}</ul>')
    parts.extend(_figure(section, e) for e in entries)
    parts.append("</section>")
    return "\n".join(parts)


def _figure(section, entry):
    spec = entry["spec"]
    head = f'<figure id="{_anchor(section, spec)}">\n<h3>{_e(spec["title"])}</h3>'
    caption = _paragraphs(spec["caption"])
    if spec["kind"] == "table":
        body = _table(spec)
    else:
        data = base64.b64encode(entry["png"]).decode("ascii")
        body = f'<img src="data:image/png;base64,{data}" alt="{_e(spec["title"])}">'
        if entry["note"]:
            caption += f"<p>{_e(entry['note'])}</p>"
        caption += (f'<p>File: <a class="file" href="{_e(entry["href"])}">'
                    f'{_e(entry["href"])}</a></p>')
    tail = f"\n<figcaption>{caption}</figcaption>" if caption else ""
    return f"{head}\n{body}{tail}\n</figure>"


def _table(spec):
    head = "".join(f"<th>{_e(c)}</th>" for c in spec["columns"])
    rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in spec["rows"])
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _cell(value):
    """Numbers right-aligned, floats to 4 significant digits; integers exact; null as a dash."""
    if value is None:
        return '<td class="num">\u2014</td>'
    if isinstance(value, bool):
        return f"<td>{'true' if value else 'false'}</td>"
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:.4g}</td>'
    return f"<td>{_e(value)}</td>"
