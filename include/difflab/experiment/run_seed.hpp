#pragma once
// The seed of run K of an experiment: CounterRng(spec seed).derive(K). Distinct runs get
// well-mixed, independent seeds; the same spec gives the same seeds on every machine, so any row
// can be re-run bit for bit from the spec alone.
#include <cstddef>
#include <cstdint>

namespace difflab {

std::uint64_t run_seed(std::uint64_t spec_seed, std::size_t run_index);

}  // namespace difflab
