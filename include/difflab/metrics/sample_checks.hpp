#pragma once
// Input checks shared by the sample-based metrics: particle sets are d x n matrices (one
// particle per column); an empty set, a non-finite entry or a dimension mismatch is a
// difflab::Error naming the metric and the argument.
#include "difflab/core/types.hpp"

namespace difflab {

// X has at least min_count particles of dimension >= 1, all entries finite.
void check_samples(const Matrix& X, const char* metric, const char* name, Index min_count = 1);
// Both sets pass check_samples and have the same dimension.
void check_sample_pair(const Matrix& X, const Matrix& Y, const char* metric, Index min_count = 1);

}  // namespace difflab
