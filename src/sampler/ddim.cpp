#include "difflab/sampler/ddim.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats Ddim::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                    std::uint64_t first_particle, const SamplerOptions& options,
                                    const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  Matrix S(X.rows(), X.cols());  // scratch: score, then the data prediction in place
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    const double alpha_from = process.alpha(t_from);
    const double sigma2_from = process.sigma2(t_from);
    score.score(t_from, X, S);
    // x0 = (x + sigma^2 s) / alpha (Tweedie, docs/theory.md 1.2).
    S = (X + sigma2_from * S) / alpha_from;
    if (t_to == 0.0) {
      X = S;  // sigma_{k+1} = 0, alpha_{k+1} = 1, h = +inf: the step returns x0
    } else {
      const double h = process.log_snr(t_to) - process.log_snr(t_from);
      const double keep = std::sqrt(process.sigma2(t_to) / sigma2_from);
      const double data_weight = -process.alpha(t_to) * std::expm1(-h);  // alpha (1 - e^{-h})
      X = keep * X + data_weight * S;
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
