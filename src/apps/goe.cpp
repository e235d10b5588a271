#include "difflab/apps/goe.hpp"

#include <cmath>
#include <string>

#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"

namespace difflab::apps {

Matrix sample_goe(Index n, const CounterRng& rng, std::uint64_t instance) {
  require(n >= 1, "GOE: n must be >= 1, got ", n);
  // G, W and the n x n products the SK and Z2 applications form from W: refused with the
  // estimate before allocating (app sk --n 1e6 is 8 TB per matrix).
  require_matrix_memory(n, n, 3, "a GOE matrix of size n = " + std::to_string(n));
  Matrix G(n, n);
  for (Index j = 0; j < n; ++j) {
    RngStream s = rng.stream(kUseDisorder, static_cast<std::uint64_t>(j), instance);
    s.fill_normal(G.col(j).data(), n);
  }
  // G_ij ~ N(0, 1/(2n)); W = G + G^T (docs/applications.md section 0).
  G *= 1.0 / std::sqrt(2.0 * static_cast<double>(n));
  Matrix W = G + G.transpose();
  return W;
}

}  // namespace difflab::apps
