#include "law_report.hpp"

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/law/continuous_reverse_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab::cli {

nlohmann::json gaussian_distances_report(const GaussianLaw& p, const Vector& qm, const Matrix& qc,
                                         const LawReportOptions& options) {
  GaussianTvOptions tv_options;
  tv_options.samples = options.tv_samples;
  tv_options.seed = options.seed;
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

nlohmann::json law_report(const RunSetup& run, const RunOptions& options,
                          const LawReportOptions& report_options) {
  require(options.init_file.empty(),
          "--init: a law needs a Gaussian initial law; use --start normal|exact");
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
  if (options.start == "normal") {
    initial = {Vector::Zero(d), Matrix::Identity(d, d)};
  } else {
    const double a = run.process->alpha(T);
    initial = {a * gaussian->mean(),
               a * a * gaussian->covariance() + run.process->sigma2(T) * Matrix::Identity(d, d)};
  }
  double nfe = 0;
  const GaussianLaw law = affine_gaussian_law(*run.sampler, *run.score, *run.grid,
                                              options.sampler_options, initial, {}, &nfe);
  const Matrix target_cov = gaussian->covariance();
  nlohmann::json j{{"method", "affine linear response (exact Gaussian law)"},
                   {"mean", json_util::to_json(law.mean)},
                   {"cov", json_util::to_json(law.cov)},
                   {"nfe", nfe}};
  j.update(gaussian_distances_report(law, gaussian->mean(), target_cov, report_options));
  // Against the early-stopped target q_delta (the reference of Benton et al.).
  const double delta = run.grid->delta();
  const double ad = run.process->alpha(delta);
  j["to_q_delta"] = gaussian_distances_report(
      law, ad * gaussian->mean(),
      ad * ad * target_cov + run.process->sigma2(delta) * Matrix::Identity(d, d), report_options);
  if (run.process->name() == "ou") {
    // The continuous-time reverse SDE from the same start isolates the initialisation error.
    const GaussianLaw cont =
        options.start == "normal"
            ? continuous_reverse_sde_law(*gaussian, T, delta)
            : GaussianLaw{ad * gaussian->mean(), ad * ad * target_cov + run.process->sigma2(delta) *
                                                                            Matrix::Identity(d, d)};
    j["continuous_reverse_sde"] =
        gaussian_distances_report(cont, gaussian->mean(), target_cov, report_options);
  }
  return j;
}

}  // namespace difflab::cli
