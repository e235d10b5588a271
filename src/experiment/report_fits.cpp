#include "difflab/experiment/report_fits.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "difflab/core/error.hpp"
#include "difflab/experiment/experiment_fits.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/experiment/slope_fit.hpp"

namespace difflab {

namespace {

using RowGroup = std::pair<nlohmann::json, std::vector<const nlohmann::json*>>;

// The column a report hint's name means, in the report's order: options.NAME (for an x),
// metrics.NAME.value, metrics.NAME, metrics.law.NAME, metrics.app.NAME, NAME. Empty if none.
std::string report_hint_column(const std::vector<nlohmann::json>& rows, const std::string& name,
                               bool as_x) {
  std::vector<std::string> candidates;
  if (as_x) candidates.push_back("options." + name);
  for (const std::string& c : {"metrics." + name + ".value", "metrics." + name,
                               "metrics.law." + name, "metrics.app." + name, name})
    candidates.push_back(c);
  std::vector<std::pair<std::string, nlohmann::json>> flat;
  for (const auto& r : rows) flatten_json(r, "", flat);
  for (const auto& c : candidates)
    for (const auto& [column, value] : flat)
      if (column == c || column == c + "_reason") return c;
  return "";
}

// The sweep axes that name a run (byte order, without the replicate axis "seed"), or the
// report's label_by.
std::vector<std::string> report_axes(const ExperimentSpec& spec) {
  if (spec.report.contains("label_by") && spec.report["label_by"].is_array())
    return spec.report["label_by"].get<std::vector<std::string>>();
  std::vector<std::string> axes;
  for (const auto& a : spec.axes)
    if (a.name != "seed") axes.push_back(a.name);
  std::sort(axes.begin(), axes.end());
  return axes;
}

std::vector<std::string> hint_group_keys(const ExperimentSpec& spec, const nlohmann::json& hint,
                                         const std::vector<std::string>& exclude) {
  if (hint.contains("group_by") && hint["group_by"].is_array())
    return hint["group_by"].get<std::vector<std::string>>();
  std::vector<std::string> keys;
  for (const auto& a : report_axes(spec))
    if (std::find(exclude.begin(), exclude.end(), a) == exclude.end()) keys.push_back(a);
  return keys;
}

// The rows whose options equal `where`'s values, grouped by their options' values at keys, in
// the order of the groups' first rows.
std::vector<RowGroup> hint_groups(const std::vector<nlohmann::json>& rows,
                                  const std::vector<std::string>& keys,
                                  const nlohmann::json& where) {
  std::vector<RowGroup> groups;
  std::map<std::string, std::size_t> index;
  for (const auto& r : rows) {
    const nlohmann::json& o = r["options"];
    nlohmann::json key = nlohmann::json::object();
    for (const auto& k : keys) key[k] = o.contains(k) ? o[k] : nlohmann::json();
    bool kept = true;
    if (where.is_object())
      for (const auto& [k, v] : where.items()) kept = kept && o.contains(k) && o[k] == v;
    if (!kept) continue;  // a group all of whose rows are filtered out is no group
    auto [it, inserted] = index.try_emplace(key.dump(), groups.size());
    if (inserted) groups.push_back({key, {}});
    groups[it->second].second.push_back(&r);
  }
  return groups;
}

nlohmann::json curve_hint_fits(const ExperimentSpec& spec, const std::vector<nlohmann::json>& rows,
                               std::size_t n, const nlohmann::json& hint) {
  nlohmann::json out = nlohmann::json::array();
  if (!hint.value("fit", false) || hint.value("axes", "loglog") != "loglog") return out;
  if (!hint.contains("x") || !hint["x"].is_string() || !hint.contains("y")) return out;
  const std::string x = hint["x"];
  const nlohmann::json ys = hint["y"].is_array() ? hint["y"] : nlohmann::json::array({hint["y"]});
  const std::vector<RowGroup> groups =
      hint_groups(rows, hint_group_keys(spec, hint, {x}), hint.value("where", nlohmann::json()));
  const std::string x_column = report_hint_column(rows, x, true);
  for (const auto& y : ys) {
    if (!y.is_string()) continue;
    nlohmann::json f{{"hint", n}, {"y", y}};
    const std::string column = report_hint_column(rows, y, false);
    if (column.empty() || x_column.empty()) {
      f["error"] = "'" + std::string(column.empty() ? y.get<std::string>() : x) +
                   "' is not a results column";
      out.push_back(f);
      continue;
    }
    const std::string err_column = grid_error_column(rows, column);
    f["column"] = column;
    f["x_column"] = x_column;
    if (!err_column.empty()) f["grid_error_column"] = err_column;
    f["groups"] = nlohmann::json::array();
    for (const auto& [key, members] : groups)
      f["groups"].push_back(fit_group_loglog(key, members, x_column, column, err_column));
    out.push_back(f);
  }
  return out;
}

// A number cell, +inf for an infinite extended number (json_util), else none.
std::optional<double> threshold_cell(const nlohmann::json& row, const std::string& column) {
  const nlohmann::json v = results_cell(row, column);
  if (v.is_number()) return v.get<double>();
  if (v.is_null() && results_cell(row, column + "_reason") == "infinite")
    return std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// One group of a threshold hint: per value of against, the crossing; then the fit.
nlohmann::json threshold_group(const RowGroup& group, const std::string& over,
                               const std::string& against, const std::string& column, double eps,
                               nlohmann::json& missing) {
  std::map<double, std::vector<std::pair<double, double>>> by_x;
  for (const nlohmann::json* r : group.second) {
    const auto a = threshold_cell(*r, "options." + against);
    if (!a) continue;
    auto& pts = by_x[*a];
    const auto o = threshold_cell(*r, "options." + over), m = threshold_cell(*r, column);
    if (o && m && *m > 0) pts.push_back({*o, *m});
  }
  std::vector<double> xs, ys;
  for (auto& [a, pts] : by_x) {
    std::sort(pts.begin(), pts.end());
    if (const auto need = threshold_crossing(pts, eps)) {
      xs.push_back(a);
      ys.push_back(*need);
    } else {
      missing.push_back({{"group", group.first}, {"x", a}});
    }
  }
  nlohmann::json g{{"group", group.first}, {"x", xs}, {"y", ys}};
  try {
    g["fit"] = fit_loglog_slope(xs, ys).to_json();
  } catch (const Error& e) {
    g["error"] = e.what();
  }
  return g;
}

nlohmann::json threshold_hint_fits(const ExperimentSpec& spec,
                                   const std::vector<nlohmann::json>& rows, std::size_t n,
                                   const nlohmann::json& hint) {
  nlohmann::json f{{"hint", n}};
  for (const char* k : {"metric", "over", "against"})
    if (!hint.contains(k) || !hint[k].is_string()) {
      f["error"] = std::string("no '") + k + "'";
      return f;
    }
  if (!hint.contains("eps") || !hint["eps"].is_number()) {
    f["error"] = "no numeric 'eps'";
    return f;
  }
  const std::string over = hint["over"], against = hint["against"];
  const std::string column = report_hint_column(rows, hint["metric"], false);
  if (column.empty()) {
    f["error"] = "'" + hint["metric"].get<std::string>() + "' is not a results column";
    return f;
  }
  f["column"] = column;
  f["groups"] = nlohmann::json::array();
  f["missing"] = nlohmann::json::array();
  for (const auto& group :
       hint_groups(rows, hint_group_keys(spec, hint, {over, against}), nlohmann::json()))
    f["groups"].push_back(
        threshold_group(group, over, against, column, hint["eps"].get<double>(), f["missing"]));
  return f;
}

bool ratio_in(const nlohmann::json& o, const nlohmann::json& selector) {
  for (const auto& [k, values] : selector.items()) {
    if (!o.contains(k)) return false;
    if (std::find(values.begin(), values.end(), o[k]) == values.end()) return false;
  }
  return true;
}

nlohmann::json ratio_values(const nlohmann::json& o, const std::vector<std::string>& keys) {
  nlohmann::json v = nlohmann::json::object();
  for (const auto& k : keys) v[k] = o.contains(k) ? o[k] : nlohmann::json();
  return v;
}

// Why a row has no finite value in `column`: infinite, refused (an "error" beside the column or
// above it, e.g. metrics.law.error: its text up to its first parenthesis, at most 120
// characters), or absent.
std::string ratio_missing_reason(const nlohmann::json& row, const std::string& column) {
  if (results_cell(row, column + "_reason") == "infinite") return column + " is infinite";
  for (std::string head = column; head.find('.') != std::string::npos;) {
    head = head.substr(0, head.rfind('.'));
    const nlohmann::json e = results_cell(row, head + ".error");
    if (!e.is_string()) continue;
    std::string text = e.get<std::string>();
    const std::size_t paren = text.find(" (");
    if (paren != std::string::npos && paren >= 20) text.resize(paren);
    if (text.size() > 120) text = text.substr(0, 117) + "...";
    return "refused: " + text;
  }
  return "no finite " + column;
}

// report.ratios[n]: each non-baseline row's metric over the smallest metric of the baseline rows
// that share its group_by values and its x (report_fits.hpp).
nlohmann::json ratio_hint_values(const ExperimentSpec& spec,
                                 const std::vector<nlohmann::json>& rows, std::size_t n,
                                 const nlohmann::json& hint) {
  nlohmann::json f{{"hint", n}};
  for (const char* k : {"metric", "x"})
    if (!hint.contains(k) || !hint[k].is_string()) {
      f["error"] = std::string("no '") + k + "'";
      return f;
    }
  const nlohmann::json baseline = hint.value("baseline", nlohmann::json());
  bool ok = baseline.is_object() && !baseline.empty();
  if (ok)
    for (const auto& [k, v] : baseline.items()) ok = ok && v.is_array() && !v.empty();
  if (!ok) {
    f["error"] = "'baseline' must be an object {OPTION: [VALUES]}";
    return f;
  }
  const std::string x = hint["x"];
  std::vector<std::string> series_by;
  if (hint.contains("series_by") && hint["series_by"].is_array())
    series_by = hint["series_by"].get<std::vector<std::string>>();
  else
    for (const auto& [k, v] : baseline.items()) series_by.push_back(k);
  std::vector<std::string> exclude = series_by;
  exclude.push_back(x);
  for (const auto& [k, v] : baseline.items()) exclude.push_back(k);
  const std::vector<std::string> group_by = hint_group_keys(spec, hint, exclude);
  const std::string column = report_hint_column(rows, hint["metric"], false);
  const std::string x_column = report_hint_column(rows, x, true);
  if (column.empty() || x_column.empty()) {
    f["error"] = "'" + (column.empty() ? hint["metric"].get<std::string>() : x) +
                 "' is not a results column";
    return f;
  }
  f["column"] = column;
  f["x_column"] = x_column;
  f["group_by"] = group_by;
  f["series_by"] = series_by;
  std::vector<std::string> compare = group_by;
  compare.push_back(x);
  // Per comparison (group_by values and x): the best baseline row.
  std::map<std::string, std::pair<double, const nlohmann::json*>> best;
  const nlohmann::json where = hint.value("where", nlohmann::json());
  for (const auto& [key, members] : hint_groups(rows, compare, where))
    for (const nlohmann::json* r : members) {
      if (!ratio_in((*r)["options"], baseline)) continue;
      const auto v = threshold_cell(*r, column);
      if (!v || std::isnan(*v)) continue;
      auto [it, inserted] = best.try_emplace(key.dump(), *v, r);
      if (!inserted && *v < it->second.first) it->second = {*v, r};
    }
  std::vector<std::string> series_keys = group_by;
  series_keys.insert(series_keys.end(), series_by.begin(), series_by.end());
  f["series"] = nlohmann::json::array();
  f["missing"] = nlohmann::json::array();
  for (const auto& [key, members] : hint_groups(rows, series_keys, where)) {
    std::vector<std::pair<double, nlohmann::json>> points;
    for (const nlohmann::json* r : members) {
      if (ratio_in((*r)["options"], baseline)) continue;
      const auto xv = threshold_cell(*r, x_column), v = threshold_cell(*r, column);
      const auto b = best.find(ratio_values((*r)["options"], compare).dump());
      std::string why;
      if (!xv)
        why = "no " + x_column;
      else if (!v || !std::isfinite(*v))
        why = ratio_missing_reason(*r, column);
      if (why.empty() && b == best.end()) why = "no baseline row";
      if (why.empty() && !(std::isfinite(b->second.first) && b->second.first > 0))
        why = "the best baseline value is not finite and positive";
      if (!why.empty()) {
        nlohmann::json m{{"group", key}, {"row", (*r)["row"]}, {"reason", why}};
        if (xv) m["x"] = *xv;
        f["missing"].push_back(m);
        continue;
      }
      nlohmann::json best_of = nlohmann::json::object();
      for (const auto& [k, vals] : baseline.items()) best_of[k] = (*b->second.second)["options"][k];
      points.push_back({*xv,
                        {{"ratio", *v / b->second.first},
                         {"value", *v},
                         {"baseline_value", b->second.first},
                         {"baseline", best_of}}});
    }
    if (points.empty()) continue;
    std::stable_sort(points.begin(), points.end(),
                     [](const auto& a, const auto& c) { return a.first < c.first; });
    nlohmann::json s{{"group", key}};
    for (const char* k : {"x", "y", "value", "baseline_value", "baseline"})
      s[k] = nlohmann::json::array();
    for (const auto& [xv, p] : points) {
      s["x"].push_back(xv);
      s["y"].push_back(p["ratio"]);
      for (const char* k : {"value", "baseline_value", "baseline"}) s[k].push_back(p[k]);
    }
    f["series"].push_back(s);
  }
  return f;
}

}  // namespace

std::optional<double> threshold_crossing(const std::vector<std::pair<double, double>>& points,
                                         double eps) {
  for (std::size_t k = 0; k < points.size(); ++k) {
    const auto [o, m] = points[k];
    if (m > eps) continue;
    if (k == 0) return o;
    const auto [o0, m0] = points[k - 1];
    if (m0 <= m) return o;
    const double w = (std::log(m0) - std::log(eps)) / (std::log(m0) - std::log(m));
    return std::exp(std::log(o0) + w * (std::log(o) - std::log(o0)));
  }
  return std::nullopt;
}

bool report_hints_fit(const ExperimentSpec& spec) {
  const nlohmann::json& r = spec.report;
  if (r.contains("threshold") || r.contains("ratios")) return true;
  if (r.contains("curves") && r["curves"].is_array())
    for (const auto& c : r["curves"])
      if (c.is_object() && c.value("fit", false)) return true;
  return false;
}

nlohmann::json compute_report_fits(const ExperimentSpec& spec,
                                   const std::vector<nlohmann::json>& rows) {
  nlohmann::json out{{"curves", nlohmann::json::array()}, {"thresholds", nlohmann::json::array()}};
  const nlohmann::json& r = spec.report;
  if (r.contains("curves") && r["curves"].is_array())
    for (std::size_t n = 0; n < r["curves"].size(); ++n)
      for (auto& f : curve_hint_fits(spec, rows, n, r["curves"][n])) out["curves"].push_back(f);
  // report.threshold: one hint object or a list of them.
  if (r.contains("threshold")) {
    const nlohmann::json& t = r["threshold"];
    const nlohmann::json hints = t.is_array() ? t : nlohmann::json::array({t});
    for (std::size_t n = 0; n < hints.size(); ++n)
      out["thresholds"].push_back(threshold_hint_fits(spec, rows, n, hints[n]));
  }
  if (r.contains("ratios") && r["ratios"].is_array()) {
    out["ratios"] = nlohmann::json::array();
    for (std::size_t n = 0; n < r["ratios"].size(); ++n)
      out["ratios"].push_back(ratio_hint_values(spec, rows, n, r["ratios"][n]));
  }
  return out;
}

}  // namespace difflab
