#pragma once
// One-dimensional laws whose noised law is computed by quadrature: logistic and a tabulated
// density on a grid.
//
// g(u) = int p(x) N(u; x, k^2) dx (k = sigma / alpha) and g'(u) = int p(x) (x - u)/k^2 N dx are
// integrated by composite Gauss-Legendre rules. log p is concave between breakpoints (logistic:
// everywhere; grid: the log of a linear piece), so h(x) = log p(x) - (x - u)^2/(2k^2) is strictly
// concave on each piece: the quadrature starts at its maximiser x* (safeguarded Newton) and marches
// outwards with 20-point panels no wider than 4 / sqrt(-h''), 20 / |h'| and the density's own
// scale (poles of the logistic density at distance pi * scale from the real axis), stopping once
// h < max h - 45 (relative contribution below e^{-45}). Panels never cross a kink.
#include <vector>

#include "difflab/target/law1d.hpp"

namespace difflab {

// Logistic(loc, s): p(x) = e^{-z} / (s (1 + e^{-z})^2), z = (x - loc)/s.
// Spec {"type":"logistic","loc":0,"scale":1}.
class Logistic1D final : public Law1D {
 public:
  Logistic1D(double loc, double scale, const std::string& where = "logistic");
  std::string type() const override { return "logistic"; }
  nlohmann::json to_json() const override;
  double sample(RngStream& stream) const override;
  double mean() const override { return loc_; }
  double second_moment() const override;
  double entropy() const override;
  // Exact: max(1, 1/(2 s^2)). The logistic is log-concave with -(log p)'' <= beta = 1/(2 s^2),
  // so 0 <= -(log q_t)'' <= beta / (alpha^2 + beta sigma^2) (posterior variance bounds of a
  // log-concave law; second-order Tweedie, docs/theory.md 1.2), which is beta at t = 0 (attained at
  // loc) and tends to 1 as t -> infinity.
  std::optional<double> score_lipschitz() const override;
  void noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
              Vector* score) const override;

 private:
  double loc_, s_;
};

// Piecewise-linear density through (x_i, density_i), zero outside [x_0, x_m], normalised to
// integrate to 1. Spec {"type":"grid","x":[...],"density":[...]} (x strictly increasing, at
// least 2 points, densities >= 0 and not all zero). Sampling by inverse CDF.
class Grid1D final : public Law1D {
 public:
  Grid1D(std::vector<double> x, std::vector<double> density, const std::string& where = "grid");
  std::string type() const override { return "grid"; }
  nlohmann::json to_json() const override;
  double sample(RngStream& stream) const override;
  double mean() const override { return mean_; }
  double second_moment() const override { return second_moment_; }
  double entropy() const override;
  std::optional<double> score_lipschitz() const override { return std::nullopt; }  // kinks
  void noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
              Vector* score) const override;

  // Normalised density at x (0 outside the grid).
  double density(double x) const;

 private:
  std::vector<double> x_, input_density_, p_, cdf_;
  double mean_ = 0, second_moment_ = 0, log_pmax_ = 0;
};

}  // namespace difflab
