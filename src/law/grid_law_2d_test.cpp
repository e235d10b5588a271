// The 2-D grid law against independent truths: the exact Gaussian output law (affine
// linear response) with closed-form distances for a correlated Gaussian target, Monte Carlo of
// the sampler itself for a two-component mixture with full covariances, and its refusals.
#include "difflab/law/grid_law_2d.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/parallel.hpp"
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

// Two well-separated modes: means -+4 on the first axis and the same diagonal covariance
// diag(0.25, 0.36) in both, so the target is the product of a bimodal 1-D mixture and N(0, 0.36),
// its exact score acts coordinate by coordinate (the mixture's responsibilities depend on x0
// only), and so does any deterministic sampler: its output law is the product of two 1-D laws.
// The 1-D grid law cannot serve as the reference here (its cubic interpolant of the flow map
// overshoots at the jump across the separatrix and it refuses the map as non-monotone), so the
// reference is computed below, independently of both grid laws.
json separated_mixture_2d() {
  return json{{"type", "gmm"},
              {"weights", {0.4, 0.6}},
              {"means", {{-4.0, 0.0}, {4.0, 0.0}}},
              {"covs", {{{0.25, 0.0}, {0.0, 0.36}}, {{0.25, 0.0}, {0.0, 0.36}}}}};
}

// One coordinate's law in source coordinates on a quadrature line: nodes x, weights w, the start
// density p0 (N(0, 1)) and q's density pulled back by the sampler's map T, q(T(x)) T'(x).
struct SourceLine {
  Vector x, w, p0, q_src, log_q;  // log_q = log q(T(x))
  Vector log_det;                 // log T'(x)
};

Vector run_1d(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
              const Vector& x) {
  Matrix X = x.transpose();
  sampler.sample(score, grid, X, SamplerOptions{}, CounterNoise(1));
  return X.row(0).transpose();
}

// The reference for the bimodal coordinate. The separatrix c (where T jumps from one mode to the
// other) is found by bisection on the sign of T; around it the nodes are c -+ e^v with v uniform
// on [log 1e-13, log 8] (6000 per side), so the band that T stretches across the gap, however
// thin, is resolved on a relative scale. T' by fourth-order differences in v, integrals by the
// trapezoidal rule in v (du = e^v dv).
SourceLine separatrix_line(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                           const Target& q1d, double alpha, double sigma2) {
  double lo = -3, hi = 3;
  for (int k = 0; k < 70; ++k) {
    const double mid = 0.5 * (lo + hi);
    (run_1d(sampler, score, grid, Vector::Constant(1, mid))(0) < 0 ? lo : hi) = mid;
  }
  const double c = 0.5 * (lo + hi);
  const Index K = 6000;
  const double v0 = std::log(1e-13), dv = (std::log(8.0) - v0) / static_cast<double>(K - 1);
  SourceLine line;
  line.x.resize(2 * K);
  line.w.resize(2 * K);
  line.log_det.resize(2 * K);
  for (int side = 0; side < 2; ++side) {
    const double sign = side == 0 ? -1 : 1;
    Vector x(K);
    for (Index k = 0; k < K; ++k) x(k) = c + sign * std::exp(v0 + dv * static_cast<double>(k));
    const Vector T = run_1d(sampler, score, grid, x);
    for (Index k = 0; k < K; ++k) {
      const auto f = [&](Index j) { return T(std::clamp<Index>(k + j, 0, K - 1)); };
      const double dT_dv = k >= 2 && k + 2 < K
                               ? (-f(2) + 8 * f(1) - 8 * f(-1) + f(-2)) / (12 * dv)
                               : (f(1) - f(-1)) / (dv * (k == 0 || k + 1 == K ? 1 : 2));
      const double u = std::exp(v0 + dv * static_cast<double>(k));
      line.x(side * K + k) = x(k);
      line.w(side * K + k) = u * dv * (k == 0 || k + 1 == K ? 0.5 : 1.0);
      line.log_det(side * K + k) = std::log(sign * dT_dv / u);
    }
  }
  Matrix images = run_1d(sampler, score, grid, line.x).transpose();
  line.log_q.resize(2 * K);
  q1d.noised_log_density(alpha, sigma2, images, line.log_q);
  line.p0 = (-0.5 * line.x.array().square()).exp() / std::sqrt(2 * std::numbers::pi);
  line.q_src = (line.log_q + line.log_det).array().exp();
  return line;
}

// The distances of the 2-D output law to q_delta from the two coordinates: the bimodal one on
// its separatrix line, the Gaussian one (an affine map T(x) = a x + b, so its law is
// N(b, a^2)) on a uniform line; KL adds, BC multiplies, TV is the 2-D sum over both lines.
GridDistances2D product_reference(const Sampler& sampler, const TimeGrid& grid,
                                  const ForwardProcess& process) {
  const auto process_ptr = make_process("ou");
  const auto bimodal = make_target(json{{"type", "gmm"},
                                        {"weights", {0.4, 0.6}},
                                        {"means", {{-4.0}, {4.0}}},
                                        {"vars", {0.25, 0.25}}},
                                   "t");
  const auto normal = make_target(json{{"type", "gaussian"}, {"mean", {0.0}}, {"var", 0.36}}, "t");
  const double delta = grid.delta(), ad = process.alpha(delta), sd2 = process.sigma2(delta);
  const SourceLine a =
      separatrix_line(sampler, ExactScore(bimodal, process_ptr), grid, *bimodal, ad, sd2);
  const Vector ends = run_1d(sampler, ExactScore(normal, process_ptr), grid, Vector{{0.0, 1.0}});
  const double slope = ends(1) - ends(0), shift = ends(0), qv = ad * ad * 0.36 + sd2;
  GridDistances2D d;
  double bc0 = 0;
  for (Index k = 0; k < a.x.size(); ++k) {
    const double log_p0 = std::log(a.p0(k));
    d.kl_output_target += a.w(k) * a.p0(k) * (log_p0 - a.log_det(k) - a.log_q(k));
    d.kl_target_output += a.w(k) * a.q_src(k) * (a.log_q(k) + a.log_det(k) - log_p0);
    bc0 += a.w(k) * std::sqrt(a.p0(k) * a.q_src(k));
  }
  const double pv = slope * slope;
  d.kl_output_target += 0.5 * (pv / qv + shift * shift / qv - 1 - std::log(pv / qv));
  d.kl_target_output += 0.5 * (qv / pv + shift * shift / pv - 1 - std::log(qv / pv));
  d.bhattacharyya = bc0 * std::sqrt(2 * std::sqrt(pv * qv) / (pv + qv)) *
                    std::exp(-shift * shift / (4 * (pv + qv)));
  const Index m = 1601;
  const double h = 16.0 / static_cast<double>(m - 1);
  for (Index j = 0; j < m; ++j) {
    const double x = -8 + h * static_cast<double>(j), y = slope * x + shift;
    const double p1 = std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi);
    const double q1 = std::exp(-0.5 * y * y / qv) / std::sqrt(2 * std::numbers::pi * qv) * slope;
    for (Index k = 0; k < a.x.size(); ++k)
      d.tv += 0.5 * h * a.w(k) * std::abs(a.p0(k) * p1 - a.q_src(k) * q1);
  }
  return d;
}

// Measured at 161 nodes against the reference: KL within 1.6%, TV within 0.05%, 1 - BC within
// 3% (heun's 1 - BC is 9e-5), each KL's error below its difference from the law on 81 nodes. The
// uniform rule alone saw det <= 0 on start-law mass 0.05-0.1 here, so it refused every one of these
// laws.
TEST(GridLaw2D, SeparatedModesMatchAnIndependentReference) {
  const auto process = make_process("ou");
  const auto target = make_target(separated_mixture_2d(), "t");
  const ExactScore score(target, process);
  const TimeGrid grid = karras_grid(*process, 8.0, 0.01, 64);
  for (const std::string name : {"ddim", "ode-ei", "heun", "dpmpp-2m"}) {
    const auto sampler = make_sampler(name);
    const GridDistances2D ref = product_reference(*sampler, grid, *process);
    GridLaw2DOptions o;
    o.nodes = 161;
    const GridLaw2D law = grid_output_law_2d(*sampler, score, grid, SamplerOptions{}, *target, o);
    o.nodes = 81;
    const GridLaw2D half = grid_output_law_2d(*sampler, score, grid, SamplerOptions{}, *target, o);
    for (const GridLaw2D* l : {&law, &half}) {
      EXPECT_GT(l->refinement.base_nonpositive_mass, 1e-3) << name;
      EXPECT_GT(l->refinement.depth, 10) << name;
      EXPECT_LE(l->refinement.unresolved_mass, 1e-6) << name;
    }
    const GridDistances2D &d = law.to_q_delta, &c = half.to_q_delta;
    EXPECT_NEAR(d.kl_target_output, ref.kl_target_output, 0.03 * ref.kl_target_output) << name;
    EXPECT_NEAR(d.kl_output_target, ref.kl_output_target, 0.03 * ref.kl_output_target) << name;
    EXPECT_NEAR(d.tv, ref.tv, 2e-3 * ref.tv) << name;
    EXPECT_NEAR(1 - d.bhattacharyya, 1 - ref.bhattacharyya, 0.05 * (1 - ref.bhattacharyya)) << name;
    // The node-halving difference (the report's grid_error; the law on 81 nodes refines with a
    // 4x looser tolerance) covers the actual error of the KLs.
    EXPECT_LE(std::abs(d.kl_target_output - ref.kl_target_output),
              std::abs(d.kl_target_output - c.kl_target_output))
        << name;
    EXPECT_LE(std::abs(d.kl_output_target - ref.kl_output_target),
              std::abs(d.kl_output_target - c.kl_output_target))
        << name;
    // Converged as the report's grid_tol (10%) demands.
    EXPECT_NEAR(c.kl_target_output, d.kl_target_output, 0.1 * d.kl_target_output) << name;
    EXPECT_NEAR(c.kl_output_target, d.kl_output_target, 0.1 * d.kl_output_target) << name;
    EXPECT_NEAR(c.tv, d.tv, 0.1 * d.tv) << name;
  }
}

// Without local refinement (depth cap 0) the same law is refused, naming the problem.
TEST(GridLaw2D, SeparatedModesNeedTheLocalRefinement) {
  const auto process = make_process("ou");
  const auto target = make_target(separated_mixture_2d(), "t");
  const ExactScore score(target, process);
  GridLaw2DOptions o;
  o.nodes = 81;
  o.max_refinement_depth = 0;
  expect_error(
      [&] {
        grid_output_law_2d(*make_sampler("heun"), score, karras_grid(*process, 8.0, 0.01, 64),
                           SamplerOptions{}, *target, o);
      },
      "is not resolved near x = (");
}

// A map that truly folds is still refused: two DDIM steps with a score whose first coordinate
// oscillates, -x0 + 5 sin(3 x0), make dPhi0/dx0 change sign on wide, smooth bands (the two
// difference Jacobians agree on a negative determinant there).
TEST(GridLaw2D, RefusesAFlowMapThatTrulyFolds) {
  const auto process = make_process("ou");
  const auto plane =
      make_target(json{{"type", "gaussian"}, {"mean", {0.0, 0.0}}, {"var", 1.0}}, "t");
  const CallbackScore wavy(2, process, [](double, ConstMatrixRef X, MatrixRef out) {
    out = -X;
    out.row(0).array() += 5 * (3 * X.row(0).array()).sin();
  });
  GridLaw2DOptions o;
  o.nodes = 81;
  expect_error(
      [&] {
        grid_output_law_2d(*make_sampler("ddim"), wavy, uniform_grid(2.0, 0.05, 2), {}, *plane, o);
      },
      "folds the plane near x = (");
}

// The refinement's cells, their order and every sum over them do not depend on the threads.
TEST(GridLaw2D, RefinedLawIsTheSameForAnyThreadCount) {
  const auto process = make_process("ou");
  const auto target = make_target(separated_mixture_2d(), "t");
  const ExactScore score(target, process);
  const TimeGrid grid = karras_grid(*process, 8.0, 0.01, 16);
  GridLaw2DOptions o;
  o.nodes = 81;
  const int before = thread_count();
  set_threads(1);
  const GridLaw2D one = grid_output_law_2d(*make_sampler("heun"), score, grid, {}, *target, o);
  set_threads(3);
  const GridLaw2D three = grid_output_law_2d(*make_sampler("heun"), score, grid, {}, *target, o);
  set_threads(before);
  EXPECT_GT(one.refinement.runs, 0);
  EXPECT_EQ(one.refinement.runs, three.refinement.runs);
  EXPECT_EQ(one.to_q_delta.kl_target_output, three.to_q_delta.kl_target_output);
  EXPECT_EQ(one.to_q_delta.kl_output_target, three.to_q_delta.kl_output_target);
  EXPECT_EQ(one.to_q_delta.tv, three.to_q_delta.tv);
  EXPECT_EQ(one.to_q_delta.bhattacharyya, three.to_q_delta.bhattacharyya);
  EXPECT_EQ(one.mean, three.mean);
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
