#pragma once
// Thread control and the block-parallel loop every batched computation uses.
#include <functional>

#include "difflab/core/types.hpp"

namespace difflab {

// The most threads difflab accepts: far above any machine it runs on, far below the count at
// which OpenMP's thread creation would exhaust memory.
constexpr int kMaxThreads = 4096;

// Sets the number of OpenMP threads for difflab (0 = all cores). Returns the count in use.
// Throws difflab::Error outside [0, kMaxThreads].
int set_threads(int threads);
int thread_count();

// Columns are processed in blocks of this many particles: small enough that a d x block
// working set stays in cache for moderate d, large enough to amortise per-block overhead.
inline constexpr Index kDefaultBlock = 256;

// Calls fn(begin, count) for consecutive column blocks [begin, begin + count) covering [0, n),
// in parallel across threads. Results must not depend on the split: callers write only their
// block's columns and draw randomness by particle index.
void parallel_blocks(Index n, Index block, const std::function<void(Index, Index)>& fn);

}  // namespace difflab
