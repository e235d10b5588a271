#include "difflab/train/gradient_clipping.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

double clip_gradient_norm(Vector& grad, double max_norm) {
  require(max_norm > 0 && std::isfinite(max_norm),
          "gradient clipping: max_norm must be > 0 and finite, got ", max_norm);
  const double norm = grad.norm();
  if (norm > max_norm) grad *= max_norm / norm;
  return norm;
}

}  // namespace difflab
