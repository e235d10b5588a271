#include "difflab/metrics/estimate.hpp"

#include <utility>

namespace difflab {

Estimate Estimate::exact(double value, std::string method) {
  return Estimate{value, value, value, 0, 0, std::move(method)};
}

Estimate Estimate::normal_ci(double value, double standard_error, Index n_p, Index n_q,
                             std::string method) {
  const double half = kNormalQuantile975 * standard_error;
  return Estimate{value, value - half, value + half, n_p, n_q, std::move(method)};
}

nlohmann::json Estimate::to_json() const {
  return nlohmann::json{{"value", value}, {"ci_lo", ci_lo}, {"ci_hi", ci_hi},
                        {"n_p", n_p},     {"n_q", n_q},     {"method", method}};
}

}  // namespace difflab
