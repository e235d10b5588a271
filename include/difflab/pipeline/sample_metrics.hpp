#pragma once
// The metric registry: every distance difflab estimates from samples, by one name each, with
// what it estimates, what it needs and how its interval is made. `difflab eval`, the rows of
// `difflab run` and Python's eval() all compute a metric through compute_metric, with the
// options of SampleMetricOptions (one default each, whatever the face).
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/option_schema.hpp"
#include "difflab/core/types.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

struct SampleMetricOptions {
  Index reference_n = 0;  // exact target samples drawn as the reference (0 = as many as X)
  Index w2_bootstrap = 20;
  Index w2_max_pairs = 25000000;  // n * m: ~68 bytes per pair, so about 1.7 GB
  Index sw2_projections = 200;
  Index sw2_bootstrap = 30;
  std::vector<double> mmd_bandwidths;  // empty = median heuristic
  Index knn_k = 5;
  Index kl_replicates = 20;
  Index tv_bins = 0;  // 0 = Freedman-Diaconis
  Index tv_bootstrap = 50;
  std::uint64_t seed = 0;  // set from the run / command seed
};

const OptionSchema<SampleMetricOptions>& sample_metric_schema();

// What a metric needs besides the samples X.
enum class MetricNeeds {
  kReference,        // a second sample set Y (exact target samples or a reference file)
  kTargetDensity,    // the target's log-density
  kMixtureTarget,    // a Gaussian-mixture target (its components)
  kEmpiricalTarget,  // an empirical target (its training points)
};

struct MetricInfo;
// A metric's estimator: X (d x n), Y (d x m; empty when not needed), the target (null when not
// needed) -> its JSON result.
using MetricEstimator =
    std::function<nlohmann::json(const Matrix& X, const Matrix& Y, const Target* target,
                                 const SampleMetricOptions& options, const MetricInfo& info)>;

struct MetricInfo {
  std::string name;
  std::string estimates;  // the quantity
  std::string interval;   // how its interval is made
  MetricNeeds needs;
  Index max_dim = 0;  // largest dimension it applies to (0 = any)
  MetricEstimator estimate;
  nlohmann::json to_json() const;
};

// Every sample metric, in documentation order (eval's default order).
const std::vector<MetricInfo>& list_metrics();
// The entry of `name`; an unknown name is a difflab::Error listing the valid ones.
const MetricInfo& metric_info(const std::string& name);

// Whether `name` applies to these sizes (n samples, m reference samples, dimension d); empty
// when it does, otherwise the reason.
std::string metric_inapplicable(const std::string& name, Index n, Index m, Index d,
                                const SampleMetricOptions& options);

// Computes metric `name` of X (d x n) against Y (d x m, may be empty when the metric needs no
// reference) and/or the target (may be null when not needed). The result: value, ci [lo, hi],
// ci_lo, ci_hi, method, quantity, ci_kind, n_p, n_q (mode_weights: its own fields).
nlohmann::json compute_metric(const std::string& name, const Matrix& X, const Matrix& Y,
                              const Target* target, const SampleMetricOptions& options);

}  // namespace difflab
