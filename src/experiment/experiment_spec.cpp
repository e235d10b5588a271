#include "difflab/experiment/experiment_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "difflab/core/error.hpp"
#include "difflab/experiment/app_run.hpp"
#include "difflab/experiment/run_seed.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/pipeline/optimized_grids.hpp"
#include "difflab/pipeline/run_spec.hpp"
#include "difflab/pipeline/sample_metrics.hpp"

namespace difflab {

namespace {

OptionKind kind_of(FieldType t) {
  switch (t) {
    case FieldType::kBool:
      return OptionKind::kBool;
    case FieldType::kInteger:
      return OptionKind::kInteger;
    case FieldType::kNumber:
      return OptionKind::kNumber;
    case FieldType::kString:
      return OptionKind::kString;
    case FieldType::kNumberList:
      return OptionKind::kNumberList;
  }
  return OptionKind::kString;
}

template <class Options>
void append_schema(std::vector<RunOptionInfo>& table, const OptionSchema<Options>& schema) {
  for (const auto& f : schema.fields()) {
    if (f.info.name == "target") continue;
    table.push_back({f.info.name, kind_of(f.info.type), f.info.help});
  }
}

}  // namespace

// Generated from the field tables of the run, the exact law and the sample metrics, so a spec
// accepts exactly the options the CLI and Python accept.
const std::vector<RunOptionInfo>& run_option_table() {
  static const std::vector<RunOptionInfo> table = [] {
    std::vector<RunOptionInfo> t = {
        {"target", OptionKind::kTarget, "target spec: a JSON file path or an inline target object"},
        {"d", OptionKind::kInteger, "dimension of a generated target (see generate_target)"},
        {"reference", OptionKind::kString,
         "samples file (.npy or .csv, relative to the spec's directory, e.g. held-out data): the "
         "reference of the sample metrics instead of exact target samples (all its points)"}};
    append_schema(t, run_spec_schema());
    append_schema(t, law_report_schema());
    append_schema(t, sample_metric_schema());
    append_schema(t, run_grid_optimize_schema());
    // Like "target", a source may be an inline target object.
    for (auto& o : t)
      if (o.name == "grid_optimize_source") o.kind = OptionKind::kTarget;
    return t;
  }();
  return table;
}

namespace {

const std::vector<std::string> kTopKeys = {"name", "description", "seed",    "app",
                                           "base", "sweep",       "metrics", "bounds",
                                           "fits", "report",      "train"};

using OptionTable = std::vector<RunOptionInfo>;

std::string option_names(const OptionTable& table) {
  std::vector<std::string> names;
  for (const auto& o : table) names.push_back(o.name);
  return comma_list(names);
}

const RunOptionInfo& option_info(const OptionTable& table, const std::string& name,
                                 const std::string& where) {
  for (const auto& o : table)
    if (o.name == name) return o;
  fail(where, ": unknown option '", name, "' (valid: ", option_names(table), ")");
}

const char* kind_name(OptionKind k) {
  switch (k) {
    case OptionKind::kString:
      return "a string";
    case OptionKind::kNumber:
      return "a finite number";
    case OptionKind::kInteger:
      return "an integer";
    case OptionKind::kBool:
      return "true or false";
    case OptionKind::kTarget:
      return "a target file path (string) or an inline target object";
    case OptionKind::kNumberList:
      return "a list of finite numbers";
  }
  return "?";
}

bool has_kind(const nlohmann::json& v, OptionKind k) {
  const auto finite_number = [](const nlohmann::json& x) {
    return x.is_number() && std::isfinite(x.get<double>());
  };
  switch (k) {
    case OptionKind::kString:
      return v.is_string();
    case OptionKind::kNumber:
      return finite_number(v);
    case OptionKind::kInteger:
      return v.is_number_integer();
    case OptionKind::kBool:
      return v.is_boolean();
    case OptionKind::kTarget:
      return (v.is_string() && !v.get<std::string>().empty()) || v.is_object();
    case OptionKind::kNumberList:
      return v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), finite_number);
  }
  return false;
}

void check_value(const OptionTable& table, const std::string& name, const nlohmann::json& v,
                 const std::string& where) {
  const RunOptionInfo& info = option_info(table, name, where);
  require(name != "seed" || v.is_number_unsigned(), where,
          ": option 'seed' must be a non-negative integer, got ", v.dump());
  require(has_kind(v, info.kind), where, ": option '", name, "' must be ", kind_name(info.kind),
          ", got ", v.dump());
}

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where) {
  require(j.at(key).is_string(), where, ": '", key, "' must be a string");
  return j.at(key).get<std::string>();
}

}  // namespace

ExperimentSpec parse_experiment_spec(const nlohmann::json& j, const std::string& where) {
  require(j.is_object(), where, ": an experiment spec must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    (void)value;
    require(std::find(kTopKeys.begin(), kTopKeys.end(), key) != kTopKeys.end(), where,
            ": unknown key '", key, "' (valid: ", comma_list(kTopKeys), ")");
  }
  ExperimentSpec s;
  s.raw = j;
  if (j.contains("name")) s.name = string_field(j, "name", where);
  if (j.contains("description")) string_field(j, "description", where);
  if (j.contains("seed")) {
    require(j["seed"].is_number_unsigned(), where, ": 'seed' must be a non-negative integer");
    s.seed = j["seed"].get<std::uint64_t>();
  }
  if (j.contains("app")) {
    s.app = string_field(j, "app", where);
    app_option_table(s.app);  // names the valid apps for an unknown one
  }
  const OptionTable& table = s.app.empty() ? run_option_table() : app_option_table(s.app);
  if (j.contains("report")) {
    require(j["report"].is_object(), where,
            ": 'report' must be an object (see experiments/README.md)");
    s.report = j["report"];
  }
  if (j.contains("train")) {
    require(s.app.empty(), where, ": 'train' applies to sampler runs, not to app ", s.app);
    require(j["train"].is_object(), where,
            ": 'train' must be an object of train options (see experiments/README.md)");
    for (const char* own : {"out", "summary", "log", "resume"})
      require(!j["train"].contains(own), where, ": train: '", own,
              "' is set by the runner (DIR/train/)");
    s.train = j["train"];
  }
  require(j.contains("base") && j["base"].is_object(), where,
          ": 'base' (an object of run options) is required");
  for (const auto& [key, value] : j["base"].items())
    check_value(table, key, value, where + ": base");
  s.base = j["base"];

  if (j.contains("sweep")) {
    const nlohmann::json& sw = j["sweep"];
    const std::string sw_where = where + ": sweep";
    require(sw.is_object(), sw_where, " must be an object {\"mode\": ..., \"axes\": {...}}");
    for (const auto& [key, value] : sw.items()) {
      (void)value;
      require(key == "mode" || key == "axes" || key == "exclude", sw_where, ": unknown key '", key,
              "' (valid: mode, axes, exclude)");
    }
    if (sw.contains("mode")) s.mode = string_field(sw, "mode", sw_where);
    require(s.mode == "grid" || s.mode == "zip", sw_where, ": mode must be 'grid' or 'zip', got '",
            s.mode, "'");
    require(sw.contains("axes") && sw["axes"].is_object(), sw_where,
            ": 'axes' (an object: option -> list of values) is required");
    require(!sw["axes"].empty(), sw_where, ": 'axes' is empty (omit 'sweep' for a single run)");
    for (const auto& [name, values] : sw["axes"].items()) {
      const std::string ax_where = sw_where + ": axis '" + name + "'";
      option_info(table, name, sw_where);
      require(values.is_array(), ax_where, " must be a list of values");
      require(!values.empty(), ax_where, " is empty");
      SweepAxis axis{name, {}};
      for (std::size_t i = 0; i < values.size(); ++i) {
        check_value(table, name, values[i], ax_where + " value " + std::to_string(i));
        axis.values.push_back(values[i]);
      }
      s.axes.push_back(std::move(axis));
    }
    if (sw.contains("exclude")) {
      require(s.mode == "grid", sw_where, ": 'exclude' is for mode 'grid' (a zip lists its runs)");
      require(sw["exclude"].is_array(), sw_where,
              ": 'exclude' must be a list of {axis: [values]} objects");
      for (const auto& e : sw["exclude"]) {
        const std::string e_where = sw_where + ": exclude entry " + e.dump();
        require(e.is_object() && !e.empty(), e_where,
                " must be a non-empty object {axis: [values]}");
        for (const auto& item : e.items()) {
          // Named copies: clang-14 does not let a lambda capture a structured binding.
          const std::string name = item.key();
          const nlohmann::json& values = item.value();
          const auto axis = std::find_if(s.axes.begin(), s.axes.end(),
                                         [&](const SweepAxis& a) { return a.name == name; });
          require(axis != s.axes.end(), e_where, ": '", name, "' is not a sweep axis");
          require(values.is_array() && !values.empty(), e_where, ": '", name,
                  "' must be a non-empty list of values");
          for (const auto& v : values)
            require(std::find(axis->values.begin(), axis->values.end(), v) != axis->values.end(),
                    e_where, ": ", v.dump(), " is not a value of axis '", name, "'");
        }
        s.exclude.push_back(e);
      }
    }
    if (s.mode == "zip")
      for (const auto& a : s.axes)
        require(a.values.size() == s.axes.front().values.size(), sw_where, ": zipped axes '",
                s.axes.front().name, "' (", s.axes.front().values.size(), " values) and '", a.name,
                "' (", a.values.size(), " values) differ in length");
  }
  bool has_target = s.base.contains("target");
  for (const auto& a : s.axes) has_target = has_target || a.name == "target";
  require(has_target || !s.app.empty(), where, ": no 'target' in base or sweep");

  if (j.contains("metrics")) {
    require(j["metrics"].is_array(), where, ": 'metrics' must be a list of names");
    for (const auto& m : j["metrics"]) {
      require(m.is_string(), where, ": 'metrics' entries must be strings, got ", m.dump());
      const std::string name = m.get<std::string>();
      if (name != "law") {  // "law": the exact output law; the rest: the metric registry
        try {
          metric_info(name);
        } catch (const Error& e) {
          fail(where, ": ", e.what(), "; or law (the exact output law)");
        }
      }
      require(std::find(s.metrics.begin(), s.metrics.end(), name) == s.metrics.end(), where,
              ": metric '", name, "' is listed twice");
      s.metrics.push_back(name);
    }
  }
  if (j.contains("bounds")) {
    require(j["bounds"].is_array(), where, ": 'bounds' must be a list of bound ids");
    for (const auto& b : j["bounds"]) {
      require(b.is_string(), where, ": 'bounds' entries must be strings, got ", b.dump());
      s.bounds.push_back(b.get<std::string>());
    }
  }
  if (s.app.empty()) {
    require(!s.metrics.empty() || !s.bounds.empty(), where,
            ": nothing to compute: give 'metrics' and/or 'bounds'");
  } else {
    require(s.metrics.empty() && s.bounds.empty(), where, ": app '", s.app,
            "' computes its own quantities (its result JSON); 'metrics' and 'bounds' are for "
            "sampler runs");
  }
  if (j.contains("fits")) {
    require(j["fits"].is_array(), where, ": 'fits' must be a list of {metric, against}");
    for (const auto& f : j["fits"]) {
      require(f.is_object() && f.contains("metric") && f.contains("against") && f.size() == 2,
              where, ": each fit must be {\"metric\": ..., \"against\": ...}, got ", f.dump());
      FitRequest r{string_field(f, "metric", where + ": fit"),
                   string_field(f, "against", where + ": fit")};
      const auto axis = std::find_if(s.axes.begin(), s.axes.end(),
                                     [&](const SweepAxis& a) { return a.name == r.against; });
      require(axis != s.axes.end(), where, ": fit against '", r.against,
              "': not a sweep axis (a fit needs the option to vary)");
      for (const auto& v : axis->values)
        require(v.is_number(), where, ": fit against '", r.against, "': axis value ", v.dump(),
                " is not numeric");
      s.fits.push_back(r);
    }
  }
  return s;
}

std::vector<PlannedRun> expand_runs(const ExperimentSpec& s) {
  std::size_t count = 1;
  if (s.mode == "zip" && !s.axes.empty()) {
    count = s.axes.front().values.size();
  } else {
    // A product of axis lengths can be astronomically large (5 axes of 100 values): refused
    // before anything is allocated. One million runs is far beyond any sweep run on one machine.
    constexpr std::size_t kMaxRuns = 1000000;
    for (const auto& a : s.axes) {
      count *= a.values.size();
      require(count <= kMaxRuns, "spec: the sweep has more than ", kMaxRuns,
              " runs (the product of the axis lengths); split it into several specs");
    }
  }
  const auto excluded = [&](const nlohmann::json& o) {
    for (const auto& e : s.exclude) {
      bool all = true;
      for (const auto& [name, values] : e.items())
        all = all && std::find(values.begin(), values.end(), o[name]) != values.end();
      if (all) return true;
    }
    return false;
  };
  std::vector<PlannedRun> runs;
  runs.reserve(count);
  for (std::size_t c = 0; c < count; ++c) {
    nlohmann::json o = s.base;
    if (!o.contains("seed")) o["seed"] = s.seed;
    // Mixed-radix digits of c, last axis fastest (grid); the same position on every axis (zip).
    std::size_t rest = c;
    for (std::size_t a = s.axes.size(); a-- > 0;) {
      const auto& values = s.axes[a].values;
      const std::size_t i = s.mode == "zip" ? c : rest % values.size();
      rest /= values.size();
      o[s.axes[a].name] = values[i];
    }
    if (excluded(o)) continue;
    PlannedRun r;
    r.index = runs.size();
    r.options = o;
    r.hash = options_hash(o);
    r.seed = run_seed(o["seed"].get<std::uint64_t>(), r.index);
    runs.push_back(std::move(r));
  }
  require(!runs.empty(), "spec: the sweep's 'exclude' drops every run");
  return runs;
}

std::string options_hash(const nlohmann::json& options) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (const unsigned char c : options.dump()) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

nlohmann::json generate_target(const nlohmann::json& target, const nlohmann::json& d,
                               const std::string& where) {
  if (d.is_null()) return target;
  require(d.is_number_integer() && d.get<long long>() >= 1, where, ": option 'd' must be >= 1");
  require(target.is_object(), where,
          ": option 'd' needs an inline target object (a gaussian with scalar mean/var, or a "
          "product with one factor), not a file");
  const auto dim = static_cast<std::size_t>(d.get<long long>());
  const std::string type = target.value("type", "");
  if (type == "gaussian") {
    for (const auto& [key, value] : target.items()) {
      (void)value;
      require(key == "type" || key == "mean" || key == "var", where,
              ": with option 'd', a gaussian target takes only 'mean' and 'var' (numbers), not '",
              key, "'");
    }
    require(target.contains("var") && target["var"].is_number(), where,
            ": with option 'd', a gaussian target needs a number 'var'");
    const double m = target.value("mean", 0.0);
    require(!target.contains("mean") || target["mean"].is_number(), where,
            ": with option 'd', a gaussian target's 'mean' must be a number");
    return {{"type", "gaussian"},
            {"mean", std::vector<double>(dim, m)},
            {"var", target["var"].get<double>()}};
  }
  if (type == "product") {
    require(target.contains("factors") && target["factors"].is_array() &&
                target["factors"].size() == 1 && target.size() == 2,
            where,
            ": with option 'd', a product target needs exactly one factor (repeated d times)");
    return {{"type", "product"},
            {"factors", nlohmann::json(std::vector<nlohmann::json>(dim, target["factors"][0]))}};
  }
  fail(where, ": option 'd' works with inline targets of type gaussian or product, got type '",
       type, "'");
}

}  // namespace difflab
