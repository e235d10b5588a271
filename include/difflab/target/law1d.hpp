#pragma once
// One-dimensional laws: the factors of a product target (product_target.hpp).
//
// A law knows its density p and, for any alpha in (0, 1] and sigma^2 >= 0, the density of
// Law(alpha X + sigma Z), Z ~ N(0, 1) independent of X ~ p:
//   q(y) = int p(x) N(y; alpha x, sigma^2) dx = (1/alpha) (p * N(0, kappa^2))(y / alpha),
// with kernel width kappa = sigma / alpha, and its score, which by Tweedie (docs/theory.md 1.2) is
//   d/dy log q(y) = (alpha E[X | y] - y) / sigma^2.
// Closed forms where they exist (Gaussian, Gaussian mixture, Laplace); composite Gauss-Legendre
// quadrature otherwise (logistic, tabulated grid). sigma^2 = 0 means the (scaled) law itself.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab {

class Law1D {
 public:
  virtual ~Law1D() = default;
  virtual std::string type() const = 0;
  // The spec this law was built from ({"type": ..., ...}); make_law1d(to_json()) rebuilds it.
  virtual nlohmann::json to_json() const = 0;

  // One exact draw, consuming numbers from the caller's stream.
  virtual double sample(RngStream& stream) const = 0;
  virtual double mean() const = 0;
  virtual double second_moment() const = 0;  // E[X^2]
  // Differential entropy -int p log p (closed form or 1-D quadrature).
  virtual double entropy() const = 0;
  // sup over OU times t >= 0 and y of |d^2/dy^2 log q_t(y)|; empty when unbounded (a kink or a
  // jump in the density makes it blow up as t -> 0) or unknown.
  virtual std::optional<double> score_lipschitz() const = 0;

  // log q(y) and d/dy log q(y) for Law(alpha X + sigma Z) at each entry of y; either output may
  // be null. Outputs are resized to y.size().
  virtual void noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
                      Vector* score) const = 0;

  // KL(p || N(0, 1)) = -H(p) + log sqrt(2 pi) + E[X^2] / 2.
  double kl_to_standard_normal() const;
  // Single-point conveniences (tests, quadrature).
  double noised_log_density(double alpha, double sigma2, double y) const;
  double noised_score(double alpha, double sigma2, double y) const;

 protected:
  // Common argument checks of noised(): alpha in (0, 1], sigma^2 >= 0, both finite.
  void check_noise(double alpha, double sigma2) const;
};

// Builds a law from its spec; `where` prefixes error messages. Valid types: laplace, logistic,
// mixture, gaussian, grid (see law1d_closed_form.hpp and law1d_quadrature.hpp for the keys).
std::shared_ptr<const Law1D> make_law1d(const nlohmann::json& spec, const std::string& where);

}  // namespace difflab
