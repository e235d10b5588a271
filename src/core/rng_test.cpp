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

// The batched Box-Muller transform against the same formula in long double with libm's logl,
// cosl and sinl, on random words and the extreme ones: |z - z_ref| <= 4 ulp of r. A wrong
// coefficient, quadrant or range reduction in the hand-written log/sin/cos fails this.
TEST(RngBoxMuller, MatchesALongDoubleReference) {
  RngStream s(11, RngUse::kUser, 0, 0);
  const Index pairs = 200000;
  std::vector<std::uint64_t> w(2 * pairs);
  for (auto& v : w) v = s.bits();
  // Extremes: smallest and largest uniforms, every quadrant boundary of the angle.
  const std::uint64_t edge[] = {0,
                                ~0ULL,
                                1ULL << 63,
                                1ULL << 62,
                                3ULL << 62,
                                (1ULL << 62) - 1,
                                (1ULL << 61),
                                (1ULL << 61) - 4096,
                                (3ULL << 61),
                                (5ULL << 61) + 4096,
                                (7ULL << 61),
                                0xFFFFFFFFFFFFF000ULL};
  Index k = 0;
  for (std::uint64_t a : edge)
    for (std::uint64_t b : edge) {
      w[2 * k] = a;
      w[2 * k + 1] = b;
      ++k;
    }
  std::vector<double> z(2 * pairs);
  rng_detail::box_muller(w.data(), z.data(), pairs);
  const long double two_pi = 6.283185307179586476925286766559005768L;
  double worst = 0;
  for (Index i = 0; i < pairs; ++i) {
    const long double u1 = (static_cast<long double>(w[2 * i] >> 12) + 0.5L) * 0x1p-52L;
    const long double u2 = (static_cast<long double>(w[2 * i + 1] >> 12) + 0.5L) * 0x1p-52L;
    const long double r = std::sqrt(-2.0L * std::log(u1));
    const long double c = r * std::cos(two_pi * u2), sn = r * std::sin(two_pi * u2);
    const double err =
        static_cast<double>(std::max(std::fabs(z[2 * i] - c), std::fabs(z[2 * i + 1] - sn)) / r);
    worst = std::max(worst, err);
    ASSERT_TRUE(std::isfinite(z[2 * i]) && std::isfinite(z[2 * i + 1])) << i;
  }
  EXPECT_LT(worst, 4 * 0x1.0p-52) << "worst error / r = " << worst;
}

// The transform gives the same bits for a pair whether it is computed in a full vector batch or
// alone (the determinism the batched paths rely on).
TEST(RngBoxMuller, BatchAndSinglePairGiveTheSameBits) {
  RngStream s(12, RngUse::kUser, 0, 0);
  const Index pairs = 53;
  std::vector<std::uint64_t> w(2 * pairs);
  for (auto& v : w) v = s.bits();
  std::vector<double> batch(2 * pairs), single(2 * pairs);
  rng_detail::box_muller(w.data(), batch.data(), pairs);
  for (Index i = 0; i < pairs; ++i)
    rng_detail::box_muller(w.data() + 2 * i, single.data() + 2 * i, 1);
  EXPECT_EQ(0, std::memcmp(batch.data(), single.data(), batch.size() * sizeof(double)));
}

TEST(RngBoxMuller, RadiusUniformIsStrictlyInsideTheUnitInterval) {
  EXPECT_EQ(rng_detail::open_unit52(0), 0x1.0p-53);
  EXPECT_EQ(rng_detail::open_unit52(~0ULL), 1.0 - 0x1.0p-53);
  EXPECT_EQ(rng_detail::open_unit52(1ULL << 63), 0.5 + 0x1.0p-53);
  EXPECT_TRUE(std::isfinite(std::log(rng_detail::open_unit52(0))));
  EXPECT_LT(std::log(rng_detail::open_unit52(~0ULL)), 0.0);
}

// The strided overload (a block of a larger matrix, as the samplers pass an Eigen::Ref) writes
// exactly its rows and columns, with the numbers of the contiguous fill.
TEST(CounterRng, StridedFillEqualsContiguousFill) {
  const CounterRng rng(77);
  for (Index d : {1, 3, 4, 5, 32, 37}) {
    Matrix whole(d, 29);
    rng.fill_normal(whole, RngUse::kStepNoise, 100, 4);
    Matrix big = Matrix::Constant(d + 6, 40, 123.0);
    rng.fill_normal(big.data() + 2 + 3 * big.rows(), d, 29, big.rows(), RngUse::kStepNoise, 100, 4);
    EXPECT_TRUE(rng_same_bits(big.block(2, 3, d, 29), whole)) << d;
    // Nothing outside the block was written.
    Matrix outside = big;
    outside.block(2, 3, d, 29).setConstant(123.0);
    EXPECT_TRUE((outside.array() == 123.0).all()) << d;
  }
}

// Normal cdf and a chi-square test on fixed bins.
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Pearson's chi-square of a sample against N(0, 1) on the bins (-inf, -4], (-4, -3.9], ...,
// (3.9, 4], (4, inf): 82 bins, expected counts >= 3 for n >= 2e5 in the smallest.
double chi_square_normal(const std::vector<double>& x) {
  std::vector<double> edges;
  for (int i = -40; i <= 40; ++i) edges.push_back(0.1 * i);
  std::vector<double> count(edges.size() + 1, 0.0);
  for (double v : x)
    count[static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), v) -
                                   edges.begin())] += 1;
  const double n = static_cast<double>(x.size());
  double chi2 = 0;
  for (std::size_t b = 0; b < count.size(); ++b) {
    const double lo = b == 0 ? 0.0 : normal_cdf(edges[b - 1]);
    const double hi = b == edges.size() ? 1.0 : normal_cdf(edges[b]);
    const double e = n * (hi - lo);
    chi2 += (count[b] - e) * (count[b] - e) / e;
  }
  return chi2;
}

// The 99.9% quantile of chi-square with k degrees of freedom (Wilson-Hilferty; within 0.5% for
// k = 81).
double chi_square_999(double k) {
  const double a = 2.0 / (9.0 * k);
  return k * std::pow(1.0 - a + 3.0902 * std::sqrt(a), 3);
}

TEST(CounterRng, ChiSquareAgainstTheNormalCdf) {
  const CounterRng rng(2718);
  Matrix Z(32, 31250);  // 1e6 normals, the sampler's path (d = 32)
  rng.fill_normal(Z, RngUse::kStepNoise, 0, 7);
  std::vector<double> x(Z.data(), Z.data() + Z.size());
  EXPECT_LT(chi_square_normal(x), chi_square_999(81));
  // d = 3 (batches span several particles and drop the 4th normal of each block).
  Matrix Y(3, 333333);
  rng.fill_normal(Y, RngUse::kInitial, 5, 0);
  std::vector<double> y(Y.data(), Y.data() + Y.size());
  EXPECT_LT(chi_square_normal(y), chi_square_999(81));
  // The test can fail: 1% too wide a law is rejected at this n.
  for (double& v : x) v *= 1.01;
  EXPECT_GT(chi_square_normal(x), chi_square_999(81));
}

// Tails: in 4e7 normals, the counts beyond 4, 4.5 and 5 on each side are Poisson with the
// normal law's means (2 e7 P(Z > t): 633.4, 68.0, 5.73 per side; 1267, 136, 11.5 both sides).
// Accept within 4.5 Poisson standard deviations (+1). A generator whose radius uniform had too
// few bits near 0, or whose log lost accuracy for small u, would miss these.
TEST(CounterRng, TailFrequenciesMatchTheNormalLaw) {
  const CounterRng rng(4242);
  const Index d = 32, n = 1250000;  // 4e7
  const double ts[] = {4.0, 4.5, 5.0};
  double upper[3] = {}, lower[3] = {};
  double zmax = 0;
  Matrix Z(d, 50000);
  for (Index first = 0; first < n; first += Z.cols()) {
    rng.fill_normal(Z, RngUse::kMonteCarlo, static_cast<std::uint64_t>(first), 1);
    for (Index i = 0; i < Z.size(); ++i) {
      const double v = Z.data()[i];
      zmax = std::max(zmax, std::fabs(v));
      for (int k = 0; k < 3; ++k) {
        upper[k] += v > ts[k];
        lower[k] += v < -ts[k];
      }
    }
  }
  const double total = static_cast<double>(d * n);
  for (int k = 0; k < 3; ++k) {
    const double mu = total * normal_cdf(-ts[k]);
    EXPECT_NEAR(upper[k], mu, 4.5 * std::sqrt(mu) + 1) << "z > " << ts[k];
    EXPECT_NEAR(lower[k], mu, 4.5 * std::sqrt(mu) + 1) << "z < -" << ts[k];
    EXPECT_NEAR(upper[k] + lower[k], 2 * mu, 4.5 * std::sqrt(2 * mu) + 1) << "|z| > " << ts[k];
  }
  // P(max |z| over 4e7 < 5) = (1 - 5.7e-7)^4e7 ~ 1e-10.
  EXPECT_GT(zmax, 5.0);
}

// Independence: across particles (same step, same row), within a block (the cos and sin of one
// pair, and the two pairs of a block), across blocks and across steps. Correlations of the
// values and of their squares (the squares see a shared radius or angle, which plain
// correlation does not) must be within 5 standard errors (1/sqrt(m) and, for squares, also
// 1/sqrt(m) after standardising) of 0.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double m = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= m;
  mb /= m;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(CounterRng, StreamsAndLanesAreUncorrelated) {
  const CounterRng rng(55);
  const Index d = 8, n = 200000;
  Matrix A(d, n), B(d, n);
  rng.fill_normal(A, RngUse::kStepNoise, 0, 3);
  rng.fill_normal(B, RngUse::kStepNoise, 0, 4);  // the next step
  auto check = [&](const char* what, auto x_of, auto y_of, Index m) {
    std::vector<double> x(static_cast<std::size_t>(m)), y(x.size()), x2(x.size()), y2(x.size());
    for (Index i = 0; i < m; ++i) {
      x[i] = x_of(i);
      y[i] = y_of(i);
      x2[i] = x[i] * x[i];
      y2[i] = y[i] * y[i];
    }
    const double bound = 5 / std::sqrt(static_cast<double>(m));
    EXPECT_LT(std::fabs(correlation(x, y)), bound) << what;
    EXPECT_LT(std::fabs(correlation(x2, y2)), bound) << what << " (squares)";
  };
  const Index m = n - 1;
  check(
      "adjacent particles", [&](Index i) { return A(0, i); }, [&](Index i) { return A(0, i + 1); },
      m);
  check(
      "cos and sin of one pair", [&](Index i) { return A(0, i); }, [&](Index i) { return A(1, i); },
      n);
  check(
      "the two pairs of a block", [&](Index i) { return A(1, i); },
      [&](Index i) { return A(2, i); }, n);
  check(
      "consecutive blocks", [&](Index i) { return A(3, i); }, [&](Index i) { return A(4, i); }, n);
  check(
      "same row, next step", [&](Index i) { return A(5, i); }, [&](Index i) { return B(5, i); }, n);
  // The check can fail: two values that share a radius, r cos(a) and r sin(b) with independent
  // angles a and b, are uncorrelated, but their squares are not.
  std::vector<double> x(static_cast<std::size_t>(n)), y(x.size());
  for (Index i = 0; i < n; ++i) {
    const double r = std::hypot(A(0, i), A(1, i));
    x[i] = r * std::cos(A(2, i)) * r * std::cos(A(2, i));
    y[i] = r * std::sin(A(3, i)) * r * std::sin(A(3, i));
  }
  EXPECT_GT(std::fabs(correlation(x, y)), 5 / std::sqrt(static_cast<double>(n)));
}

}  // namespace
}  // namespace difflab
