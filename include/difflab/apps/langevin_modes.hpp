#pragma once
// Langevin baselines on the imbalanced two-mode target of Song & Ermon 2019 (SE19, arXiv
// 1907.05600, section 3.2.2 and Fig. 3; docs/applications.md (d)):
//   p = 0.2 N((-5, -5), I) + 0.8 N((5, 5), I),  1280 particles, init uniform on [-8, 8]^2,
// exact scores. Plain Langevin cannot transfer mass between the (nearly disjoint) basins, so it
// keeps the init's split (~0.5 in the heavy mode); annealed Langevin and the reverse diffusion
// recover ~0.8.
//
// Step conventions, named explicitly:
//   "alg1": x <- x + (alpha/2) s + sqrt(alpha) z  (SE19 Algorithm 1, toy_runner.py),
//   "code": x <- x + alpha s + sqrt(2 alpha) z    (ncsn anneal_runner.py; = "alg1" with 2 alpha).
// Plain Langevin: T = 1000 steps of size eps = 0.1 in the "alg1" convention, run by the library's
//   ULA sampler (sampler/unadjusted_langevin.hpp: x <- x + h s + sqrt(2h) z) with h = eps/2 (or
//   h = eps for "code").
// Annealed (SE19 Alg. 1): sigma_i geometric from 20 to 1 (10 levels; App. B.1 and the code, not
//   the main text's 10 -> 0.1), T = 100 steps per level, alpha_i = eps sigma_i^2 / sigma_L^2.
//   Level score, option annealed_score:
//     "se19-code": the mixture with component covariance sigma_i^2 I (GMMDistAnneal.score), i.e.
//                  N(mu_k, I) noised by variance sigma_i^2 - 1 (needs sigma_L >= 1);
//     "perturbed": the exact perturbed density, components N(mu_k, (1 + sigma_i^2) I).
//   (The library's sampler/annealed_langevin.hpp is the VP-process adaptation; SE19's toy uses
//   variance-exploding levels, so this file runs their levels directly.)
// Diffusion: the project's exponential integrator ("ei") with the exact mixture score under the
//   OU process, N(0, I) start at T_diffusion, uniform grid.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace difflab::apps {

struct LangevinModesOptions {
  Index n = 1280;                   // particles
  double heavy_weight = 0.8;        // weight of the (5, 5) mode
  double eps = 0.1;                 // step size eps
  std::string convention = "alg1";  // "alg1" or "code" (see above)
  int langevin_steps = 1000;        // plain Langevin iterations
  int levels = 10;                  // annealing levels
  double sigma_max = 20, sigma_min = 1;
  int steps_per_level = 100;
  std::string annealed_score = "se19-code";  // or "perturbed"
  double diffusion_T = 6.0;                  // OU horizon of the diffusion sampler
  int diffusion_steps = 500;
  std::uint64_t seed = 0;
  void validate() const;
};

GaussianMixtureTarget se19_two_mode_target(double heavy_weight);
// Uniform on [-8, 8]^2, particle j from (seed, kUseLangevin, j, 0).
Matrix se19_uniform_init(Index n, const CounterRng& rng);
// Fraction of columns with x_1 + x_2 > 0 (the (5, 5) basin; the boundary of the two equal-
// covariance components is the line x_1 + x_2 = log(w_light / w_heavy) / 10 ≈ -0.14, so the
// misclassified mass of either component is < 1e-6).
double heavy_mode_fraction(const Matrix& X);

Matrix run_plain_langevin(const LangevinModesOptions& o);
Matrix run_annealed_langevin(const LangevinModesOptions& o);
Matrix run_diffusion_sampler(const LangevinModesOptions& o);

nlohmann::json run_langevin_modes_app(const LangevinModesOptions& o);

}  // namespace difflab::apps
