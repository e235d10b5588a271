#include "difflab/pipeline/sample_metrics.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/sliced_w2.hpp"

namespace difflab {
namespace {

TEST(SampleMetrics, NamesAreUniqueAndOneEstimatorEach) {
  std::set<std::string> names;
  for (const auto& m : list_metrics()) EXPECT_TRUE(names.insert(m.name).second) << m.name;
  // "kl" was two estimators under one name: it is refused with both names.
  difflab::expect_error([] { metric_info("kl"); },
                        "knn_kl (against reference samples) or kl_to_target");
  difflab::expect_error([] { metric_info("foo"); }, "unknown metric 'foo' (valid: w2, sw2");
}

TEST(SampleMetrics, EveryMetricComputesWithItsIntervalAroundTheValue) {
  // Two samples of the same 2-D mixture: every distance is near 0, every interval holds its
  // value (mode_weights reports per-mode masses instead).
  const auto target = make_target({{"type", "gmm"},
                                   {"weights", {0.3, 0.7}},
                                   {"means", {{-2.0, 0.0}, {2.0, 0.0}}},
                                   {"vars", {0.5, 0.5}}},
                                  "t");
  const Matrix X = target->sample(400, CounterRng(1), 0);
  const Matrix Y = target->sample(400, CounterRng(2), 0);
  SampleMetricOptions o;
  o.seed = 3;
  o.w2_bootstrap = 5;
  for (const auto& info : list_metrics()) {
    // memorisation needs an empirical target: metrics/memorisation_test.cpp and
    // tests/python/test_own_model.py.
    if (info.needs == MetricNeeds::kEmpiricalTarget) continue;
    const nlohmann::json j = compute_metric(info.name, X, Y, target.get(), o);
    if (info.name == "mode_weights") {
      EXPECT_NEAR(j["fractions"][1].get<double>(), 0.7, 0.1) << j.dump();
      continue;
    }
    const double v = j["value"], lo = j["ci"][0], hi = j["ci"][1];
    EXPECT_LE(lo, v) << info.name;
    EXPECT_LE(v, hi) << info.name;
    EXPECT_LT(std::abs(v), 0.5) << info.name << " " << j.dump();
    EXPECT_EQ(j["quantity"], info.estimates);
  }
}

TEST(SampleMetrics, TheRegistryCallsTheEstimatorWithTheOptions) {
  // sw2 through the registry equals the direct call with the same options, bit for bit.
  const Matrix X = make_target({{"type", "gaussian"}, {"mean", {0.0, 0.0, 0.0}}, {"var", 1.0}}, "t")
                       ->sample(300, CounterRng(5), 0);
  const Matrix Y = X.array() + 0.3;
  SampleMetricOptions o;
  o.seed = 11;
  o.sw2_projections = 64;
  SlicedW2Options s;
  s.seed = 11;
  s.projections = 64;
  EXPECT_EQ(compute_metric("sw2", X, Y, nullptr, o)["value"].get<double>(),
            sliced_w2(X, Y, s).value);
}

TEST(SampleMetrics, InapplicableMetricsSayWhy) {
  SampleMetricOptions o;
  EXPECT_EQ(metric_inapplicable("tv", 100, 100, 3, o), "needs dimension <= 2, the samples have 3");
  o.w2_max_pairs = 100;
  EXPECT_NE(metric_inapplicable("w2", 20, 20, 1, o).find("exceeds w2_max_pairs"),
            std::string::npos);
  EXPECT_EQ(metric_inapplicable("mmd", 2, 10, 1, o), "needs at least 3 samples");
  EXPECT_EQ(metric_inapplicable("sw2", 10, 10, 5, o), "");
}

}  // namespace
}  // namespace difflab
