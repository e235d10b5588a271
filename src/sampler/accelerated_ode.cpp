#include "difflab/sampler/accelerated_ode.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats AcceleratedOde::run_block(const ScoreModel& score, const TimeGrid& grid,
                                              MatrixRef X, std::uint64_t first_particle,
                                              const SamplerOptions& options,
                                              const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  // Scratch: the current and the previous noise predictions (swapped, never reallocated).
  Matrix eps(X.rows(), X.cols()), eps_previous(X.rows(), X.cols());
  double abar_previous = 0;  // abar_{k-1}
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    const double alpha_from = process.alpha(t_from);
    const double alpha_to = process.alpha(t_to);
    const double sigma_from = std::sqrt(process.sigma2(t_from));
    const double u_from = sigma_from / alpha_from;
    const double u_to = std::sqrt(process.sigma2(t_to)) / alpha_to;
    const double du = u_to - u_from;  // < 0
    score.score(t_from, X, eps);
    eps *= -sigma_from;  // eps = -sigma s
    // abar as a function of u (header): alpha^2 on a variance-preserving process.
    const double abar = 1.0 / (1.0 + u_from * u_from);
    if (k == 0) {
      X = alpha_to * (X / alpha_from + du * eps);  // DDIM: no previous evaluation yet
    } else {
      // Header: theta_k - theta_{k+1} = atan((u_{k+1} - u_k) / (1 + u_k u_{k+1})).
      const double theta_change = std::atan(du / (1.0 + u_from * u_to));
      const double weight = (theta_change - abar * du) / (abar - abar_previous);
      X = alpha_to * (X / alpha_from + (du + weight) * eps - weight * eps_previous);
    }
    abar_previous = abar;
    eps.swap(eps_previous);
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
