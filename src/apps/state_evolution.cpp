#include "difflab/apps/state_evolution.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab::apps {

double rademacher_channel_overlap(double gamma) {
  require(std::isfinite(gamma) && gamma >= 0, "state evolution: gamma must be >= 0, got ", gamma);
  if (gamma == 0) return 0.0;
  constexpr int kPoints = 961;  // step 0.025 on [-12, 12]
  constexpr double kLo = -12.0, kHi = 12.0;
  const double h = (kHi - kLo) / (kPoints - 1);
  const double root = std::sqrt(gamma);
  double sum = 0;
  for (int i = 0; i < kPoints; ++i) {
    const double g = kLo + h * i;
    const double w = (i == 0 || i == kPoints - 1) ? 0.5 : 1.0;
    sum += w * std::exp(-0.5 * g * g) * std::tanh(gamma + root * g);
  }
  return sum * h / std::sqrt(2.0 * M_PI);
}

double sk_state_evolution_q(double beta, double t) {
  require(std::isfinite(beta) && beta >= 0, "state evolution: beta must be >= 0, got ", beta);
  require(std::isfinite(t) && t >= 0, "state evolution: t must be >= 0, got ", t);
  const auto F = [&](double q) { return rademacher_channel_overlap(beta * beta * q + t) - q; };
  // Scan downward from q = 1 (F(1) < 0 since tanh < 1) for the largest q with F(q) >= 0.
  constexpr int kScan = 200;  // F has a single sign change on (0, 1] for this prior
  double hi = 1.0;
  for (int i = kScan - 1; i >= 0; --i) {
    const double q = static_cast<double>(i) / kScan;
    if (F(q) >= 0) {
      if (q == 0 && t == 0) {
        // F(0) = 0 exactly when t = 0; a positive root exists only if F > 0 just above 0, which
        // the scan would have found at a larger grid point unless it lies below 1/kScan.
        if (F(1e-9) <= 0) return 0.0;
      }
      double lo = (q == 0) ? (t == 0 ? 1e-9 : 0.0) : q;
      for (int it = 0; it < 100; ++it) {  // bisection: F(lo) >= 0 > F(hi)
        const double mid = 0.5 * (lo + hi);
        (F(mid) >= 0 ? lo : hi) = mid;
      }
      return 0.5 * (lo + hi);
    }
    hi = q;
  }
  return 0.0;
}

double z2_state_evolution_q(double beta) { return sk_state_evolution_q(beta, 0.0); }

}  // namespace difflab::apps
