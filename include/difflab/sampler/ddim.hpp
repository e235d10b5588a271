#pragma once
// "ddim": deterministic DDIM (eta = 0), which is DPM-Solver-1 in data prediction.
//
// With the data prediction x0(t, x) = (x + sigma_t^2 s(t, x)) / alpha_t (Tweedie, docs/theory.md
// 1.2) and the log-SNR lambda = log(alpha/sigma), h = lambda_{k+1} - lambda_k, one step is
//   x_{k+1} = (sigma_{k+1} / sigma_k) x_k + alpha_{k+1} (1 - e^{-h}) x0(t_k, x_k)
// (Lu et al. 2022, DPM-Solver++ first-order update, their eq. (9)/(10) with the data
// prediction frozen), which equals DDIM eq. (12) with sigma = 0 (Song, Meng & Ermon 2021):
// x_{k+1} = alpha_{k+1} x0 + sigma_{k+1} eps with eps = (x_k - alpha_k x0) / sigma_k.
// A step to t = 0 returns x0. First order; one score evaluation per step.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class Ddim final : public Sampler {
 public:
  std::string name() const override { return "ddim"; }
  std::string description() const override {
    return "DDIM with eta = 0 (= DPM-Solver-1 in data prediction), 1st order";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = false,
            .order = 1,
            .nfe_per_step = 1,
            .any_path = true,
            .published_order = 1,
            .published_order_source = "DPM-Solver-1 (Lu et al. 2022, Thm 3.2)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
