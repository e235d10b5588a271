#pragma once
// A time grid in forward time, T = t_0 > t_1 > ... > t_N = delta >= 0, walked by a sampler from
// t_0 to t_N. Grids are separate from samplers (as in k-diffusion): any sampler runs on any grid.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace difflab {

class TimeGrid {
 public:
  // Validates: at least two points, finite, strictly decreasing, last >= 0.
  TimeGrid(std::vector<double> times, std::string name);

  const std::vector<double>& times() const { return t_; }
  double t(std::size_t k) const { return t_[k]; }
  std::size_t steps() const { return t_.size() - 1; }
  double T() const { return t_.front(); }
  double delta() const { return t_.back(); }
  const std::string& name() const { return name_; }
  // h_k = t_k - t_{k+1} > 0, k = 0..N-1.
  std::vector<double> step_sizes() const;
  // Benton et al.'s step condition (Theorem 1): the smallest kappa with
  // h_k <= kappa * min(1, t_{k+1}) for all k (docs/theory.md 3.5; t_{k+1} is the forward time
  // T - t_{k+1} of the paper's reverse-time grid). Infinite when delta = 0.
  double kappa() const;
  nlohmann::json to_json() const;

 private:
  std::vector<double> t_;
  std::string name_;
};

}  // namespace difflab
