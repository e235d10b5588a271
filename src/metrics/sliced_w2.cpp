#include "difflab/metrics/sliced_w2.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/radix_sort.hpp"
#include "difflab/metrics/sample_checks.hpp"
#include "difflab/metrics/scale_normalization.hpp"

namespace difflab {

void SlicedW2Options::validate() const {
  require(projections >= 2, "sliced_w2: projections must be >= 2, got ", projections);
  require(bootstrap == 0 || bootstrap >= 2, "sliced_w2: bootstrap must be 0 or >= 2, got ",
          bootstrap);
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

double weighted_w2_squared_1d(const double* x, const std::uint32_t* cx, Index n, const double* y,
                              const std::uint32_t* cy, Index m) {
  // As sorted_w2_squared_1d with point i of x carrying mass cx[i] / n (sum cx = n): in units of
  // 1/(n m) the breakpoints are the integers m * (cx[0] + ... + cx[i]) and likewise for y.
  long double total = 0;
  Index i = 0, j = 0;
  long long prev = 0, next_x = 0, next_y = 0;
  const long long nm = static_cast<long long>(n) * m;
  while (i < n && cx[i] == 0) ++i;
  while (j < m && cy[j] == 0) ++j;
  if (i < n) next_x = static_cast<long long>(cx[i]) * m;
  if (j < m) next_y = static_cast<long long>(cy[j]) * n;
  while (prev < nm) {
    const long long next = std::min(next_x, next_y);
    const double diff = x[i] - y[j];
    total += static_cast<long double>(next - prev) * diff * diff;
    prev = next;
    if (next_x == next && prev < nm) {
      do ++i;
      while (cx[i] == 0);
      next_x += static_cast<long long>(cx[i]) * m;
    }
    if (next_y == next && prev < nm) {
      do ++j;
      while (cy[j] == 0);
      next_y += static_cast<long long>(cy[j]) * n;
    }
  }
  return static_cast<double>(total / static_cast<long double>(nm));
}

namespace {

// How often each of `size` particles appears in bootstrap resample b (stream (seed,
// kMonteCarlo, b, 1 + which): disjoint from the directions' streams (seed, kMonteCarlo, l, 0)).
std::vector<std::uint32_t> sliced_bootstrap_counts(const CounterRng& rng, Index b,
                                                   std::uint64_t which, Index size) {
  std::vector<std::uint32_t> counts(static_cast<std::size_t>(size), 0);
  RngStream stream = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(b), 1 + which);
  for (Index k = 0; k < size; ++k)
    ++counts[static_cast<std::size_t>(std::min<Index>(
        size - 1, static_cast<Index>(stream.uniform() * static_cast<double>(size))))];
  return counts;
}

// Sorts values ascending and returns the permutation (order[r] = original index of rank r):
// an LSD radix sort on (key, index) pairs, keys ordered as the doubles (see radix_sort.cpp).
void sliced_argsort(std::vector<double>& values, std::vector<std::uint32_t>& order) {
  const std::size_t n = values.size();
  std::vector<std::uint64_t> keys(n), keys2(n);
  std::vector<std::uint32_t> idx2(n);
  order.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t u;
    std::memcpy(&u, &values[i], sizeof u);
    keys[i] = (u >> 63) ? ~u : (u | (std::uint64_t{1} << 63));
    order[i] = static_cast<std::uint32_t>(i);
  }
  constexpr int kBits = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  std::vector<std::size_t> count(kBuckets);
  for (int shift = 0; shift < 64; shift += kBits) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(keys[i] >> shift) & (kBuckets - 1)];
    std::size_t sum = 0;
    for (std::size_t& c : count) sum += std::exchange(c, sum);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t at = count[(keys[i] >> shift) & (kBuckets - 1)]++;
      keys2[at] = keys[i];
      idx2[at] = order[i];
    }
    keys.swap(keys2);
    order.swap(idx2);
  }
  std::vector<double> sorted(n);
  for (std::size_t r = 0; r < n; ++r) sorted[r] = values[order[r]];
  values.swap(sorted);
}

}  // namespace

Estimate sliced_w2(const Matrix& X, const Matrix& Y, const SlicedW2Options& options) {
  options.validate();
  check_sample_pair(X, Y, "sliced_w2");
  // Squared projected differences overflow beyond ~1e154: compute on rescaled samples
  // (metrics/scale_normalization.hpp); SW2 is homogeneous of degree 1.
  const double scale = sample_pair_scale(X, Y);
  if (scale != 1) {
    Estimate e = sliced_w2(X / scale, Y / scale, options);
    e.value = rescale_metric(e.value, scale, 1, "sliced_w2");
    e.ci_lo = rescale_metric(e.ci_lo, scale, 1, "sliced_w2");
    e.ci_hi = rescale_metric(e.ci_hi, scale, 1, "sliced_w2");
    return e;
  }
  const Index d = X.rows(), n = X.cols(), m = Y.cols(), L = options.projections;
  const Index B = options.bootstrap;
  require(n <= 0xffffffffLL && m <= 0xffffffffLL, "sliced_w2: at most 2^32 - 1 particles");
  const CounterRng rng(options.seed);
  std::vector<double> w2sq(static_cast<std::size_t>(L));
  // Bootstrap resamples of the particles, shared by all directions: replicate b is the sliced
  // W2^2 of (X*_b, Y*_b) over the same L directions, a weighted 1-D W2 on the already sorted
  // projections (the resample's points are the originals with multiplicities).
  std::vector<std::vector<std::uint32_t>> counts_x, counts_y;
  for (Index b = 0; b < B; ++b) {
    counts_x.push_back(sliced_bootstrap_counts(rng, b, 0, n));
    counts_y.push_back(sliced_bootstrap_counts(rng, b, 1, m));
  }
  std::vector<double> boot(static_cast<std::size_t>(L * B));
  // Blocks of 8 projections: one pass over X and Y projects on all 8 directions (a GEMM instead
  // of 8 GEMVs that would each stream the whole sample), then each row is sorted.
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
    std::vector<std::uint32_t> ox, oy, wx(static_cast<std::size_t>(n)),
        wy(static_cast<std::size_t>(m));
    for (Index c = 0; c < count; ++c) {
      const auto l = static_cast<std::size_t>(begin + c);
      std::copy(PX.row(c).data(), PX.row(c).data() + n, px.begin());
      std::copy(PY.row(c).data(), PY.row(c).data() + m, py.begin());
      if (B == 0) {
        radix_sort(px, scratch);
        radix_sort(py, scratch);
      } else {
        sliced_argsort(px, ox);  // the same sorted values as radix_sort, and the permutation
        sliced_argsort(py, oy);
      }
      w2sq[l] = sorted_w2_squared_1d(px.data(), n, py.data(), m);
      for (Index b = 0; b < B; ++b) {
        const auto& cx = counts_x[static_cast<std::size_t>(b)];
        const auto& cy = counts_y[static_cast<std::size_t>(b)];
        for (Index r = 0; r < n; ++r)
          wx[static_cast<std::size_t>(r)] = cx[ox[static_cast<std::size_t>(r)]];
        for (Index r = 0; r < m; ++r)
          wy[static_cast<std::size_t>(r)] = cy[oy[static_cast<std::size_t>(r)]];
        boot[l * static_cast<std::size_t>(B) + static_cast<std::size_t>(b)] =
            weighted_w2_squared_1d(px.data(), wx.data(), n, py.data(), wy.data(), m);
      }
    }
  });
  double s = 0, s2 = 0;
  for (double v : w2sq) {
    s += v;
    s2 += v * v;
  }
  const double Ld = static_cast<double>(L);
  const double mean = s / Ld;
  // Monte Carlo variance over directions of the mean of L directions.
  const double var_projections = std::max(0.0, (s2 - Ld * mean * mean) / (Ld - 1.0)) / Ld;
  if (B == 0) {
    const double half = kNormalQuantile975 * std::sqrt(var_projections);
    return Estimate{
        std::sqrt(mean), std::sqrt(std::max(0.0, mean - half)), std::sqrt(mean + half), n, m,
        "sliced_w2"};
  }
  // Particle variance and bias from the bootstrap replicates (each averaged over the directions
  // in a fixed order). The plug-in SW2^2 is biased upward by the particles' sampling noise (for
  // P = Q its expectation is positive, of order 1/n + 1/m) and the bootstrap replicates carry
  // about that bias again, so the interval is centred at the bias-corrected 2 mean - mean*
  // (Efron and Tibshirani 1993, section 10.6) with the two variances added; it may reach below
  // zero, and then covers SW2 = 0.
  std::vector<double> replicate(static_cast<std::size_t>(B), 0.0);
  for (std::size_t l = 0; l < static_cast<std::size_t>(L); ++l)
    for (std::size_t b = 0; b < static_cast<std::size_t>(B); ++b)
      replicate[b] += boot[l * static_cast<std::size_t>(B) + b];
  double rs = 0, rs2 = 0;
  for (double& v : replicate) {
    v /= Ld;
    rs += v;
    rs2 += v * v;
  }
  const double Bd = static_cast<double>(B);
  const double boot_mean = rs / Bd;
  const double var_particles = std::max(0.0, (rs2 - Bd * boot_mean * boot_mean) / (Bd - 1.0));
  const double centre = 2 * mean - boot_mean;
  const double half = kNormalQuantile975 * std::sqrt(var_projections + var_particles);
  return Estimate{std::sqrt(mean),
                  std::sqrt(std::max(0.0, centre - half)),
                  std::sqrt(std::max(0.0, centre + half)),
                  n,
                  m,
                  "sliced_w2_bootstrap"};
}

}  // namespace difflab
