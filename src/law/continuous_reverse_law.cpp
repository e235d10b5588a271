#include "difflab/law/continuous_reverse_law.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

GaussianLaw continuous_reverse_sde_law(const GaussianTarget& target, double T, double delta) {
  require(std::isfinite(T) && std::isfinite(delta) && delta >= 0 && T > delta,
          "continuous reverse SDE law: need 0 <= delta < T, got T=", T, ", delta=", delta);
  // Per eigen-coordinate with eigenvalue lambda and mean coordinate mu (docs/theory.md 5.3):
  //   Phi  = e^{T-delta} (e^{2 delta} + lambda - 1) / (e^{2T} + lambda - 1)
  //   Var  = s_delta + (1 - lambda) e^{-2T} Phi^2,   s_r = 1 + (lambda - 1) e^{-2r}
  //   Mean = e^{-delta} mu - e^{-T} mu Phi
  // written with expm1 so that e^{2 delta} - 1 keeps its digits for small delta.
  const Index d = target.dim();
  const Vector& lambda = target.eigenvalues();
  const Vector mu = target.is_diagonal()
                        ? target.mean()
                        : Vector(target.eigenvectors().transpose() * target.mean());
  Vector mean(d), var(d);
  for (Index i = 0; i < d; ++i) {
    const double l = lambda(i);
    const double phi = std::exp(T - delta) * (std::expm1(2 * delta) + l) / (std::expm1(2 * T) + l);
    const double s_delta = 1.0 + (l - 1.0) * std::exp(-2 * delta);
    var(i) = s_delta + (1.0 - l) * std::exp(-2 * T) * phi * phi;
    mean(i) = std::exp(-delta) * mu(i) - std::exp(-T) * mu(i) * phi;
  }
  GaussianLaw law;
  if (target.is_diagonal()) {
    law.mean = mean;
    law.cov = var.asDiagonal();
  } else {
    const Matrix& U = target.eigenvectors();
    law.mean = U * mean;
    law.cov = U * var.asDiagonal() * U.transpose();
  }
  return law;
}

}  // namespace difflab
