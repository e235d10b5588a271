#pragma once
// Counter-based random numbers (Philox4x64-10 from Random123: J. K. Salmon, M. A. Moraes,
// R. O. Dror, D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11).
//
// Every random number in difflab is a pure function of (seed, particle, step, use, index):
// the key is (seed, use) and the counter is (particle, step, block, 0). There is no shared
// sequential state, so a particle's noise is the same whichever thread or batch handles it,
// and results are bit-identical for any thread count or batch split.
//
// Normals: each Philox block (four 64-bit words) gives four standard normals by the Box-Muller
// transform (G. E. P. Box, M. E. Muller, Ann. Math. Statist. 29 (1958) 610-611), two per pair
// of words. The transform runs on batches of blocks in branch-free elementwise code that the
// compiler vectorises (src/core/rng.cpp); its log, sin and cos are fdlibm's kernels, written
// out so that the result is the same bits with or without AVX2 (see rng.cpp).
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
  kMidpointNoise = 11,  // a step's second normal: after rmp's midpoint, accel-ddpm's second half
  kBrownianTree = 12,   // midpoint values of the Brownian tree (noise "brownian")
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
  // Fills out[0..n) with standard normals, the same as n calls of normal(); whole blocks go
  // through the batched (vectorised) Box-Muller transform.
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
  // first_particle + j, so any split of the particles gives the same numbers. Column j holds
  // the first d normals of RngStream(seed, use, first_particle + j, step).
  void fill_normal(Matrix& Z, RngUse use, std::uint64_t first_particle, std::uint64_t step) const;
  // The same for a column-major block of `rows` x `cols` doubles whose columns are `col_stride`
  // doubles apart (an Eigen::Ref or a block of a larger matrix).
  void fill_normal(double* data, Index rows, Index cols, Index col_stride, RngUse use,
                   std::uint64_t first_particle, std::uint64_t step) const;
  // A derived seed (for sub-runs of an experiment), well mixed and independent of this one's
  // streams.
  std::uint64_t derive(std::uint64_t index) const;

 private:
  std::uint64_t seed_;
};

namespace rng_detail {
// The Box-Muller map used for every normal: pairs (words[2i], words[2i+1]) of 64-bit words to
// out[2i] = r cos(theta), out[2i + 1] = r sin(theta), r = sqrt(-2 log u1), theta = 2 pi u2, for
// i < pairs. Exposed for the accuracy tests.
void box_muller(const std::uint64_t* words, double* out, Index pairs);
// The uniform the radius uses: (top 52 bits + 1/2) 2^-52, strictly inside (0, 1).
double open_unit52(std::uint64_t w);
}  // namespace rng_detail

}  // namespace difflab
