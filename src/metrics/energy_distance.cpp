#include "difflab/metrics/energy_distance.hpp"

#include "difflab/metrics/kernel_two_sample.hpp"
#include "difflab/metrics/sample_checks.hpp"
#include "difflab/metrics/scale_normalization.hpp"

namespace difflab {

Estimate energy_distance(const Matrix& X, const Matrix& Y) {
  check_sample_pair(X, Y, "energy_distance", 3);
  // Pairwise squared distances overflow beyond ~1e154: compute on rescaled samples
  // (metrics/scale_normalization.hpp); the energy distance is homogeneous of degree 1.
  const double scale = sample_pair_scale(X, Y);
  if (scale != 1) {
    Estimate e = energy_distance(X / scale, Y / scale);
    e.value = rescale_metric(e.value, scale, 1, "energy_distance");
    e.ci_lo = rescale_metric(e.ci_lo, scale, 1, "energy_distance");
    e.ci_hi = rescale_metric(e.ci_hi, scale, 1, "energy_distance");
    return e;
  }
  const KernelTwoSample r = kernel_two_sample(X, Y, DistanceKernel::kNegativeDistance);
  return Estimate::normal_ci(r.value, r.standard_error, X.cols(), Y.cols(),
                             "energy_distance_unbiased");
}

}  // namespace difflab
