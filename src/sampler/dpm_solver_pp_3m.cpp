#include "difflab/sampler/dpm_solver_pp_3m.hpp"

#include <array>
#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

DpmSolverPP3M::DpmSolverPP3M(double eta) : eta_(eta) {
  require(eta == 0.0 || eta == 1.0, "dpmpp-3m: eta must be 0 (ODE) or 1 (SDE), got ", eta);
}

Sampler::BlockStats DpmSolverPP3M::run_block(const ScoreModel& score, const TimeGrid& grid,
                                             MatrixRef X, std::uint64_t first_particle,
                                             const SamplerOptions& options,
                                             const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  const std::size_t steps = grid.steps();
  // The VE state, the last three data predictions (D_k in denoised[k % 3]) and the step noise.
  Matrix V = X / process.alpha(grid.t(0));
  std::array<Matrix, 3> denoised;
  for (Matrix& m : denoised) m.resize(X.rows(), X.cols());
  Matrix Z(X.rows(), X.cols());
  double h_1 = 0, h_2 = 0;  // the previous two steps in lambda (0: not taken yet)
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    Matrix& D = denoised[k % 3];
    score.score(t_from, X, D);
    D = (X + process.sigma2(t_from) * D) / process.alpha(t_from);  // Tweedie, docs/theory.md 1.2
    if (t_to == 0.0) {
      V = D;  // k-diffusion's denoising step
      X = V;
      report_step(options, k, grid, first_particle, X);
      continue;
    }
    const double h = process.log_snr(t_to) - process.log_snr(t_from);
    const double h_eta = h * (eta_ + 1.0);
    V = std::exp(-h_eta) * V - std::expm1(-h_eta) * D;
    const double phi_2 = std::expm1(-h_eta) / h_eta + 1.0;
    if (h_2 > 0) {
      const Matrix& D1 = denoised[(k - 1) % 3];
      const Matrix& D2 = denoised[(k - 2) % 3];
      const double r0 = h_1 / h, r1 = h_2 / h;
      const Matrix d1_0 = (D - D1) / r0;
      const Matrix d1_1 = (D1 - D2) / r1;
      const double phi_3 = phi_2 / h_eta - 0.5;
      // phi_2 d1 - phi_3 d2 with d1 = d1_0 + (d1_0 - d1_1) r0/(r0 + r1), d2 = (d1_0 - d1_1)/(r0 +
      // r1).
      V += phi_2 * (d1_0 + (d1_0 - d1_1) * (r0 / (r0 + r1))) - phi_3 * ((d1_0 - d1_1) / (r0 + r1));
    } else if (h_1 > 0) {
      const double r = h_1 / h;
      V += phi_2 * ((D - denoised[(k - 1) % 3]) / r);
    }
    const bool add_noise = eta_ > 0.0 && !(options.denoise_last_step && k + 1 == steps);
    if (add_noise) {
      noise.increment(Z, first_particle, k, RngUse::kStepNoise, grid_step_interval(grid, k));
      const double s_to = std::exp(-process.log_snr(t_to));  // sigma_VE(t_{k+1})
      V += (s_to * std::sqrt(-std::expm1(-2.0 * h * eta_))) * Z;
    }
    h_2 = h_1;
    h_1 = h;
    X = process.alpha(t_to) * V;
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
