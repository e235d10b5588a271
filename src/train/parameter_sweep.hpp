#pragma once
// Private to src/train: the passes of a training step over every parameter (the optimizer update,
// the EMA, the gradient's chunk sum, the float copy, finiteness checks), each as one sweep over
// blocks that stay in the L1 cache rather than one pass over the whole vector per operation.
// Each coefficient is computed by the same expression as in a whole-vector pass, so the bits are
// the same. Run as separate whole-vector passes they took about a fifth of a training step
// (bench/training_bench.cpp, bench/README.md).
//
// The sweeps run on the calling thread. Spreading them over the OpenMP threads (one parallel
// region per sweep, about ten per step) made a two-thread step three times slower on the shared
// 2-core machine (bench/README.md): under load, every region's barrier waits for a thread that
// another process has descheduled.
#include <algorithm>

#include "difflab/core/types.hpp"

namespace difflab::detail {

// Entries per block: a few arrays of this many doubles fit in a 32 kB L1 cache.
inline constexpr Index kSweepBlock = 1024;

// fn(begin, count) for the blocks [begin, begin + count) covering [0, n), in order.
template <class Fn>
void sweep_blocks(Index n, Fn&& fn) {
  for (Index begin = 0; begin < n; begin += kSweepBlock)
    fn(begin, std::min(kSweepBlock, n - begin));
}

// Whether every entry is finite. Eigen's allFinite() tests coefficient by coefficient in a scalar
// loop; x - x is exactly +0 for every finite x and NaN for an infinity or a NaN, so the
// (vectorised) sum of x - x over a block is 0 if and only if the block is finite.
inline bool all_finite(const Eigen::Ref<const Vector>& x) {
  bool finite = true;
  sweep_blocks(x.size(), [&](Index begin, Index count) {
    const auto s = x.segment(begin, count).array();
    finite = finite && (s - s).sum() == 0.0;
  });
  return finite;
}

}  // namespace difflab::detail
