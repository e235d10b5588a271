#pragma once
// Exact output law of a one-step sampler that acts coordinate by coordinate, in O(d N).
//
// When the target is Gaussian with diagonal covariance and the score is affine and diagonal
// (the exact score, a constant-direction perturbation, the Gaussian-mean family), a one-step
// sampler (each step a function of the current state and that step's noise only: ei, em, ddpm,
// ode-ei, ddim, heun) maps one step as
//   x_{k+1} = a_k * x_k + b_k + sum_s c_{k,s} * xi_{k,s}     (elementwise products),
// so N(m, diag v) goes to N(a m + b, diag(a^2 v + sum_s c_s^2)) (docs/theory.md 5.2, the
// EI/EM recursions, coordinate by coordinate). The coefficients of each step are read off the
// sampler itself by linear response on the one-step grid (t_k, t_{k+1}): start at 0 and at 1
// with zero noise (-> b_k, a_k + b_k) and with a vector of ones in one noise draw at a time
// (-> b_k + c_{k,s}). That costs a constant number of d-dimensional particles per step, hence
// O(d N) in all, so d = 10^6 is routine, unlike affine_gaussian_law's d (1 + draws) particles.
//
// Two checks guard the assumptions, and throw difflab::Error when they fail: each step's map is
// tested on a random particle with random noise (catches couplings between coordinates and
// non-affine steps), and a few full runs of the sampler on the whole grid with random starts and
// noise are compared with the composed per-step maps (catches samplers whose steps depend on
// earlier steps, e.g. the multistep DPM-Solver++(2M), adaptive RK45, or Langevin samplers that
// do not walk the grid).
#include "difflab/law/affine_gaussian_law.hpp"

namespace difflab {

struct DiagonalGaussianLaw {
  Vector mean;
  Vector var;  // the covariance is diag(var)
};

struct DiagonalLawOptions {
  // Relative tolerance of the affinity, diagonality and composition checks.
  double tolerance = 1e-8;
  // Full sampler runs on random particles compared with the composed per-step maps.
  int full_run_checks = 2;
  std::uint64_t check_seed = 4242;
  void validate() const;
};

DiagonalGaussianLaw diagonal_gaussian_law(const Sampler& sampler, const ScoreModel& score,
                                          const TimeGrid& grid, const SamplerOptions& options,
                                          const DiagonalGaussianLaw& initial,
                                          const DiagonalLawOptions& law_options = {});

}  // namespace difflab
