#pragma once
// Estimate: the one result type of every metric. A value with a confidence interval and the
// sample sizes it came from. Closed forms are exact: ci_lo = ci_hi = value and n_p = n_q = 0.
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/types.hpp"

namespace difflab {

struct Estimate {
  double value = 0;
  double ci_lo = 0, ci_hi = 0;  // 95% confidence interval unless the method says otherwise
  Index n_p = 0, n_q = 0;       // particles of each law used (0 for a law given in closed form)
  std::string method;           // what produced it, e.g. "gaussian_closed_form", "mmd2_rbf"

  // An exact value (closed form): the interval is the point.
  static Estimate exact(double value, std::string method);
  // value +- z * standard_error, with z the two-sided 95% normal quantile.
  static Estimate normal_ci(double value, double standard_error, Index n_p, Index n_q,
                            std::string method);
  bool is_exact() const { return ci_lo == value && ci_hi == value; }
  nlohmann::json to_json() const;
};

// Two-sided 95% standard normal quantile Phi^{-1}(0.975).
inline constexpr double kNormalQuantile975 = 1.959963984540054;

}  // namespace difflab
