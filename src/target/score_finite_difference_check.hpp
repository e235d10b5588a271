#pragma once
// Test support shared by the target tests: the exact noised score against fourth-order central
// differences of the exact noised log-density, at points drawn from q_t itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "difflab/core/rng.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

// Relative error < 1e-6 (absolute below 1e-8 where the score crosses zero). h is the difference
// step; n the number of points.
inline void expect_score_matches_finite_differences(const Target& target,
                                                    const ForwardProcess& process, double t,
                                                    double h, Index n = 12) {
  const CounterRng rng(3);
  const Matrix Xt = process.sample_marginal(target.sample(n, rng), t, rng);
  const Matrix S = target.score_qt(process, t, Xt);
  const double coef[4] = {1.0 / 12, -8.0 / 12, 8.0 / 12, -1.0 / 12};
  const double shift[4] = {-2, -1, 1, 2};
  for (Index i = 0; i < target.dim(); ++i) {
    Vector fd = Vector::Zero(Xt.cols());
    for (int k = 0; k < 4; ++k) {
      Matrix Y = Xt;
      Y.row(i).array() += shift[k] * h;
      fd += coef[k] * target.log_qt(process, t, Y) / h;
    }
    for (Index j = 0; j < Xt.cols(); ++j)
      EXPECT_NEAR(S(i, j), fd(j), 1e-6 * std::max(std::abs(S(i, j)), 1e-2))
          << target.type() << " " << process.name() << " t=" << t << " coordinate " << i;
  }
}

}  // namespace difflab
