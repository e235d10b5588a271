#include "difflab/metrics/sliced_w2.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/radix_sort.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

void SlicedW2Options::validate() const {
  require(projections >= 2, "sliced_w2: projections must be >= 2, got ", projections);
}

double sorted_w2_squared_1d(const double* x, Index n, const double* y, Index m) {
  // Quantile functions are step functions with jumps at i/n and j/m. In units of 1/(n m) the
  // breakpoints are the integers (i+1) m and (j+1) n, so the merge is exact.
  long double total = 0;
  Index i = 0, j = 0;
  long long prev = 0;
  const long long nm = static_cast<long long>(n) * m;
  while (prev < nm) {
    const long long next_x = static_cast<long long>(i + 1) * m;
    const long long next_y = static_cast<long long>(j + 1) * n;
    const long long next = std::min(next_x, next_y);
    const double diff = x[i] - y[j];
    total += static_cast<long double>(next - prev) * diff * diff;
    prev = next;
    if (next_x == next) ++i;
    if (next_y == next) ++j;
  }
  return static_cast<double>(total / static_cast<long double>(nm));
}

Estimate sliced_w2(const Matrix& X, const Matrix& Y, const SlicedW2Options& options) {
  options.validate();
  check_sample_pair(X, Y, "sliced_w2");
  const Index d = X.rows(), n = X.cols(), m = Y.cols(), L = options.projections;
  const CounterRng rng(options.seed);
  std::vector<double> w2sq(static_cast<std::size_t>(L));
  // Blocks of 8 projections: one pass over X and Y projects on all 8 directions (a GEMM instead
  // of 8 GEMVs that would each stream the whole sample), then each row is radix-sorted.
  constexpr Index kBlock = 8;
  parallel_blocks(L, kBlock, [&](Index begin, Index count) {
    Matrix theta(d, count);
    for (Index c = 0; c < count; ++c) {
      RngStream s = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(begin + c), 0);
      double norm = 0;
      do {  // a zero normal vector has probability 0; redraw rather than divide by 0
        s.fill_normal(theta.col(c).data(), d);
        norm = theta.col(c).norm();
      } while (norm == 0);
      theta.col(c) /= norm;
    }
    // Row-major so that each direction's projections are contiguous.
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const RowMajor PX = theta.transpose() * X;
    const RowMajor PY = theta.transpose() * Y;
    std::vector<double> px(static_cast<std::size_t>(n)), py(static_cast<std::size_t>(m));
    std::vector<std::uint64_t> scratch;
    for (Index c = 0; c < count; ++c) {
      std::copy(PX.row(c).data(), PX.row(c).data() + n, px.begin());
      std::copy(PY.row(c).data(), PY.row(c).data() + m, py.begin());
      radix_sort(px, scratch);
      radix_sort(py, scratch);
      w2sq[static_cast<std::size_t>(begin + c)] = sorted_w2_squared_1d(px.data(), n, py.data(), m);
    }
  });
  double s = 0, s2 = 0;
  for (double v : w2sq) {
    s += v;
    s2 += v * v;
  }
  const double Ld = static_cast<double>(L);
  const double mean = s / Ld;
  const double se = std::sqrt(std::max(0.0, (s2 - Ld * mean * mean) / (Ld - 1.0)) / Ld);
  const double half = kNormalQuantile975 * se;
  return Estimate{
      std::sqrt(mean), std::sqrt(std::max(0.0, mean - half)), std::sqrt(mean + half), n, m,
      "sliced_w2"};
}

}  // namespace difflab
