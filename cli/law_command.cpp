// difflab law: the exact law of a sampler's output and its distances to the target, for the
// combinations where it can be computed (a Gaussian target, a score affine in x and a sampler
// affine in its state and noise: see law/affine_gaussian_law.hpp).
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/law/continuous_reverse_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "run_setup.hpp"

namespace difflab::cli {

namespace {

struct LawOptions {
  RunOptions run;
  std::string out;
  Index tv_samples = 200000;
};

// Distances from the output law p to a Gaussian reference q, with the KL directions named.
nlohmann::json distances(const GaussianLaw& p, const Vector& qm, const Matrix& qc,
                         const LawOptions& opt) {
  GaussianTvOptions tv_options;
  tv_options.samples = opt.tv_samples;
  tv_options.seed = opt.run.common.seed;
  const GaussianTv tv = gaussian_tv(p.mean, p.cov, qm, qc, tv_options);
  nlohmann::json j{{"kl_target_output", gaussian_kl(qm, qc, p.mean, p.cov)},
                   {"kl_output_target", gaussian_kl(p.mean, p.cov, qm, qc)},
                   {"w2", gaussian_w2(p.mean, p.cov, qm, qc)},
                   {"hellinger", gaussian_hellinger(p.mean, p.cov, qm, qc)},
                   {"tv", tv.tv.value},
                   {"tv_method", tv.tv.method},
                   {"tv_bounds", tv.bounds.to_json()}};
  if (!tv.tv.is_exact()) j["tv_ci"] = {tv.tv.ci_lo, tv.tv.ci_hi};
  return j;
}

void run_law(const LawOptions& opt) {
  apply_common_options(opt.run.common);
  require(opt.run.init_file.empty(),
          "--init: a law needs a Gaussian initial law; use --start normal|exact");
  require(opt.tv_samples >= 2, "--tv-samples must be >= 2");
  RunSetup run = build_run(opt.run);
  const auto* gaussian = dynamic_cast<const GaussianTarget*>(run.target.get());
  require(gaussian != nullptr,
          "difflab law: exact output laws are available for Gaussian targets (with the exact, "
          "perturbed or gaussian-mean score and the samplers ei, em, ddpm, dpmpp-2m-sde, ode-ei, "
          "ddim, heun, dpmpp-2m, "
          "ula, annealed-langevin); target type '",
          run.target->type(), "' has none yet");
  const Index d = gaussian->dim();
  const double T = run.grid->T();
  GaussianLaw initial;
  if (opt.run.start == "normal") {
    initial = {Vector::Zero(d), Matrix::Identity(d, d)};
  } else {
    const double a = run.process->alpha(T);
    initial = {a * gaussian->mean(),
               a * a * gaussian->covariance() + run.process->sigma2(T) * Matrix::Identity(d, d)};
  }
  double nfe = 0;
  const GaussianLaw law = affine_gaussian_law(*run.sampler, *run.score, *run.grid,
                                              opt.run.sampler_options, initial, {}, &nfe);
  const Matrix target_cov = gaussian->covariance();
  nlohmann::json j{{"method", "affine linear response (exact Gaussian law)"},
                   {"mean", json_util::to_json(law.mean)},
                   {"cov", json_util::to_json(law.cov)},
                   {"nfe", nfe}};
  j.update(distances(law, gaussian->mean(), target_cov, opt));
  // Against the early-stopped target q_delta (the reference of Benton et al.).
  const double delta = run.grid->delta();
  const double ad = run.process->alpha(delta);
  j["to_q_delta"] =
      distances(law, ad * gaussian->mean(),
                ad * ad * target_cov + run.process->sigma2(delta) * Matrix::Identity(d, d), opt);
  if (run.process->name() == "ou") {
    // The continuous-time reverse SDE from the same start isolates the initialisation error.
    const GaussianLaw cont =
        opt.run.start == "normal"
            ? continuous_reverse_sde_law(*gaussian, T, delta)
            : GaussianLaw{ad * gaussian->mean(), ad * ad * target_cov + run.process->sigma2(delta) *
                                                                            Matrix::Identity(d, d)};
    j["continuous_reverse_sde"] = distances(cont, gaussian->mean(), target_cov, opt);
  }
  j["run"] = run.describe();
  j["start"] = opt.run.start;
  if (!opt.out.empty()) write_json(opt.out, j);
  std::cout << j.dump(2) << "\n";
}

}  // namespace

void register_law(CLI::App& app) {
  auto opt = std::make_shared<LawOptions>();
  CLI::App* sub = app.add_subcommand(
      "law", "Exact law of a sampler's output and its distances to the target (JSON)");
  add_run_options(sub, opt->run);
  sub->add_option("--out", opt->out, "Also write the JSON here");
  sub->add_option("--tv-samples", opt->tv_samples,
                  "Monte Carlo samples for TV when no closed form applies")
      ->capture_default_str();
  sub->callback([opt] { run_law(*opt); });
}

}  // namespace difflab::cli
