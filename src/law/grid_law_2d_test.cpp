// The 2-D grid law against independent truths: the exact Gaussian output law (affine
// linear response) with closed-form distances for a correlated Gaussian target, Monte Carlo of
// the sampler itself for a two-component mixture with full covariances, and its refusals.
#include "difflab/law/grid_law_2d.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/callback_score.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/target.hpp"

namespace difflab {
namespace {

using nlohmann::json;

// Gaussian target: the output law is Gaussian and known exactly. For it the flow map is affine,
// so its finite-difference Jacobian is exact and only quadrature and rounding remain (measured:
// ~1e-14 relative); the Chapman-Kolmogorov deposit errs by ~1e-5 relative at 121 nodes and
// ~1e-4 at 61 (measured), so each method gets its own tolerance, and for both the node-halving
// difference bounds the actual error.
TEST(GridLaw2D, MatchesTheExactGaussianLaw) {
  const auto process = make_process("ou");
  const auto target = make_target(
      json{{"type", "gaussian"}, {"mean", {0.8, -0.5}}, {"cov", {{0.6, 0.25}, {0.25, 0.4}}}}, "t");
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(4.0, 0.05, 20);
  const Vector mq{{0.8, -0.5}};
  const Matrix Sq{{0.6, 0.25}, {0.25, 0.4}};
  for (const SamplerInfo& info : list_samplers()) {
    const SamplerTraits& traits = info.traits;
    if (traits.family != SamplerTraits::Family::kDiffusion || !traits.affine) continue;
    if (traits.stochastic && (!traits.one_step || !traits.additive_noise)) continue;
    const std::string& name = info.name;
    const auto sampler = make_sampler(name);
    const GaussianLaw exact =
        affine_gaussian_law(*sampler, score, grid, SamplerOptions{},
                            GaussianLaw{Vector::Zero(2), Matrix::Identity(2, 2)});
    const double kl_to = gaussian_kl(mq, Sq, exact.mean, exact.cov);
    const double kl_from = gaussian_kl(exact.mean, exact.cov, mq, Sq);
    const double bc = gaussian_bhattacharyya(exact.mean, exact.cov, mq, Sq);
    GridLaw2DOptions fine, coarse;
    fine.nodes = 121;
    coarse.nodes = 61;
    const GridLaw2D law =
        grid_output_law_2d(*sampler, score, grid, SamplerOptions{}, *target, fine);
    const GridLaw2D half =
        grid_output_law_2d(*sampler, score, grid, SamplerOptions{}, *target, coarse);
    EXPECT_EQ(law.method, sampler->stochastic() ? "chapman-kolmogorov" : "flow-map");
    const double rel = sampler->stochastic() ? 1e-4 : 1e-9;
    EXPECT_NEAR(law.to_target.kl_target_output, kl_to, rel * kl_to) << name;
    EXPECT_NEAR(law.to_target.kl_output_target, kl_from, rel * kl_from) << name;
    EXPECT_NEAR(law.to_target.bhattacharyya, bc, rel * (1 - bc)) << name;
    EXPECT_LT((law.mean - exact.mean).cwiseAbs().maxCoeff(), 1e-6) << name;
    EXPECT_LT((law.cov - exact.cov).cwiseAbs().maxCoeff(), sampler->stochastic() ? 2e-3 : 1e-6)
        << name;
    EXPECT_LE(std::abs(law.to_target.kl_target_output - kl_to),
              std::abs(law.to_target.kl_target_output - half.to_target.kl_target_output) + 1e-7)
        << name;
    EXPECT_LT(std::abs(law.mass_lost), 1e-8) << name;
    // TV lies within the always-valid bounds of the exact laws.
    const TvBounds bounds = tv_bounds(bc, kl_from);
    EXPECT_GE(law.to_target.tv, bounds.lower() - rel);
    EXPECT_LE(law.to_target.tv, bounds.upper() + rel);
  }
}

// A two-component mixture with full covariances (no closed form): the grid law's mean,
// covariance and quadrant probabilities against 200,000 runs of the sampler, within 4.5
// standard errors plus the grid law's own (measured) error of ~1e-4.
TEST(GridLaw2D, MixtureAgreesWithMonteCarloOfTheSampler) {
  const auto process = make_process("ou");
  const auto target =
      make_target(json{{"type", "gmm"},
                       {"weights", {0.3, 0.7}},
                       {"means", {{-1.5, 1.0}, {1.0, -0.5}}},
                       {"covs", {{{0.3, 0.1}, {0.1, 0.2}}, {{0.4, -0.15}, {-0.15, 0.3}}}}},
                  "t");
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(4.0, 0.05, 12);
  for (const std::string name : {"ddim", "ei"}) {
    const auto sampler = make_sampler(name);
    GridLaw2DOptions o;
    o.nodes = 121;
    const GridLaw2D law = grid_output_law_2d(*sampler, score, grid, SamplerOptions{}, *target, o);
    const Index n = 200000;
    Matrix X(2, n);
    CounterRng(21).fill_normal(X, RngUse::kInitial, 0, 0);
    sampler->sample(score, grid, X, SamplerOptions{}, CounterNoise(22));
    const Vector mean = X.rowwise().mean();
    const Matrix centred = X.colwise() - mean;
    const Matrix cov = centred * centred.transpose() / static_cast<double>(n);
    for (Index a = 0; a < 2; ++a) {
      const double se = std::sqrt(cov(a, a) / static_cast<double>(n));
      EXPECT_NEAR(law.mean(a), mean(a), 4.5 * se + 1e-4) << name << " mean " << a;
      // Var of the sample variance ~ 2 sigma^4 / n for near-Gaussian marginals; the mixture's
      // fourth moment is larger, so use the empirical fourth central moment.
      const double m4 = centred.row(a).array().pow(4).mean();
      const double se_var = std::sqrt((m4 - cov(a, a) * cov(a, a)) / static_cast<double>(n));
      EXPECT_NEAR(law.cov(a, a), cov(a, a), 4.5 * se_var + 2e-3) << name << " var " << a;
    }
  }
}

TEST(GridLaw2D, RefusesWhatItCannotCompute) {
  const auto process = make_process("ou");
  const auto plane =
      make_target(json{{"type", "gaussian"}, {"mean", {0.0, 1.0}}, {"var", 1.0}}, "t");
  const ExactScore score(plane, process);
  const TimeGrid grid = uniform_grid(3.0, 0.05, 10);
  GridLaw2DOptions o;
  o.nodes = 41;
  expect_error([&] { grid_output_law_2d(*make_sampler("pc"), score, grid, {}, *plane, o); },
               "law does not apply");
  for (const SamplerInfo& info : list_samplers()) {
    if (!info.traits.stochastic || info.traits.one_step) continue;
    expect_error([&] { grid_output_law_2d(*make_sampler(info.name), score, grid, {}, *plane, o); },
                 "not a one-step method");
  }
  const auto space =
      make_target(json{{"type", "gaussian"}, {"mean", {0.0, 1.0, 2.0}}, {"var", 1.0}}, "t");
  expect_error(
      [&] {
        grid_output_law_2d(*make_sampler("ei"), ExactScore(space, process), grid, {}, *space, o);
      },
      "needs both to be 2");
  o.nodes = 8;
  expect_error([&] { grid_output_law_2d(*make_sampler("ei"), score, grid, {}, *plane, o); },
               "nodes must be");
}

// A score that pushes every particle far away (as an untrained network can): a stochastic
// sampler's output law leaves the grid, where no distance sees it, and the law must refuse
// instead of reporting KL(p || q) = 0.
TEST(GridLaw2D, RefusesAnOutputLawThatLeavesTheGrid) {
  const auto process = make_process("ou");
  const auto plane =
      make_target(json{{"type", "gaussian"}, {"mean", {0.0, 1.0}}, {"var", 1.0}}, "t");
  const CallbackScore away(2, process, [](double, ConstMatrixRef X, MatrixRef out) {
    out = -X;
    out.row(0).array() += 200.0;
  });
  const TimeGrid grid = uniform_grid(3.0, 0.05, 10);
  GridLaw2DOptions o;
  o.nodes = 41;
  expect_error([&] { grid_output_law_2d(*make_sampler("ei"), away, grid, {}, *plane, o); },
               "of the output law's mass leaves the grid");
  // The flow-map law integrates over the source grid, so it keeps the mass: its output and the
  // target are then (numerically) disjoint, TV = 1 and KL(q || p) is infinite.
  const GridLaw2D flow = grid_output_law_2d(*make_sampler("ode-ei"), away, grid, {}, *plane, o);
  EXPECT_NEAR(flow.to_target.tv, 1.0, 1e-9);
  EXPECT_TRUE(std::isinf(flow.to_target.kl_target_output));
  EXPECT_GT(flow.to_target.kl_output_target, 100.0);
}

// An empirical measure has no density: the law reports distances to q_delta only (the target's
// are NaN and flagged), its mean agrees with Monte Carlo of the sampler, and delta = 0 refuses.
TEST(GridLaw2D, EmpiricalTargetComparesWithQDeltaOnly) {
  const auto process = make_process("ou");
  const auto target = make_target(
      json{{"type", "empirical"}, {"samples", {{0.0, 1.0}, {1.0, -1.0}, {2.0, 0.5}, {-1.0, 0.2}}}},
      "t");
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(4.0, 0.05, 10);
  GridLaw2DOptions o;
  o.nodes = 121;
  const GridLaw2D law = grid_output_law_2d(*make_sampler("ei"), score, grid, {}, *target, o);
  EXPECT_FALSE(law.has_target_distances);
  EXPECT_TRUE(std::isnan(law.to_target.tv));
  EXPECT_GT(law.to_q_delta.kl_target_output, 0);
  // More steps, nearer q_delta.
  const GridLaw2D finer =
      grid_output_law_2d(*make_sampler("ei"), score, uniform_grid(4.0, 0.05, 40), {}, *target, o);
  EXPECT_LT(finer.to_q_delta.tv, 0.7 * law.to_q_delta.tv);
  const Index n = 100000;
  Matrix X(2, n);
  CounterRng(3).fill_normal(X, RngUse::kInitial, 0, 0);
  make_sampler("ei")->sample(score, grid, X, SamplerOptions{}, CounterNoise(4));
  for (Index a = 0; a < 2; ++a)
    EXPECT_NEAR(X.row(a).mean(), law.mean(a),
                4.5 * std::sqrt(law.cov(a, a) / static_cast<double>(n)) + 2e-3)
        << a;
  expect_error(
      [&] {
        grid_output_law_2d(*make_sampler("ei"), score, uniform_grid(4.0, 0.0, 10), {}, *target, o);
      },
      "compared with q_delta only, which needs early stopping");
}

// A float32 network on an optimised BLAS rounds a particle differently in batches of different
// sizes (OpenBLAS's sgemm: ~1e-7 relative). The probe of the sampler's steps compares one point
// across batches: such a score is refused unless it declares its precision, and with it the law
// is the law of the unrounded score to within the rounding.
TEST(GridLaw2D, AllowsForTheRoundingOfAFloat32ScoreItIsTold) {
  const auto process = make_process("ou");
  const auto plane =
      make_target(json{{"type", "gaussian"}, {"mean", {0.5, -0.3}}, {"var", 0.7}}, "t");
  const ExactScore exact(plane, process);
  const ScoreCallback rounded = [&](double t, ConstMatrixRef X, MatrixRef out) {
    exact.score(t, X, out);
    // A relative error of up to 1.2e-7 that depends on the batch's size and the column's place.
    for (Index j = 0; j < X.cols(); ++j)
      out.col(j) *= 1 + 1.2e-7 * std::sin(1e3 * static_cast<double>(X.cols()) + j);
  };
  const TimeGrid grid = uniform_grid(3.0, 0.05, 8);
  GridLaw2DOptions o;
  o.nodes = 41;
  const CallbackScore silent(2, process, rounded);
  expect_error([&] { grid_output_law_2d(*make_sampler("ei"), silent, grid, {}, *plane, o); },
               "does not add its noise with state-independent coordinate-wise scales");
  CallbackScoreOptions told;
  told.relative_precision = 1.2e-7;
  const CallbackScore declared(2, process, rounded, told);
  const GridLaw2D a = grid_output_law_2d(*make_sampler("ei"), declared, grid, {}, *plane, o);
  const GridLaw2D b = grid_output_law_2d(*make_sampler("ei"), exact, grid, {}, *plane, o);
  EXPECT_NEAR(a.to_target.kl_output_target, b.to_target.kl_output_target,
              1e-4 * b.to_target.kl_output_target);
  EXPECT_NEAR(a.to_target.tv, b.to_target.tv, 1e-4 * b.to_target.tv);
}

}  // namespace
}  // namespace difflab
