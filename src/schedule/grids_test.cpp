#include "difflab/schedule/grids.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"

namespace difflab {
namespace {

// Runs fn, expects a difflab::Error whose message contains `needle`.

double relative_error(double a, double b) { return std::abs(a - b) / std::abs(b); }

TEST(UniformGrid, EqualStepsAndExactEndpoints) {
  const double T = 3.0, delta = 0.01;
  const int N = 37;
  const TimeGrid g = uniform_grid(T, delta, N);
  ASSERT_EQ(g.steps(), static_cast<std::size_t>(N));
  EXPECT_EQ(g.T(), T);
  EXPECT_EQ(g.delta(), delta);
  EXPECT_EQ(g.name(), "uniform");
  const double h = (T - delta) / N;
  for (double hk : g.step_sizes()) EXPECT_LT(relative_error(hk, h), 1e-12);
  // The last step binds Benton's condition: kappa = h / min(1, delta).
  EXPECT_LT(relative_error(g.kappa(), h / delta), 1e-12);
}

TEST(UniformGrid, DeltaZeroHasInfiniteKappa) {
  const TimeGrid g = uniform_grid(1.0, 0.0, 4);
  EXPECT_EQ(g.delta(), 0.0);
  EXPECT_TRUE(std::isinf(g.kappa()));
}

TEST(BentonGrid, KappaTestVectorOfTheory) {
  // docs/theory.md 3.5 / 5.6: T = 6, delta = 1e-3, N = 200 gives kappa = 0.0715193052.
  const TimeGrid g = benton_grid(6.0, 1e-3, 200);
  EXPECT_NEAR(g.kappa(), 0.0715193052, 1e-10);
  EXPECT_EQ(kappa_of_grid(g), g.kappa());
  // And the closed form max{(T-1)/M, delta^{-1/M} - 1} with M = 100.
  EXPECT_LT(relative_error(g.kappa(), std::max(5.0 / 100, std::pow(1e-3, -1.0 / 100) - 1)), 1e-12);
}

TEST(BentonGrid, UniformThenGeometric) {
  const double T = 6.0, delta = 1e-3;
  const int N = 200, M = N / 2;
  const TimeGrid g = benton_grid(T, delta, N);
  ASSERT_EQ(g.steps(), static_cast<std::size_t>(N));
  EXPECT_EQ(g.T(), T);
  EXPECT_EQ(g.delta(), delta);  // exactly
  EXPECT_EQ(g.t(M), 1.0);
  const auto h = g.step_sizes();
  for (int k = 0; k < M; ++k) EXPECT_LT(relative_error(h[k], (T - 1) / M), 1e-12) << k;
  const double ratio = std::pow(delta, 1.0 / M);
  for (int k = M; k < N; ++k) EXPECT_LT(relative_error(g.t(k + 1) / g.t(k), ratio), 1e-12) << k;
}

TEST(BentonGrid, KappaIsThetaOfHorizonPlusLogOverN) {
  // Corollary 1: kappa = Theta((T + log(1/delta))/N). From docs/theory.md 3.5,
  // kappa >= max{(T-1), log(1/delta)}/M >= (T - 1 + log(1/delta))/N, and for M >= log(1/delta)
  // kappa <= max{T - 1, (e - 1) log(1/delta)}/M <= 2 (e - 1) (T + log(1/delta))/N.
  for (double T : {2.0, 6.0, 12.0}) {
    for (double delta : {1e-1, 1e-3, 1e-6}) {
      const double L = std::log(1 / delta);
      for (int N : {30, 60, 200, 1000}) {
        if (N / 2 < L) continue;
        const double scaled = benton_grid(T, delta, N).kappa() * N / (T + L);
        EXPECT_GE(scaled, (T - 1 + L) / (T + L)) << T << " " << delta << " " << N;
        EXPECT_LE(scaled, 2 * (std::exp(1.0) - 1)) << T << " " << delta << " " << N;
      }
    }
  }
  // kappa N converges as N grows (the Theta is a real constant, not just bounded).
  const double k1 = benton_grid(6, 1e-3, 2000).kappa() * 2000;
  const double k2 = benton_grid(6, 1e-3, 4000).kappa() * 4000;
  EXPECT_LT(relative_error(k1, k2), 2e-3);
}

TEST(BentonGrid, RejectsWhatItCannotBuild) {
  expect_error([] { benton_grid(6, 1e-3, 201); }, "steps must be even");
  expect_error([] { benton_grid(1.0, 1e-3, 200); }, "T must be > 1");
  expect_error([] { benton_grid(0.5, 1e-3, 200); }, "T must be > 1");
  expect_error([] { benton_grid(6, 0.0, 200); }, "delta must lie in (0, 1)");
  expect_error([] { benton_grid(6, 1.0, 200); }, "delta must lie in (0, 1)");
}

// EDM's sigma_i, written independently of the library (Karras et al. 2022 eq. (5)).
double edm_sigma(double smax, double smin, double rho, int i, int K) {
  return std::pow(std::pow(smax, 1 / rho) + static_cast<double>(i) / K *
                                                (std::pow(smin, 1 / rho) - std::pow(smax, 1 / rho)),
                  rho);
}

TEST(KarrasGrid, OuMatchesEdmFormulaAndRoundTrips) {
  const OrnsteinUhlenbeck ou;
  const double T = 6.0, delta = 1e-3, rho = 7.0;
  const int N = 25;
  const TimeGrid g = karras_grid(ou, T, delta, N, rho);
  ASSERT_EQ(g.steps(), static_cast<std::size_t>(N));
  EXPECT_EQ(g.T(), T);
  EXPECT_EQ(g.delta(), delta);
  // OU: alpha = e^{-t}, sigma^2 = 1 - e^{-2t}, so sigma/alpha = sqrt(e^{2t} - 1) and
  // t = (1/2) log1p(r^2).
  const double smax = std::sqrt(std::exp(2 * T) - 1), smin = std::sqrt(std::expm1(2 * delta));
  for (int i = 0; i <= N; ++i) {
    const double s = edm_sigma(smax, smin, rho, i, N);
    EXPECT_LT(relative_error(g.t(i), 0.5 * std::log1p(s * s)), 1e-12) << i;
    EXPECT_LT(relative_error(ou.sigma(g.t(i)) / ou.alpha(g.t(i)), s), 1e-12) << i;
  }
}

TEST(KarrasGrid, DeltaZeroAppendsZeroAsEdm) {
  const OrnsteinUhlenbeck ou;
  const double T = 4.0;
  const int N = 12;
  const TimeGrid g = karras_grid(ou, T, 0.0, N, 7.0, 0.002);
  ASSERT_EQ(g.steps(), static_cast<std::size_t>(N));
  EXPECT_EQ(g.delta(), 0.0);
  const double smax = std::sqrt(std::exp(2 * T) - 1);
  for (int i = 0; i < N; ++i) {
    const double s = edm_sigma(smax, 0.002, 7.0, i, N - 1);
    EXPECT_LT(relative_error(ou.sigma(g.t(i)) / ou.alpha(g.t(i)), s), 1e-12) << i;
  }
  EXPECT_EQ(karras_grid(ou, T, 0.0, 1).times(), (std::vector<double>{T, 0.0}));
}

TEST(KarrasGrid, VpProcessesRoundTripThroughTheirNoiseRatio) {
  const LinearVP linear;
  const CosineVP cosine;
  for (const ForwardProcess* p :
       {static_cast<const ForwardProcess*>(&linear), static_cast<const ForwardProcess*>(&cosine)}) {
    const double T = 0.99, delta = 1e-3, rho = 5.0;
    const int N = 30;
    const TimeGrid g = karras_grid(*p, T, delta, N, rho);
    // The noise ratio of each process, from its own alpha (independent of the grid code).
    auto ratio = [&](double t) { return std::sqrt(1 / (p->alpha(t) * p->alpha(t)) - 1); };
    for (int i = 0; i <= N; ++i) {
      const double s = edm_sigma(ratio(T), ratio(delta), rho, i, N);
      EXPECT_LT(relative_error(ratio(g.t(i)), s), 1e-10) << p->name() << " " << i;
    }
  }
}

TEST(KarrasGrid, RejectsBadRhoAndSigmaMin) {
  const OrnsteinUhlenbeck ou;
  expect_error([&] { karras_grid(ou, 6, 1e-3, 10, 0.0); }, "rho must be finite and > 0");
  expect_error([&] { karras_grid(ou, 6, 0, 10, 7, -1); }, "sigma_min_at_zero");
  // delta = 0 needs T above the time of sigma_min (2e-6 for OU).
  expect_error([&] { karras_grid(ou, 1e-7, 0, 10); }, "increase T");
}

TEST(QuadraticGrid, QuadraticInTheStepIndex) {
  const double T = 5.0, delta = 0.02;
  const int N = 40;
  const TimeGrid g = quadratic_grid(T, delta, N);
  EXPECT_EQ(g.T(), T);
  EXPECT_EQ(g.delta(), delta);
  for (int k = 0; k <= N; ++k) {
    const double u = 1.0 - static_cast<double>(k) / N;
    EXPECT_NEAR(g.t(k), delta + (T - delta) * u * u, 1e-13) << k;
  }
  // Second differences are constant: h_k - h_{k+1} = 2 (T - delta)/N^2.
  const auto h = g.step_sizes();
  for (int k = 0; k + 1 < N; ++k) EXPECT_NEAR(h[k] - h[k + 1], 2 * (T - delta) / (N * N), 1e-12);
}

TEST(LogSnrGrid, EqualLogSnrIncrements) {
  const OrnsteinUhlenbeck ou;
  const LinearVP linear;
  const CosineVP cosine;
  struct Case {
    const ForwardProcess* p;
    double T;
  };
  for (const Case& c : {Case{&ou, 6.0}, Case{&linear, 1.0}, Case{&cosine, 0.99}}) {
    const int N = 20;
    const double delta = 1e-3;
    const TimeGrid g = logsnr_grid(*c.p, c.T, delta, N);
    EXPECT_EQ(g.T(), c.T);
    EXPECT_EQ(g.delta(), delta);
    // lambda = log(alpha/sigma) from alpha and sigma^2 directly.
    auto lambda = [&](double t) { return std::log(c.p->alpha(t) / std::sqrt(c.p->sigma2(t))); };
    const double step = (lambda(delta) - lambda(c.T)) / N;
    for (int k = 0; k < N; ++k)
      EXPECT_NEAR(lambda(g.t(k + 1)) - lambda(g.t(k)), step, 1e-11) << c.p->name() << " " << k;
  }
}

TEST(LogSnrGrid, DeltaZeroEndsWithOneStepToZero) {
  const OrnsteinUhlenbeck ou;
  const int N = 10;
  const TimeGrid g = logsnr_grid(ou, 3.0, 0.0, N, 0.002);
  EXPECT_EQ(g.delta(), 0.0);
  const double lambda_end = -std::log(0.002);
  const double step = (lambda_end - ou.log_snr(3.0)) / (N - 1);
  for (int k = 0; k + 1 < N; ++k)
    EXPECT_NEAR(ou.log_snr(g.t(k + 1)) - ou.log_snr(g.t(k)), step, 1e-10) << k;
  EXPECT_EQ(logsnr_grid(ou, 3.0, 0.0, 1).times(), (std::vector<double>{3.0, 0.0}));
}

TEST(AllGrids, RejectBadArguments) {
  const OrnsteinUhlenbeck ou;
  using Factory = std::function<TimeGrid(double, double, int)>;
  const std::vector<std::pair<std::string, Factory>> factories = {
      {"uniform", [](double T, double d, int n) { return uniform_grid(T, d, n); }},
      {"benton", [](double T, double d, int n) { return benton_grid(T, d, n); }},
      {"karras", [&](double T, double d, int n) { return karras_grid(ou, T, d, n); }},
      {"quadratic", [](double T, double d, int n) { return quadratic_grid(T, d, n); }},
      {"logsnr", [&](double T, double d, int n) { return logsnr_grid(ou, T, d, n); }},
      {"make_grid", [&](double T, double d, int n) { return make_grid("uniform", ou, T, d, n); }},
  };
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  // A named reference, not a structured binding: clang-14 cannot capture bindings in lambdas.
  for (const auto& factory : factories) {
    SCOPED_TRACE(factory.first);
    const auto& make = factory.second;
    EXPECT_NO_THROW(make(6.0, 1e-3, 10));
    expect_error([&] { make(6.0, 1e-3, 0); }, "steps must be >= 1, got 0");
    expect_error([&] { make(6.0, 1e-3, -3); }, "steps must be >= 1, got -3");
    expect_error([&] { make(1e-3, 1e-3, 10); }, "T must be greater than delta");
    expect_error([&] { make(0.5, 2.0, 10); }, "T must be greater than delta");
    expect_error([&] { make(6.0, -0.1, 10); }, "delta must be >= 0");
    expect_error([&] { make(nan, 1e-3, 10); }, "T must be finite");
    expect_error([&] { make(inf, 1e-3, 10); }, "T must be finite");
    expect_error([&] { make(6.0, nan, 10); }, "delta must be finite");
  }
}

TEST(MakeGrid, BuildsEachGridByItsCliName) {
  const OrnsteinUhlenbeck ou;
  EXPECT_EQ(make_grid("uniform", ou, 6, 1e-3, 20).times(), uniform_grid(6, 1e-3, 20).times());
  EXPECT_EQ(make_grid("benton", ou, 6, 1e-3, 20).times(), benton_grid(6, 1e-3, 20).times());
  EXPECT_EQ(make_grid("karras", ou, 6, 1e-3, 20).times(), karras_grid(ou, 6, 1e-3, 20).times());
  EXPECT_EQ(make_grid("quadratic", ou, 6, 1e-3, 20).times(), quadratic_grid(6, 1e-3, 20).times());
  EXPECT_EQ(make_grid("logsnr", ou, 6, 1e-3, 20).times(), logsnr_grid(ou, 6, 1e-3, 20).times());
  for (const auto& info : list_grids()) {
    if (info.name == "file") continue;
    EXPECT_EQ(make_grid(info.name, ou, 6, 1e-3, 20).name(), info.name);
  }
}

TEST(MakeGrid, ListsExactlyTheCliNames) {
  std::set<std::string> names;
  for (const auto& info : list_grids()) {
    names.insert(info.name);
    EXPECT_FALSE(info.description.empty()) << info.name;
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"uniform", "benton", "karras", "quadratic", "logsnr", "file"}));
}

TEST(MakeGrid, Errors) {
  const OrnsteinUhlenbeck ou;
  const LinearVP linear;  // t_max = 1
  expect_error([&] { make_grid("linear", ou, 6, 1e-3, 10); },
               "unknown grid 'linear' (valid: uniform, benton, karras, quadratic, logsnr, file)");
  for (const std::string name : {"uniform", "benton", "karras", "quadratic", "logsnr"}) {
    SCOPED_TRACE(name);
    expect_error([&] { make_grid(name, linear, 2.0, 1e-3, 10); }, "beyond the vp-linear");
  }
  expect_error([&] { make_grid("file", ou, 6, 1e-3, 10); }, "needs a grid file");
  expect_error([&] { make_grid("uniform", ou, 6, 1e-3, 10, "grid.txt"); },
               "only used with the grid 'file'");
}

}  // namespace
}  // namespace difflab
