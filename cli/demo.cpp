// difflab demo: the README's first command. It takes a built-in 2-D Gaussian mixture with
// imbalanced modes, noises it forward under the OU process and prints the exact score at a few
// points and times with a Monte Carlo check of the noised moments, then samples it back: the
// reverse SDE (exponential integrator, exact score) recovers the mode weights, Langevin MCMC
// started from N(0, I) does not (the seed lecture's point; Song & Ermon 2019, Fig. 3).
#include <cstdio>
#include <iostream>

#include "cli_common.hpp"
#include "difflab/metrics/sliced_w2.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace difflab::cli {

namespace {

struct DemoOptions {
  CommonOptions common;
  Index n = 20000;
  Index particles = 4000;
};

// Fraction of particles on the minority mode's side (x1 + x2 < 0).
double minority_fraction(const Matrix& X) {
  Index count = 0;
  for (Index j = 0; j < X.cols(); ++j) count += (X(0, j) + X(1, j) < 0) ? 1 : 0;
  return static_cast<double>(count) / static_cast<double>(X.cols());
}

void reverse_sampling_section(const std::shared_ptr<GaussianMixtureTarget>& target,
                              const DemoOptions& opt) {
  const auto ou = std::make_shared<OrnsteinUhlenbeck>();
  const ExactScore score(target, ou);
  const CounterRng rng(opt.common.seed);
  const Matrix start = standard_normal_points(2, opt.particles, rng);
  const Matrix reference = target->sample(opt.particles, CounterRng(rng.derive(1)));
  std::printf(
      "\nsampling back from N(0, I), %ld particles, exact score (target weight of the minority "
      "mode: 0.200):\n",
      static_cast<long>(opt.particles));
  std::printf("%-44s  %14s  %30s\n", "sampler", "minority mode", "sliced W2 to exact samples");
  struct Run {
    const char* name;
    const char* label;
    TimeGrid grid;
  };
  const Run runs[] = {
      {"ei", "reverse SDE, exponential integrator, N = 200", benton_grid(6.0, 1e-3, 200)},
      {"ula", "Langevin (ULA) on q_delta, 1000 steps h = 0.01", benton_grid(6.0, 1e-3, 200)},
  };
  for (const Run& run : runs) {
    SamplerOptions options;
    options.langevin_steps = 1000;
    options.langevin_step = 1e-2;
    Matrix X = start;
    make_sampler(run.name)->sample(score, run.grid, X, options, CounterNoise(opt.common.seed));
    const Estimate w = sliced_w2(X, reference);
    std::printf("%-44s  %14.3f  %9.3f  (95%% CI %.3f-%.3f)\n", run.label, minority_fraction(X),
                w.value, w.ci_lo, w.ci_hi);
  }
}

std::shared_ptr<GaussianMixtureTarget> builtin_mixture() {
  // Two imbalanced modes (weights 0.2 / 0.8), as in the Langevin comparison of the seed lecture.
  std::vector<GaussianMixtureTarget::Component> comps(2);
  comps[0].mean = Vector::Constant(2, -2.0);
  comps[0].variances = Vector::Constant(2, 0.25);
  comps[1].mean = Vector::Constant(2, 2.0);
  comps[1].variances = Vector::Constant(2, 0.25);
  return std::make_shared<GaussianMixtureTarget>(std::vector<double>{0.2, 0.8}, comps,
                                                 "demo mixture");
}

void run_demo(const DemoOptions& opt) {
  apply_common_options(opt.common);
  const auto target = builtin_mixture();
  OrnsteinUhlenbeck ou;
  std::printf(
      "difflab demo: 2-D Gaussian mixture, weights 0.2/0.8, means -+(2, 2), variance 0.25\n");
  std::printf("forward process: dX = -X dt + sqrt(2) dB (alpha = e^-t, sigma^2 = 1 - e^-2t)\n\n");
  std::printf("exact score grad log q_t(x):\n");
  std::printf("%8s  %18s  %26s\n", "t", "x", "score");
  Matrix pts(2, 3);
  pts << -2.0, 0.0, 2.0, -2.0, 0.5, 2.0;
  for (double t : {0.01, 0.1, 0.5, 1.0, 3.0}) {
    const Matrix s = target->score_qt(ou, t, pts);
    for (Index j = 0; j < pts.cols(); ++j) {
      std::printf("%8.3f  (%7.3f, %7.3f)  (%11.5f, %11.5f)\n", t, pts(0, j), pts(1, j), s(0, j),
                  s(1, j));
    }
  }
  std::printf("\nforward marginals, Monte Carlo (n = %ld) vs closed form:\n",
              static_cast<long>(opt.n));
  std::printf("%8s  %22s  %22s\n", "t", "mean[0] (MC / exact)", "E|X|^2 (MC / exact)");
  const CounterRng rng(opt.common.seed);
  const Matrix X0 = target->sample(opt.n, rng);
  const double m2 = target->summary().second_moment;
  const double mean0 = 0.2 * -2.0 + 0.8 * 2.0;
  for (double t : {0.1, 0.5, 1.0, 3.0}) {
    const Matrix Xt = ou.sample_marginal(X0, t, rng);
    const double a = ou.alpha(t);
    std::printf("%8.3f  %10.4f / %9.4f  %10.4f / %9.4f\n", t, Xt.row(0).mean(), a * mean0,
                Xt.colwise().squaredNorm().mean(), a * a * m2 + 2.0 * ou.sigma2(t));
  }
  reverse_sampling_section(target, opt);
}

}  // namespace

void register_demo(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  CLI::App* sub =
      app.add_subcommand("demo", "Run the built-in demonstration (no arguments needed)");
  add_common_options(sub, opt->common);
  sub->add_option("--n", opt->n, "Monte Carlo sample size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--particles", opt->particles, "Particles of the reverse-sampling comparison")
      ->capture_default_str()
      ->check(CLI::Range(Index{2}, Index{100000000}));
  sub->callback([opt] { run_demo(*opt); });
}

}  // namespace difflab::cli
