#pragma once
// Exact law of the continuous-time reverse SDE (seed lecture eq. (2)) with the exact score of a
// Gaussian target N(mu, Sigma), started from N(0, I) instead of q_T and stopped at forward time
// delta (docs/theory.md 5.3). Its distance to the target is the initialisation error alone
// (plus early stopping); the discretisation error of a sampler is measured against it.
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {

// OU process only (docs/theory.md 5.3 is derived for dX = -X dt + sqrt(2) dB).
GaussianLaw continuous_reverse_sde_law(const GaussianTarget& target, double T, double delta);

}  // namespace difflab
