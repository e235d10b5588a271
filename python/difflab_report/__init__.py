"""Render difflab's report_data.json files (written by `difflab report`) into one HTML page.

The C++ side computes every number; this package only draws them with matplotlib (Agg backend)
and lays them out, so a report can be re-rendered without re-running any experiment. Entry
point: `python3 -m difflab_report render --html OUT.html --figure-dir FIGDIR DATA.json ...`.
"""
