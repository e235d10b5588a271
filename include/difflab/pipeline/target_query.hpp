#pragma once
// `difflab target` and Python's target(): a target's summary, exact samples of q_t, and the
// exact log q_t and score at given points (README "Targets"). One set of functions behind both
// faces, so they give the same bits.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/score/prediction.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

// {"target": its spec, "dim": d, "summary": the quantities the bounds need}.
nlohmann::json target_report(const Target& target);

// n exact samples of q_t = Law(X_t), columns (d x n): X_0 from the target's streams
// (seed, kTargetSample, j), then the exact forward marginal at t from the same generator.
// t must lie in [0, t_max] of the process.
Matrix sample_qt(const Target& target, const ForwardProcess& process, double t, Index n,
                 std::uint64_t seed);

// log q_t and the score at the columns of X, stacked as (d + 1) x n: row 0 is log q_t, rows
// 1..d the score, or the exact `prediction` of it (score/prediction.hpp: noise, data, velocity,
// or flow, the flow-matching velocity E[dX_t/dt | x] of docs/theory.md 1.3).
Matrix log_qt_and_score(const Target& target, const ForwardProcess& process, double t,
                        const Matrix& X, Prediction prediction = Prediction::kScore);

// For an empirical target with a k-NN truncated score ("knn": k), the truncation bounds at the
// columns of X at time t (docs/theory.md 10.4): {"knn": k, "t": t, "neglected_mass": [...],
// "score_error": [...], "max_neglected_mass", "max_score_error"}; null for any other target and
// for t = 0 (no score).
nlohmann::json knn_truncation_report(const Target& target, const ForwardProcess& process, double t,
                                     const Matrix& X);

}  // namespace difflab
