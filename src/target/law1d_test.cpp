// One-dimensional laws against independent truth: the noised density q(y) = int p(x) N(y; alpha x,
// sigma^2) dx and its derivative by brute-force composite Simpson quadrature written here (fine
// pieces resolving the kernel width, the density's scale and its kinks), closed forms, and exact
// moments of the laws.
#include "difflab/target/law1d.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/target/law1d_closed_form.hpp"
#include "difflab/target/law1d_quadrature.hpp"

namespace difflab {
namespace {

constexpr double kPi = std::numbers::pi;

struct Brute {
  double q;      // density of Law(alpha X + sigma Z) at y
  double dq;     // its derivative in y
  double xmean;  // E[X | alpha X + sigma Z = y]
};

// Composite Simpson with n and 2n intervals on every piece between consecutive breakpoints (p is
// smooth inside each piece), combined by Richardson extrapolation (S_2n + (S_2n - S_n) / 15).
Brute brute_force(const std::function<double(double)>& p, double alpha, double sigma2, double y,
                  std::vector<double> breaks, int per_piece = 100) {
  std::sort(breaks.begin(), breaks.end());
  const double sigma = std::sqrt(sigma2);
  auto simpson = [&](int n) {
    double q = 0, dq = 0, xq = 0;
    for (std::size_t k = 0; k + 1 < breaks.size(); ++k) {
      const double a = breaks[k], b = breaks[k + 1];
      if (!(b > a)) continue;
      const double h = (b - a) / n;
      for (int i = 0; i <= n; ++i) {
        const double x = (i == n) ? b : a + i * h;
        const double wt = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        const double r = (y - alpha * x) / sigma;
        // One-sided values at the ends, so that a jump of p at a breakpoint is handled exactly.
        const double xin = i == 0 ? std::nextafter(a, b) : i == n ? std::nextafter(b, a) : x;
        const double f =
            wt * h / 3.0 * p(xin) * std::exp(-0.5 * r * r) / (std::sqrt(2 * kPi) * sigma);
        q += f;
        dq += f * (alpha * x - y) / sigma2;
        xq += f * x;
      }
    }
    return std::array<double, 3>{q, dq, xq};
  };
  const auto s1 = simpson(per_piece), s2 = simpson(2 * per_piece);
  std::array<double, 3> r;
  for (int i = 0; i < 3; ++i) r[i] = s2[i] + (s2[i] - s1[i]) / 15;
  return {r[0], r[1], r[2] / r[0]};
}

// Breakpoints resolving the kernel (width k = sigma/alpha around u = y/alpha) and the density
// (scale s around loc, kinks), clipped to the range that carries the integral.
std::vector<double> pieces(double u, double k, double loc, double s, std::vector<double> kinks,
                           double reach = 60) {
  const double lo = std::max(u - 12 * k, loc - reach * s),
               hi = std::min(u + 12 * k, loc + reach * s);
  std::vector<double> br{lo, hi};
  for (int j = -12; j <= 12; ++j) br.push_back(u + j * k);
  for (int j = -240; j <= 240; ++j) br.push_back(loc + 0.25 * j * s);
  for (double kink : kinks) br.push_back(kink);
  std::vector<double> out;
  for (double b : br)
    if (b >= lo && b <= hi) out.push_back(b);
  return out;
}

struct Case {
  double alpha, sigma2;
};
const std::vector<Case> kCases = {{1.0, 1e-8},  {1.0, 1e-4}, {0.97, 0.03},
                                  {0.6, 0.64},  {0.3, 0.91}, {std::exp(-5.0), 1 - std::exp(-10.0)},
                                  {0.999, 2e-6}};

// Compares q, q'/q and Tweedie's posterior mean with the brute force at points spread over the
// bulk of q (relative 1e-9 on q; 1e-8 on the score relative to its scale 1/sqrt(Var q)).
// Points: the mean of q +- up to 2.7 standard deviations, and +-1, +-5 kernel widths around the
// kinks (the support's ends for a grid); points where q underflows even in the brute force skip.
void check_against_brute_force(const Law1D& law, const std::function<double(double)>& p, double loc,
                               double s, const std::vector<double>& kinks) {
  const double law_sd = std::sqrt(law.second_moment() - law.mean() * law.mean());
  for (const Case& c : kCases) {
    const double sd = std::sqrt(c.alpha * c.alpha * law_sd * law_sd + c.sigma2);
    const double sigma = std::sqrt(c.sigma2);
    std::vector<double> ys;
    for (double z : {-2.7, -1.0, -0.13, 0.0, 0.02, 0.8, 2.2})
      ys.push_back(c.alpha * law.mean() + z * sd);
    for (double kink : kinks)
      for (double z : {-5.0, -1.0, 1.0, 5.0}) ys.push_back(c.alpha * kink + z * sigma);
    for (double y : ys) {
      const double k = std::sqrt(c.sigma2) / c.alpha, u = y / c.alpha;
      const Brute b = brute_force(p, c.alpha, c.sigma2, y, pieces(u, k, loc, s, kinks));
      if (!(b.q > 1e-200)) continue;
      const double lq = law.noised_log_density(c.alpha, c.sigma2, y);
      const double sc = law.noised_score(c.alpha, c.sigma2, y);
      SCOPED_TRACE(law.type() + " alpha=" + std::to_string(c.alpha) +
                   " sigma2=" + std::to_string(c.sigma2) + " y=" + std::to_string(y));
      EXPECT_NEAR(std::exp(lq) / b.q, 1.0, 1e-9);
      EXPECT_NEAR(sc, b.dq / b.q, 1e-8 * (std::abs(b.dq / b.q) + 1.0 / sd));
      // Tweedie (docs/theory.md 1.2): E[X | y] = (y + sigma^2 score) / alpha.
      EXPECT_NEAR((y + c.sigma2 * sc) / c.alpha, b.xmean, 1e-8 * (std::abs(b.xmean) + s));
    }
  }
}

TEST(Law1D, LaplaceClosedFormMatchesBruteForceQuadrature) {
  const double loc = 0.4, b = 0.7;
  const Laplace1D law(loc, b);
  auto p = [&](double x) { return std::exp(-std::abs(x - loc) / b) / (2 * b); };
  check_against_brute_force(law, p, loc, b, {loc});
}

TEST(Law1D, LaplaceFarTailsStayFinite) {
  // Deep in the tails the two erfc terms switch to the scaled erfcx; log q must stay finite and
  // the score must tend to -sign(y)/(alpha b) (exponential tails dominate the Gaussian kernel).
  const Laplace1D law(0.0, 1.0);
  for (double sigma2 : {1e-8, 1e-2, 0.5}) {
    for (double y : {-400.0, -60.0, 60.0, 400.0}) {
      const double lq = law.noised_log_density(0.9, sigma2, y);
      const double sc = law.noised_score(0.9, sigma2, y);
      EXPECT_TRUE(std::isfinite(lq));
      // Exact: q(y) ~ e^{sigma^2/(2 alpha^2) - |y|/alpha}/(2 alpha) once |y| >> sigma^2/alpha.
      EXPECT_NEAR(lq, sigma2 / (2 * 0.81) - std::abs(y) / 0.9 - std::log(2 * 0.9),
                  1e-9 * std::abs(y));
      EXPECT_NEAR(sc, -std::copysign(1.0, y) / 0.9, 1e-12);
    }
  }
}

TEST(Law1D, LogisticQuadratureMatchesBruteForce) {
  const double loc = -0.3, s = 0.8;
  const Logistic1D law(loc, s);
  auto p = [&](double x) {
    const double z = (x - loc) / s;
    return std::exp(-std::abs(z)) / (s * std::pow(1 + std::exp(-std::abs(z)), 2));
  };
  check_against_brute_force(law, p, loc, s, {});
}

TEST(Law1D, GridQuadratureMatchesBruteForce) {
  // A bimodal piecewise-linear density with a zero inside and jumps at the support's ends.
  const std::vector<double> x{-2.0, -1.2, -0.5, 0.0, 0.3, 1.1, 2.0};
  const std::vector<double> d{0.5, 2.0, 0.7, 0.0, 1.5, 3.0, 0.4};
  const Grid1D law(x, d);
  double total = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i)
    total += 0.5 * (d[i] + d[i + 1]) * (x[i + 1] - x[i]);
  auto p = [&](double v) {
    if (v < x.front() || v > x.back()) return 0.0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i)
      if (v <= x[i + 1]) return (d[i] + (d[i + 1] - d[i]) * (v - x[i]) / (x[i + 1] - x[i])) / total;
    return 0.0;
  };
  check_against_brute_force(law, p, 0.0, 1.0, x);
}

TEST(Law1D, MixtureMatchesClosedFormAndQuadrature) {
  const std::vector<double> w{0.3, 0.7}, m{-1.5, 2.0}, sd{0.4, 1.1};
  const GaussianMixture1D law(w, m, sd);
  auto p = [&](double x) {
    double v = 0;
    for (int i = 0; i < 2; ++i)
      v += w[i] * std::exp(-0.5 * std::pow((x - m[i]) / sd[i], 2)) / (std::sqrt(2 * kPi) * sd[i]);
    return v;
  };
  check_against_brute_force(law, p, 0.25, 2.0, {});
  // Closed form sum_i w_i N(y; alpha m_i, alpha^2 s_i^2 + sigma^2) written out here.
  for (const Case& c : kCases)
    for (double y : {-3.0, -0.2, 0.0, 1.7, 5.0}) {
      double q = 0, dq = 0;
      for (int i = 0; i < 2; ++i) {
        const double v = c.alpha * c.alpha * sd[i] * sd[i] + c.sigma2, r = y - c.alpha * m[i];
        const double n = w[i] * std::exp(-0.5 * r * r / v) / std::sqrt(2 * kPi * v);
        q += n;
        dq -= n * r / v;
      }
      EXPECT_NEAR(law.noised_log_density(c.alpha, c.sigma2, y), std::log(q),
                  1e-12 * (1 + std::abs(std::log(q))));
      EXPECT_NEAR(law.noised_score(c.alpha, c.sigma2, y), dq / q, 1e-12 * (1 + std::abs(dq / q)));
    }
}

TEST(Law1D, SigmaZeroIsTheLawItself) {
  const Laplace1D lap(1.0, 2.0);
  EXPECT_NEAR(lap.noised_log_density(1.0, 0.0, 4.0), -1.5 - std::log(4.0), 1e-14);
  EXPECT_NEAR(lap.noised_score(1.0, 0.0, 4.0), -0.5, 1e-14);
  EXPECT_NEAR(lap.noised_score(1.0, 0.0, -4.0), 0.5, 1e-14);
  // alpha X has density p(y/alpha)/alpha.
  EXPECT_NEAR(lap.noised_log_density(0.5, 0.0, 2.0), -1.5 - std::log(4.0) - std::log(0.5), 1e-14);
  const Logistic1D lg(0.0, 1.0);
  EXPECT_NEAR(lg.noised_log_density(1.0, 0.0, 0.0), -std::log(4.0), 1e-14);
  EXPECT_NEAR(lg.noised_score(1.0, 0.0, 1.3), -std::tanh(0.65), 1e-14);
  const Grid1D grid({0.0, 1.0, 2.0}, {0.0, 2.0, 0.0});  // triangle, peak density 1
  EXPECT_NEAR(grid.noised_log_density(1.0, 0.0, 0.5), std::log(0.5), 1e-14);
  EXPECT_NEAR(grid.noised_score(1.0, 0.0, 0.5), 2.0, 1e-14);
  EXPECT_EQ(grid.noised_log_density(1.0, 0.0, 3.0), -std::numeric_limits<double>::infinity());
}

TEST(Law1D, NoisedDensitiesIntegrateToOne) {
  const std::vector<std::shared_ptr<const Law1D>> laws{
      std::make_shared<Laplace1D>(0.3, 0.5), std::make_shared<Logistic1D>(-0.2, 0.6),
      std::make_shared<Grid1D>(std::vector<double>{-1, 0, 0.5, 2}, std::vector<double>{1, 3, 0, 1}),
      std::make_shared<GaussianMixture1D>(std::vector<double>{0.5, 0.5}, std::vector<double>{-1, 1},
                                          std::vector<double>{0.3, 0.3})};
  for (const auto& law : laws)
    for (const Case& c : {Case{1.0, 1e-6}, Case{0.8, 0.36}, Case{0.1, 0.99}}) {
      // y-range covering the bulk (the laws have scale <= 2 around 0 and tails below e^{-60}
      // beyond 30) with pieces of width sigma/4 near the (smoothed) kinks; Simpson with 2 and 4
      // intervals per piece and Richardson extrapolation.
      const double sig = std::sqrt(c.sigma2), R = c.alpha * 30 + 14 * sig;
      std::vector<double> br;
      for (int j = -500; j <= 500; ++j) br.push_back(j * R / 500);
      for (double kink : {-1.0, 0.0, 0.3, 0.5, 2.0})
        for (int j = -48; j <= 48; ++j) br.push_back(c.alpha * kink + 0.25 * j * sig);
      std::sort(br.begin(), br.end());
      br.erase(std::unique(br.begin(), br.end()), br.end());
      const Index np = static_cast<Index>(br.size()) - 1;
      Vector pts(4 * np + 1), lq;
      for (Index i = 0; i < np; ++i)
        for (int k = 0; k < 4; ++k)
          pts(4 * i + k) =
              br[static_cast<std::size_t>(i)] +
              0.25 * k * (br[static_cast<std::size_t>(i) + 1] - br[static_cast<std::size_t>(i)]);
      pts(4 * np) = br.back();
      law->noised(c.alpha, c.sigma2, pts, &lq, nullptr);
      const Vector q = lq.array().exp();
      double total = 0;
      for (Index i = 0; i < np; ++i) {
        const double w = pts(4 * i + 4) - pts(4 * i);
        const double s2 = w / 6 * (q(4 * i) + 4 * q(4 * i + 2) + q(4 * i + 4));
        const double s4 =
            w / 12 *
            (q(4 * i) + 4 * q(4 * i + 1) + 2 * q(4 * i + 2) + 4 * q(4 * i + 3) + q(4 * i + 4));
        total += s4 + (s4 - s2) / 15;
      }
      EXPECT_NEAR(total, 1.0, 2e-8) << law->type() << " alpha=" << c.alpha;
    }
}

TEST(Law1D, MomentsEntropyAndKl) {
  // Laplace(1, 2): E X^2 = 1 + 2 * 4, H = 1 + log 4.
  const Laplace1D lap(1.0, 2.0);
  EXPECT_DOUBLE_EQ(lap.second_moment(), 9.0);
  EXPECT_NEAR(lap.kl_to_standard_normal(), -(1 + std::log(4.0)) + 0.5 * std::log(2 * kPi) + 4.5,
              1e-14);
  // Logistic(0, s): Var = pi^2 s^2 / 3, H = log s + 2.
  const Logistic1D lg(0.0, 0.5);
  EXPECT_NEAR(lg.second_moment(), kPi * kPi / 12, 1e-14);
  EXPECT_NEAR(lg.entropy(), std::log(0.5) + 2, 1e-14);
  // The standard Gaussian has KL 0.
  EXPECT_NEAR(GaussianMixture1D::gaussian(0.0, 1.0).kl_to_standard_normal(), 0.0, 1e-14);
  // Uniform on [0, 2] as a grid: mean 1, E X^2 = 4/3, entropy log 2.
  const Grid1D uni({0.0, 2.0}, {5.0, 5.0});
  EXPECT_NEAR(uni.mean(), 1.0, 1e-14);
  EXPECT_NEAR(uni.second_moment(), 4.0 / 3.0, 1e-14);
  EXPECT_NEAR(uni.entropy(), std::log(2.0), 1e-14);
  // Triangle on [0, 2]: mean 1, E X^2 = 7/6, entropy 1/2 (the standard triangular law: 1/2 +
  // log(1)).
  const Grid1D tri({0.0, 1.0, 2.0}, {0.0, 1.0, 0.0});
  EXPECT_NEAR(tri.mean(), 1.0, 1e-14);
  EXPECT_NEAR(tri.second_moment(), 7.0 / 6.0, 1e-14);
  EXPECT_NEAR(tri.entropy(), 0.5, 1e-14);
  // Mixture entropy by brute force on a fine grid here.
  const GaussianMixture1D mix({0.4, 0.6}, {-2.0, 1.0}, {0.5, 1.0});
  double h = 0;
  const int n = 200000;
  for (int i = 0; i <= n; ++i) {
    const double x = -12 + 24.0 * i / n;
    double p = 0;
    p += 0.4 * std::exp(-0.5 * std::pow((x + 2) / 0.5, 2)) / (std::sqrt(2 * kPi) * 0.5);
    p += 0.6 * std::exp(-0.5 * std::pow(x - 1, 2)) / std::sqrt(2 * kPi);
    const double wt = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    h -= wt * (24.0 / n) / 3 * p * std::log(p);
  }
  EXPECT_NEAR(mix.entropy(), h, 1e-10);
  EXPECT_NEAR(mix.second_moment(), 0.4 * (4 + 0.25) + 0.6 * 2, 1e-14);
}

TEST(Law1D, ScoreLipschitz) {
  // Gaussian: max(1, 1/s^2); logistic: max(1, 1/(2 s^2)); kinks: unknown.
  EXPECT_DOUBLE_EQ(*GaussianMixture1D::gaussian(0.0, 0.5).score_lipschitz(), 4.0);
  EXPECT_DOUBLE_EQ(*Logistic1D(0.0, 0.25).score_lipschitz(), 8.0);
  EXPECT_FALSE(Laplace1D(0.0, 1.0).score_lipschitz().has_value());
  // A mixture of two equal-variance Gaussians N(+-m, s^2) with equal weights has
  // (log p)'' = -1/s^2 + (m/s^2)^2 sech^2(m x/s^2), largest |.| at t = 0: max(1/s^2, m^2/s^4 -
  // 1/s^2).
  const double m = 1.0, s = 0.5;
  const GaussianMixture1D mix({0.5, 0.5}, {-m, m}, {s, s});
  const double expected = std::max(1 / (s * s), m * m / std::pow(s, 4) - 1 / (s * s));
  EXPECT_NEAR(*mix.score_lipschitz(), expected, 1e-6 * expected);
}

TEST(Law1D, SamplesHaveTheLawsMoments) {
  // Mean and E X^2 of 40000 draws within 5 standard errors (SE from the sample's own moments).
  const std::vector<std::shared_ptr<const Law1D>> laws{
      std::make_shared<Laplace1D>(0.3, 0.5), std::make_shared<Logistic1D>(-0.2, 0.6),
      std::make_shared<Grid1D>(std::vector<double>{-1, 0, 0.5, 2}, std::vector<double>{1, 3, 0, 1}),
      std::make_shared<GaussianMixture1D>(std::vector<double>{0.2, 0.8}, std::vector<double>{-1, 1},
                                          std::vector<double>{0.3, 0.6})};
  const CounterRng rng(11);
  const int n = 40000;
  for (const auto& law : laws) {
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (int j = 0; j < n; ++j) {
      RngStream st = rng.stream(RngUse::kTargetSample, static_cast<std::uint64_t>(j));
      const double x = law->sample(st);
      s1 += x;
      s2 += x * x;
      s3 += x * x * x;
      s4 += x * x * x * x;
    }
    s1 /= n, s2 /= n, s3 /= n, s4 /= n;
    EXPECT_NEAR(s1, law->mean(), 5 * std::sqrt((s2 - s1 * s1) / n)) << law->type();
    EXPECT_NEAR(s2, law->second_moment(), 5 * std::sqrt((s4 - s2 * s2) / n)) << law->type();
  }
}

TEST(Law1D, RejectsBadNoiseParameters) {
  const Laplace1D lap(0.0, 1.0);
  EXPECT_THROW(lap.noised_log_density(0.0, 1.0, 0.0), Error);
  EXPECT_THROW(lap.noised_log_density(1.5, 1.0, 0.0), Error);
  EXPECT_THROW(lap.noised_log_density(1.0, -1.0, 0.0), Error);
}

}  // namespace
}  // namespace difflab
