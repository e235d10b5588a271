#include "difflab/law/diagonal_gaussian_law.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "one_step_probe.hpp"

namespace difflab {

namespace {

const std::string kDiagonalLawName = "exact diagonal law";

void require_diagonal_close(const Vector& actual, const Vector& predicted, double tolerance,
                            const Sampler& sampler, const ScoreModel& score,
                            const std::string& what) {
  const double scale = std::max(1.0, actual.cwiseAbs().maxCoeff());
  require(actual.allFinite() && (actual - predicted).cwiseAbs().maxCoeff() <= tolerance * scale,
          kDiagonalLawName, ": sampler '", sampler.name(), "' with score '", score.name(), "' ",
          what);
}

}  // namespace

void DiagonalLawOptions::validate() const {
  require(std::isfinite(tolerance) && tolerance > 0, "exact diagonal law: tolerance must be > 0");
  require(full_run_checks >= 1, "exact diagonal law: at least one full-run check is needed");
}

DiagonalGaussianLaw diagonal_gaussian_law(const Sampler& sampler, const ScoreModel& score,
                                          const TimeGrid& grid, const SamplerOptions& options,
                                          const DiagonalGaussianLaw& initial,
                                          const DiagonalLawOptions& law_options) {
  law_options.validate();
  const Index d = score.dim();
  require(initial.mean.size() == d && initial.var.size() == d,
          "exact diagonal law: the initial law has dimension ", initial.mean.size(),
          " but the score has dimension ", d);
  require(initial.var.allFinite() && initial.var.minCoeff() >= 0,
          "exact diagonal law: the initial variances must be finite and >= 0");
  law_detail::require_one_step_sampler(sampler, kDiagonalLawName);
  const CounterRng rng(law_options.check_seed);
  // The noise enters with state-independent coordinate-wise scales (checked by the probe); the
  // drift must moreover be coordinate-wise affine, checked on a random point.
  const law_detail::ProbeChecks checks{law_options.tolerance, false, kDiagonalLawName};
  law_detail::ProbeRandomness randomness(rng, d);
  // One random point for the affinity check of every step (drawn once: O(d), not O(d N)).
  Matrix r(d, 1);
  rng.fill_normal(r, RngUse::kMonteCarlo, 2, 0);

  DiagonalGaussianLaw law = initial;
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    // Probe points [0 | 1 | random r]: F(0) = b, F(1) = a + b, F(r) = a r + b.
    Matrix points = Matrix::Zero(d, 3);
    points.col(1).setOnes();
    points.col(2) = r;
    const law_detail::OneStepProbe probe =
        law_detail::probe_one_step(sampler, score, grid, k, options, points, randomness, checks);
    const Vector b = probe.image.col(0);
    const Vector a = probe.image.col(1) - b;
    require_diagonal_close(probe.image.col(2), a.cwiseProduct(r.col(0)) + b, law_options.tolerance,
                           sampler, score,
                           "is not a coordinate-wise affine map of the state at step " +
                               std::to_string(k) + ", so this law does not apply");
    // N(m, diag v) -> N(a m + b, diag(a^2 v + sum_s c_s^2)).
    law.mean = a.cwiseProduct(law.mean) + b;
    law.var = a.cwiseAbs2().cwiseProduct(law.var) + probe.noise_variance();
  }
  // Full runs against chains of one-step runs (multistep and adaptive samplers fail here).
  law_detail::check_one_step_composition(sampler, score, grid, options, law_options.full_run_checks,
                                         rng, checks);
  return law;
}

}  // namespace difflab
