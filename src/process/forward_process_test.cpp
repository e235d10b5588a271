#include "difflab/process/forward_process.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"

namespace difflab {
namespace {

double relative_error(double a, double b) { return std::abs(a - b) / std::abs(b); }

// The four processes with their default parameters, and a non-default VP-linear one.
std::vector<std::shared_ptr<ForwardProcess>> all_processes() {
  return {std::make_shared<OrnsteinUhlenbeck>(), std::make_shared<LinearVP>(),
          std::make_shared<LinearVP>(0.5, 3.0), std::make_shared<CosineVP>(),
          std::make_shared<LinearPath>()};
}

// Times spread over (0, t_max) on a log scale (t_max capped at 8 for OU).
std::vector<double> test_times(const ForwardProcess& p, double t_min = 1e-6) {
  const double t_hi = std::isfinite(p.t_max()) ? 0.999 * p.t_max() : 8.0;
  std::vector<double> ts;
  for (int i = 0; i <= 40; ++i) ts.push_back(t_min * std::pow(t_hi / t_min, i / 40.0));
  return ts;
}

TEST(ForwardProcess, OuClosedForms) {
  const OrnsteinUhlenbeck ou;
  for (double t : {1e-3, 0.1, 0.5, 1.0, 2.0, 6.0}) {
    EXPECT_LT(relative_error(ou.alpha(t), std::exp(-t)), 1e-15) << t;
    EXPECT_LT(relative_error(ou.sigma2(t), 1 - std::exp(-2 * t)), 1e-13) << t;
    EXPECT_LT(relative_error(ou.sigma(t), std::sqrt(1 - std::exp(-2 * t))), 1e-13) << t;
    EXPECT_EQ(ou.beta(t), 2.0);
    EXPECT_EQ(ou.drift_coefficient(t), -1.0);
    EXPECT_EQ(ou.diffusion_squared(t), 2.0);
    // lambda = log(alpha/sigma) = -(1/2) log(e^{2t} - 1).
    EXPECT_NEAR(ou.log_snr(t), -0.5 * std::log(std::exp(2 * t) - 1), 1e-13) << t;
  }
  EXPECT_TRUE(std::isinf(ou.t_max()));
}

TEST(ForwardProcess, VpClosedForms) {
  const double bmin = 0.1, bmax = 20.0;
  const LinearVP linear(bmin, bmax);
  const double s = 0.008;
  const CosineVP cosine(s);
  for (double t : {1e-3, 0.1, 0.5, 0.9}) {
    // Linear: alpha = exp(-(1/2)(bmin t + (bmax - bmin) t^2 / 2)).
    const double a_lin = std::exp(-0.5 * (bmin * t + 0.5 * (bmax - bmin) * t * t));
    EXPECT_LT(relative_error(linear.alpha(t), a_lin), 1e-14) << t;
    EXPECT_LT(relative_error(linear.sigma2(t), 1 - a_lin * a_lin), 1e-11) << t;
    EXPECT_LT(relative_error(linear.beta(t), bmin + t * (bmax - bmin)), 1e-15) << t;
    // Cosine (Nichol & Dhariwal): alpha = cos((t+s)/(1+s) pi/2) / cos(s/(1+s) pi/2).
    const double h = std::numbers::pi / 2 / (1 + s);
    const double a_cos = std::cos((t + s) * h) / std::cos(s * h);
    EXPECT_LT(relative_error(cosine.alpha(t), a_cos), 1e-13) << t;
    EXPECT_LT(relative_error(cosine.sigma2(t), 1 - a_cos * a_cos), 1e-10) << t;
  }
}

TEST(ForwardProcess, LinearPathClosedForms) {
  const LinearPath path;
  EXPECT_FALSE(path.variance_preserving());
  EXPECT_EQ(path.t_max(), 0.999);
  for (double t : {1e-6, 1e-3, 0.1, 0.5, 0.9, 0.999}) {
    EXPECT_LT(relative_error(path.alpha(t), 1 - t), 1e-15) << t;
    EXPECT_LT(relative_error(path.sigma2(t), t * t), 1e-15) << t;
    EXPECT_NEAR(path.log_snr(t), std::log((1 - t) / t), 1e-13 * (1 + std::abs(path.log_snr(t))))
        << t;
    EXPECT_LT(relative_error(path.t_of_log_snr(std::log((1 - t) / t)), t), 1e-13) << t;
  }
  expect_error([] { LinearPath(1.0); }, "t_max must lie in (0, 1)");
  EXPECT_EQ(make_process(nlohmann::json{{"type", "linear"}, {"t_max", 0.99}})->t_max(), 0.99);
}

// g^2 = d sigma^2/dt - 2 f sigma^2 with f = d log alpha / dt (forward_process.hpp), by central
// differences, for every process: beta for the variance-preserving ones, 2t/(1 - t) on the
// linear path.
TEST(ForwardProcess, DiffusionSquaredMatchesTheMarginalVariance) {
  for (const auto& p : all_processes()) {
    for (double t : test_times(*p, 1e-2)) {
      const double e = 1e-6 * std::min(t, 1.0);
      const double dsigma2 = (p->sigma2(t + e) - p->sigma2(t - e)) / (2 * e);
      const double f = (p->log_alpha(t + e) - p->log_alpha(t - e)) / (2 * e);
      const double g2 = dsigma2 - 2 * f * p->sigma2(t);
      EXPECT_LT(relative_error(p->diffusion_squared(t), g2), 1e-6) << p->name() << " t = " << t;
    }
  }
}

TEST(ForwardProcess, Sigma2IsAccurateAtTinyTimes) {
  // sigma^2 = 1 - exp(-B), B = int_0^t beta = beta(0) t + beta'(0) t^2 / 2 + O(t^3), so
  // sigma^2 = B - B^2/2 + O(t^3): at t <= 1e-8 the neglected terms are below 1e-16 relative.
  struct Case {
    std::shared_ptr<ForwardProcess> p;
    double beta0, beta1;  // beta(0), beta'(0)
  };
  const double s = 0.008, h = std::numbers::pi / 2 / (1 + s);
  const std::vector<Case> cases = {
      {std::make_shared<OrnsteinUhlenbeck>(), 2.0, 0.0},
      {std::make_shared<LinearVP>(0.1, 20.0), 0.1, 19.9},
      // beta = 2h tan((t+s)h): beta' = 2h^2 / cos^2((t+s)h).
      {std::make_shared<CosineVP>(s), 2 * h * std::tan(s * h),
       2 * h * h / (std::cos(s * h) * std::cos(s * h))},
  };
  for (const Case& c : cases) {
    for (double t : {1e-12, 1e-10, 1e-8}) {
      const double B = c.beta0 * t + 0.5 * c.beta1 * t * t;
      EXPECT_LT(relative_error(c.p->sigma2(t), B - 0.5 * B * B), 1e-12) << c.p->name() << " " << t;
    }
  }
  // OU to third order at a larger time: 1 - e^{-2t} = 2t - 2t^2 + (4/3) t^3 - (2/3) t^4 + ...
  const OrnsteinUhlenbeck ou;
  const double t = 1e-5;
  EXPECT_LT(relative_error(ou.sigma2(t), 2 * t - 2 * t * t + 4.0 / 3 * t * t * t), 1e-14);
}

TEST(ForwardProcess, LogSnrInverseRoundTrips) {
  for (const auto& p : all_processes()) {
    for (double t : test_times(*p, 1e-8)) {
      const double back = p->t_of_log_snr(p->log_snr(t));
      EXPECT_LT(relative_error(back, t), 1e-12) << p->name() << " t = " << t;
    }
    // The other direction: lambda -> t -> lambda over the process's range.
    const double lambda_lo = p->log_snr(test_times(*p).back());
    for (double lambda = lambda_lo; lambda < 9.0; lambda += 0.37)
      EXPECT_NEAR(p->log_snr(p->t_of_log_snr(lambda)), lambda,
                  1e-11 * std::max(1.0, std::abs(lambda)))
          << p->name() << " lambda = " << lambda;
  }
  // OU's closed form t = (1/2) log1p(e^{-2 lambda}).
  const OrnsteinUhlenbeck ou;
  for (double lambda : {-3.0, -0.5, 0.0, 1.0, 7.0})
    EXPECT_LT(relative_error(ou.t_of_log_snr(lambda), 0.5 * std::log1p(std::exp(-2 * lambda))),
              1e-15);
}

TEST(ForwardProcess, LogSnrBelowRangeIsAnError) {
  const LinearVP linear;
  EXPECT_THROW(linear.ForwardProcess::t_of_log_snr(linear.log_snr(1.0) - 1.0), Error);
}

// Composite Simpson rule with n (even) intervals, written here for the test.
double simpson(const std::function<double(double)>& f, double a, double b, int n) {
  const double h = (b - a) / n;
  double sum = f(a) + f(b);
  for (int i = 1; i < n; ++i) sum += (i % 2 ? 4 : 2) * f(a + i * h);
  return sum * h / 3;
}

TEST(ForwardProcess, IntegralBetaMatchesQuadrature) {
  for (const auto& p : all_processes()) {
    const double t_hi = std::isfinite(p->t_max()) ? 0.99 * p->t_max() : 5.0;
    for (const auto& [s, t] : std::vector<std::pair<double, double>>{
             {0.0, 0.1 * t_hi}, {0.0, t_hi}, {0.3 * t_hi, 0.7 * t_hi}, {0.9 * t_hi, t_hi}}) {
      const double quad = simpson([&](double u) { return p->beta(u); }, s, t, 20000);
      EXPECT_LT(relative_error(p->integral_beta(s, t), quad), 1e-10)
          << p->name() << " [" << s << ", " << t << "]";
    }
  }
}

TEST(ForwardProcess, BetaIsMinusTwiceDerivativeOfLogAlpha) {
  for (const auto& p : all_processes()) {
    for (double t : test_times(*p, 1e-2)) {
      // Central differences: truncation O(e^2 beta''/beta), rounding O(1e-16 / e).
      const double e = 1e-6 * std::min(t, 1.0);
      const double fd = -2 * (p->log_alpha(t + e) - p->log_alpha(t - e)) / (2 * e);
      EXPECT_LT(relative_error(fd, p->beta(t)), 1e-7) << p->name() << " t = " << t;
    }
  }
}

TEST(ForwardProcess, SampleMarginalHasTheMarginalLaw) {
  const Index d = 3, n = 20000;
  Vector x0(d);
  x0 << 1.5, -2.0, 0.25;
  const Matrix X0 = x0.replicate(1, n);
  const CounterRng rng(12345);
  for (const auto& p : all_processes()) {
    const double t = std::isfinite(p->t_max()) ? 0.3 * p->t_max() : 0.7;
    const Matrix Xt = p->sample_marginal(X0, t, rng);
    const double a = p->alpha(t), v = p->sigma2(t);
    for (Index k = 0; k < d; ++k) {
      const double mean = Xt.row(k).mean();
      const double var = (Xt.row(k).array() - mean).square().sum() / (n - 1);
      // Standard errors: sqrt(v/n) for the mean, v sqrt(2/(n-1)) for a Gaussian variance.
      EXPECT_NEAR(mean, a * x0(k), 5 * std::sqrt(v / n)) << p->name() << " coord " << k;
      EXPECT_NEAR(var, v, 5 * v * std::sqrt(2.0 / (n - 1))) << p->name() << " coord " << k;
    }
    // Noise is keyed by particle index: a later block reproduces the same columns.
    const Matrix tail = p->sample_marginal(X0.rightCols(100), t, rng, n - 100);
    EXPECT_EQ(tail, Xt.rightCols(100)) << p->name();
  }
}

TEST(MakeProcess, BuildsEachTypeAndRoundTripsJson) {
  EXPECT_EQ(make_process(std::string("ou"))->name(), "ou");
  EXPECT_EQ(make_process(std::string("vp-linear"))->name(), "vp-linear");
  EXPECT_EQ(make_process(std::string("vp-cosine"))->name(), "vp-cosine");
  for (const auto& kind : process_kinds()) EXPECT_EQ(make_process(kind)->name(), kind);
  const auto linear =
      make_process(nlohmann::json{{"type", "vp-linear"}, {"beta_min", 0.5}, {"beta_max", 3.0}});
  EXPECT_EQ(linear->beta(0.0), 0.5);
  EXPECT_EQ(linear->beta(1.0), 3.0);
  for (const auto& p : all_processes()) {
    const auto q = make_process(p->to_json());
    EXPECT_EQ(q->to_json(), p->to_json());
    EXPECT_EQ(q->log_alpha(0.4), p->log_alpha(0.4)) << p->name();
  }
}

TEST(MakeProcess, Errors) {
  using nlohmann::json;
  expect_error([] { make_process(std::string("brownian")); },
               "unknown type 'brownian' (valid: ou, vp-linear, vp-cosine, linear)");
  expect_error([] { make_process(json::array()); }, "expected an object with a string \"type\"");
  expect_error([] { make_process(json{{"beta_min", 1}}); }, "string \"type\"");
  expect_error([] { make_process(json{{"type", 3}}); }, "string \"type\"");
  expect_error([] { make_process(json{{"type", "vp-linear"}, {"beta_min", "x"}}); }, "beta_min");
  expect_error(
      [] {
        make_process(json{{"type", "vp-linear"}, {"beta_min", 0.0}});
      },
      "need 0 < beta_min <= beta_max");
  expect_error(
      [] {
        make_process(json{{"type", "vp-linear"}, {"beta_min", 2}, {"beta_max", 1}});
      },
      "need 0 < beta_min <= beta_max");
  expect_error(
      [] {
        make_process(json{{"type", "vp-cosine"}, {"s", -0.1}});
      },
      "s must be positive");
  expect_error(
      [] {
        make_process(json{{"type", "vp-cosine"}, {"t_max", 1.0}});
      },
      "t_max must lie in (0, 1)");
  // A misspelt parameter is an error, not silently the default.
  expect_error(
      [] {
        make_process(json{{"type", "vp-linear"}, {"beta_mn", 0.2}});
      },
      "unknown key \"beta_mn\"");
  expect_error([] { make_process(json{{"type", "ou"}, {"beta", 1}}); }, "unknown key \"beta\"");
}

}  // namespace
}  // namespace difflab
