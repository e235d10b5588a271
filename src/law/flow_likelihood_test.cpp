#include "difflab/law/flow_likelihood.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <numbers>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/gaussian_mean_score.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/target.hpp"

namespace difflab {
namespace {

class ThreadGuard {
 public:
  ThreadGuard() : saved_(thread_count()) {}
  ~ThreadGuard() { set_threads(saved_); }
  ThreadGuard(const ThreadGuard&) = delete;
  ThreadGuard& operator=(const ThreadGuard&) = delete;

 private:
  int saved_;
};

std::shared_ptr<Target> gaussian_2d() {
  Matrix cov(2, 2);
  cov << 1.0, 0.3, 0.3, 0.5;
  Vector mu(2);
  mu << 1.0, -1.0;
  return std::make_shared<GaussianTarget>(mu, cov);
}

Matrix points(const Target& target, Index n, std::uint64_t seed) {
  return target.sample(n, CounterRng(seed));
}

double max_abs_error(const FlowLikelihoodResult& r, const Vector& expected) {
  return (r.log_likelihood - expected).cwiseAbs().maxCoeff();
}

// With the exact score the PF-ODE maps q_delta onto q_T exactly, so starting the density from
// the model's own log q_T leaves only the RK4 error: small, and ~16x smaller per doubling
// (observed max errors 1.1e-4, 7.5e-6, 4.8e-7 for 20, 40, 80 steps).
TEST(FlowLikelihood, GaussianExactPriorMatchesClosedFormAndConverges) {
  const auto target = gaussian_2d();
  const auto process = std::make_shared<OrnsteinUhlenbeck>();
  const ExactScore score(target, process);
  const Matrix X = points(*target, 40, 1);
  FlowLikelihoodOptions o;
  o.T = 3.0;
  o.delta = 1e-3;
  o.prior = FlowPrior::kModelDensity;
  const Vector expected = target->log_qt(*process, o.delta, X);
  double previous = 0;
  for (int steps : {20, 40, 80}) {
    o.steps = steps;
    const FlowLikelihoodResult r = flow_log_likelihood(score, X, o);
    const double err = max_abs_error(r, expected);
    if (steps == 80) {
      EXPECT_LT(err, 1e-6);
    }
    if (steps > 20) {
      EXPECT_LT(err, previous / 12) << "steps " << steps;
    }
    previous = err;
    EXPECT_EQ(r.divergence, "exact");
    EXPECT_EQ(r.nfe, 4.0 * steps * (1 + 2 * 2));
  }
}

// From N(0, I) at T = 12 the initialisation error is O(e^{-T} |mu| |x_T|): the ODE value is
// log q_delta(x) up to it (observed max error 6.3e-5 at 80 steps, 2.9e-5 at 160: mostly it).
// The summary is the mean, its CI and bits per dimension.
TEST(FlowLikelihood, GaussianStandardNormalPriorLargeHorizon) {
  const auto target = gaussian_2d();
  const auto process = std::make_shared<OrnsteinUhlenbeck>();
  const ExactScore score(target, process);
  const Matrix X = points(*target, 50, 2);
  FlowLikelihoodOptions o;
  o.T = 12.0;
  o.steps = 160;
  const Vector expected = target->log_qt(*process, o.delta, X);
  const FlowLikelihoodResult r = flow_log_likelihood(score, X, o);
  EXPECT_LT(max_abs_error(r, expected), 1e-4);
  EXPECT_NEAR(r.mean, expected.mean(), 1e-4);
  EXPECT_DOUBLE_EQ(r.nll, -r.mean);
  EXPECT_NEAR(r.bits_per_dim, r.nll / (2 * std::numbers::ln2), 1e-12);
  EXPECT_GT(r.standard_error, 0);
  EXPECT_LT(r.nll_ci_lo, r.nll);
  EXPECT_GT(r.nll_ci_hi, r.nll);
  EXPECT_EQ(r.n, 50);
  EXPECT_EQ(r.prior, "standard_normal");
  // The default T under OU is 10.
  o.T = 0;
  EXPECT_EQ(flow_log_likelihood(score, X.leftCols(2), o).T, 10.0);
}

TEST(FlowLikelihood, OneDimensionalGaussianAndMixture) {
  const auto process = std::make_shared<OrnsteinUhlenbeck>();
  FlowLikelihoodOptions o;
  o.T = 4.0;
  o.delta = 1e-2;
  o.steps = 120;
  o.prior = FlowPrior::kModelDensity;
  const auto gauss = std::make_shared<GaussianTarget>(
      GaussianTarget::diagonal(Vector::Constant(1, 0.7), Vector::Constant(1, 0.2)));
  const ExactScore gauss_score(gauss, process);
  const Matrix Xg = points(*gauss, 30, 3);
  EXPECT_LT(
      max_abs_error(flow_log_likelihood(gauss_score, Xg, o), gauss->log_qt(*process, o.delta, Xg)),
      1e-6);
  // Any target: the exact score's flow still maps q_delta to q_T (non-linear ODE here).
  const auto mixture = make_target(nlohmann::json::parse(
      R"({"type":"gmm","weights":[0.3,0.7],"means":[[-1.5],[1.0]],"vars":[0.3,0.5]})"));
  const ExactScore mix_score(mixture, process);
  const Matrix Xm = points(*mixture, 30, 4);
  const Vector expected = mixture->log_qt(*process, o.delta, Xm);
  o.steps = 100;
  const double err100 = max_abs_error(flow_log_likelihood(mix_score, Xm, o), expected);
  o.steps = 200;
  const double err200 = max_abs_error(flow_log_likelihood(mix_score, Xm, o), expected);
  EXPECT_LT(err200, 1e-5);
  EXPECT_LT(err200, err100);
}

// Another process and a model that is not ExactScore: GaussianMeanScore with theta = mu is the
// exact score of N(mu, I), so log p_delta = log N(x; e^{-delta} mu, I) up to O(e^{-T}).
TEST(FlowLikelihood, GaussianMeanScoreAndVpProcess) {
  const auto ou = std::make_shared<OrnsteinUhlenbeck>();
  Vector mu(3);
  mu << 0.5, -0.2, 1.0;
  const GaussianMeanScore model(mu, ou);
  const auto target =
      std::make_shared<GaussianTarget>(GaussianTarget::diagonal(mu, Vector::Ones(3)));
  const Matrix X = points(*target, 20, 5);
  FlowLikelihoodOptions o;
  o.T = 12.0;
  o.steps = 60;
  EXPECT_LT(max_abs_error(flow_log_likelihood(model, X, o), target->log_qt(*ou, o.delta, X)), 1e-4);

  const auto vp = make_process("vp-linear");
  const ExactScore vp_score(gaussian_2d(), vp);
  const Matrix Y = points(*gaussian_2d(), 20, 6);
  FlowLikelihoodOptions v;
  v.prior = FlowPrior::kModelDensity;
  v.steps = 100;
  const FlowLikelihoodResult r = flow_log_likelihood(vp_score, Y, v);
  EXPECT_EQ(r.T, 1.0);  // the process's t_max
  EXPECT_LT(max_abs_error(r, gaussian_2d()->log_qt(*vp, v.delta, Y)), 1e-6);
}

// Hutchinson's estimator is unbiased: per point, the difference from the exact divergence has
// mean 0 (within 4 standard errors), and the exact mean lies in the reported CI.
TEST(FlowLikelihood, HutchinsonMatchesExactDivergence) {
  Matrix cov(3, 3);
  cov << 1.0, 0.4, 0.1, 0.4, 0.6, -0.2, 0.1, -0.2, 2.0;
  const auto target = std::make_shared<GaussianTarget>(Vector::Zero(3), cov);
  const auto process = std::make_shared<OrnsteinUhlenbeck>();
  const ExactScore score(target, process);
  const Matrix X = points(*target, 300, 7);
  FlowLikelihoodOptions o;
  o.T = 6.0;
  o.steps = 30;
  const FlowLikelihoodResult exact = flow_log_likelihood(score, X, o);
  for (ProbeKind probe : {ProbeKind::kRademacher, ProbeKind::kGaussian}) {
    o.divergence = DivergenceMethod::kHutchinson;
    o.probe = probe;
    o.probes = 2;
    o.seed = 11;
    const FlowLikelihoodResult h = flow_log_likelihood(score, X, o);
    EXPECT_EQ(h.divergence, "hutchinson");
    EXPECT_EQ(h.nfe, 4.0 * 30 * (1 + 2 * 2));
    const Vector diff = h.log_likelihood - exact.log_likelihood;
    const double mean = diff.mean();
    const double se = std::sqrt((diff.array() - mean).square().sum() / (299.0 * 300.0));
    EXPECT_GT(se, 0);
    EXPECT_LT(std::abs(mean), 4 * se) << to_string(probe) << " mean " << mean << " se " << se;
    EXPECT_LT(h.nll_ci_lo, exact.nll);
    EXPECT_GT(h.nll_ci_hi, exact.nll);
  }
}

// Results do not depend on the thread count or block size (Hutchinson: random probes too).
TEST(FlowLikelihood, BitIdenticalForAnyThreadCountAndBlockSize) {
  ThreadGuard guard;
  const auto target = gaussian_2d();
  const ExactScore score(target, std::make_shared<OrnsteinUhlenbeck>());
  const Matrix X = points(*target, 37, 8);
  for (DivergenceMethod m : {DivergenceMethod::kExact, DivergenceMethod::kHutchinson}) {
    FlowLikelihoodOptions o;
    o.steps = 10;
    o.divergence = m;
    o.probe = ProbeKind::kGaussian;
    o.seed = 3;
    set_threads(1);
    o.block_size = 256;
    const Vector a = flow_log_likelihood(score, X, o).log_likelihood;
    set_threads(2);
    o.block_size = 5;
    const Vector b = flow_log_likelihood(score, X, o).log_likelihood;
    for (Index j = 0; j < X.cols(); ++j) EXPECT_EQ(a(j), b(j)) << "point " << j;
    // The first point alone (a block of one column) gives the same number.
    EXPECT_EQ(flow_log_likelihood(score, X.leftCols(1), o).log_likelihood(0), a(0));
  }
}

TEST(FlowLikelihood, RejectsBadInput) {
  const auto target = gaussian_2d();
  const auto process = std::make_shared<OrnsteinUhlenbeck>();
  const ExactScore score(target, process);
  const Matrix X = points(*target, 4, 9);
  expect_error([&] { flow_log_likelihood(score, Matrix::Zero(3, 4)); }, "dimension 3");
  Matrix bad = X;
  bad(1, 2) = std::numeric_limits<double>::quiet_NaN();
  expect_error([&] { flow_log_likelihood(score, bad); }, "point 2 has a non-finite entry");
  expect_error([&] { flow_log_likelihood(score, Matrix(2, 0)); }, "no points");
  FlowLikelihoodOptions o;
  o.steps = 0;
  expect_error([&] { flow_log_likelihood(score, X, o); }, "steps must be >= 1");
  o = {};
  o.T = 1.0;
  o.delta = 1.0;
  expect_error([&] { flow_log_likelihood(score, X, o); }, "delta < T");
  o = {};
  o.probes = 0;
  expect_error([&] { flow_log_likelihood(score, X, o); }, "probes must be >= 1");
  o = {};
  o.fd_step = 0;
  expect_error([&] { flow_log_likelihood(score, X, o); }, "fd_step");
  o = {};
  o.grid = "nope";
  EXPECT_THROW(flow_log_likelihood(score, X, o), Error);
  o = {};
  o.T = 2.0;
  const ExactScore vp_score(target, make_process("vp-linear"));
  expect_error([&] { flow_log_likelihood(vp_score, X, o); }, "exceeds t_max");
  o = {};
  o.prior = FlowPrior::kModelDensity;
  const GaussianMeanScore no_density(Vector::Zero(2), process);
  expect_error([&] { flow_log_likelihood(no_density, X, o); }, "needs a score model with");
  expect_error([] { divergence_method_from_string("jacobian"); }, "valid: auto, exact");
  expect_error([] { probe_kind_from_string("sphere"); }, "valid: rademacher, gaussian");
}

}  // namespace
}  // namespace difflab
