#include "difflab/score/score_error.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab {

nlohmann::json ScoreErrorEstimate::to_json() const {
  return {{"t", t},
          {"samples", samples},
          {"mean_squared", mean_squared},
          {"standard_error", standard_error},
          {"squared_ci95", {squared_ci_low, squared_ci_high}},
          {"rms", rms},
          {"rms_ci95", {rms_ci_low, rms_ci_high}}};
}

ScoreErrorEstimate l2_score_error(const ScoreModel& score, const Target& target, double t, Index n,
                                  std::uint64_t seed) {
  require(n >= 2, "l2_score_error: need at least 2 samples, got ", n);
  require(score.dim() == target.dim(), "l2_score_error: score model '", score.name(),
          "' has dimension ", score.dim(), " but the target has dimension ", target.dim());
  const ForwardProcess& process = score.process();
  require(std::isfinite(t) && t >= 0 && t <= process.t_max(), "l2_score_error: time t=", t,
          " is outside [0, ", process.t_max(), "] of process ", process.name());
  const CounterRng rng(seed);
  const double alpha = process.alpha(t);
  const double sigma2 = process.sigma2(t);
  Vector squared(n);
  parallel_blocks(n, kDefaultBlock, [&](Index begin, Index count) {
    const auto first = static_cast<std::uint64_t>(begin);
    const Matrix Xt = process.sample_marginal(target.sample(count, rng, first), t, rng, first);
    Matrix model(Xt.rows(), count), exact(Xt.rows(), count);
    score.score(t, Xt, model);
    target.noised_score(alpha, sigma2, Xt, exact);
    squared.segment(begin, count) = (model - exact).colwise().squaredNorm().transpose();
  });
  ScoreErrorEstimate e;
  e.t = t;
  e.samples = n;
  e.mean_squared = squared.mean();
  const double variance =
      (squared.array() - e.mean_squared).square().sum() / static_cast<double>(n - 1);
  e.standard_error = std::sqrt(variance / static_cast<double>(n));
  constexpr double kZ95 = 1.959963984540054;
  e.squared_ci_low = std::max(0.0, e.mean_squared - kZ95 * e.standard_error);
  e.squared_ci_high = e.mean_squared + kZ95 * e.standard_error;
  e.rms = std::sqrt(e.mean_squared);
  e.rms_ci_low = std::sqrt(e.squared_ci_low);
  e.rms_ci_high = std::sqrt(e.squared_ci_high);
  return e;
}

}  // namespace difflab
