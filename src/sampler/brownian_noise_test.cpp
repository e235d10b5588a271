// Noise "brownian" against the laws of Brownian motion (docs/theory.md "Coupled Brownian
// noise"): normalised increments over disjoint intervals are independent N(0, 1) (with controls
// the checks must reject), Cov(W(s), W(t)) = min(s, t), increments over a nested grid add up to
// the coarse one, and Euler-Maruyama driven by the path converges strongly at order 1 (with
// counter noise |X_N - X_2N| does not shrink); the samplers' output laws are unchanged (the
// exact law of affine_gaussian_law).
#include "difflab/sampler/brownian_noise.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/euler_maruyama.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// Kolmogorov-Smirnov distance of the sample to N(0, 1).
double ks_to_standard_normal(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = 0.5 * std::erfc(-x[i] / std::sqrt(2.0));
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

// Accepts at the 0.1% level (Kolmogorov's limit law: P(sqrt(n) D > 1.95) = 0.001).
bool looks_standard_normal(const std::vector<double>& x) {
  return std::sqrt(static_cast<double>(x.size())) * ks_to_standard_normal(x) < 1.95;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += a[i] * b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
  }
  return sab / std::sqrt(saa * sbb);
}

constexpr Index kBrownianTestParticles = 20000;

// The normalised increments of path 0 over [lo, hi] for particles 0..n-1, coordinate 0 of d=2.
std::vector<double> increments(const NoiseSource& noise, double lo, double hi, Index n) {
  Matrix Z(2, n);
  noise.increment(Z, 0, 0, RngUse::kStepNoise, {.path = 0, .lo = lo, .hi = hi});
  std::vector<double> out(static_cast<std::size_t>(2 * n));
  for (Index j = 0; j < n; ++j) {
    out[static_cast<std::size_t>(2 * j)] = Z(0, j);
    out[static_cast<std::size_t>(2 * j + 1)] = Z(1, j);
  }
  return out;
}

TEST(BrownianNoise, DisjointIncrementsAreIndependentStandardNormals) {
  const BrownianNoise noise(7);
  // Times of an exponential-decay grid (not dyadic), one interval short, one long.
  const std::vector<double> t = {1e-3, 0.0137, 0.21, 0.2100001, 1.7, 9.3};
  std::vector<std::vector<double>> z;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    z.push_back(increments(noise, t[i], t[i + 1], kBrownianTestParticles));
    EXPECT_TRUE(looks_standard_normal(z.back())) << "interval " << i;
    // Controls the check must reject: 10% too wide, shifted by 0.05.
    std::vector<double> wide = z.back(), shifted = z.back();
    for (double& v : wide) v *= 1.1;
    for (double& v : shifted) v += 0.05;
    EXPECT_FALSE(looks_standard_normal(wide)) << "interval " << i;
    EXPECT_FALSE(looks_standard_normal(shifted)) << "interval " << i;
  }
  // Independence: every pair of disjoint intervals is uncorrelated within 4.5 standard errors.
  const double limit = 4.5 / std::sqrt(static_cast<double>(z[0].size()));
  for (std::size_t i = 0; i < z.size(); ++i)
    for (std::size_t j = i + 1; j < z.size(); ++j)
      EXPECT_LT(std::abs(correlation(z[i], z[j])), limit) << i << ", " << j;
  // Control: overlapping intervals [t0, t2] and [t1, t2] share a piece, correlation
  // sqrt((t2 - t1) / (t2 - t0)) ~ 0.97; the same check must see it.
  const std::vector<double> overlap = increments(noise, t[1], t[2], kBrownianTestParticles);
  const std::vector<double> whole = increments(noise, t[0], t[2], kBrownianTestParticles);
  EXPECT_NEAR(correlation(overlap, whole), std::sqrt((t[2] - t[1]) / (t[2] - t[0])), limit);
}

TEST(BrownianNoise, CovarianceOfPathValuesIsTheMinimumOfTheTimes) {
  const BrownianNoise noise(3);
  const Index n = kBrownianTestParticles;
  const std::vector<double> t = {0.05, 0.31, 2.0, 7.77};
  std::vector<Matrix> w;
  for (double ti : t) {
    Matrix W(1, n);
    noise.difference(W, 0, {.path = 0, .lo = 0.0, .hi = ti});
    w.push_back(W);
  }
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (std::size_t j = i; j < t.size(); ++j) {
      const double cov = w[i].cwiseProduct(w[j]).mean();
      // Standard error of the product mean: sqrt(t_i t_j + t_i^2) / sqrt(n).
      const double se = std::sqrt(t[i] * t[j] + t[i] * t[i]) / std::sqrt(static_cast<double>(n));
      EXPECT_NEAR(cov, std::min(t[i], t[j]), 5 * se) << t[i] << ", " << t[j];
    }
  }
}

TEST(BrownianNoise, IncrementsOfANestedGridAddUpToTheCoarseIncrement) {
  const BrownianNoise noise(11);
  const auto process = make_process("ou");
  const TimeGrid coarse = make_grid("logsnr", *process, 4.0, 1e-3, 8);
  // The 2N grid: each coarse step split at its geometric mean.
  std::vector<double> fine_times;
  for (std::size_t k = 0; k < coarse.steps(); ++k) {
    fine_times.push_back(coarse.t(k));
    fine_times.push_back(std::sqrt(coarse.t(k) * coarse.t(k + 1)));
  }
  fine_times.push_back(coarse.t(coarse.steps()));
  const Index n = 64;
  for (std::size_t k = 0; k < coarse.steps(); ++k) {
    const double hi = coarse.t(k), mid = fine_times[2 * k + 1], lo = coarse.t(k + 1);
    Matrix whole(3, n), upper(3, n), lower(3, n);
    noise.difference(whole, 5, {.path = 0, .lo = lo, .hi = hi});
    noise.difference(upper, 5, {.path = 0, .lo = mid, .hi = hi});
    noise.difference(lower, 5, {.path = 0, .lo = lo, .hi = mid});
    EXPECT_LT((upper + lower - whole).cwiseAbs().maxCoeff(), 1e-13) << "step " << k;
    // The normalised increments combine with the step lengths (to the lattice's rounding).
    Matrix zw(3, n), zu(3, n), zl(3, n);
    noise.increment(zw, 5, k, RngUse::kStepNoise, {.path = 0, .lo = lo, .hi = hi});
    noise.increment(zu, 5, 2 * k, RngUse::kStepNoise, {.path = 0, .lo = mid, .hi = hi});
    noise.increment(zl, 5, 2 * k + 1, RngUse::kStepNoise, {.path = 0, .lo = lo, .hi = mid});
    const Matrix sum = std::sqrt(hi - mid) * zu + std::sqrt(mid - lo) * zl;
    EXPECT_LT((sum - std::sqrt(hi - lo) * zw).cwiseAbs().maxCoeff(), 1e-8) << "step " << k;
    // Another path is another Brownian motion: its increment differs.
    Matrix other(3, n);
    noise.difference(other, 5, {.path = 1, .lo = lo, .hi = hi});
    EXPECT_GT((other - whole).cwiseAbs().maxCoeff(), 1e-3);
  }
}

TEST(BrownianNoise, ValuesDoNotDependOnTheBlockSplit) {
  const BrownianNoise noise(2);
  const Index n = 37;
  Matrix all(5, n);
  noise.increment(all, 100, 0, RngUse::kStepNoise, {.path = 2, .lo = 0.123, .hi = 0.5});
  for (Index j = 0; j < n; ++j) {
    Matrix one(5, 1);
    noise.increment(one, 100 + static_cast<std::uint64_t>(j), 0, RngUse::kStepNoise,
                    {.path = 2, .lo = 0.123, .hi = 0.5});
    EXPECT_TRUE(one.col(0) == all.col(j)) << j;
  }
}

// The per-thread path cache changes no bits: queries in grid order, out of order, on two paths
// and blocks, against a source that walks from the root every time (cache size 0).
TEST(BrownianNoise, ThePathCacheChangesNoBits) {
  const BrownianNoise cached(6), uncached(6, 0);
  const std::vector<double> t = {9.0, 4.5, 2.2, 2.1999, 1.0, 0.3, 0.29, 1e-3, 0.0};
  const std::vector<std::pair<std::size_t, std::size_t>> order = {
      {1, 0}, {2, 1}, {3, 2}, {4, 3}, {7, 4}, {8, 7}, {5, 4}, {6, 5}, {8, 0}, {3, 1}, {6, 3}};
  for (const std::uint64_t path : {0, 3}) {
    for (const std::uint64_t first : {0, 40}) {
      for (const auto& [a, b] : order) {
        const BrownianInterval iv{.path = path, .lo = t[a], .hi = t[b]};
        Matrix x(3, 17), y(3, 17);
        cached.increment(x, first, 0, RngUse::kStepNoise, iv);
        uncached.increment(y, first, 0, RngUse::kStepNoise, iv);
        EXPECT_TRUE(x == y) << path << " " << first << " [" << t[a] << ", " << t[b] << "]";
      }
    }
  }
}

TEST(BrownianNoise, RefusesTimesOutsideItsSpanAndStepsBelowItsResolution) {
  const BrownianNoise noise(1);
  Matrix Z(1, 1);
  const auto draw = [&](double lo, double hi) {
    noise.increment(Z, 0, 0, RngUse::kStepNoise, {.path = 0, .lo = lo, .hi = hi});
  };
  EXPECT_THROW(draw(0.5, 0.5), Error);
  EXPECT_THROW(draw(0.5, 0.4), Error);
  EXPECT_THROW(draw(-1.0, 0.4), Error);
  EXPECT_THROW(draw(1.0, BrownianNoise::kSpan * 1.01), Error);
  EXPECT_THROW(draw(1.0, 1.0 + 1e-11), Error);  // below the lattice step ~1.2e-10
  EXPECT_NO_THROW(draw(1.0, 1.0 + 1e-9));
  EXPECT_NO_THROW(draw(0.0, BrownianNoise::kSpan));
}

TEST(BrownianNoise, MakeNoiseFollowsTheOption) {
  SamplerOptions o;
  EXPECT_EQ(make_noise(o, 1)->brownian_resolution(), 0.0);
  o.noise = "brownian";
  EXPECT_GT(make_noise(o, 1)->brownian_resolution(), 0.0);
  o.noise = "sobol";
  EXPECT_THROW(make_noise(o, 1), Error);
  EXPECT_THROW(o.validate(), Error);
}

// The samplers that refuse paths (the Langevin chains) say so; the others run.
TEST(BrownianNoise, SamplersWithoutBrownianIncrementsRefuseIt) {
  const auto process = make_process("ou");
  ExactScore score(std::make_shared<GaussianTarget>(
                       GaussianTarget::diagonal(Eigen::Vector2d(0.5, -1), Eigen::Vector2d(0.3, 2))),
                   process);
  const TimeGrid grid = uniform_grid(2.0, 1e-2, 8);
  SamplerOptions options;
  options.noise = "brownian";
  options.langevin_steps = 3;
  const BrownianNoise noise(4);
  for (const SamplerInfo& info : list_samplers()) {
    Matrix X = Matrix::Constant(2, 3, 0.3);
    const auto sampler = make_sampler(info.name);
    if (info.traits.stochastic && !info.traits.brownian) {
      EXPECT_THROW(sampler->sample(score, grid, X, options, noise), Error) << info.name;
    } else {
      EXPECT_NO_THROW(sampler->sample(score, grid, X, options, noise)) << info.name;
    }
  }
}

struct BrownianOuProblem {
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  ExactScore score{std::make_shared<GaussianTarget>(GaussianTarget::diagonal(
                       Eigen::Vector2d(1.0, -0.5), Eigen::Vector2d(0.2, 1.5))),
                   process};
  Matrix X0;
  explicit BrownianOuProblem(Index n) : X0(2, n) {
    CounterRng(9).fill_normal(X0, RngUse::kInitial, 0, 0);
  }
  // E|X_N - X_2N| (Euclidean norm per particle) of Euler-Maruyama on uniform grids.
  double strong_gap(const NoiseSource& noise, const SamplerOptions& options, int N) const {
    Matrix a = X0, b = X0;
    EulerMaruyama().sample(score, uniform_grid(2.0, 1e-2, N), a, options, noise);
    EulerMaruyama().sample(score, uniform_grid(2.0, 1e-2, 2 * N), b, options, noise);
    return (a - b).colwise().norm().mean();
  }
};

// Euler-Maruyama with additive noise is the Milstein scheme and converges strongly at order 1
// (Kloeden & Platen 1992, sections 10.2-10.3; docs/theory.md "Coupled Brownian noise"): E|X_N -
// X_2N| halves as N doubles when both runs see the same path. With independent noise per run it
// stays of order one.
TEST(BrownianNoise, EulerMaruyamaStrongErrorHalvesWithTheStepOnlyWithBrownianNoise) {
  const BrownianOuProblem p(1000);
  SamplerOptions brownian, counter;
  brownian.noise = "brownian";
  std::vector<double> gaps, counter_gaps;
  for (int N = 16; N <= 64; N *= 2) {
    gaps.push_back(p.strong_gap(BrownianNoise(5), brownian, N));
    counter_gaps.push_back(p.strong_gap(CounterNoise(5), counter, N));
  }
  for (std::size_t i = 0; i + 1 < gaps.size(); ++i) {
    const double slope = std::log2(gaps[i] / gaps[i + 1]);
    EXPECT_NEAR(slope, 1.0, 0.15) << "N = " << (16 << i);
    EXPECT_GT(counter_gaps[i + 1], 0.8 * counter_gaps[i]) << "N = " << (16 << i);
  }
  EXPECT_LT(gaps.back(), 0.05 * counter_gaps.back());
}

// The output law with paths is the exact law (the increments are i.i.d. N(0, 1)), for every
// affine sampler that takes paths: Monte Carlo mean and variance within 5 standard errors.
TEST(BrownianNoise, OutputLawIsTheExactLaw) {
  const Index n = 10000;
  const BrownianOuProblem p(n);
  const TimeGrid grid = make_grid("logsnr", *p.process, 3.0, 1e-2, 12);
  const GaussianLaw initial{Vector::Zero(2), Matrix::Identity(2, 2)};
  for (const SamplerInfo& info : list_samplers()) {
    if (!info.traits.brownian || !info.traits.affine) continue;
    const auto sampler = make_sampler(info.name);
    SamplerOptions options;
    const GaussianLaw law = affine_gaussian_law(*sampler, p.score, grid, options, initial);
    options.noise = "brownian";
    Matrix X = p.X0;
    sampler->sample(p.score, grid, X, options, BrownianNoise(8));
    for (Index i = 0; i < 2; ++i) {
      const double mean = X.row(i).mean();
      const double var = (X.row(i).array() - mean).square().sum() / static_cast<double>(n - 1);
      const double v = law.cov(i, i);
      EXPECT_NEAR(mean, law.mean(i), 5 * std::sqrt(v / static_cast<double>(n)))
          << info.name << " coordinate " << i;
      EXPECT_NEAR(var, v, 5 * v * std::sqrt(2.0 / static_cast<double>(n)))
          << info.name << " coordinate " << i;
    }
  }
}

}  // namespace
}  // namespace difflab
