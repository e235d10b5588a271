#pragma once
// The log-log slope fits a spec's report hints ask for, computed by the library (slope_fit.hpp)
// so that the report draws them and never refits (experiments/README.md, "report" hints):
//   - report.curves[n] with "fit": true and log-log axes: per y column and per group of rows
//     (group_by, default the sweep axes other than x and "seed"; report.label_by replaces the
//     axes), restricted to the rows whose options match "where", log y on log x;
//   - report.threshold (one hint or a list; n its index): per group (group_by, default the axes
//   other than over and against)
//     and per value of `against`, the smallest `over` with metric <= eps, interpolated log-log
//     between the two sweep points that bracket eps; then log(needed) on log(against).
//   - report.ratios[n] ({"metric", "x", "baseline": {OPTION: [VALUES]}, "series_by"?: [OPTIONS],
//     "group_by"?: [OPTIONS], "where"?}): the rows whose options take the baseline's values are
//     the baseline; every other row's metric is divided by the smallest metric of the baseline
//     rows with the same group_by values and the same x (e.g. an optimised grid's KL over the
//     best named grid's KL at equal steps, target and sampler). One series per group_by and
//     series_by values (series_by default: the baseline's options; group_by default: the axes
//     other than x, series_by and the baseline's options), its points sorted by x.
// A hint naming a column that no row has gets an "error" entry instead of failing the run: the
// hints are drawn by the report, which refuses them with its own message.
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {

// {"curves": [{"hint": n, "y": NAME, "column", "x_column", ["grid_error_column"], "groups":
// [fit_group_loglog...]} or {"hint": n, "y": NAME, "error"}], "thresholds": [{"hint": n,
// "column", "groups": [{"group", "x", "y", "fit" or "error"}], "missing": [{"group", "x"}]}],
// "ratios" (with report.ratios only): [{"hint": n, "column", "x_column", "group_by", "series_by",
// "series": [{"group", "x", "y" (the ratios), "value", "baseline_value", "baseline" (the best
// baseline row's baseline options)}], "missing": [{"group", "row", "x" (when the row has one),
// "reason"}]} or {"hint": n, "error"}]}. A missing ratio's reason: "METRIC_COLUMN is infinite",
// "refused: " and the error the row's metric holds (up to its first parenthesis, at most 120
// characters), "no finite METRIC_COLUMN", "no X_COLUMN",
// "no baseline row" or "the best baseline value is not finite and positive".
nlohmann::json compute_report_fits(const ExperimentSpec& spec,
                                   const std::vector<nlohmann::json>& rows);

// Whether the report hints ask for any fit (then DIR/fits.json is written even when the spec
// requests no "fits" of its own).
bool report_hints_fit(const ExperimentSpec& spec);

// The first `over` along increasing over at which a decreasing metric reaches eps: the point
// itself if it is the first, else log-log interpolation with the point before (that point if
// the metric did not decrease). points: (over, metric > 0), sorted. None when never reached.
std::optional<double> threshold_crossing(const std::vector<std::pair<double, double>>& points,
                                         double eps);

}  // namespace difflab
