#include "difflab/experiment/experiment_fits.hpp"

#include <cmath>
#include <limits>
#include <map>

#include "difflab/core/error.hpp"
#include "difflab/experiment/report_fits.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/experiment/slope_fit.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/sampler/sampler_options_schema.hpp"

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

nlohmann::json sampler_order_beside(const nlohmann::json& run_options, const nlohmann::json& fit) {
  if (!run_options.is_object() || !run_options.contains("sampler") ||
      !run_options["sampler"].is_string() || !fit.is_object() || !fit.contains("slope"))
    return nullptr;
  // The sampler as the run built it: its options (deis_order, unipc_order, ...) set its orders.
  SamplerOptions options;
  nlohmann::json given = nlohmann::json::object();
  for (const std::string& name : sampler_options_schema().names())
    if (run_options.contains(name)) given[name] = run_options[name];
  std::unique_ptr<Sampler> sampler;
  try {
    sampler_options_schema().read(given, options, "fit");
    sampler = make_sampler(run_options["sampler"].get<std::string>(), options);
  } catch (const Error&) {
    return nullptr;  // not a sampler of this build: no orders to show
  }
  const SamplerTraits traits = sampler->traits();
  if (traits.family != SamplerTraits::Family::kDiffusion || traits.order <= 0) return nullptr;
  nlohmann::json o{{"sampler", sampler->name()},
                   {"measured", -fit["slope"].get<double>()},
                   {"stated", traits.order},
                   {"published", traits.published_order > 0 ? nlohmann::json(traits.published_order)
                                                            : nlohmann::json(nullptr)},
                   {"published_source", traits.published_order_source}};
  const nlohmann::json& ci = fit.contains("ci_with_grid_error") ? fit["ci_with_grid_error"]
                                                                : fit.value("ci", nlohmann::json());
  if (ci.is_array() && ci.size() == 2 && ci[0].is_number() && ci[1].is_number())
    o["measured_ci"] = {-ci[1].get<double>(), -ci[0].get<double>()};
  return o;
}

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
      nlohmann::json g =
          fit_group_loglog(key, members, "options." + request.against, column, err_column);
      // Against the number of steps, minus the slope is the sampler's order: shown beside the
      // order difflab states and the one its authors publish (sampler.hpp SamplerTraits).
      if (request.against == "steps" && g.contains("fit")) {
        nlohmann::json orders = sampler_order_beside((*members.front())["options"], g["fit"]);
        if (!orders.is_null()) g["sampler_order"] = std::move(orders);
      }
      fit_json["groups"].push_back(std::move(g));
    }
    out["fits"].push_back(fit_json);
  }
  out["report_fits"] = compute_report_fits(spec, rows);
  return out;
}

}  // namespace difflab
