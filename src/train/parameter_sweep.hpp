#pragma once
// Private to src/train: the passes of a training step over every parameter (the optimizer update,
// the EMA, the gradient's chunk sum, the float copy, finiteness checks), as sweeps over blocks
// that stay in the L1 cache, spread over the OpenMP threads. Each coefficient is computed by the
// same expression whatever the block or thread, so the bits do not depend on the thread count
// (docs/architecture.md, "Determinism"). Run one after the other over the whole vector, these
// passes were a fifth of a training step (bench/training_bench.cpp).
#include <algorithm>

#include "difflab/core/types.hpp"

namespace difflab::detail {

// Entries per block: a few arrays of this many doubles fit in a 32 kB L1 cache.
inline constexpr Index kSweepBlock = 1024;

// fn(begin, count) for the blocks [begin, begin + count) covering [0, n), in parallel when n is
// large enough to pay for waking the threads. fn must not throw.
template <class Fn>
void sweep_blocks(Index n, Fn&& fn) {
  const Index blocks = (n + kSweepBlock - 1) / kSweepBlock;
#pragma omp parallel for schedule(static) if (blocks >= 64)
  for (Index b = 0; b < blocks; ++b) {
    const Index begin = b * kSweepBlock;
    fn(begin, std::min(kSweepBlock, n - begin));
  }
}

// Whether every entry is finite. Eigen's allFinite() tests coefficient by coefficient in a scalar
// loop; x - x is exactly +0 for every finite x and NaN for an infinity or a NaN, so the
// (vectorised) sum of x - x over a block is 0 if and only if the block is finite.
inline bool all_finite(const Eigen::Ref<const Vector>& x) {
  const Index n = x.size(), blocks = (n + kSweepBlock - 1) / kSweepBlock;
  int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) if (blocks >= 64)
  for (Index b = 0; b < blocks; ++b) {
    const auto s = x.segment(b * kSweepBlock, std::min(kSweepBlock, n - b * kSweepBlock)).array();
    bad |= (s - s).sum() == 0.0 ? 0 : 1;
  }
  return bad == 0;
}

}  // namespace difflab::detail
