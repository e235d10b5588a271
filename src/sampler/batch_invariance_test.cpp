// Determinism contract (DEVELOPERS.md): every registered sampler gives bit-identical samples for
// 1 and 2 threads and any block size, with either noise kind (counter, brownian), on a target and
// score whose evaluation involves dense products and reductions over the dimension (full-covariance
// mixture in d = 13, linear-map perturbed score). d = 13 is not a multiple of any SIMD width, so
// columns of a block start at every alignment: this is what catches batch-width-dependent
// arithmetic (core/columnwise.hpp).
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/perturbed_score.hpp"
#include "difflab/target/target.hpp"

namespace difflab {
namespace {

constexpr int kDim = 13;

nlohmann::json spd(double shift) {
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < kDim; ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (int j = 0; j < kDim; ++j)
      row.push_back(i == j ? 1.0 + shift : 0.25 / (1.0 + (i - j) * (i - j)));
    rows.push_back(row);
  }
  return rows;
}

std::shared_ptr<Target> mixture() {
  std::vector<double> m1(kDim), m2(kDim);
  for (int i = 0; i < kDim; ++i) {
    m1[static_cast<std::size_t>(i)] = 0.2 * i - 1.0;
    m2[static_cast<std::size_t>(i)] = 1.0 - 0.1 * i;
  }
  return make_target({{"type", "gmm"},
                      {"weights", {0.35, 0.65}},
                      {"means", {m1, m2}},
                      {"covs", {spd(0.0), spd(0.6)}}},
                     "test");
}

TEST(SamplerBatchInvariance, EverySamplerIsBitIdenticalForAnyThreadCountAndBlockSize) {
  const auto process = make_process("ou");
  const auto target = mixture();
  std::vector<std::unique_ptr<ScoreModel>> scores;
  scores.push_back(std::make_unique<ExactScore>(target, process));
  scores.push_back(PerturbedScore::random_linear_map(
      make_target(
          {{"type", "gaussian"}, {"mean", std::vector<double>(kDim, 0.5)}, {"cov", spd(0.2)}},
          "test"),
      process, 0.3, 5));
  const TimeGrid grid = uniform_grid(2.0, 1e-2, 5);
  const Index n = 61;
  Matrix X0(kDim, n);
  CounterRng(3).fill_normal(X0, RngUse::kInitial, 0, 0);
  const int threads_before = thread_count();
  for (const std::string& kind : noise_kinds()) {
    for (const auto& info : list_samplers()) {
      // Noise "brownian" (a tree walk per block, brownian_noise.hpp) for every sampler that
      // takes it.
      if (kind == "brownian" && !info.traits.brownian) continue;
      const auto sampler = make_sampler(info.name);
      for (std::size_t s = 0; s < scores.size(); ++s) {
        if (info.name == "mala" && !scores[s]->has_log_density()) continue;
        SamplerOptions options;
        options.langevin_steps = 3;
        options.rtol = 1e-4;
        options.atol = 1e-6;
        options.noise = kind;
        const std::unique_ptr<NoiseSource> noise = make_noise(options, 11);
        Matrix reference;
        for (const int threads : {1, 2}) {
          set_threads(threads);
          for (const Index block : {Index{1}, Index{7}, Index{256}}) {
            options.block_size = block;
            Matrix X = X0;
            sampler->sample(*scores[s], grid, X, options, *noise);
            ASSERT_TRUE(X.allFinite()) << info.name;
            if (reference.size() == 0) {
              reference = X;
              EXPECT_FALSE(X == X0) << info.name << " did not move the particles";
            } else {
              EXPECT_TRUE(X == reference)
                  << info.name << " (score " << s << ", noise " << kind << ") with " << threads
                  << " threads, block " << block << ": max difference "
                  << (X - reference).cwiseAbs().maxCoeff();
            }
          }
        }
      }
    }
  }
  set_threads(threads_before);
}

}  // namespace
}  // namespace difflab
