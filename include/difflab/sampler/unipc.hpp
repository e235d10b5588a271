#pragma once
// "unipc": UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework for Fast
// Sampling of Diffusion Models", Algorithm 2, multistep UniPC-p with data prediction): the
// predictor UniP-p and the corrector UniC-p, with B(h) = h ("bh1") or B(h) = e^h - 1 ("bh2").
//
// Notation as in dpm_solver_pp_2m.hpp: lambda = log(alpha / sigma), data predictions m_k = D(t_k,
// x~_k) (Tweedie, docs/theory.md 1.2) at the predicted points x~_k. For a step from s = t_k to t =
// t_{k+1}, with h = lambda_t - lambda_s, hh = -h, r_i = (lambda_{k-i} - lambda_k) / h (i = 1 ..
// p-1), r_p = 1, D_i = (m_{k-i} - m_k) / r_i:
//   phi_1 = e^{hh} - 1,  B = hh (bh1) or e^{hh} - 1 (bh2),
//   R[i][j] = r_j^{i}  (i, j = 0 .. p-1),
//   b[i] = g_{i+1} (i+1)! / B,  g_1 = phi_1 / hh - 1,  g_{i+1} = g_i / hh - 1 / (i+1)!
// (the phi-functions of the exponential integrator, the paper's eq. (7) conditions R rho = b).
//   UniP-p:  x~_{k+1} = (sigma_t / sigma_s) x_k - alpha_t phi_1 m_k - alpha_t B sum_i rho^p_i D_i,
//            rho^p = 1/2 for p = 2, else the solution of the leading (p-1) x (p-1) system.
//   UniC-p:  after m_{k+1} = D(t_{k+1}, x~_{k+1}) is evaluated (the next step's evaluation, so
//            the corrector costs no extra evaluation),
//            x_{k+1} = (sigma_t / sigma_s) x_k - alpha_t phi_1 m_k
//                      - alpha_t B (sum_{i<p} rho^c_i D_i + rho^c_p (m_{k+1} - m_k)),
//            rho^c = 1/2 for p = 1, else the solution of the full p x p system,
// and the next predictor starts from the corrected x_{k+1} with m_{k+1} (which was evaluated at
// x~_{k+1}: no second evaluation). The order p warms up as min(solver order, k + 1); the final
// step has no corrector (there is no evaluation after it); a final step to t = 0 (h = +inf)
// returns m_k. This follows diffusers' UniPCMultistepScheduler with predict_x0 = True and
// lower_order_final = False. UniC raises the order of UniP-p by one (the paper's Theorem 3.1):
// order p + 1. Registered: "unipc" = bh2 with p = 2 (diffusers' defaults), order 3. One score
// evaluation per step.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class UniPC final : public Sampler {
 public:
  enum class Variant { kBh1, kBh2 };
  explicit UniPC(int solver_order = 2, Variant variant = Variant::kBh2);
  std::string name() const override { return "unipc"; }
  std::string description() const override {
    return std::string("UniPC (Zhao et al. 2023), UniP-") + std::to_string(order_) + " + UniC, " +
           (variant_ == Variant::kBh1 ? "bh1" : "bh2") + ", order " + std::to_string(order_ + 1);
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = true,
            .stochastic = false,
            .order = static_cast<double>(order_ + 1),
            .nfe_per_step = 1,
            .any_path = true,
            .published_order = static_cast<double>(order_ + 1),
            .published_order_source = "UniPC-p with UniC: order p + 1 (Zhao et al. 2023, Thm 3.1)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;

 private:
  int order_;
  Variant variant_;
};

}  // namespace difflab
