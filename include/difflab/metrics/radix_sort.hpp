#pragma once
// Sorting many large arrays of doubles (sliced W2 sorts two arrays of n projections per
// direction, hundreds of directions). An LSD radix sort on the doubles' bit patterns is several
// times faster than std::sort there; neither the standard library nor the project's other
// dependencies offer one (Boost's spreadsort would mean adding Boost for one function).
#include <vector>

#include "difflab/core/types.hpp"

namespace difflab {

// Sorts values ascending (total order of IEEE doubles: -0 before +0; the caller rejects NaN).
// `scratch` is resized and reused between calls.
void radix_sort(std::vector<double>& values, std::vector<std::uint64_t>& scratch);

}  // namespace difflab
