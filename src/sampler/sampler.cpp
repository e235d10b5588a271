#include "difflab/sampler/sampler.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/score/callback_score.hpp"

namespace difflab {

void CounterNoise::normal(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step,
                          RngUse use) const {
  // Batched across particles (CounterRng::fill_normal); the same numbers as one RngStream per
  // column.
  rng_.fill_normal(Z.data(), Z.rows(), Z.cols(), Z.outerStride(), use, first_particle, step);
}

double CounterNoise::uniform(std::uint64_t particle, std::uint64_t step, RngUse use) const {
  return rng_.stream(use, particle, step).uniform();
}

void SamplerOptions::validate() const {
  require(block_size >= 1, "sampler option block_size must be >= 1, got ", block_size);
  require(corrector_steps >= 0, "sampler option corrector_steps must be >= 0, got ",
          corrector_steps);
  require(std::isfinite(snr) && snr > 0, "sampler option snr must be positive, got ", snr);
  require(std::isfinite(rtol) && rtol > 0, "sampler option rtol must be positive, got ", rtol);
  require(std::isfinite(atol) && atol > 0, "sampler option atol must be positive, got ", atol);
  require(std::isfinite(langevin_step) && langevin_step > 0,
          "Langevin step size must be positive, got ", langevin_step);
  require(langevin_steps >= 1, "Langevin step count must be >= 1, got ", langevin_steps);
  require(annealed_step_rule == "se19" || annealed_step_rule == "constant",
          "sampler option annealed_step_rule must be \"se19\" or \"constant\", got \"",
          annealed_step_rule, "\"");
  require(std::isfinite(sa_tau) && sa_tau >= 0, "sampler option sa_tau must be >= 0, got ", sa_tau);
  require(sa_tau_window.empty() || (sa_tau_window.size() == 2 && std::isfinite(sa_tau_window[0]) &&
                                    std::isfinite(sa_tau_window[1]) && sa_tau_window[0] >= 0 &&
                                    sa_tau_window[0] < sa_tau_window[1]),
          "sampler option sa_tau_window must be two times [t_lo, t_hi] with 0 <= t_lo < t_hi");
  require(sa_predictor_order >= 1 && sa_predictor_order <= 4,
          "sampler option sa_predictor_order must be in [1, 4], got ", sa_predictor_order);
  require(sa_corrector_order >= 0 && sa_corrector_order <= 4,
          "sampler option sa_corrector_order must be in [0, 4], got ", sa_corrector_order);
  require(unipc_order >= 1 && unipc_order <= 3,
          "sampler option unipc_order must be 1, 2 or 3, got ", unipc_order);
  require(unipc_variant == "bh1" || unipc_variant == "bh2",
          "sampler option unipc_variant must be bh1 or bh2, got \"", unipc_variant, "\"");
  require(deis_order >= 1 && deis_order <= 3, "sampler option deis_order must be 1, 2 or 3, got ",
          deis_order);
  const std::vector<std::string> kinds = noise_kinds();
  require(std::find(kinds.begin(), kinds.end(), noise) != kinds.end(),
          "sampler option noise must be one of ", comma_list(kinds), ", got \"", noise, "\"");
}

nlohmann::json SamplerSummary::to_json() const {
  nlohmann::json j{{"sampler", sampler},
                   {"steps", steps},
                   {"nfe", nfe},
                   {"wall_seconds", wall_seconds},
                   {"particles", particles}};
  if (acceptance_rate >= 0) j["acceptance_rate"] = acceptance_rate;
  if (!extra.is_null()) j["extra"] = extra;
  return j;
}

nlohmann::json SamplerTraits::to_json() const {
  return {{"one_step", one_step},
          {"affine", affine},
          {"stochastic", stochastic},
          {"order", order},
          {"nfe_per_step", nfe_per_step},
          {"family", family == Family::kLangevin ? "langevin" : "diffusion"},
          {"brownian", brownian},
          {"any_path", any_path},
          {"additive_noise", additive_noise},
          {"published_order", published_order},
          {"published_order_source", published_order_source}};
}

void Sampler::report_step(const SamplerOptions& options, std::size_t k, const TimeGrid& grid,
                          std::uint64_t first_particle, ConstMatrixRef X) {
  if (options.on_step) {
    options.on_step(StepInfo{k, grid.t(k), grid.t(k + 1)}, static_cast<Index>(first_particle), X);
  }
}

SamplerSummary Sampler::sample(const ScoreModel& score, const TimeGrid& grid, Matrix& X,
                               const SamplerOptions& options, const NoiseSource& noise) const {
  options.validate();
  require(X.rows() == score.dim(), name(), ": initial points have dimension ", X.rows(),
          " but the score model has dimension ", score.dim());
  require(X.cols() >= 1, name(), ": no particles");
  require(grid.T() <= score.process().t_max(), name(), ": grid starts at T=", grid.T(),
          " beyond the process's largest time ", score.process().t_max());
  require(traits().any_path || score.process().variance_preserving(), name(),
          ": the update assumes a variance-preserving process (sigma^2 = 1 - alpha^2), which "
          "process '",
          score.process().name(), "' is not; use a sampler that takes any path (",
          comma_list(samplers_for_any_path()), ")");
  // Noise "brownian" has the law of the counter noise (brownian_noise.hpp), so the exact-law
  // code may probe a run of options.noise "brownian" with its own sources; the samplers whose
  // normals are not Brownian increments refuse it either way.
  const bool paths = noise.brownian_resolution() > 0 || options.noise == "brownian";
  require(!paths || !stochastic() || traits().brownian, name(),
          ": noise \"brownian\" is not defined for this sampler: its normals are iterations of a "
          "Langevin chain at a fixed time, not Brownian increments over the grid (use noise "
          "\"counter\")");
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t evals_before = score.evaluations();
  std::mutex stats_mutex;
  BlockStats total;
  try {
    parallel_blocks(X.cols(), options.block_size, [&](Index begin, Index count) {
      const BlockStats s = run_block(score, grid, X.middleCols(begin, count),
                                     static_cast<std::uint64_t>(begin), options, noise);
      std::lock_guard<std::mutex> lock(stats_mutex);
      total.accepted += s.accepted;
      total.proposals += s.proposals;
    });
  } catch (const ScoreEvaluationError& e) {
    // A score from outside failed: name the step whose interval [t_{k+1}, t_k) holds its time
    // (the last step also holds delta), so the user can find it in their model's inputs.
    const auto& t = grid.times();
    std::size_t k = 0;
    while (k + 2 < t.size() && e.t() <= t[k + 1]) ++k;
    fail(name(), ": step ", k, " of ", grid.steps(), " (from t = ", t[k], " to ", t[k + 1],
         "): ", e.what());
  }
  SamplerSummary summary;
  summary.sampler = name();
  summary.steps = steps_taken(grid, options);
  summary.particles = X.cols();
  summary.nfe =
      static_cast<double>(score.evaluations() - evals_before) / static_cast<double>(X.cols());
  summary.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (total.proposals > 0) summary.acceptance_rate = total.accepted / total.proposals;
  for (Index j = 0; j < X.cols(); ++j) {
    if (!X.col(j).allFinite()) {
      fail(name(), ": particle ", j,
           " diverged (non-finite value); the step sizes are too large for this sampler");
    }
  }
  return summary;
}

}  // namespace difflab
