#pragma once
// The Sherrington-Kirkpatrick Gibbs measure mu_W(x) ∝ exp((beta/2) <x, W x>) on {-1, 1}^n with
// W ~ GOE(n) (goe.hpp), sign +beta/2 (docs/applications.md section 0 item 1), its exact reference
// quantities, exact enumeration for small n, and the `difflab app sk` run.
//
// Replica-symmetric reference values for beta < 1 (docs/applications.md (a) "Reference quantities",
// [D] there; Aizenman-Lebowitz-Ruelle):
//   energy density  E <(1/(2n)) <x, W x>>  ->  beta / 2,
//   specific heat   Var_Gibbs((1/2) <x, W x>) / n  ->  1/2  (per-sample sd of the energy
//                   density ~ 1/sqrt(2n)),
//   overlap         n E <R12^2>  ->  1 / (1 - beta^2),  R12 = <x1, x2>/n  ([R] in the note).
#include <cstdint>
#include <nlohmann/json.hpp>

#include "difflab/apps/stochastic_localization.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab::apps {

// (1/(2n)) <x, W x> for each column x of X.
Vector sk_energy_density(const Matrix& W, const Matrix& X);

// Exact Gibbs averages by enumerating all 2^n configurations (n <= 24).
struct SkExact {
  double mean_energy = 0;  // <(1/(2n)) <x, W x>>
  double energy_sd = 0;    // sd of the energy density under the Gibbs measure
  double n_overlap2 = 0;   // n <R12^2> = (1/n) sum_ij <x_i x_j>^2
};
SkExact sk_exact(const Matrix& W, double beta);

// n * mean over distinct pairs (a < b) of R_ab^2, R_ab = <x_a, x_b>/n (columns of X).
double n_mean_pair_overlap2(const Matrix& X);

struct SkAppOptions {
  Index n = 1000;
  double beta = 0.5;  // 0 <= beta; the reference values hold for beta < 1
  std::uint64_t seed = 0;
  SlOptions sl;  // samples, T, delta, AMP/NGD parameters
  void validate() const;
};

// Draws W (instance 0 of the seed), runs the SL sampler, and reports the mean sample energy and
// n E[R12^2] beside their theory values (JSON; fields listed in README "difflab app").
nlohmann::json run_sk_app(const SkAppOptions& options);

}  // namespace difflab::apps
