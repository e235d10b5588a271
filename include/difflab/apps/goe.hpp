#pragma once
// GOE(n) matrices in the convention of docs/applications.md section 0 (MW23 code,
// main.py::get_matrix): W = G + G^T with G_ij ~ N(0, 1/(2n)), so W_ij ~ N(0, 1/n) for i != j and
// W_ii ~ N(0, 2/n). Under this convention E Z = 2^n exp(beta^2 n / 4) exactly for the SK partition
// function and the spectrum fills [-2, 2].
#include <cstdint>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab::apps {

// Random-number uses of the apps module (distinct streams, never shared with the samplers').
inline constexpr RngUse kUseDisorder = static_cast<RngUse>(101);  // GOE entries, planted signal
inline constexpr RngUse kUseSlNoise = static_cast<RngUse>(102);   // SL Brownian increments
inline constexpr RngUse kUseRounding = static_cast<RngUse>(103);  // final randomized rounding
inline constexpr RngUse kUseGlauber = static_cast<RngUse>(104);   // Glauber/Metropolis chains
inline constexpr RngUse kUseGmmData = static_cast<RngUse>(105);   // GMM-learning data and init
inline constexpr RngUse kUseGmmNoise = static_cast<RngUse>(106);  // DSM noise z of each GD step
inline constexpr RngUse kUseLangevin = static_cast<RngUse>(107);  // langevin-modes init/noise

// W ~ GOE(n) as above. Column j of G is drawn from the stream (seed, kUseDisorder, j, instance),
// so an instance is a pure function of (seed, instance).
Matrix sample_goe(Index n, const CounterRng& rng, std::uint64_t instance = 0);

}  // namespace difflab::apps
