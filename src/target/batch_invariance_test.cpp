// Determinism contract (DEVELOPERS.md): a target's noised score and log-density of one particle
// must not depend on which other particles share its batch. Samplers hand the targets column
// blocks of any width (block_size, thread split), so any batch-width-dependent arithmetic (e.g.
// a matrix-matrix product whose blocking or kernel depends on the number of columns) would make
// samples differ in their last bits between thread counts. This test compares every column of a
// wide batch, bit for bit, with the same column evaluated alone and in a narrow batch.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/rng.hpp"
#include "difflab/target/target.hpp"

namespace difflab {
namespace {

// A symmetric positive-definite d x d matrix as nested JSON lists.
nlohmann::json spd_json(int d, double shift) {
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < d; ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (int j = 0; j < d; ++j) {
      const double v = (i == j) ? 1.0 + shift + 0.05 * i : 0.3 / (1.0 + std::abs(i - j) + shift);
      row.push_back(v);
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<nlohmann::json> specs(int d) {
  std::vector<double> mean(static_cast<std::size_t>(d)), mean2(static_cast<std::size_t>(d)),
      diag(static_cast<std::size_t>(d));
  for (int i = 0; i < d; ++i) {
    mean[static_cast<std::size_t>(i)] = 0.1 * i - 0.4;
    mean2[static_cast<std::size_t>(i)] = -0.2 * i + 1.0;
    diag[static_cast<std::size_t>(i)] = 0.5 + 0.1 * i;
  }
  std::vector<nlohmann::json> out;
  out.push_back({{"type", "gaussian"}, {"mean", mean}, {"cov", spd_json(d, 0.0)}});
  out.push_back({{"type", "gaussian"}, {"mean", mean}, {"diag", diag}});
  out.push_back({{"type", "gmm"},
                 {"weights", {0.3, 0.7}},
                 {"means", {mean, mean2}},
                 {"covs", {spd_json(d, 0.0), spd_json(d, 0.5)}}});
  out.push_back({{"type", "gmm"},
                 {"weights", {0.4, 0.6}},
                 {"means", {mean, mean2}},
                 {"diags", {diag, diag}}});
  nlohmann::json factors = nlohmann::json::array();
  for (int i = 0; i < d; ++i) {
    factors.push_back(i % 2 == 0 ? nlohmann::json{{"type", "laplace"}, {"scale", 0.7}}
                                 : nlohmann::json{{"type", "mixture"},
                                                  {"weights", {0.5, 0.5}},
                                                  {"means", {-1.0, 1.0}},
                                                  {"stds", {0.3, 0.5}}});
  }
  out.push_back({{"type", "product"}, {"factors", factors}});
  return out;
}

TEST(TargetBatchInvariance, ScoreAndLogDensityOfAColumnIgnoreItsNeighbours) {
  for (const int d : {3, 13, 40}) {
    for (const auto& spec : specs(d)) {
      const auto target = make_target(spec, "test");
      const Index n = 301;
      Matrix X(d, n);
      CounterRng(7).fill_normal(X, RngUse::kMonteCarlo, 0, 0);
      const double alpha = 0.6, sigma2 = 1.0 - alpha * alpha;
      Matrix S(d, n);
      Vector L(n);
      target->noised_score(alpha, sigma2, X, S);
      target->noised_log_density(alpha, sigma2, X, L);
      for (const Index width : {Index{1}, Index{5}}) {
        for (Index j = 0; j + width <= n; j += 37) {
          Matrix s(d, width);
          Vector l(width);
          target->noised_score(alpha, sigma2, X.middleCols(j, width), s);
          target->noised_log_density(alpha, sigma2, X.middleCols(j, width), l);
          for (Index c = 0; c < width; ++c) {
            ASSERT_TRUE(s.col(c) == S.col(j + c))
                << spec["type"] << " d=" << d << " column " << j + c << " width " << width;
            ASSERT_EQ(l(c), L(j + c))
                << spec["type"] << " d=" << d << " column " << j + c << " width " << width;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace difflab
