#include "difflab/apps/langevin_modes.hpp"

#include <chrono>
#include <cmath>
#include <memory>

#include "difflab/apps/goe.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"

namespace difflab::apps {

void LangevinModesOptions::validate() const {
  require(n >= 1, "option 'n' must be >= 1, got ", n);
  require(std::isfinite(heavy_weight) && heavy_weight > 0 && heavy_weight < 1,
          "heavy weight must lie in (0, 1), got ", heavy_weight);
  require(std::isfinite(eps) && eps > 0, "option 'eps' must be > 0, got ", eps);
  require(convention == "alg1" || convention == "code",
          "option 'convention' must be 'alg1' or 'code', got '", convention, "'");
  require(langevin_steps >= 1 && steps_per_level >= 1 && levels >= 1, "step counts must be >= 1");
  require(std::isfinite(sigma_max) && std::isfinite(sigma_min) && sigma_min > 0 &&
              sigma_max >= sigma_min,
          "need 0 < sigma_min <= sigma_max");
  require(annealed_score == "se19-code" || annealed_score == "perturbed",
          "option 'annealed_score' must be 'se19-code' or 'perturbed', got '", annealed_score, "'");
  require(annealed_score != "se19-code" || sigma_min >= 1,
          "annealed score se19-code needs sigma_min >= 1 (component sd sigma >= data sd 1)");
  require(std::isfinite(diffusion_T) && diffusion_T > 0, "diffusion T must be > 0");
  require(diffusion_steps >= 1, "diffusion steps must be >= 1");
}

GaussianMixtureTarget se19_two_mode_target(double heavy_weight) {
  GaussianMixtureTarget::Component light, heavy;
  light.mean = Vector::Constant(2, -5.0);
  heavy.mean = Vector::Constant(2, 5.0);
  light.variances = heavy.variances = Vector::Ones(2);
  return GaussianMixtureTarget({1.0 - heavy_weight, heavy_weight}, {light, heavy}, "se19 target");
}

Matrix se19_uniform_init(Index n, const CounterRng& rng) {
  Matrix X(2, n);
  for (Index j = 0; j < n; ++j) {
    RngStream s = rng.stream(kUseLangevin, static_cast<std::uint64_t>(j), 0);
    X(0, j) = -8.0 + 16.0 * s.uniform();
    X(1, j) = -8.0 + 16.0 * s.uniform();
  }
  return X;
}

double heavy_mode_fraction(const Matrix& X) {
  Index c = 0;
  for (Index j = 0; j < X.cols(); ++j) c += (X(0, j) + X(1, j) > 0) ? 1 : 0;
  return static_cast<double>(c) / static_cast<double>(X.cols());
}

Matrix run_plain_langevin(const LangevinModesOptions& o) {
  o.validate();
  const CounterRng rng(o.seed);
  auto target = std::make_shared<GaussianMixtureTarget>(se19_two_mode_target(o.heavy_weight));
  ExactScore score(target, make_process("ou"));
  // delta = 0: ULA runs on q_0, the target itself (unadjusted_langevin.hpp).
  const TimeGrid grid = uniform_grid(1.0, 0.0, 1);
  SamplerOptions so;
  so.langevin_steps = o.langevin_steps;
  // ULA's step x + h s + sqrt(2h) z is "alg1" with eps = 2h and "code" with alpha = h.
  so.langevin_step = o.convention == "alg1" ? 0.5 * o.eps : o.eps;
  Matrix X = se19_uniform_init(o.n, rng);
  make_sampler("ula")->sample(score, grid, X, so, CounterNoise(rng.derive(1)));
  return X;
}

Matrix run_annealed_langevin(const LangevinModesOptions& o) {
  o.validate();
  const CounterRng rng(o.seed);
  const GaussianMixtureTarget target = se19_two_mode_target(o.heavy_weight);
  Matrix X = se19_uniform_init(o.n, rng);
  std::vector<double> sigma(static_cast<std::size_t>(o.levels));
  for (int i = 0; i < o.levels; ++i) {  // geometric, np.exp(np.linspace(log smax, log smin, L))
    const double f = o.levels == 1 ? 1.0 : static_cast<double>(i) / (o.levels - 1);
    sigma[static_cast<std::size_t>(i)] =
        std::exp(std::log(o.sigma_max) + f * (std::log(o.sigma_min) - std::log(o.sigma_max)));
  }
  const double sL2 = sigma.back() * sigma.back();
  parallel_blocks(o.n, 256, [&](Index first, Index count) {
    Matrix S(2, 1), x(2, 1);
    Vector z(2);
    for (Index j = first; j < first + count; ++j) {
      x = X.col(j);
      std::uint64_t it = 1;
      for (double s : sigma) {
        const double alpha = o.eps * s * s / sL2;
        // Noise variance added to the unit-variance components (see header).
        const double v = o.annealed_score == "se19-code" ? s * s - 1.0 : s * s;
        const double drift = o.convention == "alg1" ? 0.5 * alpha : alpha;
        const double noise = o.convention == "alg1" ? std::sqrt(alpha) : std::sqrt(2.0 * alpha);
        for (int k = 0; k < o.steps_per_level; ++k, ++it) {
          target.noised_score(1.0, v, x, S);
          RngStream r = rng.stream(kUseLangevin, static_cast<std::uint64_t>(j), it);
          r.fill_normal(z.data(), 2);
          x.col(0) += drift * S.col(0) + noise * z;
        }
      }
      X.col(j) = x.col(0);
    }
  });
  return X;
}

Matrix run_diffusion_sampler(const LangevinModesOptions& o) {
  o.validate();
  const CounterRng rng(o.seed);
  auto target = std::make_shared<GaussianMixtureTarget>(se19_two_mode_target(o.heavy_weight));
  ExactScore score(target, make_process("ou"));
  const TimeGrid grid = uniform_grid(o.diffusion_T, 0.0, o.diffusion_steps);
  Matrix X = standard_normal_points(2, o.n, CounterRng(rng.derive(2)));
  make_sampler("ei")->sample(score, grid, X, SamplerOptions{}, CounterNoise(rng.derive(3)));
  return X;
}

nlohmann::json run_langevin_modes_app(const LangevinModesOptions& o) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const CounterRng rng(o.seed);
  const GaussianMixtureTarget target = se19_two_mode_target(o.heavy_weight);
  const double iid = heavy_mode_fraction(target.sample(o.n, CounterRng(rng.derive(4))));
  const double plain = heavy_mode_fraction(run_plain_langevin(o));
  const double annealed = heavy_mode_fraction(run_annealed_langevin(o));
  const double diffusion = heavy_mode_fraction(run_diffusion_sampler(o));
  const double init = heavy_mode_fraction(se19_uniform_init(o.n, rng));
  const double w = o.heavy_weight;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return nlohmann::json{
      {"app", "langevin-modes"},
      {"n", o.n},
      {"seed", o.seed},
      {"heavy_weight", w},
      {"convention", o.convention},
      {"eps", o.eps},
      {"langevin_steps", o.langevin_steps},
      {"annealed",
       {{"levels", o.levels},
        {"sigma_max", o.sigma_max},
        {"sigma_min", o.sigma_min},
        {"steps_per_level", o.steps_per_level},
        {"score", o.annealed_score}}},
      {"diffusion", {{"sampler", "ei"}, {"T", o.diffusion_T}, {"steps", o.diffusion_steps}}},
      {"heavy_fraction_iid", iid},
      {"heavy_fraction_init", init},
      {"heavy_fraction_langevin", plain},
      {"heavy_fraction_annealed", annealed},
      {"heavy_fraction_diffusion", diffusion},
      {"heavy_fraction_theory", w},
      {"heavy_fraction_se", std::sqrt(w * (1 - w) / static_cast<double>(o.n))},
      {"wall_seconds", wall}};
}

}  // namespace difflab::apps
