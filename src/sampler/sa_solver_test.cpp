// "sa-solver" (sa_solver.hpp): its Adams weights against closed-form integrals, its first-order
// members against the samplers they reduce to (DDIM for tau = 0, DDPM ancestral for tau = 1),
// and its convergence order on a Gaussian target from the exact output law
// (affine_gaussian_law.hpp) for tau = 0 (probability-flow ODE), tau = 1 (reverse SDE) and a
// windowed tau(t).
#include "difflab/sampler/sa_solver.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// (1 + tau^2) int_{ls}^{lt} e^{-r (lt - l)} (l - lt)^m dl, r = 1 + tau^2, in closed form:
// with u = lt - l and x = r h, (-1)^m m! (1 - e^{-x} sum_{i <= m} x^i / i!) / r^m.
double sa_weighted_moment(double ls, double lt, int m, double tau) {
  const double r = 1.0 + tau * tau, x = r * (lt - ls);
  double partial = 0, term = 1, factorial = 1;
  for (int i = 0; i <= m; ++i) {
    if (i > 0) {
      term *= x / i;
      factorial *= i;
    }
    partial += term;
  }
  return (m % 2 == 0 ? 1.0 : -1.0) * factorial * (1.0 - std::exp(-x) * partial) / std::pow(r, m);
}

TEST(SaSolver, WeightsIntegratePolynomialsExactly) {
  // Nodes as the predictor (all <= lambda_s) and the corrector (lambda_t first) use them.
  const double ls = -0.3, lt = 0.05;
  const std::vector<std::vector<double>> node_sets = {
      {ls}, {ls, -0.6}, {ls, -0.55, -0.9}, {ls, -0.5, -0.8, -1.2}, {lt, ls, -0.7}};
  for (const double tau : {0.0, 0.5, 1.0}) {
    for (const auto& nodes : node_sets) {
      const std::vector<double> b = sa_solver_weights(ls, lt, nodes, tau);
      for (int m = 0; m < static_cast<int>(nodes.size()); ++m) {
        double sum = 0;
        for (std::size_t j = 0; j < nodes.size(); ++j) sum += b[j] * std::pow(nodes[j] - lt, m);
        EXPECT_NEAR(sum, sa_weighted_moment(ls, lt, m, tau), 1e-14)
            << "tau " << tau << ", " << nodes.size() << " nodes, degree " << m;
      }
    }
  }
}

struct SaProblem {
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  Vector mu{{0.7, -0.4}};
  Matrix cov{{0.5, 0.2}, {0.2, 1.6}};
  ExactScore score{std::make_shared<GaussianTarget>(mu, cov), process};
  GaussianLaw q(double t) const {
    const double a = process->alpha(t);
    return {a * mu, a * a * cov + process->sigma2(t) * Matrix::Identity(2, 2)};
  }
};

// First order without corrector: tau = 0 is the DDIM step, tau = 1 the DPM-Solver++(1) SDE
// step, which is DDPM ancestral sampling (docs/theory.md 13), with the same noise draws.
TEST(SaSolver, FirstOrderMembersAreDdimAndDdpm) {
  const SaProblem p;
  const TimeGrid grid = make_grid("logsnr", *p.process, 3.0, 2e-2, 7);
  Matrix X0(2, 9);
  CounterRng(3).fill_normal(X0, RngUse::kInitial, 0, 0);
  for (const auto& [tau, other] : {std::pair{0.0, "ddim"}, std::pair{1.0, "ddpm"}}) {
    SamplerOptions options;
    options.sa_tau = tau;
    options.sa_predictor_order = 1;
    options.sa_corrector_order = 0;
    Matrix X = X0, Y = X0;
    SaSolver().sample(p.score, grid, X, options, CounterNoise(5));
    make_sampler(other)->sample(p.score, grid, Y, SamplerOptions{}, CounterNoise(5));
    EXPECT_LT((X - Y).cwiseAbs().maxCoeff(), 1e-10) << other;
  }
}

// Noise that must not be drawn.
class SaForbiddenNoise final : public NoiseSource {
 public:
  void normal(MatrixRef, std::uint64_t, std::uint64_t, RngUse) const override {
    ADD_FAILURE() << "sa-solver with tau = 0 drew noise";
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    ADD_FAILURE() << "sa-solver drew a uniform";
    return 0.5;
  }
};

TEST(SaSolver, TauZeroDrawsNoNoise) {
  const SaProblem p;
  const TimeGrid grid = make_grid("logsnr", *p.process, 3.0, 0.0, 6);
  SamplerOptions options;
  options.sa_tau = 0;
  Matrix X = Matrix::Constant(2, 3, 0.4);
  SaSolver().sample(p.score, grid, X, options, SaForbiddenNoise());
  EXPECT_TRUE(X.allFinite());
}

// W2(exact output law, q_delta) at N, 2N, 4N steps on the log-SNR grid (T = 6, delta = 0.01).
std::vector<double> sa_observed_orders(const SaProblem& p, const SamplerOptions& options,
                                       std::vector<int> steps) {
  const double T = 6.0, delta = 1e-2;
  const GaussianLaw exact = p.q(delta);
  std::vector<double> err, orders;
  for (const int N : steps) {
    const TimeGrid grid = make_grid("logsnr", *p.process, T, delta, N);
    const GaussianLaw law = affine_gaussian_law(SaSolver(), p.score, grid, options, p.q(T));
    err.push_back(gaussian_w2(law.mean, law.cov, exact.mean, exact.cov));
  }
  for (std::size_t i = 0; i + 1 < err.size(); ++i) {
    orders.push_back(std::log2(err[i] / err[i + 1]));
    std::printf("[ order    ] sa-solver tau %.1f (p %d, c %d): W2 %.3e -> %.3e, order %.2f\n",
                options.sa_tau, options.sa_predictor_order, options.sa_corrector_order, err[i],
                err[i + 1], orders.back());
  }
  return orders;
}

// tau = 0: a deterministic Adams method of order p (its predictor and its corrector of order
// c = p both interpolate through p points). Multistep, so the observed slope may exceed p on
// these grids (the start-up steps sit at low SNR, SamplerTraits::order) but not fall below it.
TEST(SaSolver, ProbabilityFlowOrderIsThePredictorOrder) {
  const SaProblem p;
  for (const int order : {2, 3}) {
    for (const int corrector : {0, order}) {
      SamplerOptions options;
      options.sa_tau = 0;
      options.sa_predictor_order = order;
      options.sa_corrector_order = corrector;
      // p = c = 2: the predictor's and the corrector's errors cancel near N = 100 on this
      // problem, so its slopes are taken beyond.
      const std::vector<int> steps = order == 2 && corrector > 0
                                         ? std::vector<int>{320, 640, 1280}
                                         : std::vector<int>{40, 80, 160, 320};
      for (const double observed : sa_observed_orders(p, options, steps)) {
        EXPECT_GT(observed, order - 0.35) << order << ", corrector " << corrector;
        EXPECT_LT(observed, order + 0.75) << order << ", corrector " << corrector;
      }
    }
  }
}

// tau = 1 (the defaults p = c = 3): weak order 2, the traits' order. The Lagrange interpolation
// of D along a Brownian path is accurate to higher order only for the mean; the covariance of
// the interpolated drift with the step's noise is off by O(h^3) per step.
TEST(SaSolver, StochasticOrderIsTwo) {
  const SaProblem p;
  const SamplerOptions options;
  for (const double observed : sa_observed_orders(p, options, {80, 160, 320})) {
    EXPECT_GT(observed, SaSolver().traits().order - 0.35);
    EXPECT_LT(observed, SaSolver().traits().order + 0.5);
  }
}

// tau(t) on a window (sampler.hpp, sa_tau_window): a window that holds no step's start is the
// probability-flow solver, bit for bit and without a draw; one that holds every step's start is
// the constant-tau solver, bit for bit. (T = 3, delta = 0.02: steps start in [0.02, 3).)
TEST(SaSolver, TauWindowOutsideOrAroundTheGridIsConstantTau) {
  const SaProblem p;
  const TimeGrid grid = make_grid("logsnr", *p.process, 3.0, 2e-2, 9);
  Matrix X0(2, 5);
  CounterRng(8).fill_normal(X0, RngUse::kInitial, 0, 0);
  SamplerOptions ode, windowed;
  ode.sa_tau = 0;
  windowed.sa_tau_window = {3.5, 9.0};
  Matrix X = X0, Y = X0;
  SaSolver().sample(p.score, grid, X, windowed, SaForbiddenNoise());
  SaSolver().sample(p.score, grid, Y, ode, SaForbiddenNoise());
  EXPECT_EQ(X, Y);
  const SamplerOptions constant;
  windowed.sa_tau_window = {0.0, 3.0};
  X = X0;
  Y = X0;
  SaSolver().sample(p.score, grid, X, windowed, CounterNoise(4));
  SaSolver().sample(p.score, grid, Y, constant, CounterNoise(4));
  EXPECT_EQ(X, Y);
}

// Every tau(t) has the marginals q_t, so a windowed tau converges to q_delta like the constant
// ones, at the stochastic order 2 (its steps inside the window are those of tau = 1, the others
// Adams steps of order p = 3); and its law at N = 20 differs from both constant members, so the
// window is applied.
TEST(SaSolver, WindowedTauConvergesToTheTargetAtOrderTwo) {
  const SaProblem p;
  SamplerOptions options;
  options.sa_tau_window = {0.2, 1.5};
  for (const double observed : sa_observed_orders(p, options, {80, 160, 320})) {
    EXPECT_GT(observed, SaSolver().traits().order - 0.35);
    EXPECT_LT(observed, SaSolver().traits().order + 0.75);
  }
  const TimeGrid grid = make_grid("logsnr", *p.process, 6.0, 1e-2, 20);
  SamplerOptions ode;
  ode.sa_tau = 0;
  const GaussianLaw windowed = affine_gaussian_law(SaSolver(), p.score, grid, options, p.q(6.0));
  for (const SamplerOptions& other : {ode, SamplerOptions{}}) {
    const GaussianLaw law = affine_gaussian_law(SaSolver(), p.score, grid, other, p.q(6.0));
    EXPECT_GT(gaussian_w2(law.mean, law.cov, windowed.mean, windowed.cov), 1e-6);
  }
}

TEST(SaSolver, BadOptionsAreRejected) {
  const SaProblem p;
  const TimeGrid grid = make_grid("logsnr", *p.process, 3.0, 1e-2, 4);
  SamplerOptions options;
  options.sa_tau = -1;
  Matrix X = Matrix::Zero(2, 2);
  expect_error([&] { SaSolver().sample(p.score, grid, X, options, CounterNoise(1)); }, "sa_tau");
  options.sa_tau = 1;
  options.sa_predictor_order = 5;
  expect_error([&] { SaSolver().sample(p.score, grid, X, options, CounterNoise(1)); },
               "sa_predictor_order");
  options.sa_predictor_order = 3;
  for (const std::vector<double>& window :
       std::vector<std::vector<double>>{{1.0}, {2.0, 1.0}, {-1.0, 1.0}, {0.5, std::nan("")}}) {
    options.sa_tau_window = window;
    expect_error([&] { SaSolver().sample(p.score, grid, X, options, CounterNoise(1)); },
                 "sa_tau_window");
  }
}

}  // namespace
}  // namespace difflab
