#pragma once
// Exact output law of a sampler that is affine in its initial point and its noise.
//
// With a Gaussian target and a score that is affine in x (the exact score, an affine
// perturbation of it, the Gaussian-mean family), the exponential integrator, Euler-Maruyama,
// DDPM ancestral sampling, DPM-Solver++(2M) SDE, the fixed-grid PF-ODE integrators and ULA all
// map (X_0, xi_1, ..., xi_M) affinely to the output: X_N = A X_0 + b + sum_s C_s xi_s. Started
// from N(m0, P0), the output is N(A m0 + b, A P0 A^T + sum_s C_s C_s^T) (docs/theory.md 5.2
// derives A_k, b_k for EI and EM step by step; this is the same recursion composed over all
// steps).
//
// Instead of re-deriving A_k, b_k by hand for every sampler (and risking a derivation that
// disagrees with the code), the law is read off the sampler itself by linear response: run it on
// the mean with zero noise (-> mean), on the mean plus the columns of a square root of P0 with
// zero noise (-> A P0^{1/2}), and with a unit noise vector in one noise draw at a time (-> the
// columns of each C_s). All probes run as one batch of particles. A final randomised
// superposition check verifies that the sampler really is affine for this score; if it is not
// (MALA's accept step, the corrector's norm-based step size, RK45's adaptive steps, a nonlinear
// score) the function throws a difflab::Error saying so. The cost is one sampler run on
// d * (1 + number of noise draws) particles, so it is meant for small and moderate d. (An O(d N)
// per-eigen-coordinate propagation for very large d is not written yet.)
#include "difflab/core/types.hpp"
#include "difflab/sampler/sampler.hpp"

namespace difflab {

struct GaussianLaw {
  Vector mean;
  Matrix cov;
};

struct AffineLawOptions {
  // Relative tolerance of the superposition check that the sampler is affine.
  double affinity_tolerance = 1e-8;
  std::uint64_t check_seed = 12345;
};

GaussianLaw affine_gaussian_law(const Sampler& sampler, const ScoreModel& score,
                                const TimeGrid& grid, const SamplerOptions& options,
                                const GaussianLaw& initial,
                                const AffineLawOptions& law_options = {}, double* nfe = nullptr);

}  // namespace difflab
