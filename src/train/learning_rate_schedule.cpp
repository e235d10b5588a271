#include "difflab/train/learning_rate_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"

namespace difflab {

double scheduled_learning_rate(const OptimizerOptions& options, std::int64_t step) {
  require(step >= 0, "learning-rate schedule: step must be >= 0, got ", step);
  const double lr = options.lr;
  if (step < options.warmup_steps)
    return lr * static_cast<double>(step + 1) / static_cast<double>(options.warmup_steps);
  const std::int64_t k = step - options.warmup_steps;
  if (options.decay == "none") return lr;
  const double D = static_cast<double>(options.decay_steps);
  if (options.decay == "cosine") {
    const double progress = static_cast<double>(std::min(k, options.decay_steps)) / D;
    const double f = options.final_lr_fraction;
    return lr * (f + (1.0 - f) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
  }
  if (options.decay == "exponential") return lr * std::exp(-static_cast<double>(k) / D);
  fail("learning-rate schedule: unknown decay '", options.decay,
       "' (valid: none, cosine, exponential)");
}

}  // namespace difflab
