#include "difflab/metrics/empirical_w2.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

Matrix normals(Index d, Index n, std::uint64_t seed) {
  Matrix Z(d, n);
  CounterRng(seed).fill_normal(Z, RngUse::kUser, 0, 0);
  return Z;
}

// In 1-D with equal sizes the monotone (sorted) matching is optimal.
double sorted_matching_w2_squared(std::vector<double> x, std::vector<double> y) {
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - y[i]) * (x[i] - y[i]);
  return s / static_cast<double>(x.size());
}

// 1-D points embedded in the plane (second coordinate 0): the same W2, but solved by the network
// simplex instead of the 1-D monotone merge, so both paths meet the same truth.
Matrix in_plane(const Matrix& X) {
  Matrix P = Matrix::Zero(2, X.cols());
  P.row(0) = X.row(0);
  return P;
}

TEST(EmpiricalW2, OneDimensionalEqualSizesIsSortedMatching) {
  const Matrix X = normals(1, 150, 1), Y = 2.0 * normals(1, 150, 2).array() + 0.3;
  const double truth = sorted_matching_w2_squared(std::vector<double>(X.data(), X.data() + 150),
                                                  std::vector<double>(Y.data(), Y.data() + 150));
  const Estimate e = empirical_w2(X, Y);
  EXPECT_NEAR(e.value * e.value, truth, 1e-12 * truth);
  EXPECT_TRUE(e.is_exact());
  EXPECT_EQ(e.method, "exact_ot_monotone_1d");
  EXPECT_EQ(e.n_p, 150);
  EXPECT_EQ(e.n_q, 150);
  const Estimate p = empirical_w2(in_plane(X), in_plane(Y));
  EXPECT_EQ(p.method, "exact_ot_network_simplex");
  EXPECT_NEAR(p.value * p.value, truth, 1e-12 * truth);
}

// The 1-D merge needs no n x m cost matrix: 40000 x 30000 points (9.6 GB as a matrix).
TEST(EmpiricalW2, OneDimensionalLargeSetsNeedNoCostMatrix) {
  const Index n = 40000, m = 30000;
  const Matrix X = normals(1, n, 21), Y = 1.5 * normals(1, m, 22).array() - 0.2;
  // Truth by replication (as below) would need 1.2e9 points; instead an independent formulation
  // in u: int_0^1 (F^-1(u) - G^-1(u))^2 du, the quantile functions being constant between the
  // merged breakpoints {i/n} and {j/m} (no integer masses involved).
  std::vector<double> x(X.data(), X.data() + n), y(Y.data(), Y.data() + m);
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  long double s = 0;
  std::size_t i = 0, j = 0;
  long double u = 0;
  while (i < x.size() && j < y.size()) {
    const long double next =
        std::min((i + 1) / static_cast<long double>(n), (j + 1) / static_cast<long double>(m));
    const long double d = static_cast<long double>(x[i]) - y[j];
    s += (next - u) * d * d;
    u = next;
    if ((i + 1) / static_cast<long double>(n) <= next) ++i;
    if ((j + 1) / static_cast<long double>(m) <= next) ++j;
  }
  const Estimate e = empirical_w2(X, Y);
  EXPECT_NEAR(e.value * e.value, static_cast<double>(s), 1e-9 * static_cast<double>(s));
}

// Large enough that the sparse candidate graph (32 neighbours each way) misses arcs of the
// optimum, so column generation must add them: a scaled and shifted cloud moves every point's
// partner far from its nearest neighbours.
TEST(EmpiricalW2, ColumnGenerationReachesTheSortedMatchingAtScale) {
  const Index n = 600;
  const Matrix X = normals(1, n, 11), Y = 3.0 * normals(1, n, 12).array() + 2.5;
  const double truth = sorted_matching_w2_squared(std::vector<double>(X.data(), X.data() + n),
                                                  std::vector<double>(Y.data(), Y.data() + n));
  const Estimate e = empirical_w2(in_plane(X), in_plane(Y));
  EXPECT_NEAR(e.value * e.value, truth, 1e-10 * truth);
}

// Unequal sizes n = 7, m = 5: the uniform measure on 7 points is the uniform measure on the
// same points each repeated 5 times (and Y's repeated 7 times), so the truth is the sorted
// matching of two 35-point sets.
TEST(EmpiricalW2, OneDimensionalUnequalSizesViaReplication) {
  const Matrix X = normals(1, 7, 3), Y = normals(1, 5, 4).array() + 1.0;
  std::vector<double> xr, yr;
  for (int r = 0; r < 5; ++r) xr.insert(xr.end(), X.data(), X.data() + 7);
  for (int r = 0; r < 7; ++r) yr.insert(yr.end(), Y.data(), Y.data() + 5);
  const double truth = sorted_matching_w2_squared(xr, yr);
  for (const Estimate& e : {empirical_w2(X, Y), empirical_w2(in_plane(X), in_plane(Y))}) {
    EXPECT_NEAR(e.value * e.value, truth, 1e-12 * truth) << e.method;
    EXPECT_EQ(e.n_p, 7);
    EXPECT_EQ(e.n_q, 5);
  }
}

// The bootstrap replicates are weighted problems: the 1-D merge and the simplex agree on each,
// hence on the interval.
TEST(EmpiricalW2, OneDimensionalBootstrapMatchesTheSimplex) {
  const Matrix X = normals(1, 80, 13), Y = normals(1, 60, 14).array() + 0.7;
  EmpiricalW2Options opt;
  opt.bootstrap = 8;
  opt.seed = 2;
  const Estimate a = empirical_w2(X, Y, opt), b = empirical_w2(in_plane(X), in_plane(Y), opt);
  EXPECT_EQ(a.method, "exact_ot_monotone_1d_bootstrap");
  EXPECT_NEAR(a.ci_lo, b.ci_lo, 1e-9);
  EXPECT_NEAR(a.ci_hi, b.ci_hi, 1e-9);
}

// A translate of a point cloud is at W2 distance |v| (the shift plan costs |v|^2 and W2 >= the
// distance between the means).
TEST(EmpiricalW2, TranslationCostsTheShift) {
  const Matrix X = normals(3, 200, 5);
  Vector v(3);
  v << 0.4, -1.0, 0.25;
  const Matrix Y = X.colwise() + v;
  EXPECT_NEAR(empirical_w2(X, Y).value, v.norm(), 1e-12);
  EXPECT_NEAR(empirical_w2(X, X).value, 0.0, 1e-12);
}

TEST(EmpiricalW2, BootstrapGivesADeterministicInterval) {
  const Matrix X = normals(2, 120, 6), Y = normals(2, 90, 7).array() + 0.5;
  EmpiricalW2Options opt;
  opt.bootstrap = 10;
  opt.seed = 4;
  const Estimate a = empirical_w2(X, Y, opt);
  EXPECT_EQ(a.value, empirical_w2(X, Y).value);
  EXPECT_LT(a.ci_lo, a.value);
  EXPECT_GT(a.ci_hi, a.value);
  const Estimate b = empirical_w2(X, Y, opt);
  EXPECT_EQ(a.ci_lo, b.ci_lo);
  EXPECT_EQ(a.ci_hi, b.ci_hi);
}

// Samples that copy reference points (an empirical target's exact score memorises its data) make
// a transport problem full of ties; bootstrap duplicates add more. The simplex on double costs
// cycled on them (eval never returned); on integer costs it terminates with the exact value.
TEST(EmpiricalW2, CopiesOfTheReferenceTerminateWithTheExactValue) {
  const auto start = std::chrono::steady_clock::now();
  const Matrix Y = normals(3, 400, 21);
  Matrix twice(3, 800);
  twice << Y, Y;
  EXPECT_LT(empirical_w2(twice, Y).value, 1e-12);
  // Random copies in 1-D: the simplex (points in the plane) against the monotone merge, with the
  // bootstrap's resampled duplicates on both sides.
  const Matrix y = normals(1, 300, 22);
  Matrix x(1, 600);
  const CounterRng rng(23);
  RngStream pick = rng.stream(RngUse::kUser, 0, 0);
  for (Index k = 0; k < x.cols(); ++k)
    x(0, k) = y(0, std::min<Index>(299, static_cast<Index>(pick.uniform() * 300)));
  EmpiricalW2Options opt;
  opt.bootstrap = 20;
  opt.seed = 3;
  const Estimate merge = empirical_w2(x, y, opt),
                 simplex = empirical_w2(in_plane(x), in_plane(y), opt);
  EXPECT_NEAR(simplex.value, merge.value, 1e-9);
  EXPECT_NEAR(simplex.ci_lo, merge.ci_lo, 1e-9);
  EXPECT_NEAR(simplex.ci_hi, merge.ci_hi, 1e-9);
  EXPECT_GT(merge.value, 0.0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 30.0);
}

TEST(EmpiricalW2, SameResultForAnyThreadCount) {
  const int saved = thread_count();
  const Matrix X = normals(4, 300, 8), Y = normals(4, 260, 9);
  set_threads(1);
  const double one = empirical_w2(X, Y).value;
  set_threads(2);
  const double two = empirical_w2(X, Y).value;
  set_threads(saved);
  EXPECT_EQ(one, two);
}

TEST(EmpiricalW2, BadInputIsAClearError) {
  const Matrix X = normals(2, 10, 1);
  EXPECT_THROW(empirical_w2(X, normals(3, 10, 2)), Error);
  EXPECT_THROW(empirical_w2(X, Matrix(2, 0)), Error);
  Matrix bad = X;
  bad(1, 3) = NAN;
  try {
    empirical_w2(bad, X);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("X: particle 3 coordinate 1 is not finite"),
              std::string::npos);
  }
  EmpiricalW2Options opt;
  opt.bootstrap = 1;
  EXPECT_THROW(empirical_w2(X, X, opt), Error);
}

}  // namespace
}  // namespace difflab
