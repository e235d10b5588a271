#include "difflab/metrics/kernel_two_sample.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

namespace {

// Applies the kernel to a block of squared distances in place.
void apply_kernel(Matrix& D2, DistanceKernel kernel, const std::vector<double>& bandwidths) {
  if (kernel == DistanceKernel::kNegativeDistance) {
    D2 = -D2.array().cwiseMax(0.0).sqrt();
    return;
  }
  const Matrix r2 = D2.cwiseMax(0.0);
  D2.setZero();
  for (double h : bandwidths) D2.array() += (r2.array() * (-0.5 / (h * h))).exp();
  D2 /= static_cast<double>(bandwidths.size());
}

// Row sums of k(a_i, b_j) over j for every column a_i of A; when same_set (A is B), the
// diagonal term j = i is excluded.
Vector kernel_row_sums(const Matrix& A, const Matrix& B, bool same_set, DistanceKernel kernel,
                       const std::vector<double>& bandwidths) {
  Vector sums(A.cols());
  const RowVector b2 = B.colwise().squaredNorm();
  parallel_blocks(A.cols(), kDefaultBlock, [&](Index begin, Index count) {
    const auto Ab = A.middleCols(begin, count);
    Matrix K = -2.0 * (Ab.transpose() * B);
    K.rowwise() += b2;
    K.colwise() += Ab.colwise().squaredNorm().transpose();
    apply_kernel(K, kernel, bandwidths);
    if (same_set)
      for (Index r = 0; r < count; ++r) K(r, begin + r) = 0.0;
    sums.segment(begin, count) = K.rowwise().sum();
  });
  return sums;
}

}  // namespace

KernelTwoSample kernel_two_sample(const Matrix& X, const Matrix& Y, DistanceKernel kernel,
                                  const std::vector<double>& bandwidths) {
  constexpr const char* fn = "kernel_two_sample";
  check_sample_pair(X, Y, fn, 3);
  if (kernel == DistanceKernel::kGaussian) {
    require(!bandwidths.empty(), fn, ": the Gaussian kernel needs at least one bandwidth");
    for (double h : bandwidths)
      require(std::isfinite(h) && h > 0, fn, ": bandwidth must be positive and finite, got ", h);
  }
  const Index n = X.cols(), m = Y.cols();
  const Vector centre = (X.rowwise().sum() + Y.rowwise().sum()) / static_cast<double>(n + m);
  const Matrix Xc = X.colwise() - centre;
  const Matrix Yc = Y.colwise() - centre;

  const Vector rxx = kernel_row_sums(Xc, Xc, true, kernel, bandwidths);
  const Vector rxy = kernel_row_sums(Xc, Yc, false, kernel, bandwidths);
  const Vector ryy = kernel_row_sums(Yc, Yc, true, kernel, bandwidths);
  const Vector ryx = kernel_row_sums(Yc, Xc, false, kernel, bandwidths);

  const double N = static_cast<double>(n), M = static_cast<double>(m);
  const double sxx = rxx.sum(), syy = ryy.sum(), sxy = rxy.sum();
  // Gretton et al. 2012, eq. (3).
  const double value = sxx / (N * (N - 1)) + syy / (M * (M - 1)) - 2.0 * sxy / (N * M);

  // Leave-one-out values: removing x_i removes 2 rxx_i from the ordered-pair sum and rxy_i
  // from the cross sum.
  auto jackknife_variance = [](const Vector& loo) {
    const double k = static_cast<double>(loo.size());
    const double mean = loo.mean();
    return (k - 1.0) / k * (loo.array() - mean).square().sum();
  };
  const Vector loo_x = (sxx - 2.0 * rxx.array()) / ((N - 1) * (N - 2)) + syy / (M * (M - 1)) -
                       2.0 * (sxy - rxy.array()) / ((N - 1) * M);
  const Vector loo_y = sxx / (N * (N - 1)) + (syy - 2.0 * ryy.array()) / ((M - 1) * (M - 2)) -
                       2.0 * (sxy - ryx.array()) / (N * (M - 1));
  KernelTwoSample out;
  out.value = value;
  out.standard_error = std::sqrt(jackknife_variance(loo_x) + jackknife_variance(loo_y));
  return out;
}

}  // namespace difflab
