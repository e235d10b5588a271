#include "difflab/metrics/histogram_tv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

double Phi(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

Matrix gaussian(const Vector& mean, const Vector& sd, Index n, std::uint64_t seed) {
  Matrix Z(mean.size(), n);
  CounterRng(seed).fill_normal(Z, RngUse::kUser, 0, 0);
  return (sd.asDiagonal() * Z).colwise() + mean;
}

double histogram_standard_error(const Estimate& e) {
  return (e.ci_hi - e.ci_lo) / (2 * kNormalQuantile975);
}

// Cell probabilities of N(m, s^2) on `bins` equal bins of [lo, hi], plus the outside mass last.
std::vector<double> binned_normal(double m, double s, double lo, double hi, int bins) {
  std::vector<double> p;
  for (int b = 0; b < bins; ++b) {
    const double a = lo + (hi - lo) * b / bins, c = lo + (hi - lo) * (b + 1) / bins;
    p.push_back(Phi((c - m) / s) - Phi((a - m) / s));
  }
  p.push_back(Phi((lo - m) / s) + 1 - Phi((hi - m) / s));
  return p;
}

// The estimator targets the TV of the binned laws, 1/2 sum |p_c - q_c|, from above with a
// plug-in bias of at most 1/2 sum_c sqrt(p_c(1-p_c)/n + q_c(1-q_c)/m) (Jensen). So
// truth - 4.5 se <= estimate <= truth + bias bound + 4.5 se.
void expect_consistent(const Estimate& e, const std::vector<double>& p,
                       const std::vector<double>& q, double n, double m) {
  double truth = 0, bias = 0;
  for (std::size_t c = 0; c < p.size(); ++c) {
    truth += 0.5 * std::abs(p[c] - q[c]);
    bias += 0.5 * std::sqrt(p[c] * (1 - p[c]) / n + q[c] * (1 - q[c]) / m);
  }
  const double se = histogram_standard_error(e);
  EXPECT_GE(e.value, truth - 4.5 * se) << "binned truth " << truth;
  EXPECT_LE(e.value, truth + bias + 4.5 * se) << "binned truth " << truth << ", bias " << bias;
}

TEST(HistogramTv, OneDimensionalMatchesBinnedTruth) {
  Vector m0(1), s0(1), m1(1), s1(1);
  m0 << 0;
  s0 << 1;
  m1 << 1;
  s1 << 1.5;
  const Index n = 20000, m = 15000;
  HistogramTvOptions opt;
  opt.bins = {30};
  opt.lower = Vector::Constant(1, -4);
  opt.upper = Vector::Constant(1, 5);
  const Estimate e = histogram_tv(gaussian(m0, s0, n, 1), gaussian(m1, s1, m, 2), opt);
  expect_consistent(e, binned_normal(0, 1, -4, 5, 30), binned_normal(1, 1.5, -4, 5, 30), n, m);
  EXPECT_EQ(e.n_p, n);
  EXPECT_EQ(e.n_q, m);
}

TEST(HistogramTv, TwoDimensionalProductLawsMatchBinnedTruth) {
  Vector m0(2), s0(2), m1(2), s1(2);
  m0 << 0, 0;
  s0 << 1, 1;
  m1 << 0.8, 0;
  s1 << 1, 1.3;
  const Index n = 20000;
  HistogramTvOptions opt;
  opt.bins = {12, 10};
  opt.lower = Vector::Constant(2, -3.5);
  opt.upper = Vector::Constant(2, 4);
  const Estimate e = histogram_tv(gaussian(m0, s0, n, 3), gaussian(m1, s1, n, 4), opt);
  // Cell (a, b) has probability px[a] * py[b]; the outside cell collects the rest.
  auto cells = [](double mx, double sx, double my, double sy) {
    const auto px = binned_normal(mx, sx, -3.5, 4, 12), py = binned_normal(my, sy, -3.5, 4, 10);
    std::vector<double> c;
    double inside = 0;
    for (int b = 0; b < 10; ++b)
      for (int a = 0; a < 12; ++a) {
        c.push_back(px[a] * py[b]);
        inside += c.back();
      }
    c.push_back(1 - inside);
    return c;
  };
  expect_consistent(e, cells(0, 1, 0, 1), cells(0.8, 1, 0, 1.3), n, n);
}

// Freedman-Diaconis grid on well-separated laws: TV(N(0,1), N(3,1)) = 2 Phi(1.5) - 1; binning
// can only lower it, the plug-in bias is small at n = 20000.
TEST(HistogramTv, FreedmanDiaconisRecoversSeparatedLaws) {
  const Vector zero = Vector::Zero(1), one = Vector::Ones(1);
  const Estimate e = histogram_tv(gaussian(zero, one, 20000, 5),
                                  gaussian(Vector::Constant(1, 3.0), one, 20000, 6));
  EXPECT_NEAR(e.value, 2 * Phi(1.5) - 1, 0.02);
  EXPECT_NE(e.method.find("freedman_diaconis"), std::string::npos);
}

TEST(HistogramTv, BadInputIsAClearError) {
  const Matrix X = gaussian(Vector::Zero(3), Vector::Ones(3), 100, 1);
  EXPECT_THROW(histogram_tv(X, X), Error);  // d = 3
  const Matrix Y = X.topRows(1);
  EXPECT_THROW(histogram_tv(Y, X.topRows(2)), Error);
  EXPECT_THROW(histogram_tv(Y, Matrix(1, 0)), Error);
  HistogramTvOptions opt;
  opt.bins = {0};
  EXPECT_THROW(histogram_tv(Y, Y, opt), Error);
  opt.bins = {10};
  opt.lower = Vector::Constant(1, 1.0);
  opt.upper = Vector::Constant(1, 0.0);
  EXPECT_THROW(histogram_tv(Y, Y, opt), Error);
  Matrix bad = Y;
  bad(0, 5) = NAN;
  EXPECT_THROW(histogram_tv(bad, Y), Error);
  EXPECT_THROW(histogram_tv(Matrix::Zero(1, 10), Matrix::Zero(1, 10)), Error);  // IQR 0
}

}  // namespace
}  // namespace difflab
