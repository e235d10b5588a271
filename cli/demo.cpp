// difflab demo: the README's first command. For now it takes a built-in 2-D Gaussian mixture,
// noises it forward under the OU process and prints the exact score at a few points and times,
// with a Monte Carlo check of the noised moments.
#include <cstdio>
#include <iostream>

#include "cli_common.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace difflab::cli {

namespace {

struct DemoOptions {
  CommonOptions common;
  Index n = 20000;
};

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
  sub->callback([opt] { run_demo(*opt); });
}

}  // namespace difflab::cli
