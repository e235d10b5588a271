#include "difflab/metrics/energy_distance.hpp"

#include "difflab/metrics/kernel_two_sample.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

Estimate energy_distance(const Matrix& X, const Matrix& Y) {
  check_sample_pair(X, Y, "energy_distance", 3);
  const KernelTwoSample r = kernel_two_sample(X, Y, DistanceKernel::kNegativeDistance);
  return Estimate::normal_ci(r.value, r.standard_error, X.cols(), Y.cols(),
                             "energy_distance_unbiased");
}

}  // namespace difflab
