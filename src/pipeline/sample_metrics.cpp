#include "difflab/pipeline/sample_metrics.hpp"

#include <climits>
#include <cmath>
#include <limits>

#include "difflab/core/error.hpp"
#include "difflab/metrics/empirical_w2.hpp"
#include "difflab/metrics/energy_distance.hpp"
#include "difflab/metrics/histogram_tv.hpp"
#include "difflab/metrics/kl_to_target.hpp"
#include "difflab/metrics/knn_kl.hpp"
#include "difflab/metrics/memorisation.hpp"
#include "difflab/metrics/mmd.hpp"
#include "difflab/metrics/mode_weights.hpp"
#include "difflab/metrics/sliced_w2.hpp"
#include "difflab/target/empirical_target.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace difflab {

const OptionSchema<SampleMetricOptions>& sample_metric_schema() {
  using M = SampleMetricOptions;
  static const OptionSchema<M> schema =
      OptionSchema<M>()
          .integer("reference_n", &M::reference_n, 0, std::ldexp(1.0, 40),
                   "Exact target samples drawn as the reference (0 = as many as the samples)")
          .integer("w2_bootstrap", &M::w2_bootstrap, 0, 100000,
                   "w2: bootstrap replicates for the interval (each one more OT solve; 0 = the "
                   "exact value of these particle sets, no interval)")
          .integer("w2_max_pairs", &M::w2_max_pairs, 1, INT_MAX,
                   "w2: largest n * m the exact OT solver may take (about 68 bytes per pair)")
          .integer("sw2_projections", &M::sw2_projections, 2, 1e7, "sw2: random directions")
          .integer("sw2_bootstrap", &M::sw2_bootstrap, 0, 100000,
                   "sw2: particle bootstrap replicates of the interval (0 = projections only)")
          .numbers("mmd_bandwidth", &M::mmd_bandwidths,
                   "mmd: RBF bandwidth(s) h (several: averaged kernel; default: median heuristic)",
                   0, std::numeric_limits<double>::infinity(), true)
          .integer("knn_k", &M::knn_k, 1, 1000, "knn_kl, kl_to_target: neighbour rank k")
          .integer("kl_replicates", &M::kl_replicates, 2, 100000,
                   "knn_kl, kl_to_target: half-sampling replicates for the interval")
          .integer("tv_bins", &M::tv_bins, 0, 1e6, "tv: bins per axis (0 = Freedman-Diaconis)")
          .integer("tv_bootstrap", &M::tv_bootstrap, 2, 100000,
                   "tv: bootstrap replicates for the interval");
  return schema;
}

nlohmann::json MetricInfo::to_json() const {
  const char* need = needs == MetricNeeds::kReference         ? "reference samples"
                     : needs == MetricNeeds::kTargetDensity   ? "target density"
                     : needs == MetricNeeds::kEmpiricalTarget ? "empirical target"
                                                              : "Gaussian-mixture target";
  return {{"name", name},
          {"estimates", estimates},
          {"interval", interval},
          {"needs", need},
          {"max_dim", max_dim}};
}

namespace {

// The result of an Estimate: value, ci [lo, hi] (and ci_lo, ci_hi), method, sizes, what it
// estimates and how its interval is made.
nlohmann::json estimate_json(const Estimate& e, const MetricInfo& info) {
  nlohmann::json j = e.to_json();
  j["ci"] = nlohmann::json::array({e.ci_lo, e.ci_hi});
  j["quantity"] = info.estimates;
  j["ci_kind"] = info.interval;
  return j;
}

nlohmann::json w2_metric(const Matrix& X, const Matrix& Y, const Target*,
                         const SampleMetricOptions& o, const MetricInfo& info) {
  EmpiricalW2Options w;
  w.bootstrap = o.w2_bootstrap;
  w.seed = o.seed;
  return estimate_json(empirical_w2(X, Y, w), info);
}

nlohmann::json sw2_metric(const Matrix& X, const Matrix& Y, const Target*,
                          const SampleMetricOptions& o, const MetricInfo& info) {
  SlicedW2Options s;
  s.projections = o.sw2_projections;
  s.bootstrap = o.sw2_bootstrap;
  s.seed = o.seed;
  return estimate_json(sliced_w2(X, Y, s), info);
}

nlohmann::json mmd_metric(const Matrix& X, const Matrix& Y, const Target*,
                          const SampleMetricOptions& o, const MetricInfo& info) {
  MmdOptions m;
  m.bandwidths = o.mmd_bandwidths;
  return estimate_json(mmd2(X, Y, m), info);
}

nlohmann::json energy_metric(const Matrix& X, const Matrix& Y, const Target*,
                             const SampleMetricOptions&, const MetricInfo& info) {
  return estimate_json(energy_distance(X, Y), info);
}

nlohmann::json knn_kl_metric(const Matrix& X, const Matrix& Y, const Target*,
                             const SampleMetricOptions& o, const MetricInfo& info) {
  KnnKlOptions k;
  k.k = o.knn_k;
  k.replicates = o.kl_replicates;
  k.seed = o.seed;
  return estimate_json(knn_kl(X, Y, k), info);
}

nlohmann::json kl_to_target_metric(const Matrix& X, const Matrix&, const Target* target,
                                   const SampleMetricOptions& o, const MetricInfo& info) {
  KnnEntropyOptions k;
  k.k = o.knn_k;
  k.replicates = o.kl_replicates;
  k.seed = o.seed;
  return estimate_json(kl_to_target(X, *target, k), info);
}

nlohmann::json tv_metric(const Matrix& X, const Matrix& Y, const Target*,
                         const SampleMetricOptions& o, const MetricInfo& info) {
  HistogramTvOptions h;
  if (o.tv_bins > 0) h.bins.assign(static_cast<std::size_t>(X.rows()), o.tv_bins);
  h.bootstrap = o.tv_bootstrap;
  h.seed = o.seed;
  return estimate_json(histogram_tv(X, Y, h), info);
}

nlohmann::json mode_weights_metric(const Matrix& X, const Matrix&, const Target* target,
                                   const SampleMetricOptions& o, const MetricInfo&) {
  const auto* gmm = dynamic_cast<const GaussianMixtureTarget*>(target);
  require(gmm != nullptr, "metric mode_weights needs a Gaussian mixture target (type gmm)");
  return mode_weights(*gmm, X, o.seed).to_json();
}

nlohmann::json memorisation_metric(const Matrix& X, const Matrix&, const Target* target,
                                   const SampleMetricOptions& o, const MetricInfo&) {
  const auto* data = dynamic_cast<const EmpiricalTarget*>(target);
  require(data != nullptr, "metric memorisation needs an empirical target (its training points)");
  return memorisation(X, data->points(), o.seed).to_json();
}

}  // namespace

const std::vector<MetricInfo>& list_metrics() {
  using N = MetricNeeds;
  static const std::vector<MetricInfo> metrics = {
      {"w2", "W2 between the empirical measures (exact OT, network simplex)",
       "bootstrap over particles (95%; none with w2_bootstrap 0)", N::kReference, 0, w2_metric},
      {"sw2", "sliced W2 (root of the mean over directions)",
       "bootstrap over particles (sw2_bootstrap) and Monte Carlo over projections (95%)",
       N::kReference, 0, sw2_metric},
      {"mmd", "MMD^2, RBF kernel, unbiased (can be < 0)", "jackknife (95%)", N::kReference, 0,
       mmd_metric},
      {"energy", "energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'|, unbiased (can be < 0)",
       "jackknife (95%)", N::kReference, 0, energy_metric},
      {"knn_kl", "KL(samples || reference): k-NN estimator (Wang et al. 2009)",
       "half-sampling (95%)", N::kReference, 0, knn_kl_metric},
      {"kl_to_target", "KL(samples || target): k-NN entropy and the target's log-density",
       "half-sampling (95%)", N::kTargetDensity, 0, kl_to_target_metric},
      {"tv", "TV of the histogram laws on a common grid (biased upward at small n)",
       "bootstrap over particles (95%), clipped to [0, 1]", N::kReference, 2, tv_metric},
      {"mode_weights", "mass of the samples per mixture component (nearest by posterior)",
       "Wilson (per mode) and bootstrap (TV to the weights)", N::kMixtureTarget, 0,
       mode_weights_metric},
      {"memorisation",
       "median nearest-training-point distance of the samples over that between two training "
       "halves, and the fraction of exact copies",
       "none (a diagnostic)", N::kEmpiricalTarget, 0, memorisation_metric},
  };
  return metrics;
}

const MetricInfo& metric_info(const std::string& name) {
  for (const auto& m : list_metrics())
    if (m.name == name) return m;
  std::string valid;
  for (const auto& m : list_metrics()) valid += (valid.empty() ? "" : ", ") + m.name;
  if (name == "kl")
    fail(
        "unknown metric 'kl': name the estimator, knn_kl (against reference samples) or "
        "kl_to_target (against the target's density)");
  fail("unknown metric '", name, "' (valid: ", valid, ")");
}

std::string metric_inapplicable(const std::string& name, Index n, Index m, Index d,
                                const SampleMetricOptions& o) {
  const MetricInfo& info = metric_info(name);
  if (info.max_dim > 0 && d > info.max_dim)
    return "needs dimension <= " + std::to_string(info.max_dim) + ", the samples have " +
           std::to_string(d);
  if (name == "w2" &&
      static_cast<double>(n) * static_cast<double>(m) > static_cast<double>(o.w2_max_pairs))
    return "exact OT on " + std::to_string(n) + " x " + std::to_string(m) +
           " pairs exceeds w2_max_pairs = " + std::to_string(o.w2_max_pairs) +
           " (about 68 bytes per pair); use sw2 or fewer samples";
  const Index at_least = name == "mmd" || name == "energy"            ? 3
                         : name == "knn_kl" || name == "kl_to_target" ? 2 * (o.knn_k + 1)
                                                                      : 1;
  if (n < at_least) return "needs at least " + std::to_string(at_least) + " samples";
  if (info.needs == MetricNeeds::kReference && m < at_least)
    return "needs at least " + std::to_string(at_least) + " reference samples";
  return "";
}

nlohmann::json compute_metric(const std::string& name, const Matrix& X, const Matrix& Y,
                              const Target* target, const SampleMetricOptions& o) {
  const MetricInfo& info = metric_info(name);
  require(info.needs != MetricNeeds::kReference || Y.cols() > 0, "metric ", name,
          " needs reference samples");
  require(info.needs == MetricNeeds::kReference || target != nullptr, "metric ", name,
          " needs a target");
  const std::string why = metric_inapplicable(name, X.cols(), Y.cols(), X.rows(), o);
  require(why.empty(), "metric ", name, ": ", why);
  return info.estimate(X, Y, target, o, info);
}

}  // namespace difflab
