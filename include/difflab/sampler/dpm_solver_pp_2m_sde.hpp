#pragma once
// "dpmpp-2m-sde": DPM-Solver++(2M) SDE (Lu et al. 2022, "DPM-Solver++", arXiv 2211.01095, the
// SDE variant), as k-diffusion's sample_dpmpp_2m_sde with eta = 1, s_noise = 1 and
// solver_type = 'midpoint', written in the log-SNR lambda = log(alpha/sigma) of a VP process.
//
// Mapping to k-diffusion's variance-exploding variables: x_VE = x_VP / alpha and
// sigma_VE = sigma / alpha, so k-diffusion's time t = -log sigma_VE is our lambda, its
// h = t_next - t is h = lambda_{k+1} - lambda_k > 0, and its denoiser D(x_VE; sigma_VE) =
// E[X_0 | X_0 + sigma_VE Z = x_VE] is our data prediction x0 = (x + sigma^2 s(t, x)) / alpha
// (Tweedie, docs/theory.md 1.2). k-diffusion's step (eta = 1, so eta_h = h)
//   x_VE' = (sigma_VE'/sigma_VE) e^{-h} x_VE + (1 - e^{-2h}) D
//           + (1/2)(1 - e^{-2h}) (1/r) (D - D_old)                 [midpoint, not on step one]
//           + sigma_VE' sqrt(1 - e^{-2h}) xi,                       r = h_last / h,
// multiplied by alpha_{k+1} becomes, in VP variables,
//   x_{k+1} = (sigma_{k+1}/sigma_k) e^{-h} x_k + alpha_{k+1} (1 - e^{-2h}) D_k
//             + alpha_{k+1} (1 - e^{-2h}) / (2r) (D_k - D_{k-1}) + sigma_{k+1} sqrt(1 - e^{-2h})
//             xi,
// where (sigma_{k+1}/sigma_k) e^{-h} = (sigma_{k+1}^2 / sigma_k^2)(alpha_k / alpha_{k+1}).
// As in k-diffusion: the first step is first order (no D_{k-1} yet), and a final step to t = 0
// (sigma = 0, h = +inf) returns D_k, first order and without noise. With denoise_last_step the
// noise of the final step is dropped also when delta > 0. One score evaluation per step.
// Order 2 in the output law (the second-order claim of Lu et al. for SDE-DPM-Solver++(2M)),
// measured on Gaussian targets with the exact law (exact_law_order_test.cpp: slope 1.98-1.99).
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class DpmSolverPP2MSde final : public Sampler {
 public:
  std::string name() const override { return "dpmpp-2m-sde"; }
  std::string description() const override {
    return "DPM-Solver++(2M) SDE (eta = 1, midpoint), multistep in log-SNR with data prediction";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = true,
            .stochastic = true,
            .order = 2,
            .nfe_per_step = 1,
            .brownian = true,
            .any_path = true,
            .published_order = 2,
            .published_order_source = "SDE-DPM-Solver++(2M) (Lu et al. 2022b)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
