#include "difflab/metrics/half_sampling.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {

std::vector<Index> random_subset(Index n, Index size, std::uint64_t seed, std::uint64_t replicate,
                                 std::uint64_t which) {
  require(size >= 0 && size <= n, "random_subset: size ", size, " not in [0, ", n, "]");
  RngStream s(seed, RngUse::kMonteCarlo, replicate, which);
  std::vector<std::uint64_t> keys(static_cast<std::size_t>(n));
  for (auto& k : keys) k = s.bits();
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  const auto mid = order.begin() + static_cast<std::ptrdiff_t>(size);
  // Ties between 64-bit keys are broken by index, so the choice is a pure function of the keys.
  std::partial_sort(order.begin(), mid, order.end(), [&](Index a, Index b) {
    const auto ka = keys[static_cast<std::size_t>(a)], kb = keys[static_cast<std::size_t>(b)];
    return ka != kb ? ka < kb : a < b;
  });
  std::vector<Index> subset(order.begin(), mid);
  std::sort(subset.begin(), subset.end());
  return subset;
}

Matrix select_columns(const Matrix& X, const std::vector<Index>& columns) {
  Matrix out(X.rows(), static_cast<Index>(columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c)
    out.col(static_cast<Index>(c)) = X.col(columns[c]);
  return out;
}

double replicate_standard_deviation(const std::vector<double>& values) {
  require(values.size() >= 2, "replicate_standard_deviation: need at least 2 values, got ",
          values.size());
  const double k = static_cast<double>(values.size());
  double mean = 0;
  for (double v : values) mean += v;
  mean /= k;
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / (k - 1.0));
}

}  // namespace difflab
