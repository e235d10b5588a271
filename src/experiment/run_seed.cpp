#include "difflab/experiment/run_seed.hpp"

#include "difflab/core/rng.hpp"

namespace difflab {

std::uint64_t run_seed(std::uint64_t spec_seed, std::size_t run_index) {
  return CounterRng(spec_seed).derive(static_cast<std::uint64_t>(run_index));
}

}  // namespace difflab
