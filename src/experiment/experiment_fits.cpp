#include "difflab/experiment/experiment_fits.hpp"

#include <cmath>
#include <limits>
#include <map>

#include "difflab/core/error.hpp"
#include "difflab/experiment/report_fits.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/experiment/slope_fit.hpp"

namespace difflab {

nlohmann::json results_cell(const nlohmann::json& row, const std::string& column) {
  std::vector<std::pair<std::string, nlohmann::json>> flat;
  flatten_json(row, "", flat);
  for (auto& [name, value] : flat)
    if (name == column) return value;
  return nullptr;
}

std::string grid_error_column(const std::vector<nlohmann::json>& rows, const std::string& column) {
  const auto dot = column.rfind('.');
  if (dot == std::string::npos) return "";
  const std::string candidate = column.substr(0, dot) + ".grid_error" + column.substr(dot);
  for (const auto& r : rows)
    if (!results_cell(r, candidate).is_null() || !results_cell(r, candidate + "_reason").is_null())
      return candidate;
  return "";
}

namespace {

// A row's grid error in `column` (json_util's extended numbers: null with a reason is infinite
// or NaN). A row without one has an exact (closed-form) law: error 0.
double grid_error_of(const nlohmann::json& row, const std::string& column) {
  const nlohmann::json e = results_cell(row, column);
  if (e.is_number()) return e.get<double>();
  if (e.is_null() && results_cell(row, column + "_reason").is_null()) return 0;
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

nlohmann::json fit_group_loglog(const nlohmann::json& key,
                                const std::vector<const nlohmann::json*>& members,
                                const std::string& x_column, const std::string& column,
                                const std::string& err_column) {
  const auto positive = [](const nlohmann::json& v) {
    return v.is_number() && v.get<double>() > 0 && std::isfinite(v.get<double>());
  };
  std::vector<double> x, y, err;
  for (const nlohmann::json* r : members) {
    const nlohmann::json v = results_cell(*r, column), u = results_cell(*r, x_column);
    if (!positive(v) || !positive(u)) continue;
    x.push_back(u.get<double>());
    y.push_back(v.get<double>());
    if (!err_column.empty()) err.push_back(grid_error_of(*r, err_column));
  }
  nlohmann::json g{{"group", key}, {"x", x}, {"y", y}};
  if (!err_column.empty()) {
    g["y_err"] = nlohmann::json::array();
    for (double e : err) g["y_err"].push_back(std::isfinite(e) ? nlohmann::json(e) : nullptr);
  }
  try {
    const SlopeFit fit = fit_loglog_slope(x, y);
    g["fit"] = fit.to_json();
    if (!err_column.empty()) g["fit"].update(widen_for_y_error(fit, x, y, err).to_json());
  } catch (const Error& e) {
    g["error"] = e.what();
  }
  return g;
}

std::string resolve_metric_column(const std::vector<nlohmann::json>& rows,
                                  const std::string& name) {
  std::vector<std::pair<std::string, nlohmann::json>> flat;
  for (const auto& r : rows) flatten_json(r, "", flat);
  for (const std::string& candidate :
       {"metrics." + name + ".value", "metrics." + name, "metrics.law." + name, name})
    for (const auto& [column, value] : flat) {
      (void)value;
      if (column == candidate) return column;
    }
  fail("fit: metric '", name,
       "' is not a results column (tried metrics.NAME.value, metrics.NAME, metrics.law.NAME, "
       "NAME)");
}

nlohmann::json compute_fits(const ExperimentSpec& spec, const std::vector<nlohmann::json>& rows) {
  nlohmann::json out{{"fits", nlohmann::json::array()}};
  for (const auto& request : spec.fits) {
    const std::string column = resolve_metric_column(rows, request.metric);
    // Group key: the other axes' values, as a JSON object (its dump is a canonical text).
    std::map<std::string, std::pair<nlohmann::json, std::vector<const nlohmann::json*>>> groups;
    std::vector<std::string> order;
    for (const auto& r : rows) {
      nlohmann::json key = nlohmann::json::object();
      // A "seed" axis holds replicates: they are pooled into one fit, not fitted apart.
      for (const auto& axis : spec.axes)
        if (axis.name != request.against && axis.name != "seed")
          key[axis.name] = r["options"][axis.name];
      auto [it, inserted] =
          groups.try_emplace(key.dump(), key, std::vector<const nlohmann::json*>{});
      if (inserted) order.push_back(key.dump());
      it->second.second.push_back(&r);
    }
    const std::string err_column = grid_error_column(rows, column);
    nlohmann::json fit_json{{"metric", request.metric},
                            {"column", column},
                            {"against", request.against},
                            {"groups", nlohmann::json::array()}};
    if (!err_column.empty()) fit_json["grid_error_column"] = err_column;
    for (const auto& k : order) {
      const auto& [key, members] = groups.at(k);
      fit_json["groups"].push_back(
          fit_group_loglog(key, members, "options." + request.against, column, err_column));
    }
    out["fits"].push_back(fit_json);
  }
  out["report_fits"] = compute_report_fits(spec, rows);
  return out;
}

}  // namespace difflab
