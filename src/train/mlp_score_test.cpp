// MlpScore: the output parametrisations against hand-computed arithmetic, the score's Jacobian
// against finite differences, the Lipschitz bound against the empirical Jacobian norms, and the
// sampler determinism contract (bit-identical samples for threads 1/2 and blocks 3/7/256/1000).
#include "difflab/train/mlp_score.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

std::shared_ptr<MlpNetwork> network(Index d, const std::string& output,
                                    const std::string& precision, Index width = 16) {
  MlpSpec s;
  s.dim = d;
  s.width = width;
  s.depth = 2;
  s.fourier_features = 4;
  s.output = output;
  s.precision = precision;
  s.seed = 3;
  return std::make_shared<MlpNetwork>(s);
}

TEST(Preconditioning, MatchesHandComputedFormulas) {
  // OU at t = log 2: alpha = 1/2, sigma^2 = 3/4. Data mean 1, sd 2 (one coordinate).
  const auto ou = make_process("ou");
  const double t = std::log(2.0);
  const Standardisation st{Vector::Constant(1, 1.0), Vector::Constant(1, 2.0)};
  Matrix X(1, 1), F(1, 1), S(1, 1), Xin(1, 1);
  X << 3.0;
  F << 0.5;
  // c_in = 1/sqrt(alpha^2 sd^2 + sigma^2) = 1/sqrt(1 + 3/4); x_in = c_in (3 - 1/2).
  const double c_in = 1.0 / std::sqrt(1.75);
  const Preconditioning noise = precondition("noise", st, *ou, t);
  noise.input(X, Xin);
  EXPECT_NEAR(Xin(0, 0), c_in * 2.5, 1e-14);
  noise.score(F, X, S);
  EXPECT_NEAR(S(0, 0), -0.5 / std::sqrt(0.75), 1e-14);  // -F/sigma
  precondition("score", st, *ou, t).score(F, X, S);
  EXPECT_NEAR(S(0, 0), c_in * 0.5, 1e-14);  // c_in F
  // data: x0_hat = m + sd F = 2; s = (alpha x0_hat - x)/sigma^2 = (1 - 3)/(3/4) = -8/3.
  precondition("data", st, *ou, t).score(F, X, S);
  EXPECT_NEAR(S(0, 0), -8.0 / 3.0, 1e-14);
  expect_error([&] { precondition("noise", st, *ou, 0.0); }, "needs t > 0");
}

TEST(MlpScore, JacobianMatchesFiniteDifferencesOfTheScore) {
  const auto vp = make_process("vp-linear");
  const Standardisation st{Vector::LinSpaced(3, -1, 1), Vector::LinSpaced(3, 0.5, 2)};
  for (const std::string output : {"noise", "score", "data"}) {
    const MlpScore score(network(3, output, "double"), st, vp);
    const double t = 0.3;
    const Vector x = Vector::LinSpaced(3, 0.2, -0.4);
    const Matrix J = score.jacobian(t, x);
    const double h = 1e-6;
    for (Index l = 0; l < 3; ++l) {
      Matrix xp = x, xm = x;
      xp(l) += h;
      xm(l) -= h;
      const Vector fd = (score.score(t, xp) - score.score(t, xm)).col(0) / (2 * h);
      EXPECT_LT((fd - J.col(l)).cwiseAbs().maxCoeff(), 1e-6 * (1 + J.cwiseAbs().maxCoeff()))
          << output;
    }
  }
}

TEST(MlpScore, EmpiricalLipschitzNeverExceedsTheSpectralBound) {
  const auto ou = make_process("ou");
  Matrix data(2, 50);
  CounterRng(1).fill_normal(data, RngUse::kUser, 0, 0);
  for (const std::string output : {"noise", "score", "data"}) {
    const MlpScore score(network(2, output, "double"), Standardisation::of(data), ou);
    for (const auto& e : lipschitz_estimates(score, data, {0.05, 0.5, 2.0}, 200, 4)) {
      EXPECT_GT(e.empirical, 0) << output;
      EXPECT_LE(e.empirical, e.upper_bound) << output << " t = " << e.t;
    }
  }
}

TEST(MlpScore, SamplesAreBitIdenticalForAnyThreadCountAndBlockSize) {
  // d = 13 as in sampler/batch_invariance_test.cpp: columns start at every alignment.
  constexpr Index d = 13;
  const auto ou = make_process("ou");
  Matrix data(d, 40);
  CounterRng(2).fill_normal(data, RngUse::kUser, 0, 0);
  const TimeGrid grid = uniform_grid(2.0, 1e-2, 4);
  // n spans two evaluation tiles (MlpNetwork::kEvalTile = 256), which block 1000 hands to one
  // call and two threads split; blocks 3 and 7 put each particle at another tile position (block 1
  // would cost 256 padded columns per particle).
  const Index n = 300;
  Matrix X0(d, n);
  CounterRng(3).fill_normal(X0, RngUse::kInitial, 0, 0);
  const int before = thread_count();
  for (const std::string precision : {"float", "double"}) {
    const MlpScore score(network(d, "noise", precision, 24), Standardisation::of(data), ou);
    for (const std::string name : {"ei", "em", "heun", "ddim"}) {
      const auto sampler = make_sampler(name);
      Matrix reference;
      for (const int threads : {1, 2}) {
        set_threads(threads);
        for (const Index block : {Index{3}, Index{7}, Index{256}, Index{1000}}) {
          SamplerOptions options;
          options.block_size = block;
          Matrix X = X0;
          sampler->sample(score, grid, X, options, CounterNoise(11));
          ASSERT_TRUE(X.allFinite());
          if (reference.size() == 0) {
            reference = X;
          } else {
            EXPECT_TRUE(X == reference)
                << name << " " << precision << ", " << threads << " threads, block " << block
                << ": max difference " << (X - reference).cwiseAbs().maxCoeff();
          }
        }
      }
    }
  }
  set_threads(before);
}

}  // namespace
}  // namespace difflab
