#pragma once
// "ei": the exponential integrator with frozen score for the reverse SDE, the reference method
// of the convergence theory (seed lecture eq. (5); CCL23 (2.8); Benton et al. eq. (4);
// docs/theory.md 1.1).
//
// The reverse-time SDE of dX = -(1/2) beta X dt + sqrt(beta) dB, written in forward time t and
// run from t_k down to t_{k+1}, is dY = (1/2) beta (Y + 2 s(t, Y)) dr + sqrt(beta) dW in the
// reverse clock r. Freezing the score at the left end, s(t_k, Y_k), leaves a linear SDE that is
// solved exactly. With rho = int_{t_{k+1}}^{t_k} beta(u) du (so e^{rho/2} = alpha_{k+1}/alpha_k):
//   Y_{k+1} = e^{rho/2} Y_k + 2 (e^{rho/2} - 1) s(t_k, Y_k) + sqrt(e^{rho} - 1) xi_k.
// For OU (beta = 2, rho = 2h) this is docs/theory.md 1.1's e^h Y + 2 (e^h - 1) s + sqrt(e^{2h} - 1)
// xi. First order (weak); one score evaluation per step, never at the final time (delta = 0 is
// fine).
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/sampler.hpp"

namespace difflab {

// The three coefficients of one EI step from t_from down to t_to < t_from:
//   Y <- growth * Y + score_weight * s(t_from, Y) + noise_std * xi.
// Shared by "ei" and the predictor of "pc". expm1 keeps them accurate for tiny steps.
struct EiStepCoefficients {
  double growth;        // e^{rho/2}
  double score_weight;  // 2 (e^{rho/2} - 1)
  double noise_std;     // sqrt(e^{rho} - 1)
};
EiStepCoefficients ei_step_coefficients(const ForwardProcess& process, double t_from, double t_to);

class ExponentialIntegrator final : public Sampler {
 public:
  std::string name() const override { return "ei"; }
  std::string description() const override {
    return "reverse SDE, exponential integrator with frozen score (CCL23, Benton et al.)";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = true,
            .order = 1,
            .nfe_per_step = 1,
            .brownian = true,
            .published_order = 1,
            .published_order_source = "exponential Euler: weak order 1, as Euler-Maruyama"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
