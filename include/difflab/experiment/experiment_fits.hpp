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
// A fit against "steps" of rows run by a sampler with a stated order (SamplerTraits::order > 0)
// adds "sampler_order" to each group (sampler_order_beside).
// It also holds "report_fits": the fits the spec's report hints ask for (report_fits.hpp), so
// that the report draws these fits and never refits.
nlohmann::json compute_fits(const ExperimentSpec& spec, const std::vector<nlohmann::json>& rows);

// The flattened cell `column` of a result row (results_table.hpp's flatten_json), or null.
nlohmann::json results_cell(const nlohmann::json& row, const std::string& column);

// The column of a distance's grid error: "P.grid_error.KEY" beside "P.KEY" (law_report.hpp), or
// "" when no row has one.
std::string grid_error_column(const std::vector<nlohmann::json>& rows, const std::string& column);

// One group's log-log fit of the y column against the x column over the members whose x and y
// are finite and > 0: {"group": key, "x", "y", ["y_err"], "fit" or "error"}; y_err and the
// interval widened for it (slope_fit.hpp, widen_for_y_error) when err_column is not empty.
nlohmann::json fit_group_loglog(const nlohmann::json& key,
                                const std::vector<const nlohmann::json*>& members,
                                const std::string& x_column, const std::string& column,
                                const std::string& err_column);

// The orders of the sampler that ran `run_options` (a result row's "options"), built with the
// run's sampler options, beside a fit of an error against the number of steps:
// {"sampler", "measured": -slope, "measured_ci" (from the fit's interval, widened for the grid
// error when it has one), "stated": SamplerTraits::order, "published": SamplerTraits::
// published_order or null when none is stated, "published_source"}. Null when the options name
// no sampler of the registry, or one without a stated order (Langevin chains, adaptive methods).
nlohmann::json sampler_order_beside(const nlohmann::json& run_options, const nlohmann::json& fit);

}  // namespace difflab
