#pragma once
// Heat-bath Glauber dynamics for mu(x) ∝ exp((beta/2) <x, J x>) on {-1, 1}^n: the long-run
// Markov-chain reference for the SL sampler on the same instance (docs/applications.md (a)).
//
// A sweep updates coordinates i = 0..n-1 in order; coordinate i is resampled from its exact
// conditional law P(x_i = +1 | x_{-i}) = (1 + tanh(h_i)) / 2 with local field
// h_i = beta sum_{j != i} J_ij x_j (the diagonal term J_ii x_i^2 = J_ii does not depend on x_i).
// Each update leaves mu invariant (Gibbs sampler), so the chain converges to mu.
// Chain c starts uniform on {-1,1}^n from (seed, kUseGlauber, c, 0) and its sweep k draws
// uniforms from (seed, kUseGlauber, c, k + 1): chains are independent and reproducible.
#include <cstdint>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab::apps {

// Runs `chains` independent chains for `sweeps` sweeps; returns their final states (n x chains).
// Chains run in parallel (bit-identical for any thread count).
Matrix glauber_chains(const Matrix& J, double beta, Index chains, int sweeps,
                      const CounterRng& rng);

}  // namespace difflab::apps
