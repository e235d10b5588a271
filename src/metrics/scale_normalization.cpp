#include "difflab/metrics/scale_normalization.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

double sample_pair_scale(const Matrix& X, const Matrix& Y) {
  const double largest =
      std::max(X.size() ? X.cwiseAbs().maxCoeff() : 0.0, Y.size() ? Y.cwiseAbs().maxCoeff() : 0.0);
  if (largest == 0 || !std::isfinite(largest)) return 1;
  int exponent = 0;
  std::frexp(largest, &exponent);  // largest = f 2^exponent, f in [1/2, 1)
  if (exponent > -400 && exponent < 400) return 1;
  // 2^(exponent - 1): the largest entry becomes f * 2 in [1, 2), and the scale itself stays
  // finite for entries up to DBL_MAX (2^exponent would be 2^1024 = inf there).
  return std::ldexp(1.0, exponent - 1);
}

double rescale_metric(double value, double scale, int power, const char* metric) {
  if (scale == 1) return value;
  const double out = value * std::pow(scale, power);
  require(std::isfinite(out), metric, ": the distance between the samples exceeds the double ",
          "range (samples of magnitude ", scale, ")");
  return out;
}

}  // namespace difflab
