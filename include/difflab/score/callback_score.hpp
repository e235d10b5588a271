#pragma once
// CallbackScore: a score model whose values come from a batch function supplied by the user (a
// Python callable, a PyTorch module, any other code). The function sees a whole block of
// particles and one model time per call, so it runs once per step per block, never per particle;
// its prediction (noise, data, velocity or score) and time convention are converted to the score
// at forward time t by prediction.hpp (DPM-Solver's model_wrapper idea, Lu et al. 2022).
//
// What it returns is checked before a sampler uses it: the shape must be d x n and every entry
// finite; otherwise a difflab::Error names the forward time, the model time and the problem, so
// a run stops with one clear message instead of carrying NaN into its results.
#include <functional>
#include <string>

#include "difflab/core/error.hpp"
#include "difflab/score/prediction.hpp"
#include "difflab/score/score_model.hpp"

namespace difflab {

// What a CallbackScore throws when its function fails or returns a bad value: a difflab::Error
// that also carries the forward time, so Sampler::sample can name the grid step it happened in.
class ScoreEvaluationError : public Error {
 public:
  ScoreEvaluationError(const std::string& message, double t) : Error(message), t_(t) {}
  double t() const { return t_; }

 private:
  double t_;
};

// The user's function: X is d x n (particles in columns), tau the model time, and the prediction
// is written into `out` (d x n on entry). It may throw; difflab::Error passes through, any other
// exception is reported as a difflab::Error with the time.
using ScoreCallback = std::function<void(double tau, ConstMatrixRef X, MatrixRef out)>;

struct CallbackScoreOptions {
  Prediction prediction = Prediction::kScore;
  TimeConvention time = TimeConvention::kT;
  std::string label = "callable";  // how results and messages name the model
  // Relative rounding of the function's output (ScoreModel::relative_precision): 0 for float64,
  // about 1.2e-7 for a float32 network. In [0, 0.01].
  double relative_precision = 0;
};

class CallbackScore final : public ScoreModel {
 public:
  CallbackScore(Index dim, std::shared_ptr<const ForwardProcess> process, ScoreCallback callback,
                CallbackScoreOptions options = {});
  Index dim() const override { return dim_; }
  std::string name() const override { return options_.label; }
  nlohmann::json to_json() const override;
  const CallbackScoreOptions& options() const { return options_; }
  double relative_precision() const override { return options_.relative_precision; }

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override;

 private:
  Index dim_;
  ScoreCallback callback_;
  CallbackScoreOptions options_;
};

}  // namespace difflab
