#include "difflab/target/target_quantities.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/law1d_closed_form.hpp"
#include "difflab/target/product_target.hpp"

namespace difflab {
namespace {

// |estimate - truth| within 1.7 half-widths of the 95% interval (3.3 standard errors), so the
// check does not hinge on one seed's 5% tail.
void expect_covers(double lo, double hi, double truth) {
  const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
  EXPECT_LE(std::abs(mid - truth), 1.7 * half)
      << "interval [" << lo << ", " << hi << "], truth " << truth;
}

Vector vec(std::initializer_list<double> v) {
  Vector out(static_cast<Index>(v.size()));
  Index i = 0;
  for (double x : v) out(i++) = x;
  return out;
}

GaussianMixtureTarget mixture_1d(double m, double var, double w = 0.5) {
  GaussianMixtureTarget::Component a{vec({-m}), Matrix(), vec({var}), true};
  GaussianMixtureTarget::Component b{vec({m}), Matrix(), vec({var}), true};
  return GaussianMixtureTarget({w, 1 - w}, {a, b});
}

// Density of w N(-m, var) + (1 - w) N(m, var) and its derivative, by hand.
struct Mix1D {
  double m, var, w;
  double phi(double x, double mu) const {
    return std::exp(-(x - mu) * (x - mu) / (2 * var)) / std::sqrt(2 * std::numbers::pi * var);
  }
  double p(double x) const { return w * phi(x, -m) + (1 - w) * phi(x, m); }
  double dp(double x) const {
    return -w * (x + m) / var * phi(x, -m) - (1 - w) * (x - m) / var * phi(x, m);
  }
};

// Trapezoid quadrature on [-L, L]: an implementation independent of the Monte Carlo one.
template <class F>
double integrate(F f, double L = 20, int n = 200000) {
  const double h = 2 * L / n;
  double s = 0.5 * (f(-L) + f(L));
  for (int i = 1; i < n; ++i) s += f(-L + i * h);
  return s * h;
}

// I(N(m, Sigma) | N(0, I)) = sum_i (lambda_i - 2 + 1/lambda_i) + ||m||^2: for m = (1, -2),
// Sigma = diag(2, 0.5): 0.5 + 0.5 + 5 = 6. The Monte Carlo estimator's interval holds it.
TEST(TargetQuantities, GaussianFisherInformationClosedFormAndMonteCarlo) {
  EXPECT_DOUBLE_EQ(gaussian_relative_fisher_information(vec({1, -2}), vec({2, 0.5})), 6.0);
  const GaussianTarget g = GaussianTarget::diagonal(vec({1, -2}), vec({2, 0.5}));
  ASSERT_TRUE(g.summary().fisher_information.has_value());
  EXPECT_DOUBLE_EQ(*g.summary().fisher_information, 6.0);
  const MonteCarloEstimate mc = relative_fisher_information_mc(g);
  expect_covers(mc.ci_lo, mc.ci_hi, 6.0);
  EXPECT_LT(mc.ci_hi - mc.ci_lo, 0.5);
  // N(0, I) itself: zero, exactly (grad log q + x = 0 for every sample).
  const GaussianTarget s = GaussianTarget::diagonal(vec({0, 0, 0}), vec({1, 1, 1}));
  EXPECT_NEAR(relative_fisher_information_mc(s).value, 0, 1e-20);
}

// A 1-D two-component mixture: KL(q || N(0,1)) and I(q | N(0,1)) by quadrature of the
// closed-form density, against the Monte Carlo intervals of the summary.
TEST(TargetQuantities, MixtureKlAndFisherMatchQuadrature) {
  const Mix1D f{1.5, 0.4, 0.3};
  const GaussianMixtureTarget q = mixture_1d(1.5, 0.4, 0.3);
  const double kl = integrate([&](double x) {
    const double p = f.p(x);
    return p > 0 ? p * (std::log(p) + 0.5 * x * x + 0.5 * std::log(2 * std::numbers::pi)) : 0.0;
  });
  const double fisher = integrate([&](double x) {
    const double p = f.p(x);
    if (p <= 1e-300) return 0.0;
    const double u = f.dp(x) / p + x;
    return p * u * u;
  });
  const TargetSummary s = q.summary();
  ASSERT_TRUE(s.kl_to_standard_normal && s.kl_to_standard_normal_ci);
  expect_covers((*s.kl_to_standard_normal_ci)[0], (*s.kl_to_standard_normal_ci)[1], kl);
  ASSERT_TRUE(s.fisher_information && s.fisher_information_ci);
  expect_covers((*s.fisher_information_ci)[0], (*s.fisher_information_ci)[1], fisher);
  EXPECT_FALSE(s.notes.empty());
  const nlohmann::json j = s.to_json();
  EXPECT_EQ(j.at("score_lipschitz_kind"), "upper_bound");
  EXPECT_TRUE(j.at("fisher_information").is_number());
}

// Equal means: the mixture is one Gaussian N(mu, s I) and the bound is its exact
// sup_t Lip = max(1, 1/s).
TEST(TargetQuantities, LipschitzBoundIsExactForCoincidentMeans) {
  GaussianMixtureTarget::Component a{vec({0.3, 0.3}), Matrix(), vec({0.25, 0.5}), true};
  const GaussianMixtureTarget q({0.4, 0.6}, {a, a});
  const LipschitzBound b = mixture_score_lipschitz_bound(q);
  ASSERT_TRUE(b.value.has_value());
  EXPECT_DOUBLE_EQ(*b.value, 4.0);
}

// 1-D mixture of N(+-m, c): under OU, q_t has components N(+-sqrt(a) m, c_t), c_t = a c + 1 - a,
// and (log q_t)'' = -1/c_t + (2 sqrt(a) m / c_t)^2 r (1 - r) with r the responsibility: its
// largest |value| over x and t (on a grid) stays below the bound, and the bound is within a
// factor 2 of it when the modes are well separated.
TEST(TargetQuantities, LipschitzBoundCoversTheExactHessian) {
  for (double c : {0.05, 0.5, 3.0}) {
    for (double m : {0.0, 1.0, 4.0}) {
      const GaussianMixtureTarget q = mixture_1d(m, c);
      const LipschitzBound b = mixture_score_lipschitz_bound(q);
      ASSERT_TRUE(b.value.has_value());
      double worst = 0;
      for (int it = 0; it <= 400; ++it) {
        const double a = std::exp(-2 * 0.02 * it);  // t in [0, 8]
        const double ct = a * c + 1 - a, mu = std::sqrt(a) * m;
        for (int ix = -400; ix <= 400; ++ix) {
          const double x = 0.025 * ix;
          const double r = 1 / (1 + std::exp(-2 * mu * x / ct));
          const double h = -1 / ct + std::pow(2 * mu / ct, 2) * r * (1 - r);
          worst = std::max(worst, std::abs(h));
        }
      }
      EXPECT_GE(*b.value, worst * (1 - 1e-12)) << "c = " << c << ", m = " << m;
      if (m * m > 4 * c) {
        EXPECT_LE(*b.value, 2 * worst) << "c = " << c << ", m = " << m;
      }
    }
  }
}

TEST(TargetQuantities, NoLipschitzBoundForDifferentCovariances) {
  GaussianMixtureTarget::Component a{vec({-1}), Matrix(), vec({1}), true};
  GaussianMixtureTarget::Component b{vec({1}), Matrix(), vec({2}), true};
  const GaussianMixtureTarget q({0.5, 0.5}, {a, b});
  const LipschitzBound l = mixture_score_lipschitz_bound(q);
  EXPECT_FALSE(l.value.has_value());
  EXPECT_NE(l.reason.find("different covariances"), std::string::npos);
  EXPECT_FALSE(q.summary().score_lipschitz.has_value());
}

// A product of Gaussian factors N(1, 2) x N(0, 0.5): I = (2 - 2 + 1/2 + 1) + (1/2 - 2 + 2) = 2.
TEST(TargetQuantities, ProductFisherInformationByMonteCarlo) {
  std::vector<std::shared_ptr<const Law1D>> factors = {
      std::make_shared<GaussianMixture1D>(GaussianMixture1D::gaussian(1.0, std::sqrt(2.0))),
      std::make_shared<GaussianMixture1D>(GaussianMixture1D::gaussian(0.0, std::sqrt(0.5)))};
  const ProductTarget p(factors);
  const TargetSummary s = p.summary();
  ASSERT_TRUE(s.fisher_information && s.fisher_information_ci);
  expect_covers((*s.fisher_information_ci)[0], (*s.fisher_information_ci)[1], 2.0);
}

}  // namespace
}  // namespace difflab
