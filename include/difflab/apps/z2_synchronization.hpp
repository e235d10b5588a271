#pragma once
// Z2 synchronisation (spiked Wigner with a Rademacher spike) and posterior sampling by
// stochastic localization with the Bayes-AMP denoiser and spectral initialisation (Montanari &
// Wu 2023, arXiv 2304.11449; code wuyc0114/Diffusion_Sampling_Paper/main.py; docs/applications.md
// (b)).
//
// Model: A = (beta/n) theta theta^T + W, theta uniform on {-1, 1}^n, W ~ GOE(n) (goe.hpp).
// Posterior: P(theta | A) ∝ exp(+(beta/2) <theta, A theta>) exactly, at every n
// (docs/applications.md section 0 item 2: the lecture's minus sign is wrong). So the posterior is
// the tilted Ising measure of stochastic_localization.hpp with J = A.
//
// Spectral initialisation (MW23 main.py, [V]): v = top eigenvector of A, and AMP starts at every
// SL step from z^0 = sqrt(n beta^2 |beta^2 - 1|) v for beta > 1 (z^0 = 0 for beta <= 1), which is
// Nishimori-consistent: z^0 ≈ gamma_0 theta + sqrt(gamma_0) G with gamma_0 = beta^2 - 1 ([D]).
// MW23 fix the sign of v with the truth (an oracle); we do not: the posterior is symmetric under
// theta -> -theta, so we fix the sign by sum_i v_i >= 0 and report the overlap as |<x, theta>|/n.
//
// Reference values (docs/applications.md (b), [D]): |<x, theta>|/n -> q_*(beta)
// (state_evolution.hpp); E[(beta/(2n)) <x, A x>] = beta^2/2 exactly for exact posterior samples
// (Nishimori, E tr W = 0); top eigenvalue -> beta + 1/beta and <v, theta>^2/n -> 1 - 1/beta^2 for
// beta > 1.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "difflab/apps/stochastic_localization.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab::apps {

struct Z2Instance {
  Vector theta;  // +-1
  Matrix A;      // (beta/n) theta theta^T + W
};
// Instance `instance` of the seed: W from sample_goe(n, rng, instance), theta from
// (seed, kUseDisorder, n, instance) (a stream index no GOE column uses).
Z2Instance z2_instance(Index n, double beta, const CounterRng& rng, std::uint64_t instance);

// Top eigenpair of a symmetric matrix by Lanczos with full reorthogonalisation (`steps` Krylov
// vectors, deterministic start); the eigenvector has unit norm and sum_i v_i >= 0.
struct TopEigen {
  double value = 0;
  Vector vector;
};
TopEigen top_eigenpair(const Matrix& A, int steps = 120);

// MW23's AMP start z^0 above.
Vector z2_spectral_start(const Vector& v, double beta);

struct Z2AppOptions {
  Index n = 1000;
  double beta = 1.5;
  std::uint64_t seed = 0;
  Index instances = 1;  // independent (theta, W) draws; samples per instance in sl.samples
  SlOptions sl;
  void validate() const;
};

// Runs the sampler on each instance and reports the mean energy (beta/(2n)) <x, A x> and the
// mean overlap |<x, theta>|/n beside beta^2/2 and q_*(beta), plus the spectral diagnostics.
nlohmann::json run_z2_app(const Z2AppOptions& options);

}  // namespace difflab::apps
