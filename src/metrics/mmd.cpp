#include "difflab/metrics/mmd.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "difflab/core/error.hpp"
#include "difflab/metrics/kernel_two_sample.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

void MmdOptions::validate() const {
  for (double h : bandwidths)
    require(std::isfinite(h) && h > 0, "mmd2: bandwidth must be positive and finite, got ", h);
  require(median_subsample >= 2, "mmd2: median_subsample must be >= 2, got ", median_subsample);
}

double median_heuristic_bandwidth(const Matrix& X, const Matrix& Y, Index max_points) {
  check_sample_pair(X, Y, "median_heuristic_bandwidth");
  require(max_points >= 2, "median_heuristic_bandwidth: max_points must be >= 2, got ", max_points);
  const Index total = X.cols() + Y.cols();
  const Index k = std::min(total, max_points);
  auto pooled = [&](Index idx) { return idx < X.cols() ? X.col(idx) : Y.col(idx - X.cols()); };
  Matrix Z(X.rows(), k);
  for (Index s = 0; s < k; ++s) Z.col(s) = pooled(s * total / k);  // even stride over the pool
  std::vector<double> dist;
  dist.reserve(static_cast<std::size_t>(k * (k - 1) / 2));
  for (Index a = 0; a < k; ++a)
    for (Index b = a + 1; b < k; ++b) dist.push_back((Z.col(a) - Z.col(b)).norm());
  auto mid = dist.begin() + static_cast<std::ptrdiff_t>(dist.size() / 2);
  std::nth_element(dist.begin(), mid, dist.end());
  const double h = *mid;
  require(h > 0,
          "median_heuristic_bandwidth: the median pairwise distance is 0 (mostly "
          "duplicate points); give a bandwidth");
  return h;
}

Estimate mmd2(const Matrix& X, const Matrix& Y, const MmdOptions& options) {
  options.validate();
  check_sample_pair(X, Y, "mmd2", 3);
  std::vector<double> h = options.bandwidths;
  if (h.empty()) h.push_back(median_heuristic_bandwidth(X, Y, options.median_subsample));
  const KernelTwoSample r = kernel_two_sample(X, Y, DistanceKernel::kGaussian, h);
  std::ostringstream method;
  method.precision(6);
  method << "mmd2_rbf_unbiased(h=";
  for (std::size_t i = 0; i < h.size(); ++i) method << (i ? "," : "") << h[i];
  method << (options.bandwidths.empty() ? ",median_heuristic)" : ")");
  return Estimate::normal_ci(r.value, r.standard_error, X.cols(), Y.cols(), method.str());
}

}  // namespace difflab
