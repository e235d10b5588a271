#pragma once
// Starting points of a reverse-time sampler.
//  - standard normal N(0, I): the algorithm of the papers (CCL23 §2.1, Benton et al. eq. (4));
//  - the exact q_T: isolates the initialisation error (the KL(q_T || N(0, I)) term of the bounds);
//  - a user file (--init).
// Particle j's starting point depends only on (seed, j), like every other random number.
#include <string>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

enum class InitialLaw { kStandardNormal, kExactMarginal };

// Parses "normal" | "exact" (CLI names).
InitialLaw parse_initial_law(const std::string& name);

Matrix standard_normal_points(Index dim, Index n, const CounterRng& rng);
// Exact samples of q_T = Law(alpha(T) X_0 + sigma(T) Z), X_0 ~ target.
Matrix exact_marginal_points(const Target& target, const ForwardProcess& process, double T, Index n,
                             const CounterRng& rng);
Matrix initial_points(InitialLaw law, const Target& target, const ForwardProcess& process, double T,
                      Index n, const CounterRng& rng);

}  // namespace difflab
