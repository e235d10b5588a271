#pragma once
// Numerical building blocks of the one-dimensional laws (private to src/target): Gauss-Legendre
// rules, the scaled complementary error function in log space, and log-sum-exp.
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

namespace difflab::law1d_detail {

inline constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))
inline constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// n-point Gauss-Legendre rule on [-1, 1] (nodes by Newton on P_n from the Chebyshev guesses).
template <int N>
struct GaussLegendre {
  std::array<double, N> x{};
  std::array<double, N> w{};
  GaussLegendre() {
    for (int i = 0; i < N; ++i) {
      double z = std::cos(std::numbers::pi * (i + 0.75) / (N + 0.5));
      double dp = 0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1, p1 = z;
        for (int k = 2; k <= N; ++k) {
          const double p2 = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = N * (z * p1 - p0) / (z * z - 1);
        const double step = p1 / dp;
        z -= step;
        if (std::abs(step) < 1e-16) break;
      }
      x[static_cast<std::size_t>(i)] = z;
      w[static_cast<std::size_t>(i)] = 2.0 / ((1 - z * z) * dp * dp);
    }
  }
};

// Shared instances (function-local statics: thread-safe initialisation).
inline const GaussLegendre<20>& gauss_legendre20() {
  static const GaussLegendre<20> rule;
  return rule;
}
inline const GaussLegendre<8>& gauss_legendre8() {
  static const GaussLegendre<8> rule;
  return rule;
}

// log erfcx(z) = z^2 + log erfc(z) for z >= 26 by the asymptotic series
// erfcx(z) ~ 1/(z sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2 z^2)^k (Abramowitz & Stegun 7.1.23); at
// z >= 26 the ninth term is below 1e-19, so nine terms give full double precision.
inline double log_erfcx_asymptotic(double z) {
  const double r = 1.0 / (2.0 * z * z);
  double term = 1, sum = 0;
  for (int k = 1; k <= 9; ++k) {
    term *= -(2.0 * k - 1) * r;
    sum += term;
  }
  return -std::log(z) - 0.5 * std::log(std::numbers::pi) + std::log1p(sum);
}

// log(e^{c} erfc(z)) evaluated without overflow or underflow, where the caller guarantees that
// c - z^2 = e (a modest "exponent" passed as well): for z < 26, c + log erfc(z) directly
// (erfc has full relative precision and does not underflow there); beyond, e + log erfcx(z).
inline double log_exp_erfc(double c, double z, double e) {
  if (z < 26.0) return c + std::log(std::erfc(z));
  return e + log_erfcx_asymptotic(z);
}

inline double log_add_exp(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

}  // namespace difflab::law1d_detail
