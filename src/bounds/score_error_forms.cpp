#include "difflab/bounds/score_error_forms.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

std::string to_string(ScoreErrorForm form) {
  switch (form) {
    case ScoreErrorForm::kMaxOverSteps:
      return "max_over_steps";
    case ScoreErrorForm::kTimeIntegral:
      return "time_integral";
    case ScoreErrorForm::kTimeAverage:
      return "time_average";
    case ScoreErrorForm::kStepAverage:
      return "step_average";
    case ScoreErrorForm::kSamplerProcess:
      return "sampler_process";
    case ScoreErrorForm::kNone:
      return "none";
  }
  fail("score error form: unknown enum value ", static_cast<int>(form));
}

double ScoreErrorForms::in_form(ScoreErrorForm form) const {
  switch (form) {
    case ScoreErrorForm::kMaxOverSteps:
      return max_over_steps;
    case ScoreErrorForm::kTimeIntegral:
      return time_integral;
    case ScoreErrorForm::kTimeAverage:
      return time_average;
    case ScoreErrorForm::kStepAverage:
      return step_average;
    case ScoreErrorForm::kSamplerProcess:
    case ScoreErrorForm::kNone:
      break;
  }
  fail("score error form '", to_string(form),
       "' is not a function of the L2(q_t) error: it cannot be computed from e2(t)");
}

ScoreErrorForms score_error_forms(const std::function<double(double)>& e2, const TimeGrid& grid) {
  require(static_cast<bool>(e2), "score error forms: e2 is empty");
  ScoreErrorForms out;
  const std::size_t N = grid.steps();
  double sum = 0;
  for (std::size_t k = 0; k < N; ++k) {
    const double t = grid.t(k);
    const double e = e2(t);
    require(std::isfinite(e) && e >= 0, "score error forms: e2(", t,
            ") must be finite and >= 0, got ", e);
    out.max_over_steps = std::max(out.max_over_steps, e);
    out.time_integral += (t - grid.t(k + 1)) * e;
    sum += e;
  }
  out.step_average = sum / static_cast<double>(N);
  out.time_average = out.time_integral / (grid.T() - grid.delta());
  return out;
}

}  // namespace difflab
