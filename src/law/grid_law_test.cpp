// The grid law against independent truths: the exact Gaussian law (affine_gaussian_law, itself
// tested against docs/theory.md 5.2's recursions) with closed-form distances for Gaussian targets
// and Gaussian product factors, Monte Carlo of the actual sampler for a bimodal mixture and a
// Laplace product, second-order grid convergence, and its refusals.
#include "difflab/law/grid_law.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/law/grid_distances.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/callback_score.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/target.hpp"

namespace difflab {
namespace {

using nlohmann::json;

// The exact score plus a small term that couples neighbouring coordinates.
class CoupledScore final : public ScoreModel {
 public:
  CoupledScore(std::shared_ptr<const Target> target, std::shared_ptr<const ForwardProcess> process)
      : ScoreModel(process), exact_(std::move(target), std::move(process)) {}
  Index dim() const override { return exact_.dim(); }
  std::string name() const override { return "coupled"; }
  json to_json() const override { return {{"type", "coupled"}}; }

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override {
    exact_.score(t, X, out);
    for (Index i = 0; i + 1 < X.rows(); ++i) out.row(i) += 0.1 * X.row(i + 1);
  }

 private:
  ExactScore exact_;
};

std::shared_ptr<Target> gaussian_1d(double mean, double sd) {
  return make_target(json{{"type", "gaussian"}, {"mean", {mean}}, {"var", sd * sd}}, "test");
}

GridDistances distances_to_target(const GridLaw& law, const Target& target) {
  return grid_law_distances(law, target, 1.0, 0.0);
}

// Exact distances from the output law N(m, v) (one coordinate) to the target N(mq, sq^2).
struct ExactDistances {
  double kl_to, kl_from, w2, tv;
};
ExactDistances exact_1d(const GaussianLaw& law, double mq, double sq) {
  const Vector m1 = Vector::Constant(1, mq);
  const Matrix S1 = Matrix::Constant(1, 1, sq * sq);
  return {gaussian_kl(m1, S1, law.mean, law.cov), gaussian_kl(law.mean, law.cov, m1, S1),
          gaussian_w2(law.mean, law.cov, m1, S1),
          gaussian_tv_1d(law.mean(0), std::sqrt(law.cov(0, 0)), mq, sq)};
}

// For a Gaussian target both methods must reproduce the exact Gaussian output law's distances.
// The grid error is O(h^2); with h ~ 0.01 it is far below 1e-5 relative (the convergence test
// below measures it), so 1e-4 relative plus 1e-7 absolute leaves a wide margin.
TEST(GridLaw, MatchesTheExactGaussianLawForStochasticAndDeterministicSamplers) {
  const auto process = make_process("ou");
  const double mq = 1.5, sq = 0.5;
  const auto target = gaussian_1d(mq, sq);
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(4.0, 0.02, 30);
  for (const SamplerInfo& info : list_samplers()) {
    // The affine diffusion samplers the grid law takes: every deterministic one (flow map) and
    // the one-step stochastic ones (a Gaussian kernel per step).
    const SamplerTraits& traits = info.traits;
    if (traits.family != SamplerTraits::Family::kDiffusion || !traits.affine) continue;
    if (traits.stochastic && (!traits.one_step || !traits.additive_noise)) continue;
    const std::string& name = info.name;
    const auto sampler = make_sampler(name);
    for (const bool denoise : {false, true}) {
      if (denoise && !sampler->stochastic()) continue;
      SamplerOptions options;
      options.denoise_last_step = denoise;
      const GridLaw law = grid_output_law(*sampler, score, grid, options, *target);
      EXPECT_EQ(law.method, sampler->stochastic() ? "chapman-kolmogorov" : "flow-map");
      const GaussianLaw exact = affine_gaussian_law(
          *sampler, score, grid, options, GaussianLaw{Vector::Zero(1), Matrix::Identity(1, 1)});
      const ExactDistances e = exact_1d(exact, mq, sq);
      const GridDistances g = distances_to_target(law, *target);
      const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-4 * b + 1e-7; };
      EXPECT_TRUE(close(g.kl_target_output, e.kl_to))
          << name << " denoise " << denoise << ": " << g.kl_target_output << " vs " << e.kl_to;
      EXPECT_TRUE(close(g.kl_output_target, e.kl_from))
          << name << ": " << g.kl_output_target << " vs " << e.kl_from;
      EXPECT_TRUE(close(g.w2, e.w2)) << name << ": " << g.w2 << " vs " << e.w2;
      ASSERT_TRUE(g.tv.has_value());
      EXPECT_TRUE(close(*g.tv, e.tv)) << name << ": " << *g.tv << " vs " << e.tv;
      EXPECT_LT(std::abs(law.mass_lost), 1e-8) << name;
    }
  }
}

// A product of Gaussian factors is a diagonal Gaussian: KL and W2^2 add exactly, and the exact
// TV lies within the reported bounds.
TEST(GridLaw, ProductOfGaussianFactorsCombinesLikeTheDiagonalGaussianLaw) {
  const auto process = make_process("ou");
  const json spec{{"type", "product"},
                  {"factors",
                   {{{"type", "gaussian"}, {"mean", -1.0}, {"std", 0.7}},
                    {{"type", "gaussian"}, {"mean", 0.5}, {"std", 1.3}},
                    {{"type", "gaussian"}, {"mean", 2.0}, {"std", 0.3}}}}};
  const auto target = make_target(spec, "test");
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(5.0, 0.01, 25);
  const auto sampler = make_sampler("ei");
  const GridLaw law = grid_output_law(*sampler, score, grid, SamplerOptions{}, *target);
  const GridDistances g = distances_to_target(law, *target);
  EXPECT_FALSE(g.tv.has_value());

  const GaussianLaw exact =
      affine_gaussian_law(*sampler, score, grid, SamplerOptions{},
                          GaussianLaw{Vector::Zero(3), Matrix::Identity(3, 3)});
  const Vector mq(Vector{{-1.0, 0.5, 2.0}});
  const Matrix Sq = Vector{{0.49, 1.69, 0.09}}.asDiagonal();
  const double kl_to = gaussian_kl(mq, Sq, exact.mean, exact.cov);
  const double w2 = gaussian_w2(exact.mean, exact.cov, mq, Sq);
  EXPECT_NEAR(g.kl_target_output, kl_to, 1e-4 * kl_to);
  EXPECT_NEAR(g.kl_output_target, gaussian_kl(exact.mean, exact.cov, mq, Sq), 1e-4 * kl_to);
  EXPECT_NEAR(g.w2, w2, 1e-4 * w2);
  EXPECT_NEAR(g.bhattacharyya, gaussian_bhattacharyya(exact.mean, exact.cov, mq, Sq), 1e-7);
  const GaussianTv tv = gaussian_tv(exact.mean, exact.cov, mq, Sq);
  EXPECT_LE(g.tv_lower, tv.tv.value + 1e-6);
  EXPECT_GE(g.tv_upper, tv.tv.value - 1e-6);
}

// Convergence in the node count: for a resolved Gaussian kernel the trapezoidal rule converges
// faster than any power of h, the flow map's cubic transport at fourth order. Either way the
// error against the exact law shrinks as the nodes double (down to a rounding floor), and the
// difference between the results with n and n/2 nodes (the convergence estimate `difflab law`
// reports) bounds it.
TEST(GridLaw, ErrorShrinksWithTheNodesAndTheHalvingEstimateBoundsIt) {
  const auto process = make_process("ou");
  const auto target = gaussian_1d(-0.5, 0.8);
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(3.0, 0.2, 8);  // wide kernels: the node count is free
  for (const std::string name : {"ei", "ddim"}) {
    const auto sampler = make_sampler(name);
    const GaussianLaw exact =
        affine_gaussian_law(*sampler, score, grid, SamplerOptions{},
                            GaussianLaw{Vector::Zero(1), Matrix::Identity(1, 1)});
    const ExactDistances truth = exact_1d(exact, -0.5, 0.8);
    std::vector<double> kl, w2;
    for (const Index nodes : {101, 201, 401}) {
      GridLawOptions o;
      o.nodes = nodes;
      const GridLaw law = grid_output_law(*sampler, score, grid, SamplerOptions{}, *target, o);
      ASSERT_EQ(law.coordinates.front().nodes(), nodes);
      const GridDistances g = distances_to_target(law, *target);
      kl.push_back(g.kl_target_output);
      w2.push_back(g.w2);
    }
    for (std::size_t m = 1; m < kl.size(); ++m) {
      const double kl_error = std::abs(kl[m] - truth.kl_to), w2_error = std::abs(w2[m] - truth.w2);
      // Measured: at 201 nodes the errors are ~1e-9 and below; from there on rounding in the
      // map's inversion (~1e-8) is the floor, which the tolerance below states.
      const double floor = 1e-7;
      EXPECT_LE(kl_error, std::abs(kl[m] - kl[m - 1]) + floor) << name;
      EXPECT_LE(w2_error, std::abs(w2[m] - w2[m - 1]) + floor) << name;
      EXPECT_LE(kl_error, std::max(std::abs(kl[m - 1] - truth.kl_to), floor)) << name;
      EXPECT_LE(w2_error, std::max(std::abs(w2[m - 1] - truth.w2), floor)) << name;
    }
  }
}

// A bimodal mixture (no closed form for the output law): the grid law's probabilities of
// half-lines and its mean against 200,000 runs of the sampler itself, within 4.5 standard
// errors.
TEST(GridLaw, BimodalMixtureAgreesWithMonteCarloOfTheSampler) {
  const auto process = make_process("ou");
  const auto target = make_target(json{{"type", "gmm"},
                                       {"weights", {0.25, 0.75}},
                                       {"means", {{-2.0}, {1.5}}},
                                       {"vars", {0.16, 0.36}}},
                                  "test");
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(4.0, 0.05, 12);  // coarse: a visible discretisation error
  for (const std::string name : {"em", "ddim"}) {
    const auto sampler = make_sampler(name);
    const GridLaw law = grid_output_law(*sampler, score, grid, SamplerOptions{}, *target);
    const GridDensity& g = law.coordinates.front();
    const Index n = 200000;
    Matrix X(1, n);
    CounterRng(11).fill_normal(X, RngUse::kInitial, 0, 0);
    sampler->sample(score, grid, X, SamplerOptions{}, CounterNoise(12));
    for (const double c : {-2.5, -1.0, 0.0, 1.0, 2.0}) {
      Vector below(g.nodes());
      for (Index j = 0; j < g.nodes(); ++j) below(j) = g.node(j) <= c ? g.density(j) : 0.0;
      // Trapezoid up to the last node below c, plus the partial cell (linear density).
      const Index last = static_cast<Index>(std::floor((c - g.lo) / g.h));
      const double f = (c - g.node(last)) / g.h;
      double prob = GridDensity{g.lo, g.h, below.head(last + 1)}.mass();
      prob += g.h * f *
              (g.density(last) + (g.density(last) + f * (g.density(last + 1) - g.density(last)))) /
              2;
      const double mc = (X.array() <= c).cast<double>().mean();
      const double se = std::sqrt(prob * (1 - prob) / static_cast<double>(n));
      EXPECT_NEAR(mc, prob, 4.5 * se + 1e-6) << name << " P(X <= " << c << ")";
    }
    Vector y(g.nodes());
    for (Index j = 0; j < g.nodes(); ++j) y(j) = g.node(j);
    const double mean = GridDensity{g.lo, g.h, g.density.cwiseProduct(y)}.mass();
    const double var =
        GridDensity{g.lo, g.h, g.density.cwiseProduct(y.cwiseAbs2())}.mass() - mean * mean;
    EXPECT_NEAR(X.mean(), mean, 4.5 * std::sqrt(var / static_cast<double>(n))) << name;
  }
}

// An empirical measure has no density: its law is compared with q_delta (delta > 0) alone, on a
// grid placed around q_delta. Against Monte Carlo of the sampler with the exact empirical score,
// and at delta = 0 a refusal that says why.
TEST(GridLaw, EmpiricalTargetAgreesWithMonteCarloAndComparesWithQDelta) {
  const auto process = make_process("ou");
  const auto target =
      make_target(json{{"type", "empirical"}, {"samples", {{-1.5}, {0.2}, {0.3}, {2.0}}}}, "test");
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(4.0, 0.05, 16);
  for (const std::string name : {"ei", "ddim"}) {
    const auto sampler = make_sampler(name);
    const GridLaw law = grid_output_law(*sampler, score, grid, SamplerOptions{}, *target);
    const GridDensity& g = law.coordinates.front();
    Vector y(g.nodes());
    for (Index j = 0; j < g.nodes(); ++j) y(j) = g.node(j);
    const double mean = GridDensity{g.lo, g.h, g.density.cwiseProduct(y)}.mass();
    const double var =
        GridDensity{g.lo, g.h, g.density.cwiseProduct(y.cwiseAbs2())}.mass() - mean * mean;
    const Index n = 100000;
    Matrix X(1, n);
    CounterRng(13).fill_normal(X, RngUse::kInitial, 0, 0);
    sampler->sample(score, grid, X, SamplerOptions{}, CounterNoise(14));
    EXPECT_NEAR(X.mean(), mean, 4.5 * std::sqrt(var / static_cast<double>(n))) << name;
    const double mc_var = (X.array() - X.mean()).square().mean();
    EXPECT_NEAR(mc_var, var, 4.5 * var * std::sqrt(2.0 / static_cast<double>(n)) + 0.02 * var)
        << name;
    // Distances to q_delta exist and are small but not zero (the steps' error).
    const GridDistances d =
        grid_law_distances(law, *target, process->alpha(0.05), process->sigma2(0.05));
    EXPECT_GT(d.kl_target_output, 0) << name;
    EXPECT_LT(d.kl_target_output, 0.5) << name;
  }
  expect_error(
      [&] {
        grid_output_law(*make_sampler("ei"), score, uniform_grid(4.0, 0.0, 16), SamplerOptions{},
                        *target);
      },
      "has no density, so the output law is compared with q_delta only, which needs early "
      "stopping: delta > 0");
}

TEST(GridLaw, RefusesWhatItCannotCompute) {
  const auto process = make_process("ou");
  const auto target = gaussian_1d(0.0, 1.0);
  const ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(3.0, 0.05, 10);
  expect_error([&] { grid_output_law(*make_sampler("pc"), score, grid, {}, *target); },
               "law does not apply");
  // Multistep stochastic samplers and Langevin chains: no Gaussian kernel per grid step.
  for (const SamplerInfo& info : list_samplers()) {
    if (!info.traits.stochastic || info.traits.one_step) continue;
    expect_error([&] { grid_output_law(*make_sampler(info.name), score, grid, {}, *target); },
                 "not a one-step method");
  }
  // One-step samplers that read the score at a noised point: no Gaussian kernel for a
  // non-linear score (SamplerTraits::additive_noise).
  for (const SamplerInfo& info : list_samplers()) {
    if (!info.traits.stochastic || !info.traits.one_step || info.traits.additive_noise) continue;
    expect_error([&] { grid_output_law(*make_sampler(info.name), score, grid, {}, *target); },
                 "reads the score at a noised point");
  }
  const auto plane =
      make_target(json{{"type", "gaussian"}, {"mean", {0.0, 1.0}}, {"var", 1.0}}, "t");
  expect_error(
      [&] { grid_output_law(*make_sampler("ei"), ExactScore(plane, process), grid, {}, *plane); },
      "one-dimensional target or a product target");
  // A linear perturbation couples the coordinates of a product target.
  const auto product =
      make_target(json{{"type", "product"}, {"dim", 3}, {"factor", {{"type", "laplace"}}}}, "t");
  const CoupledScore coupled(product, process);
  expect_error([&] { grid_output_law(*make_sampler("ei"), coupled, grid, {}, *product); },
               "coordinate by coordinate");
  expect_error([&] { grid_output_law(*make_sampler("ddim"), coupled, grid, {}, *product); },
               "coordinate by coordinate");
  GridLawOptions tiny;
  tiny.max_nodes = 100;
  tiny.nodes = 50;
  const TimeGrid fine_end = benton_grid(3.0, 1e-3, 10);  // last step's noise sd ~ 0.03
  expect_error([&] { grid_output_law(*make_sampler("ei"), score, fine_end, {}, *target, tiny); },
               "max_nodes");
}

// As in two dimensions: a score that sends the particles far away makes the output law leave
// the grid, and the law refuses rather than report distances that do not see that mass.
TEST(GridLaw, RefusesAnOutputLawThatLeavesTheGrid) {
  const auto process = make_process("ou");
  const auto target = gaussian_1d(0.0, 1.0);
  const CallbackScore away(
      1, process, [](double, ConstMatrixRef X, MatrixRef out) { out = (-X).array() + 200.0; });
  const TimeGrid grid = uniform_grid(3.0, 0.05, 10);
  expect_error([&] { grid_output_law(*make_sampler("ei"), away, grid, {}, *target); },
               "of the output law's mass leaves the grid");
}

}  // namespace
}  // namespace difflab
