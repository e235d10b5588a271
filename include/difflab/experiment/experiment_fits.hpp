#pragma once
// The log-log slope fits an experiment spec requests, computed from its result rows.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {

// Resolves a fit's metric name to a flattened results column of the rows: tried in order, the
// first that exists wins: "metrics.NAME.value" (a sample metric, e.g. "w2"), "metrics.NAME"
// (e.g. "law.kl_target_output"), "metrics.law.NAME" (e.g. "kl_target_output"), "NAME" (any
// column, e.g. "bounds.ccl23.value"). Throws difflab::Error when none exists.
std::string resolve_metric_column(const std::vector<nlohmann::json>& rows, const std::string& name);

// For each requested fit, the rows are grouped by the values of the other sweep axes; within a
// group log y is regressed on log x (slope_fit.hpp), over the rows where y is finite and > 0.
// Returns {"fits": [{"metric", "column", "against", "groups": [{"group": {axis: value...},
// "x": [...], "y": [...], "fit": {...}} or {..., "error": "..."}]}]}. When the rows carry a grid
// error for the column ("P.grid_error.KEY" beside "P.KEY", a grid law's, law_report.hpp), the fit
// also names it ("grid_error_column"), each group lists it per point ("y_err"; 0 for a row
// without one, whose law is closed-form) and each fit adds the slope interval widened for it
// (ErrorWidenedSlope::to_json, slope_fit.hpp) beside the statistical "ci".
nlohmann::json compute_fits(const ExperimentSpec& spec, const std::vector<nlohmann::json>& rows);

}  // namespace difflab
