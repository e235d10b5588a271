#include "difflab/score/callback_score.hpp"

#include <cmath>
#include <exception>

#include "difflab/core/error.hpp"

namespace difflab {

CallbackScore::CallbackScore(Index dim, std::shared_ptr<const ForwardProcess> process,
                             ScoreCallback callback, CallbackScoreOptions options)
    : ScoreModel(std::move(process)),
      dim_(dim),
      callback_(std::move(callback)),
      options_(std::move(options)) {
  require(dim_ >= 1, options_.label, ": the dimension must be >= 1, got ", dim_);
  require(static_cast<bool>(callback_), options_.label, ": no function given");
  require(std::isfinite(options_.relative_precision) && options_.relative_precision >= 0 &&
              options_.relative_precision <= 0.01,
          options_.label, ": the relative precision must be in [0, 0.01], got ",
          options_.relative_precision);
}

nlohmann::json CallbackScore::to_json() const {
  return {{"type", "callable"},
          {"label", options_.label},
          {"dim", dim_},
          {"prediction", prediction_name(options_.prediction)},
          {"time", time_convention_name(options_.time)},
          {"relative_precision", options_.relative_precision}};
}

void CallbackScore::evaluate(double t, ConstMatrixRef X, MatrixRef out) const {
  require(X.rows() == dim_, options_.label, ": called with ", X.rows(),
          " coordinates, but the model has dimension ", dim_);
  const double tau = model_time(options_.time, process(), t);
  const auto where = [&] {
    std::ostringstream os;
    os.precision(17);
    os << options_.label << " at t = " << t;
    if (options_.time != TimeConvention::kT)
      os << " (" << time_convention_name(options_.time) << " = " << tau << ")";
    return os.str();
  };
  try {
    callback_(tau, X, out);
  } catch (const std::exception& e) {
    throw ScoreEvaluationError(where() + ": " + e.what(), t);
  }
  // Finiteness is checked on the prediction as returned, so the message blames the model and not
  // the conversion; the conversion of finite values at sigma > 0 stays finite.
  for (Index j = 0; j < out.cols(); ++j)
    for (Index i = 0; i < out.rows(); ++i)
      if (!std::isfinite(out(i, j))) {
        std::ostringstream os;
        os.precision(17);
        os << where() << ": returned a non-finite value (" << out(i, j) << ") at particle " << j
           << " of its block of " << out.cols() << ", coordinate " << i;
        throw ScoreEvaluationError(os.str(), t);
      }
  prediction_to_score(options_.prediction, process(), t, X, out);
}

}  // namespace difflab
