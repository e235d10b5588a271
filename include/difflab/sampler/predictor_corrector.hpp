#pragma once
// "pc": predictor-corrector sampling (Song et al. 2021, Algorithm 5 for a VP SDE, in the order
// of score_sde's get_pc_sampler), with the exponential integrator as predictor (the
// reverse-diffusion predictor of score_sde is Euler-Maruyama-like; EI is chosen because it is
// exact for the linear part and is the reference method of the theory, docs/theory.md 1.1) and
// score_sde's LangevinCorrector.
//
// At each grid time t_k, k = 0..N-1 (as score_sde's pc_sampler: corrector first, then predictor,
// so no corrector runs at the final time t_N and a score singular at delta = 0 is never
// evaluated):
//   M = options.corrector_steps Langevin steps at t_k, j = 0..M-1:
//     g = s(t_k, x), z ~ N(0, I),
//     eps = 2 alpha_i (snr ||z|| / ||g||)^2,
//     x <- x + eps g + sqrt(2 eps) z;
//   then one EI step from t_k to t_{k+1} (ei_step_coefficients).
// score_sde's VP corrector uses alpha_i = 1 - beta_i of its discrete chain at the current time;
// on an arbitrary grid the same quantity is the DDPM per-step alpha of the step about to be taken,
// alpha_i = alpha(t_{k+1})^{-2} alpha(t_k)^2 = e^{-rho_k}, rho_k = int_{t_{k+1}}^{t_k} beta.
//
// Deviation from score_sde: the norms ||z||, ||g|| are computed per particle, not averaged over
// the batch, so a particle's trajectory does not depend on which other particles share its
// batch (bit-identical results for any block split). This has a price when d is not large:
//  * the step size depends on the particle and on its own noise z, so the corrector does not
//    leave q_t invariant even as snr -> 0. For q_t = N(0, I) (g = -x) one step changes E||x||^2
//    by 4 snr^2 alpha_i (d (d + 2) E[1/||x||^2] - d) = 16 snr^2 alpha_i d / (d - 2), using
//    E[||z||^2 z z^T] = (d + 2) I and E[1/||x||^2] = 1/(d - 2): a variance bias of about
//    16 snr^2 / (d - 2) per coordinate and step (0.05 for snr = 0.16, d = 10; measured in
//    predictor_corrector's tests). score_sde's batch averages make the step a constant and
//    avoid this bias (its O(eps^2) ULA bias remains).
//  * in low d the ratio ||z|| / ||g|| is heavy-tailed (a particle near a mode of q_t gets a
//    large step).
// So the corrector is meant for d of several tens and more. A particle with a zero score takes
// no corrector step.
//
// Noise: the predictor draws (kStepNoise, step k), corrector iteration j at step k draws
// (kCorrector, k * 2^32 + j), so all draws are distinct for any corrector_steps.
// With noise "brownian" the predictor's normal is the increment of path 0 over [t_{k+1}, t_k];
// the corrector's normals stay counter-based: they are iterations of a Langevin chain at the
// frozen time t_k, not increments over the grid, and runs on nested grids take their corrector
// steps at different times, so |X_N - X_2N| of pc does not vanish as N grows when
// corrector_steps > 0 (docs/theory.md "Coupled Brownian noise").
// NFE: (M + 1) per step. denoise_last_step drops the noise of the last predictor step (score_sde's
// "x_mean" output); the corrector steps before it keep their noise.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class PredictorCorrector final : public Sampler {
 public:
  std::string name() const override { return "pc"; }
  std::string description() const override {
    return "predictor-corrector: EI predictor + score_sde's Langevin corrector (snr rule)";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = false,
            .stochastic = true,
            .order = 0,
            .nfe_per_step = 2,
            .brownian = true};
  }
  // The noise step index of corrector iteration j at grid step k.
  static std::uint64_t corrector_noise_step(std::size_t k, int j) {
    return (static_cast<std::uint64_t>(k) << 32) + static_cast<std::uint64_t>(j);
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
