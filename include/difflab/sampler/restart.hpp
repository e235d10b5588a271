#pragma once
// "restart": Restart sampling (Xu et al. 2023, "Restart Sampling for Improving Generative
// Processes", Algorithm 1): the EDM Heun ODE sampler (heun.hpp) on the grid, with K restarts
// of a restart interval [t_min, t_max]: on reaching t_min, the state jumps forward to t_max by
// the exact forward transition and the ODE is run back to t_min, K times, before the main pass
// continues to delta.
//
// Forward jump (Algorithm 1's "Restart forward process", eq. (4) with the exact transition of
// the forward process instead of the VE increment; the same law in VP variables):
//   x_{t_max} = (alpha_max / alpha_min) x_{t_min} + sqrt(sigma_max^2 - (alpha_max / alpha_min)^2
//               sigma_min^2) xi,        xi ~ N(0, I),
// i.e. X_{t_max} | X_{t_min} of dX = -(1/2) beta X dt + sqrt(beta) dB, so q_{t_min} is mapped to
// q_{t_max} exactly; the backward passes use the grid's own steps between t_max and t_min.
// Every step is affine in the state and the noise, so the output law on a Gaussian target with
// an affine score stays Gaussian (affine_gaussian_law.hpp applies).
//
// Choices (difflab's defaults, not values of the paper, whose intervals are tuned per data set in
// sigma_VE): the interval is [t_{i_min}, t_{i_max}] with i_max = floor(N/2), i_min = i_max +
// max(1, floor(N/4)) (clamped to N - 1, so a final step to t = 0 stays outside it), K = 2. Noise:
// restart r (0-based) draws xi at step N + r with RngUse::kStepNoise; with noise "brownian" xi
// is the normalised increment of Brownian path r + 1 (the forward noise of jump r, independent
// of the reverse path 0) over [t_min, t_max], so runs on nested grids whose intervals coincide
// (N divisible by 4) share their jumps. NFE: Heun's (2 per step, 1
// for a final step to t = 0) over N + K (i_min - i_max) steps. Second order, as Heun: with the
// exact score the jumps add no error and the restart passes are Heun steps.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class Restart final : public Sampler {
 public:
  explicit Restart(int restarts = 2);
  std::string name() const override { return "restart"; }
  std::string description() const override {
    return "Restart sampling (Xu et al. 2023): Heun ODE with K = " + std::to_string(restarts_) +
           " exact forward jumps over [t_min, t_max], 2nd order";
  }
  SamplerTraits traits() const override {
    return {
        .one_step = false,
        .affine = true,
        .stochastic = restarts_ > 0,
        .order = 2,
        .nfe_per_step = 0,
        .brownian = restarts_ > 0,
        .published_order = 0,
        .published_order_source = "none stated (Xu et al. 2023); its Heun passes are second order"};
  }
  // The grid indices (i_max, i_min) of the restart interval (0, 0: no interval, N < 3).
  static std::pair<std::size_t, std::size_t> interval(const TimeGrid& grid);

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;

 private:
  int restarts_;
};

}  // namespace difflab
