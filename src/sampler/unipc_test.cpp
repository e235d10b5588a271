// UniPC: with solver order 1 and no history its predictor is DDIM's step; with UniC the
// observed order on the exact law is p + 1 for both B(h) variants (Zhao et al. 2023, Theorem
// 3.1), p = 1, 2, 3, which the predictor alone would not reach.
#include "difflab/sampler/unipc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// On a two-step grid to t = 0 UniPC-1 is one DDIM step to t_1, its corrector (which needs the
// evaluation at t_1, the same as DDIM's second step) and then m_1: i.e. D(t_1, x~_1).
TEST(UniPC, OnTwoStepsToZeroReturnsTheDataPredictionAtTheDdimPoint) {
  const auto process = make_process("ou");
  const auto target = std::make_shared<GaussianTarget>(
      GaussianTarget::diagonal(Eigen::Vector2d(0.5, -1), Eigen::Vector2d(0.3, 2.0)));
  const ExactScore score(target, process);
  const TimeGrid grid(std::vector<double>{2.0, 0.5, 0.0}, "test");
  Matrix X0(2, 4);
  CounterRng(3).fill_normal(X0, RngUse::kInitial, 0, 0);
  Matrix a = X0, b = X0;
  UniPC(1, UniPC::Variant::kBh2).sample(score, grid, a, {}, CounterNoise(1));
  make_sampler("ddim")->sample(score, grid, b, {}, CounterNoise(1));
  EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(UniPC, ObservedOrderIsSolverOrderPlusOneForBothVariants) {
  const auto process = make_process("ou");
  Vector mu(2);
  mu << 0.7, -0.4;
  Matrix cov(2, 2);
  cov << 0.5, 0.2, 0.2, 1.6;
  const auto target = std::make_shared<GaussianTarget>(mu, cov);
  const ExactScore score(target, process);
  const auto q = [&](double t) {
    const double a = process->alpha(t);
    return GaussianLaw{a * mu, a * a * cov + process->sigma2(t) * Matrix::Identity(2, 2)};
  };
  const double T = 6.0, delta = 1e-2;
  for (const auto variant : {UniPC::Variant::kBh1, UniPC::Variant::kBh2}) {
    for (int p : {1, 2, 3}) {
      std::vector<double> err;
      for (int N : {40, 80, 160}) {
        const TimeGrid grid = make_grid("logsnr", *process, T, delta, N);
        const GaussianLaw law = affine_gaussian_law(UniPC(p, variant), score, grid, {}, q(T));
        const GaussianLaw exact = q(delta);
        // Largest deviation of the mean and covariance entries: free of the cancellation of
        // the Bures formula, whose W2 bottoms out near 1e-8 (sqrt of rounding in W2^2).
        err.push_back(std::max((law.mean - exact.mean).cwiseAbs().maxCoeff(),
                               (law.cov - exact.cov).cwiseAbs().maxCoeff()));
      }
      for (std::size_t i = 0; i + 1 < err.size(); ++i)
        EXPECT_NEAR(std::log2(err[i] / err[i + 1]), p + 1, 0.35)
            << (variant == UniPC::Variant::kBh1 ? "bh1" : "bh2") << " p = " << p << ": " << err[i]
            << " -> " << err[i + 1];
    }
  }
}

}  // namespace
}  // namespace difflab
