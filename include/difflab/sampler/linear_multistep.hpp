#pragma once
// "lms": the linear multistep method of order 4 on EDM's variance-exploding probability-flow
// ODE, as k-diffusion's sample_lms (order = 4) with its linear_multistep_coeff.
//
// Variables as in heun.hpp: x_VE = x / alpha, s = sigma_VE = sigma / alpha = e^{-lambda}, and
//   dx_VE / ds = d(s, x_VE) = (x_VE - D(x_VE; s)) / s = -sigma_t s(t, alpha_t x_VE)
// (Karras et al. 2022, eq. (3) with s(t) = 1). With s_k = sigma_VE(t_k) and d_k the slope at
// step k, step k is the variable-step Adams-Bashforth formula of order p = min(k + 1, 4)
// (Hairer, Norsett & Wanner I, Section III.5, eq. (5.3)):
//   x_VE <- x_VE + sum_{j=0}^{p-1} c_{k,j} d_{k-j},
//   c_{k,j} = int_{s_k}^{s_{k+1}} prod_{m != j, m < p} (tau - s_{k-m}) / (s_{k-j} - s_{k-m}) dtau,
// the integral over the step of the Lagrange basis polynomial of the past noise levels.
// k-diffusion integrates c_{k,j} with scipy's quad; the integrands are polynomials of degree
// <= 3, so a 3-point Gauss-Legendre rule (exact to degree 5) gives the same numbers to rounding.
// The coefficients depend on the grid only and are computed once per run. A final step to
// s = 0 (t = 0) uses the same formula (no evaluation at s = 0).
//
// Order: the variable-step Adams-Bashforth formula of order p has local error O(h^{p+1}), so
// the steps from the fourth on are fourth order; the start-up steps (orders 1, 2, 3) add O(h^2)
// from the first (Euler) step, so the asymptotic order is 2 (SamplerTraits::order). The start-up
// steps sit at the largest noise levels, where the VE flow is nearly linear in sigma_VE, so at
// practical N the observed slope is close to 4 (about 3.6-3.9 from T = 6, N = 40-320, on a
// Gaussian target; experiments/README.md), falling towards 2 only at large N or small T. One
// score evaluation per step.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class LinearMultistep final : public Sampler {
 public:
  std::string name() const override { return "lms"; }
  std::string description() const override {
    return "linear multistep (Adams-Bashforth) of order 4 in sigma_VE, k-diffusion sample_lms";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = true,
            .stochastic = false,
            .order = 2,
            .nfe_per_step = 1,
            .any_path = true,
            .published_order = 4,
            .published_order_source = "Adams-Bashforth of order 4 (k-diffusion sample_lms)"};
  }
  // c_{k,j} of the grid (see above): row k holds the weights of d_k, d_{k-1}, ... (zeros beyond
  // the step's order).
  static Matrix coefficients(const ForwardProcess& process, const TimeGrid& grid);

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
