#pragma once
// "ddpm": DDPM ancestral sampling (Ho et al. 2020, eqs. (6)-(7) and Algorithm 2), written for
// arbitrary grid times of any variance-preserving process.
//
// Derivation. Between grid times t_k > t_{k+1} the process defines the discrete forward chain
//   x_{t_k} = a x_{t_{k+1}} + sqrt(1 - a^2) eps,   a = alpha_k / alpha_{k+1} = e^{-rho/2} in (0,
//   1),
// with rho = int_{t_{k+1}}^{t_k} beta; it is consistent with the marginals, since
// a^2 sigma_{k+1}^2 + 1 - a^2 = 1 - a^2 alpha_{k+1}^2 = sigma_k^2. In Ho et al.'s notation the step
// has beta_t = b := 1 - a^2 = -expm1(-rho), alpha_t = a^2, alpha-bar_t = alpha_k^2 and
// alpha-bar_{t-1} = alpha_{k+1}^2. Their eqs. (6)-(7), the Gaussian posterior
// q(x_{t_{k+1}} | x_{t_k}, x_0), read
//   mean = (alpha_{k+1} b / sigma_k^2) x_0 + (a sigma_{k+1}^2 / sigma_k^2) x_{t_k},
//   var  = b sigma_{k+1}^2 / sigma_k^2                      ("beta tilde").
// Ancestral sampling replaces x_0 by its prediction, Tweedie's x0_hat = (x + sigma_k^2 s)/alpha_k
// (docs/theory.md 1.2), with s = s(t_k, x). Substituting, the coefficient of x is
//   (b/a + a sigma_{k+1}^2)/sigma_k^2 = (1 - a^2 + a^2 sigma_{k+1}^2)/(a sigma_k^2)
//                                     = (1 - a^2 alpha_{k+1}^2)/(a sigma_k^2) = 1/a,
// and that of s is alpha_{k+1} b / alpha_k = b/a, so
//   x_{t_{k+1}} = (x + b s(t_k, x)) / a + sqrt(b sigma_{k+1}^2 / sigma_k^2) xi,
// Ho et al.'s Algorithm 2 line 4 (1/sqrt(alpha_t)) (x + beta_t s) + sigma_t z with the
// posterior variance sigma_t^2 = beta tilde. Here 1/a = e^{rho/2} and b/a = 2 sinh(rho/2).
// The simplified form is used: it has no division by sigma_k^2. When t_{k+1} = 0, sigma_{k+1} = 0,
// alpha_{k+1} = 1 and b = sigma_k^2, so the step returns x0_hat exactly and draws no noise.
// One score evaluation per step, never at the final time.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class DdpmAncestral final : public Sampler {
 public:
  std::string name() const override { return "ddpm"; }
  std::string description() const override {
    return "DDPM ancestral sampling: posterior of the discrete chain between grid times";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = true,
            .order = 1,
            .nfe_per_step = 1,
            .brownian = true,
            .published_order = 0,
            .published_order_source = "none stated (Ho et al. 2020); first order like ei"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
