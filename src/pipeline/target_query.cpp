// The target queries of `difflab target` and Python's target() (pipeline/target_query.hpp).
#include "difflab/pipeline/target_query.hpp"

#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/target/empirical_target.hpp"

namespace difflab {

namespace {

void check_time(const ForwardProcess& process, double t) {
  require(std::isfinite(t) && t >= 0 && t <= process.t_max(), "t must lie in [0, ", process.t_max(),
          "], got ", t);
}

}  // namespace

nlohmann::json target_report(const Target& target) {
  return {
      {"target", target.to_json()}, {"dim", target.dim()}, {"summary", target.summary().to_json()}};
}

Matrix sample_qt(const Target& target, const ForwardProcess& process, double t, Index n,
                 std::uint64_t seed) {
  check_time(process, t);
  require(n >= 1, "sample must be >= 1, got ", n);
  const CounterRng rng(seed);
  Matrix X = target.sample(n, rng);
  if (t > 0) X = process.sample_marginal(X, t, rng);
  return X;
}

Matrix log_qt_and_score(const Target& target, const ForwardProcess& process, double t,
                        const Matrix& X, Prediction prediction) {
  check_time(process, t);
  const Vector logq = target.log_qt(process, t, X);
  Matrix s = target.score_qt(process, t, X);
  score_to_prediction(prediction, process, t, X, s);
  Matrix out(target.dim() + 1, X.cols());
  out.row(0) = logq.transpose();
  out.bottomRows(target.dim()) = s;
  return out;
}

nlohmann::json knn_truncation_report(const Target& target, const ForwardProcess& process, double t,
                                     const Matrix& X) {
  check_time(process, t);
  const auto* data = dynamic_cast<const EmpiricalTarget*>(&target);
  if (data == nullptr || data->knn() == 0 || t == 0) return nullptr;
  const KnnTruncationBound b = data->knn_truncation_bound(process.alpha(t), process.sigma2(t), X);
  return {{"knn", data->knn()},
          {"t", t},
          {"neglected_mass", json_util::to_json(b.neglected_mass)},
          {"score_error", json_util::to_json(b.score_error)},
          {"max_neglected_mass", b.max_neglected_mass()},
          {"max_score_error", b.max_score_error()}};
}

}  // namespace difflab
