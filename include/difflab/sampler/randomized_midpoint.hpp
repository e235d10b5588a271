#pragma once
// "rmp": the randomized-midpoint method for the reverse SDE (Gupta, Cai & Chen 2024, "Faster
// diffusion sampling with randomized midpoints: sequential and parallel", arXiv 2406.00924; the
// estimator is Shen & Lee's randomized midpoint for log-concave sampling, NeurIPS 2019), two
// score evaluations per step (docs/theory.md, "Randomized midpoint").
//
// Over one step t_k -> t_{k+1} (h = t_k - t_{k+1}) the reverse SDE of docs/theory.md 1.1 has
// the exact variation-of-constants form, with rho(u) = int_u^{t_k} beta and rho_h = rho(t_{k+1}):
//   Y_{k+1} = e^{rho_h/2} Y_k + int_{t_{k+1}}^{t_k} beta(u) e^{(rho_h - rho(u))/2} s(u, Y_u) du
//             + int e^{(rho_h - rho(u))/2} sqrt(beta(u)) dW_u.
// The exponential integrator ("ei") freezes s at (t_k, Y_k) inside the drift integral. The
// randomized midpoint replaces that integral by its one-point unbiased estimator at a uniform
// random time: with a ~ U[0, 1] and u = t_k - a h,
//   int_{t_{k+1}}^{t_k} f(u) du  ~  h f(t_k - a h)        (E_a of the right side = the left side),
// where Y_u is itself predicted by an EI step of length a h (the "midpoint" step):
//   Y^ = e^{rho(u)/2} Y_k + 2 (e^{rho(u)/2} - 1) s(t_k, Y_k) + sqrt(e^{rho(u)} - 1) xi_1,
//   Y_{k+1} = e^{rho_h/2} Y_k + h beta(u) e^{(rho_h - rho(u))/2} s(u, Y^)
//             + e^{(rho_h - rho(u))/2} sqrt(e^{rho(u)} - 1) xi_1 + sqrt(e^{rho_h - rho(u)} - 1)
//             xi_2.
// The Brownian path is shared: the full step's noise is the midpoint's Brownian integral carried
// to t_{k+1} plus an independent increment over (u, t_{k+1}) (variances add up to
// e^{rho_h} - 1, the EI step's). The paper's sequential algorithm, as a summary of it describes
// it, applies the same estimator to the drift integral of the probability-flow ODE inside a
// predictor-corrector scheme; its equations could not be read, and this SDE form is derived in
// docs/theory.md 13 (the paper's estimator, the EI's exact noise). Each particle draws
// its own a (RngUse::kMidpointTime), so score evaluations at the midpoint are per particle.
// With noise "brownian", xi_1 and xi_2 are the normalised increments of the one path W over
// [u, t_k] and [t_{k+1}, u] (a kept two lattice steps from 0 and 1): the split of the step's
// Brownian path at u that the update above assumes, so the same path drives runs on nested
// grids.
//
// The one-step kernel is a mixture over a of Gaussians, so no exact-law method applies (the
// laws refuse samplers that draw uniforms). Its first two moments on a Gaussian target are
// exact by quadrature over a (randomized_midpoint_test.cpp): they converge at order 2 in h, the
// order stated in the traits (EI: 1). The paper states iteration complexities in TV, not an
// order in h. With denoise_last_step the final step drops both Gaussian terms.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class RandomizedMidpoint final : public Sampler {
 public:
  std::string name() const override { return "rmp"; }
  std::string description() const override {
    return "reverse SDE, randomized midpoint (Gupta, Cai & Chen 2024): EI step to a uniform "
           "random time, full step with the score there, shared Brownian path";
  }
  SamplerTraits traits() const override {
    return {
        .one_step = true,
        .affine = false,
        .stochastic = true,
        .order = 2,
        .nfe_per_step = 2,
        .brownian = true,
        .published_order = 0,
        .published_order_source = "none in h: Gupta, Cai & Chen 2024 bound KL by d and the step"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
