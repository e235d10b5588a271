#pragma once
// "dpmpp-2m": DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2), the multistep
// second-order solver of the PF-ODE in the log-SNR lambda = log(alpha/sigma) with data
// prediction x0(t, x) = (x + sigma_t^2 s(t, x)) / alpha_t (Tweedie, docs/theory.md 1.2).
//
// With h = lambda_{k+1} - lambda_k, h_last = lambda_k - lambda_{k-1} and r = h_last / h:
//   D = (1 + 1/(2r)) x0_k - (1/(2r)) x0_{k-1}
//   x_{k+1} = (sigma_{k+1} / sigma_k) x_k + alpha_{k+1} (1 - e^{-h}) D.
// The first step, and a final step to t = 0 (where h = +inf and the update returns x0_k), use
// D = x0_k (first order), exactly as k-diffusion's sample_dpmpp_2m does. One score evaluation
// per step; no evaluation at the final time.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class DpmSolverPP2M final : public Sampler {
 public:
  std::string name() const override { return "dpmpp-2m"; }
  std::string description() const override {
    return "DPM-Solver++(2M) multistep in log-SNR with data prediction, 2nd order";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = true,
            .stochastic = false,
            .order = 2,
            .nfe_per_step = 1,
            .any_path = true,
            .published_order = 2,
            .published_order_source = "DPM-Solver++(2M) (Lu et al. 2022b)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
