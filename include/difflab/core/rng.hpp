#pragma once
// Counter-based random numbers (Philox4x64-10 from Random123, Salmon et al., SC'11).
//
// Every random number in difflab is a pure function of (seed, particle, step, use, index):
// the key is (seed, use) and the counter is (particle, step, block, 0). There is no shared
// sequential state, so a particle's noise is the same whichever thread or batch handles it,
// and results are bit-identical for any thread count or batch split.
#include <Random123/philox.h>

#include <array>
#include <cstdint>

#include "difflab/core/types.hpp"

namespace difflab {

// What a random number is for; distinct uses never share a stream.
enum class RngUse : std::uint64_t {
  kInitial = 1,         // initial points of a sampler (N(0, I) or q_T)
  kStepNoise = 2,       // Brownian increments of a sampler step
  kCorrector = 3,       // corrector / Langevin inner-step noise
  kAccept = 4,          // Metropolis accept/reject uniforms
  kTargetSample = 5,    // exact samples of a target
  kForwardNoise = 6,    // forward-process noise (marginal sampling, DSM)
  kMonteCarlo = 7,      // Monte Carlo estimators (metrics, score-error checks)
  kPerturbation = 8,    // random but fixed ingredients of a model (e.g. a perturbation field)
  kTraining = 9,        // minibatches and noise of training
  kMidpointTime = 10,   // the uniform time of a randomized-midpoint step (rmp)
  kMidpointNoise = 11,  // Brownian increment after a randomized midpoint (rmp)
  kUser = 100           // first value free for callers
};

// A stream of random numbers for one (seed, use, particle, step): draws are sequential within
// the stream (block index counter) and independent across streams.
class RngStream {
 public:
  RngStream(std::uint64_t seed, RngUse use, std::uint64_t particle, std::uint64_t step);

  double uniform();      // in (0, 1), never 0 or 1
  double normal();       // standard normal (Box-Muller on Philox output)
  std::uint64_t bits();  // 64 raw bits
  // Fills out[0..n) with standard normals; vectorised over whole Philox blocks.
  void fill_normal(double* out, Index n);

 private:
  using Philox = r123::Philox4x64;
  Philox::ctr_type next_block();
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type words_{};  // raw words for bits()/uniform()
  int words_used_ = 4;
  double normals_[4] = {};  // one block's Box-Muller normals for normal()
  int normals_used_ = 4;
};

// The generator a run carries around: just its seed. Streams are made on demand.
class CounterRng {
 public:
  explicit CounterRng(std::uint64_t seed = 0) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }
  RngStream stream(RngUse use, std::uint64_t particle, std::uint64_t step = 0) const {
    return RngStream(seed_, use, particle, step);
  }
  // Fills the columns of Z (d x n) with standard normals; column j belongs to particle
  // first_particle + j, so any split of the particles gives the same numbers.
  void fill_normal(Matrix& Z, RngUse use, std::uint64_t first_particle, std::uint64_t step) const;
  // A derived seed (for sub-runs of an experiment), well mixed and independent of this one's
  // streams.
  std::uint64_t derive(std::uint64_t index) const;

 private:
  std::uint64_t seed_;
};

}  // namespace difflab
