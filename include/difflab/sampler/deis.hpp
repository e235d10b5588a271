#pragma once
// "deis": tAB-DEIS (Zhang & Chen 2023, "Fast Sampling of Diffusion Models with Exponential
// Integrator", eq. (14)-(15)): the exponential integrator of the probability-flow ODE with the
// noise prediction eps = -sigma s extrapolated by a polynomial in t through the last r + 1
// evaluations (Adams-Bashforth in t), orders r + 1 = 1, 2, 3.
//
// For x_t = alpha_t x_0 + sigma_t z the PF-ODE is dx/dt = -(1/2) beta x + (1/2) beta eps / sigma
// (score s = -eps / sigma), so from t_k to t_{k+1} (eq. (14) with Psi(t, s) = alpha_t / alpha_s)
//   x_{k+1} = (alpha_{k+1} / alpha_k) x_k + sum_{j=0}^{p-1} C_{k,j} eps_{k-j},
//   C_{k,j} = int_{t_k}^{t_{k+1}} (alpha_{k+1} / alpha_tau) (beta(tau) / (2 sigma_tau))
//             prod_{m != j, m < p} (tau - t_{k-m}) / (t_{k-j} - t_{k-m}) dtau        (eq. (15)),
// p = min(k + 1, order). Substituting v = sigma_tau / alpha_tau (so dv/dtau = -beta /
// (2 alpha sigma), derived from d log(sigma/alpha)/dt = beta / (2 sigma^2)) turns the weight into
//   C_{k,j} = alpha_{k+1} int_{v_k}^{v_{k+1}} l_j(t(v)) dv,     t(v) = t_of_log_snr(-log v),
// a smooth integrand on a finite interval also for a final step to t = 0 (v = 0). It is
// integrated by composite 8-point Gauss-Legendre (4 pieces), once per grid ("coefficients computed
// once per grid"). For p = 1, C_{k,0} = sigma_{k+1} - alpha_{k+1} sigma_k / alpha_k: DDIM's step
// (checked in deis_test.cpp). The steps are of order p = 3 from the third on; the first (DDIM) step
// adds O(h^2), so SamplerTraits::order is min(order, 2) (asymptotic). It sits at the lowest SNR,
// where eps barely changes, so the observed slope is close to 3 at practical N (deis_test.cpp).
// One score evaluation per step.
#include <algorithm>

#include "difflab/sampler/sampler.hpp"

namespace difflab {

class Deis final : public Sampler {
 public:
  explicit Deis(int order = 3);
  std::string name() const override { return "deis"; }
  std::string description() const override {
    return "tAB-DEIS (Zhang & Chen 2023): exponential integrator, eps extrapolated in t, order " +
           std::to_string(order_);
  }
  SamplerTraits traits() const override {
    return {.one_step = order_ == 1,
            .affine = true,
            .stochastic = false,
            .order = static_cast<double>(std::min(order_, 2)),
            .nfe_per_step = 1,
            .any_path = true,
            .published_order = static_cast<double>(order_),
            .published_order_source = "tAB-DEIS of order r (Zhang & Chen 2023)"};
  }
  // C_{k,j} of the grid: row k holds the weights of eps_k, eps_{k-1}, ... (zeros beyond p).
  Matrix coefficients(const ForwardProcess& process, const TimeGrid& grid) const;

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;

 private:
  int order_;
};

}  // namespace difflab
