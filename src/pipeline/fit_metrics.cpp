#include "difflab/pipeline/fit_metrics.hpp"

#include <algorithm>

#include "difflab/core/error.hpp"
#include "difflab/pipeline/sample_metrics.hpp"

namespace difflab {

namespace {

// The first dot-separated segment of `name` and the rest ("" when there is no dot).
std::pair<std::string, std::string> split_head(const std::string& name) {
  const auto dot = name.find('.');
  if (dot == std::string::npos) return {name, ""};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool is_registered_metric(const std::string& name) {
  const auto& all = list_metrics();
  return std::any_of(all.begin(), all.end(), [&](const MetricInfo& m) { return m.name == name; });
}

}  // namespace

void require_fits_computed(const ExperimentSpec& spec) {
  if (!spec.app.empty()) return;  // an application's row holds its own outputs
  for (const auto& fit : spec.fits) {
    auto [head, rest] = split_head(fit.metric);
    if (head == "metrics") std::tie(head, rest) = split_head(rest);
    const std::string where = "fit of '" + fit.metric + "'";
    // A sample metric's name may also name a column of the law report ("tv" resolves to
    // metrics.law.tv when no sample metric tv is computed: experiment_fits.hpp), so it must be
    // a computed sample metric only when the spec computes no law.
    const bool sample_metric = is_registered_metric(head) && !contains(spec.metrics, "law");
    if (head == "law" || sample_metric)
      require(contains(spec.metrics, head), where, ": the spec does not compute metric '", head,
              "' (add it to \"metrics\")");
    if (head == "bounds") {
      const std::string id = split_head(rest).first;
      require(contains(spec.bounds, id), where, ": the spec does not compute bound '", id,
              "' (add it to \"bounds\")");
    }
  }
}

}  // namespace difflab
