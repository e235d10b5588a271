// The closed-form KLUB against a Monte Carlo estimate of its definition (time uniform in each
// step, the forward process pair (X_t, X_{t_k}), the target's own noised score), on a Gaussian
// and, through the tabulated Fisher information, on a 1-D mixture; and the KLUB grid against its
// start.
#include "difflab/schedule/ays_klub.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/expect_error.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

TEST(AysKlub, ClosedFormMatchesMonteCarloOfTheGirsanovIntegral) {
  Matrix cov(2, 2);
  cov << 1.5, 0.4, 0.4, 0.3;
  Vector mean(2);
  mean << 0.5, -1.0;
  const GaussianTarget target(mean, cov);
  const auto process = make_process("vp-linear");
  const std::vector<double> times{0.8, 0.3, 0.05};
  const double klub = gaussian_klub(*process, target.eigenvalues(), times);
  const Eigen::LLT<Matrix> llt(cov);
  std::mt19937_64 gen(7);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const int n = 100000;
  double sum = 0, sum2 = 0;
  Vector z(2), x0(2), xt(2), xs(2), st(2), ss(2);
  for (int i = 0; i < n; ++i) {
    const std::size_t k = i % 2;  // both steps, alternately
    const double s = times[k], width = times[k] - times[k + 1];
    const double t = times[k + 1] + width * uniform(gen);
    for (Index c = 0; c < 2; ++c) z(c) = normal(gen);
    x0 = mean + llt.matrixL() * z;
    const double at = process->alpha(t), as = process->alpha(s), r = as / at;
    for (Index c = 0; c < 2; ++c) z(c) = normal(gen);
    xt = at * x0 + process->sigma(t) * z;
    for (Index c = 0; c < 2; ++c) z(c) = normal(gen);
    xs = r * xt + std::sqrt(process->sigma2(s) - r * r * process->sigma2(t)) * z;
    target.noised_score(at, process->sigma2(t), xt, st);
    target.noised_score(as, process->sigma2(s), xs, ss);
    const double v = 2 * width * 0.5 * process->beta(t) * (st - ss).squaredNorm();
    sum += v;
    sum2 += v * v;
  }
  const double mc = sum / n, se = std::sqrt((sum2 / n - mc * mc) / n);
  EXPECT_NEAR(klub, mc, 4 * se) << "se " << se;
  EXPECT_LT(se, 0.05 * mc);
}

TEST(AysKlub, OptimisedGridIsALocalMinimumReachedFromDifferentStarts) {
  Vector lambda(3);
  lambda << 4.0, 1.0, 0.01;
  const auto process = make_process("vp-linear");
  const TimeGrid uniform = uniform_grid(1.0, 1e-3, 8), quadratic = quadratic_grid(1.0, 1e-3, 8);
  int evaluations = 0;
  const TimeGrid a = ays_klub_grid(*process, lambda, uniform, &evaluations);
  const TimeGrid b = ays_klub_grid(*process, lambda, quadratic);
  EXPECT_EQ(a.T(), 1.0);
  EXPECT_EQ(a.delta(), 1e-3);
  EXPECT_EQ(a.steps(), 8u);
  EXPECT_GT(evaluations, 1);
  const double ka = gaussian_klub(*process, lambda, a.times());
  EXPECT_NEAR(ka, gaussian_klub(*process, lambda, b.times()), 1e-7 * ka);
  for (std::size_t k = 1; k < 8; ++k) EXPECT_NEAR(a.t(k), b.t(k), 1e-3 * a.t(k)) << k;
  EXPECT_LT(ka, gaussian_klub(*process, lambda, uniform.times()));
  EXPECT_LT(ka, gaussian_klub(*process, lambda, quadratic.times()));
  // No single interior time moved by 1% of its gaps lowers the bound.
  for (std::size_t k = 1; k < 8; ++k)
    for (const double sign : {-1.0, 1.0}) {
      std::vector<double> t = a.times();
      t[k] += sign * 0.01 * std::min(t[k - 1] - t[k], t[k] - t[k + 1]);
      EXPECT_GE(gaussian_klub(*process, lambda, t), ka) << k << " " << sign;
    }
}

// The Girsanov integral's Monte Carlo estimate for a 1-D target (the test above, in 1-D).
std::pair<double, double> klub_monte_carlo_1d(const Target& target, const ForwardProcess& process,
                                              const std::vector<double>& times, int n) {
  std::mt19937_64 gen(11);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const Matrix x0 = target.sample(n, CounterRng(3));
  const std::size_t steps = times.size() - 1;
  double sum = 0, sum2 = 0;
  Matrix xt(1, 1), xs(1, 1), st(1, 1), ss(1, 1);
  for (int i = 0; i < n; ++i) {
    const std::size_t k = static_cast<std::size_t>(i) % steps;
    const double s = times[k], width = times[k] - times[k + 1];
    const double t = times[k + 1] + width * uniform(gen);
    const double at = process.alpha(t), as = process.alpha(s), r = as / at;
    xt(0, 0) = at * x0(0, i) + process.sigma(t) * normal(gen);
    xs(0, 0) =
        r * xt(0, 0) + std::sqrt(process.sigma2(s) - r * r * process.sigma2(t)) * normal(gen);
    target.noised_score(at, process.sigma2(t), xt, st);
    target.noised_score(as, process.sigma2(s), xs, ss);
    const double v = static_cast<double>(steps) * width * 0.5 * process.beta(t) *
                     (st(0, 0) - ss(0, 0)) * (st(0, 0) - ss(0, 0));
    sum += v;
    sum2 += v * v;
  }
  const double mc = sum / n;
  return {mc, std::sqrt((sum2 / n - mc * mc) / n)};
}

TEST(AysKlub, TabulatedFisherInformationOfAOneDGaussianIsTheClosedForm) {
  const auto process = make_process("ou");
  const auto target = make_target(nlohmann::json::parse(R"({"type": "gaussian", "mean": [0.7],
                                                            "cov": [[0.04]]})"));
  Vector lambda(1);
  lambda << 0.04;
  const NoisedFisherInformation table =
      tabulated_noised_fisher_information_1d(*process, *target, 1e-2, 4.0);
  const NoisedFisherInformation exact = gaussian_noised_fisher_information(*process, lambda);
  for (const double t : {1e-2, 0.013, 0.1, 0.77, 2.5, 4.0})
    EXPECT_NEAR(table(t), exact(t), 1e-8 * exact(t)) << t;
  const std::vector<double> times = quadratic_grid(4.0, 1e-2, 10).times();
  const double k = gaussian_klub(*process, lambda, times);
  EXPECT_NEAR(klub(*process, table, times), k, 1e-8 * k);
}

TEST(AysKlub, MixtureKlubFromItsFisherInformationMatchesMonteCarloOfTheGirsanovIntegral) {
  // E|s(t, X_t) - s(s, X_s)|^2 = F(t) + (1 - 2 alpha_s/alpha_t) F(s) holds for any target
  // (docs/theory.md 12.1); a bimodal one checks it beyond the Gaussian case.
  const auto process = make_process("ou");
  const auto target = make_target(nlohmann::json::parse(
      R"({"type": "gmm", "weights": [0.3, 0.7], "means": [[-1.5], [1]], "vars": [0.1, 0.3]})"));
  const std::vector<double> times{2.0, 0.6, 0.15, 0.02};
  const double k =
      klub(*process, tabulated_noised_fisher_information_1d(*process, *target, 0.02, 2.0), times);
  const auto [mc, se] = klub_monte_carlo_1d(*target, *process, times, 300000);
  EXPECT_NEAR(k, mc, 4 * se) << "se " << se;
  EXPECT_LT(se, 0.02 * mc);
  // The Gaussian with the same variance has another bound: the mixture's shape enters.
  Vector lambda(1);
  lambda << 0.7 * 0.3 + 0.3 * 0.1 + 0.3 * 0.7 * 2.5 * 2.5;
  EXPECT_GT(std::abs(gaussian_klub(*process, lambda, times) - k), 10 * se);
}

TEST(AysKlub, TabulatedFisherInformationRefusesWhatItCannotCompute) {
  const auto process = make_process("ou");
  const auto two_d = make_target(
      nlohmann::json::parse(R"({"type": "gmm", "weights": [1], "means": [[0, 0]], "vars": [1]})"));
  expect_error([&] { tabulated_noised_fisher_information_1d(*process, *two_d, 1e-2, 1.0); },
               "1-D target");
  const auto one_d = make_target(nlohmann::json::parse(R"({"type": "gaussian", "mean": [0],
                                                           "cov": [[1]]})"));
  expect_error([&] { tabulated_noised_fisher_information_1d(*process, *one_d, 0, 1.0); }, "t_min");
  // Modes 1000 apart with width 1e-2: 2001 nodes over |x| <= 12000 miss them.
  const auto narrow = make_target(nlohmann::json::parse(
      R"({"type": "gmm", "weights": [0.5, 0.5], "means": [[-1000], [1000]], "vars": [1e-4, 1e-4]})"));
  expect_error([&] { tabulated_noised_fisher_information_1d(*process, *narrow, 1e-4, 1.0); },
               "do not resolve");
}

// The Monte Carlo table against the closed form of a Gaussian in d = 3 with unequal variances:
// |s|^2 = sum_i Z_i^2 / v_i there, whose relative sd is at most sqrt(2) (all weight on one
// coordinate), so 4096 samples give a relative standard error under 2.3%; 10% is over 4 of
// them. The common random numbers make the error a smooth factor in t, so the KLUB's minimiser
// hardly moves: the AYS grids from the two agree to 2% of each step.
TEST(AysKlub, MonteCarloFisherInformationOfAGaussianIsTheClosedForm) {
  const auto process = make_process("ou");
  const auto target = make_target(nlohmann::json::parse(
      R"({"type": "gaussian", "mean": [0.5, -1, 2], "cov": [[0.04, 0, 0], [0, 0.5, 0], [0, 0, 2]]})"));
  Vector lambda(3);
  lambda << 0.04, 0.5, 2;
  const NoisedFisherInformation mc =
      monte_carlo_noised_fisher_information(*process, *target, 1e-2, 4.0, 4096, 7);
  const NoisedFisherInformation exact = gaussian_noised_fisher_information(*process, lambda);
  for (const double t : {1e-2, 0.013, 0.1, 0.77, 2.5, 4.0})
    EXPECT_NEAR(mc(t), exact(t), 0.1 * exact(t)) << t;
  const TimeGrid start = uniform_grid(4.0, 1e-2, 8);
  const std::vector<double> a = ays_klub_grid(*process, mc, start).times();
  const std::vector<double> b = ays_klub_grid(*process, exact, start).times();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 1; k + 1 < a.size(); ++k)
    EXPECT_NEAR(a[k], b[k], 0.02 * (b[k - 1] - b[k + 1])) << k;
  // Deterministic in the seed, and the seed matters.
  EXPECT_EQ(mc(0.3),
            monte_carlo_noised_fisher_information(*process, *target, 1e-2, 4.0, 4096, 7)(0.3));
  EXPECT_NE(mc(0.3),
            monte_carlo_noised_fisher_information(*process, *target, 1e-2, 4.0, 4096, 8)(0.3));
}

// A bimodal 1-D mixture: Monte Carlo against the quadrature table (both exact in the limit).
TEST(AysKlub, MonteCarloFisherInformationOfAMixtureIsTheQuadratureOne) {
  const auto process = make_process("ou");
  const auto target = make_target(nlohmann::json::parse(
      R"({"type": "gmm", "weights": [0.3, 0.7], "means": [[-1.5], [1]], "vars": [0.1, 0.3]})"));
  const NoisedFisherInformation mc =
      monte_carlo_noised_fisher_information(*process, *target, 2e-2, 2.0, 16384, 3);
  const NoisedFisherInformation quad =
      tabulated_noised_fisher_information_1d(*process, *target, 2e-2, 2.0);
  for (const double t : {2e-2, 0.05, 0.3, 1.0, 2.0})
    EXPECT_NEAR(mc(t), quad(t), 0.05 * quad(t)) << t;
  expect_error([&] { monte_carlo_noised_fisher_information(*process, *target, 0, 2.0, 100, 1); },
               "t_min");
  expect_error([&] { monte_carlo_noised_fisher_information(*process, *target, 0.1, 2.0, 1, 1); },
               ">= 2 samples");
}

}  // namespace
}  // namespace difflab
