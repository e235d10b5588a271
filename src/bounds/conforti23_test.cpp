#include "difflab/bounds/conforti23.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/target_quantities.hpp"

namespace difflab {
namespace {

BoundInputs conforti_inputs(Index d, double T, int N, double eps, double fisher) {
  BoundInputs in;
  in.d = d;
  in.T = T;
  in.steps = N;
  in.eps_score = eps;
  in.fisher_information = fisher;
  return in;
}

Vector conforti_vec(std::initializer_list<double> v) {
  Vector out(static_cast<Index>(v.size()));
  Index i = 0;
  for (double x : v) out(i++) = x;
  return out;
}

// The formula by hand: h = T/N = 0.1, value = e^{-2T} KL + C (eps^2 + h (d + I)).
TEST(Conforti23, FormulaByHand) {
  BoundInputs in = conforti_inputs(2, 2, 20, 0.1, 3);
  in.kl_to_normal = 0.5;
  const BoundResult r = bound_conforti23(in);
  EXPECT_NEAR(r.terms.at("initialisation"), 0.5 * std::exp(-4.0), 1e-15);
  EXPECT_NEAR(r.terms.at("score_error"), 0.01, 1e-15);
  EXPECT_NEAR(r.terms.at("discretisation"), 0.1 * (2 + 3), 1e-14);
  EXPECT_NEAR(r.value, 0.5 * std::exp(-4.0) + 0.01 + 0.5, 1e-14);
  EXPECT_EQ(r.metric, "KL");
  EXPECT_EQ(r.direction, "KL(q || p_{t_N})");
  EXPECT_TRUE(r.assumptions_hold());
  // The statement was not read and the constant is hidden: never certified, not vacuous.
  EXPECT_FALSE(r.statement_verified);
  EXPECT_FALSE(r.constant_is_explicit);
  EXPECT_FALSE(r.certified());
  EXPECT_FALSE(r.vacuous());

  in.constants["conforti23.C"] = 3;
  const BoundResult c = bound_conforti23(in);
  EXPECT_NEAR(c.value, 0.5 * std::exp(-4.0) + 3 * (0.01 + 0.5), 1e-13);
}

// Without KL(q || N(0, I)) the Gaussian log-Sobolev inequality KL <= I/2 bounds it; a Monte
// Carlo Fisher information enters through the upper end of its interval.
TEST(Conforti23, InitialisationFromFisherAndIntervalUpperEnd) {
  BoundInputs in = conforti_inputs(1, 1, 10, 0, 0.8);
  const BoundResult r = bound_conforti23(in);
  EXPECT_NEAR(r.terms.at("initialisation"), 0.4 * std::exp(-2.0), 1e-15);
  EXPECT_NEAR(r.terms.at("discretisation"), 0.1 * 1.8, 1e-14);
  in.fisher_information_hi = 1.0;
  const BoundResult hi = bound_conforti23(in);
  EXPECT_NEAR(hi.terms.at("discretisation"), 0.1 * 2.0, 1e-14);
  EXPECT_EQ(hi.details.at("fisher_information"), 0.8);
  EXPECT_EQ(hi.details.at("fisher_information_ci_hi"), 1.0);
}

TEST(Conforti23, RefusesWhatTheTheoremDoesNotCover) {
  BoundInputs in = conforti_inputs(2, 2, 20, 0, 1);
  in.delta = 0.1;
  expect_error([&] { bound_conforti23(in); }, "delta must be 0");
  BoundInputs none = conforti_inputs(2, 2, 20, 0, 1);
  none.fisher_information.reset();
  expect_error([&] { bound_conforti23(none); }, "needs fisher");
  BoundInputs bent = conforti_inputs(2, 2, 20, 0, 1);
  bent.grid = quadratic_grid(2, 0, 20);  // the theorem's step is fixed
  expect_error([&] { bound_conforti23(bent); }, "conforti23");
}

// The Gaussian closed form I(N(m, S) | N(0, I)) = tr S - 2d + tr S^{-1} + |m|^2 against the Monte
// Carlo estimate over exact samples (its 95% interval covers it), and from_target passes it on.
TEST(Conforti23, GaussianFisherInformationClosedFormAgainstMonteCarlo) {
  Matrix S(2, 2);
  S << 1.5, 0.4, 0.4, 0.7;
  const GaussianTarget g(conforti_vec({0.6, -0.9}), S);
  const double closed = S.trace() - 4 + S.inverse().trace() + 0.6 * 0.6 + 0.9 * 0.9;
  const BoundInputs in = from_target(g);
  ASSERT_TRUE(in.fisher_information.has_value());
  EXPECT_NEAR(*in.fisher_information, closed, 1e-12);
  EXPECT_FALSE(in.fisher_information_hi.has_value());
  const MonteCarloEstimate mc = relative_fisher_information_mc(g, 40000, 7);
  EXPECT_LE(mc.ci_lo, closed);
  EXPECT_GE(mc.ci_hi, closed);
}

// A mixture has no closed form: the summary's Monte Carlo estimate and interval reach the bound.
TEST(Conforti23, MixtureUsesMonteCarloFisherInformation) {
  GaussianMixtureTarget::Component a{conforti_vec({-1.5}), Matrix(), conforti_vec({0.3}), true};
  GaussianMixtureTarget::Component b{conforti_vec({1.0}), Matrix(), conforti_vec({0.5}), true};
  const GaussianMixtureTarget gmm({0.4, 0.6}, {a, b});
  BoundInputs in = from_target(gmm);
  ASSERT_TRUE(in.fisher_information && in.fisher_information_hi);
  EXPECT_GT(*in.fisher_information_hi, *in.fisher_information);
  in.T = 4;
  in.steps = 40;
  const BoundResult r = bound_conforti23(in);
  EXPECT_NEAR(r.terms.at("discretisation"), 0.1 * (1 + *in.fisher_information_hi), 1e-12);
}

// Bound >= the exact KL(q || p) of the EI output law (affine_gaussian_law) on Gaussian targets,
// with the exact score and the start N(0, I); the ratio measured / bound is recorded.
TEST(Conforti23, BoundIsAboveTheExactKlOnGaussianTargets) {
  const auto process = make_process("ou");
  const auto sampler = make_sampler("ei");
  struct Case {
    Vector mean, var;
    double T;
    int N;
  };
  const Case cases[] = {{conforti_vec({0.8, -0.5}), conforti_vec({1.6, 0.5}), 1, 10},
                        {conforti_vec({0.8, -0.5}), conforti_vec({1.6, 0.5}), 3, 30},
                        {conforti_vec({1, 1, 1}), conforti_vec({0.5, 0.5, 0.5}), 5, 200},
                        {conforti_vec({0.3}), conforti_vec({2.0}), 8, 800},
                        {conforti_vec({0.0, 0.0}), conforti_vec({0.05, 4.0}), 4, 100}};
  for (const Case& c : cases) {
    const auto target = std::make_shared<GaussianTarget>(GaussianTarget::diagonal(c.mean, c.var));
    const ExactScore score(target, process);
    const Index d = target->dim();
    const TimeGrid grid = uniform_grid(c.T, 0, c.N);
    const GaussianLaw p = affine_gaussian_law(*sampler, score, grid, SamplerOptions{},
                                              GaussianLaw{Vector::Zero(d), Matrix::Identity(d, d)});
    const double kl = gaussian_kl(target->mean(), target->covariance(), p.mean, p.cov);
    BoundInputs in = from_target(*target);
    in.grid = grid;
    const BoundResult r = bound_conforti23(in);
    EXPECT_LE(kl, r.value) << "T = " << c.T << ", N = " << c.N;
    RecordProperty("ratio_T" + std::to_string(static_cast<int>(c.T)) + "_N" + std::to_string(c.N),
                   std::to_string(kl / r.value));
  }
}

}  // namespace
}  // namespace difflab
