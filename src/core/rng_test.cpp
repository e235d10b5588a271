#include "difflab/core/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <vector>

#include "difflab/core/parallel.hpp"

namespace difflab {
namespace {

// Restores the thread count a test changed.
class RngThreadGuard {
 public:
  RngThreadGuard() : saved_(thread_count()) {}
  ~RngThreadGuard() { set_threads(saved_); }

 private:
  int saved_;
};

// Bitwise equality (EXPECT_EQ on doubles would also accept -0 == 0).
bool rng_same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data(),
                    [](double x, double y) { return std::memcmp(&x, &y, sizeof(double)) == 0; });
}

TEST(CounterRng, SameSeedSameBitsForAnyBlockSplit) {
  const CounterRng rng(2024);
  const Index d = 7, n = 53;  // d not a multiple of 4: exercises the partial Philox block
  Matrix whole(d, n);
  rng.fill_normal(whole, RngUse::kStepNoise, 0, 3);

  // Column sub-blocks of uneven sizes, generated in reverse order.
  Matrix pieces(d, n);
  const std::vector<Index> cuts = {0, 1, 5, 17, 18, 40, n};
  for (std::size_t b = cuts.size() - 1; b-- > 0;) {
    Matrix block(d, cuts[b + 1] - cuts[b]);
    rng.fill_normal(block, RngUse::kStepNoise, static_cast<std::uint64_t>(cuts[b]), 3);
    pieces.middleCols(cuts[b], block.cols()) = block;
  }
  EXPECT_TRUE(rng_same_bits(whole, pieces));

  // One particle at a time through RngStream, in a scrambled order, one normal() at a time.
  Matrix single(d, n);
  for (Index j = 0; j < n; ++j) {
    const Index jj = (j * 31) % n;  // 31 and 53 are coprime: a permutation
    RngStream s = rng.stream(RngUse::kStepNoise, static_cast<std::uint64_t>(jj), 3);
    for (Index k = 0; k < d; ++k) single(k, jj) = s.normal();
  }
  EXPECT_TRUE(rng_same_bits(whole, single));
}

TEST(CounterRng, SameBitsForOneAndTwoThreads) {
  RngThreadGuard guard;
  const CounterRng rng(99);
  const Index d = 5, n = 1000;
  auto generate = [&](int threads, Index block) {
    set_threads(threads);
    Matrix Z(d, n);
    parallel_blocks(n, block, [&](Index begin, Index count) {
      Matrix part(d, count);
      rng.fill_normal(part, RngUse::kInitial, static_cast<std::uint64_t>(begin), 0);
      Z.middleCols(begin, count) = part;
    });
    return Z;
  };
  const Matrix one = generate(1, 1000);
  EXPECT_TRUE(rng_same_bits(one, generate(2, 7)));
  EXPECT_TRUE(rng_same_bits(one, generate(2, 256)));
  EXPECT_TRUE(rng_same_bits(one, generate(1, 33)));
}

TEST(CounterRng, DistinctKeysGiveDistinctStreams) {
  auto first = [](std::uint64_t seed, RngUse use, std::uint64_t particle, std::uint64_t step) {
    RngStream s(seed, use, particle, step);
    std::vector<double> v(8);
    s.fill_normal(v.data(), 8);
    return v;
  };
  const auto base = first(1, RngUse::kStepNoise, 10, 20);
  EXPECT_EQ(base, first(1, RngUse::kStepNoise, 10, 20));  // a pure function of the key
  EXPECT_NE(base, first(2, RngUse::kStepNoise, 10, 20));
  EXPECT_NE(base, first(1, RngUse::kCorrector, 10, 20));
  EXPECT_NE(base, first(1, RngUse::kStepNoise, 11, 20));
  EXPECT_NE(base, first(1, RngUse::kStepNoise, 10, 21));
  // Swapping particle and step must not alias either.
  EXPECT_NE(first(1, RngUse::kStepNoise, 3, 4), first(1, RngUse::kStepNoise, 4, 3));
  // Derived seeds differ from each other and from the parent seed.
  const CounterRng rng(1);
  std::set<std::uint64_t> derived;
  for (std::uint64_t i = 0; i < 100; ++i) derived.insert(rng.derive(i));
  EXPECT_EQ(derived.size(), 100u);
  EXPECT_EQ(derived.count(1), 0u);
  EXPECT_NE(CounterRng(2).derive(0), rng.derive(0));
}

TEST(RngStream, NormalSequenceEqualsFillNormal) {
  std::vector<double> filled(23);
  RngStream(5, RngUse::kUser, 1, 2).fill_normal(filled.data(), 23);
  RngStream a(5, RngUse::kUser, 1, 2);
  for (int i = 0; i < 23; ++i) EXPECT_EQ(a.normal(), filled[i]) << i;
  // Mixing the two continues the same sequence: 3 normal(), fill 11, then normal() again.
  RngStream b(5, RngUse::kUser, 1, 2);
  std::vector<double> mixed(23);
  for (int i = 0; i < 3; ++i) mixed[i] = b.normal();
  b.fill_normal(mixed.data() + 3, 11);
  for (int i = 14; i < 23; ++i) mixed[i] = b.normal();
  EXPECT_EQ(mixed, filled);
}

TEST(RngStream, UniformIsInsideTheOpenInterval) {
  RngStream s(7, RngUse::kAccept, 0, 0);
  for (int i = 0; i < 100000; ++i) {
    const double u = s.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

// Kolmogorov-Smirnov statistic sup |F_n - F| of a sample against a continuous cdf.
template <typename Cdf>
double ks_statistic(std::vector<double> x, Cdf cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double D = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double F = cdf(x[i]);
    D = std::max({D, (i + 1) / n - F, F - i / n});
  }
  return D;
}

// The asymptotic 99.9% quantile of sqrt(n) D_n (Kolmogorov distribution): 1.9495.
constexpr double kKs999 = 1.9495;

TEST(RngStream, NormalMomentsAndKolmogorovSmirnov) {
  const int n = 100000;
  // Spread over many particles (the usual use) and long streams.
  std::vector<double> x(n);
  const CounterRng rng(31337);
  Matrix Z(10, n / 10);
  rng.fill_normal(Z, RngUse::kMonteCarlo, 0, 0);
  std::copy(Z.data(), Z.data() + n, x.begin());
  double m1 = 0, m2 = 0, m4 = 0;
  for (double v : x) m1 += v;
  m1 /= n;
  for (double v : x) {
    m2 += (v - m1) * (v - m1);
    m4 += std::pow(v - m1, 4);
  }
  m2 /= n;
  m4 /= n;
  // Standard errors under N(0, 1): 1/sqrt(n), sqrt(2/n), sqrt(24/n) (mean, variance, kurtosis).
  EXPECT_NEAR(m1, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(m2, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(m4 / (m2 * m2), 3.0, 5 * std::sqrt(24.0 / n));
  const double D = ks_statistic(x, [](double v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); });
  EXPECT_LT(D * std::sqrt(static_cast<double>(n)), kKs999);

  // One long stream as well.
  RngStream s(4, RngUse::kUser, 0, 0);
  s.fill_normal(x.data(), n);
  const double D1 = ks_statistic(x, [](double v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); });
  EXPECT_LT(D1 * std::sqrt(static_cast<double>(n)), kKs999);
}

TEST(RngStream, UniformKolmogorovSmirnov) {
  const int n = 100000;
  std::vector<double> u(n);
  RngStream s(8, RngUse::kAccept, 0, 0);
  for (double& v : u) v = s.uniform();
  EXPECT_LT(ks_statistic(u, [](double v) { return v; }) * std::sqrt(static_cast<double>(n)),
            kKs999);
  // One uniform per particle (how Metropolis tests draw them).
  for (int j = 0; j < n; ++j)
    u[j] = RngStream(8, RngUse::kAccept, static_cast<std::uint64_t>(j), 5).uniform();
  EXPECT_LT(ks_statistic(u, [](double v) { return v; }) * std::sqrt(static_cast<double>(n)),
            kKs999);
}

TEST(RngStream, KsStatisticDetectsAWrongLaw) {
  // The check above can fail: a shifted sample is rejected.
  const int n = 20000;
  std::vector<double> x(n);
  RngStream s(4, RngUse::kUser, 0, 0);
  s.fill_normal(x.data(), n);
  for (double& v : x) v += 0.1;
  EXPECT_GT(ks_statistic(x, [](double v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); }) *
                std::sqrt(static_cast<double>(n)),
            kKs999);
}

}  // namespace
}  // namespace difflab
