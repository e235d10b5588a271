#include "difflab/bounds/bound_inputs.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(BoundInputs, ValidateRejectsBadParameters) {
  BoundInputs ok;
  ok.d = 2;
  ok.T = 3;
  ok.steps = 10;
  ok.L = 1;
  ok.m2 = 1;
  ok.kl_to_normal = 0.5;
  EXPECT_NO_THROW(ok.validate());

  auto with = [&](const std::function<void(BoundInputs&)>& change) {
    BoundInputs in = ok;
    change(in);
    return [in] { in.validate(); };
  };
  expect_error(with([](BoundInputs& in) { in.L = -1; }), "L (the score's Lipschitz constant)");
  expect_error(with([](BoundInputs& in) { in.L = kNaN; }), "L (the score's Lipschitz constant)");
  expect_error(with([](BoundInputs& in) { in.m2 = -0.5; }), "m2 (the root second moment) must");
  expect_error(with([](BoundInputs& in) { in.kl_to_normal = kNaN; }), "kl (KL(q || N(0, I)))");
  expect_error(with([](BoundInputs& in) { in.eps_score = -1e-3; }), "eps_score must be >= 0");
  expect_error(with([](BoundInputs& in) { in.eps_score = kNaN; }), "eps_score must be finite");
  expect_error(with([](BoundInputs& in) { in.T = -1; }), "T must be finite and > 0");
  expect_error(with([](BoundInputs& in) { in.delta = -0.1; }), "delta must be >= 0");
  expect_error(with([](BoundInputs& in) { in.delta = 3; }), "delta must be < T");
  expect_error(with([](BoundInputs& in) { in.delta = 4; }), "delta must be < T");
  expect_error(with([](BoundInputs& in) { in.steps = 0; }), "steps must be >= 1");
  expect_error(with([](BoundInputs& in) { in.d = 0; }), "d must be >= 1");
  expect_error(with([](BoundInputs& in) { in.accuracy = 0; }), "accuracy must be finite and > 0");
  expect_error(with([](BoundInputs& in) { in.constants["C"] = -2; }), "constant C must be");
  expect_error(with([](BoundInputs& in) { in.grid_kind = "karras"; }), "grid kind must be");
  expect_error(with([](BoundInputs& in) { in.mu = Vector::Zero(3); }), "mu has 3 entries but d");
  expect_error(with([](BoundInputs& in) { in.grid = uniform_grid(2, 0, 10); }),
               "the grid starts at T = 2");
  expect_error(with([](BoundInputs& in) { in.grid = uniform_grid(3, 0, 12); }),
               "the grid has 12 steps");
}

TEST(BoundInputs, GridResolution) {
  BoundInputs in;
  in.T = 4;
  in.delta = 0.01;
  in.steps = 8;
  EXPECT_EQ(in.resolve_grid("x", "uniform").name(), "uniform");
  EXPECT_EQ(in.resolve_grid("x", "benton").name(), "benton");
  in.grid_kind = "uniform";
  EXPECT_EQ(in.resolve_grid("x", "benton").name(), "uniform");
  EXPECT_NEAR(in.uniform_step("x"), (4 - 0.01) / 8, 1e-15);
  in.grid_kind = "benton";
  expect_error([&] { in.uniform_step("x"); }, "x needs a uniform grid");
  in.steps = 7;  // the benton grid needs an even N: the error names the bound
  expect_error([&] { in.resolve_grid("benton24", "benton"); }, "benton24: benton grid");
}

TEST(BoundInputs, ConstantsPlainAndPrefixed) {
  BoundInputs in;
  in.constants = {{"C", 2}, {"ccl23.C", 3}, {"C9", 1}};
  EXPECT_EQ(in.constant("ccl23", "C"), 3);
  EXPECT_EQ(in.constant("benton24", "C"), 2);
  EXPECT_EQ(in.constant("benton24", "c_step"), 1);  // default
  EXPECT_EQ(in.unused_constants("benton24", {"C"}), std::vector<std::string>{"C9"});
  in.constants["benton24.Q"] = 1;
  expect_error([&] { in.unused_constants("benton24", {"C"}); },
               "benton24: unknown constant 'Q' (benton24 uses: C)");
}

TEST(BoundInputs, FromGaussianTarget) {
  // N(mu, diag(2, 0.5)): m2^2 = ||mu||^2 + 2.5, KL = (2.5 + ||mu||^2 - 2 - log 1)/2,
  // L = max(1, 1/0.5) = 2, strong log-concavity 1/2 (docs/theory.md 5.1).
  Vector mu(2), var(2);
  mu << 1, -2;
  var << 2, 0.5;
  const GaussianTarget t = GaussianTarget::diagonal(mu, var);
  const BoundInputs in = from_target(t);
  EXPECT_EQ(*in.d, 2);
  EXPECT_NEAR(*in.m2, std::sqrt(5 + 2.5), 1e-14);
  EXPECT_NEAR(*in.kl_to_normal, 0.5 * (2.5 + 5 - 2 - std::log(2 * 0.5)), 1e-14);
  EXPECT_NEAR(*in.L, 2, 1e-14);
  EXPECT_NEAR(*in.strong_log_concavity, 0.5, 1e-14);
  EXPECT_FALSE(*in.identity_covariance);
  EXPECT_FALSE(in.mu.has_value());

  // Identity covariance: Benton's Assumption 2 holds, and mu is Bruno's example mean.
  const BoundInputs id = from_target(GaussianTarget::diagonal(mu, Vector::Ones(2)));
  EXPECT_TRUE(*id.identity_covariance);
  ASSERT_TRUE(id.mu.has_value());
  EXPECT_EQ(*id.mu, mu);

  // Explicit values win; a dimension that disagrees is an error.
  BoundInputs mine;
  mine.L = 7;
  EXPECT_EQ(*from_target(t, mine).L, 7);
  mine.d = 3;
  expect_error([&] { from_target(t, mine); }, "disagrees with the target's dimension 2");
}

TEST(BoundInputs, FromMixtureUsesTheTotalCovariance) {
  // 1/2 N(a, 1 - a^2) + 1/2 N(-a, 1 - a^2) in 1-D has variance 1 - a^2 + a^2 = 1.
  const double a = 0.6;
  GaussianMixtureTarget::Component plus, minus;
  plus.mean = Vector::Constant(1, a);
  plus.variances = Vector::Constant(1, 1 - a * a);
  minus.mean = Vector::Constant(1, -a);
  minus.variances = Vector::Constant(1, 1 - a * a);
  const GaussianMixtureTarget gmm({0.5, 0.5}, {plus, minus});
  EXPECT_TRUE(*from_target(gmm).identity_covariance);
  minus.variances = Vector::Constant(1, 0.5);
  const GaussianMixtureTarget skew({0.5, 0.5}, {plus, minus});
  EXPECT_FALSE(*from_target(skew).identity_covariance);
}

}  // namespace
}  // namespace difflab
