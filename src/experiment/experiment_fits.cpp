#include "difflab/experiment/experiment_fits.hpp"

#include <cmath>
#include <map>

#include "difflab/core/error.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/experiment/slope_fit.hpp"

namespace difflab {

namespace {

// The flattened cell `column` of a row, or null.
nlohmann::json cell(const nlohmann::json& row, const std::string& column) {
  std::vector<std::pair<std::string, nlohmann::json>> flat;
  flatten_json(row, "", flat);
  for (auto& [name, value] : flat)
    if (name == column) return value;
  return nullptr;
}

}  // namespace

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
    nlohmann::json fit_json{{"metric", request.metric},
                            {"column", column},
                            {"against", request.against},
                            {"groups", nlohmann::json::array()}};
    for (const auto& k : order) {
      const auto& [key, members] = groups.at(k);
      std::vector<double> x, y;
      for (const nlohmann::json* r : members) {
        const nlohmann::json v = cell(*r, column);
        if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>())) continue;
        x.push_back((*r)["options"][request.against].get<double>());
        y.push_back(v.get<double>());
      }
      nlohmann::json g{{"group", key}, {"x", x}, {"y", y}};
      try {
        g["fit"] = fit_loglog_slope(x, y).to_json();
      } catch (const Error& e) {
        g["error"] = e.what();
      }
      fit_json["groups"].push_back(g);
    }
    out["fits"].push_back(fit_json);
  }
  return out;
}

}  // namespace difflab
