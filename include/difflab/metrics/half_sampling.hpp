#pragma once
// Half-sampling standard errors for estimators that cannot be bootstrapped (kNN estimators break
// on the duplicate points a bootstrap resample contains).
//
// For a statistic that behaves like a mean of n terms, the spread of its value over random
// halves drawn without replacement is Var(theta_{n/2} | data) ~ sigma^2 (2/n - 1/n) = sigma^2/n
// (finite-population correction), i.e. the variance of the full-sample statistic. So the
// standard deviation of the statistic over B random halves estimates its standard error at the
// full size (the classical half-sampling estimate, e.g. Efron, The Jackknife, the Bootstrap and
// Other Resampling Plans, 1982, ch. 8).
#include <cstdint>
#include <vector>

#include "difflab/core/types.hpp"

namespace difflab {

// A uniformly random subset of {0, ..., n-1} of the given size, in increasing order: the indices
// with the smallest Philox keys from stream (seed, kMonteCarlo, replicate, which). Pure function
// of its arguments.
std::vector<Index> random_subset(Index n, Index size, std::uint64_t seed, std::uint64_t replicate,
                                 std::uint64_t which);

// The columns of X at the given indices.
Matrix select_columns(const Matrix& X, const std::vector<Index>& columns);

// Sample standard deviation of the replicate values (at least 2).
double replicate_standard_deviation(const std::vector<double>& values);

}  // namespace difflab
