#pragma once
// One sampler run shared among the ranks of a job (core/communicator.hpp, docs/scale-out.md):
// rank r of K runs the particles [r n / K, (r + 1) n / K) and rank 0 gathers them in rank order.
// Each particle draws its noise by its global index (the counter-based generator is keyed by
// (seed, particle, step, use)) and its result never depends on the other particles of its block
// (core/columnwise.hpp), so the gathered samples are bit-identical to a one-process run for any K.
#include "difflab/core/communicator.hpp"
#include "difflab/sampler/sampler.hpp"

namespace difflab {

struct ParticleSlice {
  Index begin = 0;
  Index count = 0;
};
// The particles of `rank` among `size` ranks (contiguous, sizes differing by at most one).
ParticleSlice particle_slice(Index n, int rank, int size);

// X holds all n initial points on every rank. On exit, rank 0's X holds all n samples; the other
// ranks' X is their slice only. The summary (rank 0's) counts every rank's particles and score
// evaluations, so its NFE equals the one-process run's; wall_seconds is rank 0's; a MALA
// acceptance rate is the particle-weighted mean of the ranks' rates (equal to the one-process
// rate up to rounding). With one rank this is sampler.sample.
SamplerSummary sample_across_ranks(const Sampler& sampler, const ScoreModel& score,
                                   const TimeGrid& grid, Matrix& X, const SamplerOptions& options,
                                   const NoiseSource& noise, Communicator& comm);

}  // namespace difflab
