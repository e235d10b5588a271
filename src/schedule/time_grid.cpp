#include "difflab/schedule/time_grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "difflab/core/error.hpp"

namespace difflab {

TimeGrid::TimeGrid(std::vector<double> times, std::string name)
    : t_(std::move(times)), name_(std::move(name)) {
  require(t_.size() >= 2, "time grid '", name_, "': needs at least two times (one step), got ",
          t_.size());
  for (std::size_t k = 0; k < t_.size(); ++k)
    require(std::isfinite(t_[k]), "time grid '", name_, "': time ", k, " is not finite");
  for (std::size_t k = 0; k + 1 < t_.size(); ++k)
    require(t_[k + 1] < t_[k], "time grid '", name_, "': times must be strictly decreasing, but t_",
            k, " = ", t_[k], " and t_", k + 1, " = ", t_[k + 1]);
  require(t_.back() >= 0, "time grid '", name_, "': the last time (delta) must be >= 0, got ",
          t_.back());
}

std::vector<double> TimeGrid::step_sizes() const {
  std::vector<double> h(steps());
  for (std::size_t k = 0; k < steps(); ++k) h[k] = t_[k] - t_[k + 1];
  return h;
}

double TimeGrid::kappa() const {
  double kappa = 0;
  for (std::size_t k = 0; k < steps(); ++k) {
    const double denom = std::min(1.0, t_[k + 1]);
    if (denom <= 0) return std::numeric_limits<double>::infinity();
    kappa = std::max(kappa, (t_[k] - t_[k + 1]) / denom);
  }
  return kappa;
}

nlohmann::json TimeGrid::to_json() const {
  const auto h = step_sizes();
  const double k = kappa();
  return {{"name", name_},
          {"T", T()},
          {"delta", delta()},
          {"steps", steps()},
          {"kappa", std::isfinite(k) ? nlohmann::json(k) : nlohmann::json()},
          {"min_step", *std::min_element(h.begin(), h.end())},
          {"max_step", *std::max_element(h.begin(), h.end())}};
}

}  // namespace difflab
