// difflab eval: distances between a samples file and a target (exact samples of it, or its known
// density for KL) or a reference samples file, each with a confidence interval (JSON); with --nll
// also the negative log-likelihood of the samples under the PF-ODE of the target's exact score.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/pipeline/evaluate.hpp"
#include "difflab/target/target.hpp"
#include "schema_flags.hpp"

namespace difflab::cli {

namespace {

struct EvalOptions {
  CommonOptions common;
  std::string samples_path;
  std::string target_path;
  std::string reference_path;
  std::string metrics;  // empty = every metric that applies
  std::string out;
  SampleMetricOptions metric;  // the estimators' options (pipeline/sample_metrics.hpp)
  // --nll: likelihood under the PF-ODE of the target's exact score or of a trained model
  // (pipeline/evaluate.hpp).
  bool nll = false;
  SampleNllRequest nll_request;
};

void run_eval(const EvalOptions& opt) {
  apply_common_options(opt.common);
  const bool with_target = !opt.target_path.empty();
  const bool with_reference = !opt.reference_path.empty();
  // The likelihood under a trained model needs neither a target nor a reference; everything
  // else compares the samples with exactly one of them.
  const bool model_nll_only = opt.nll && !opt.nll_request.model.empty() && opt.metrics.empty() &&
                              !with_target && !with_reference;
  require(model_nll_only || with_target != with_reference,
          with_target ? "--target and --reference are exclusive: give one"
                      : "one of --target (a target spec) or --reference (a samples file) is "
                        "required");
  require(opt.metric.reference_n == 0 || with_target,
          "--reference-n applies only with --target (a --reference file has its own size)");
  SampleMetricOptions mo = opt.metric;
  sample_metric_schema().validate(mo, "eval");
  mo.seed = opt.common.seed;
  require(!opt.nll || with_target || !opt.nll_request.model.empty(),
          "--nll needs --target (the likelihood of its exact score) or --nll-model FILE");
  require(opt.nll || opt.nll_request.model.empty(), "--nll-model applies only with --nll");
  SampleNllRequest nll_request = opt.nll_request;
  nll_request.seed = opt.common.seed;
  std::optional<SampleNll> nll;
  if (opt.nll) nll = prepare_sample_nll(nll_request);

  const Matrix X = read_samples(opt.samples_path);
  std::shared_ptr<Target> target;
  if (with_target) target = load_target(opt.target_path);
  Matrix Y;
  if (with_reference) Y = read_samples(opt.reference_path);
  EvaluationInputs in;
  in.samples = &X;
  in.samples_label = opt.samples_path;
  in.target = target.get();
  in.target_label = opt.target_path;
  in.reference = with_reference ? &Y : nullptr;
  in.reference_label = opt.reference_path;
  MetricSelection selection;
  // --nll without --metrics computes the likelihood alone.
  if (!opt.metrics.empty() || !opt.nll)
    selection = select_metrics(
        opt.metrics.empty() ? std::vector<std::string>{} : parse_metric_list(opt.metrics), in, mo);
  require(!selection.metrics.empty() || opt.nll, "no metric to compute");
  nlohmann::json result;
  if (!selection.metrics.empty() || with_target || with_reference) {
    result = evaluate_samples(in, selection, mo);
  } else {
    result = {{"samples", {{"file", opt.samples_path}, {"n", X.cols()}, {"d", X.rows()}}},
              {"wall_seconds", nlohmann::json::object()},
              {"seed", opt.common.seed}};
  }
  if (nll) {
    const auto start = std::chrono::steady_clock::now();
    result["nll"] = sample_nll(*nll, X, target, opt.samples_path);
    result["wall_seconds"]["nll"] = seconds_since(start);
  }
  if (!opt.out.empty()) write_json(opt.out, result);
  std::cout << result.dump(2) << "\n";
}

}  // namespace

void register_eval(CLI::App& app) {
  auto opt = std::make_shared<EvalOptions>();
  CLI::App* sub = app.add_subcommand(
      "eval", "Distances between samples and a target or a reference sample set, with CIs (JSON)");
  add_common_options(sub, opt->common);
  sub->add_option("--samples", opt->samples_path, "Samples to evaluate (.csv or .npy, n x d)")
      ->required();
  sub->add_option("--target", opt->target_path,
                  "Compare with this target (JSON spec): exact samples of it drawn with --seed "
                  "(particle streams from 2^40 on), and its density for kl");
  sub->add_option("--reference", opt->reference_path,
                  "Compare with this reference samples file (.csv or .npy)");
  sub->add_option("--metrics", opt->metrics,
                  "Comma-separated metrics (difflab eval --list-metrics; default: all that apply)");
  sub->add_option("--out", opt->out, "Also write the JSON here (atomically)");
  add_schema_flags(sub, sample_metric_schema(), opt->metric);
  sub->add_flag_callback(
      "--list-metrics",
      [] {
        for (const auto& m : list_metrics()) std::cout << m.to_json().dump() << "\n";
        std::exit(0);
      },
      "List the metrics (name, what each estimates, its interval, what it needs) and exit");
  sub->add_flag(
      "--nll", opt->nll,
      "Also report the mean negative log-likelihood (nats, with a CI and bits/dim) of the "
      "samples under the model's probability-flow ODE, here the PF-ODE of the target's "
      "exact score (needs --target; instantaneous change of variables, RK4 from "
      "--nll-delta to --nll-T, prior N(0, I) at T). Without --metrics only the NLL is "
      "computed");
  sub->add_option("--nll-steps", opt->nll_request.steps, "nll: RK4 steps (logsnr grid)")
      ->capture_default_str();
  sub->add_option("--nll-T", opt->nll_request.T,
                  "nll: end time (0 = a model's trained T; else the process's t_max if finite, "
                  "else 10)")
      ->capture_default_str();
  sub->add_option("--nll-delta", opt->nll_request.delta,
                  "nll: start time (the likelihood is of q_delta; default 1e-5, or a model's "
                  "trained delta; a model refuses times outside its training range)");
  sub->add_option("--nll-divergence", opt->nll_request.divergence,
                  "nll: auto (exact for d <= 16), exact (central differences, 2d score "
                  "evaluations per stage) or hutchinson (Rademacher probes drawn with --seed)")
      ->capture_default_str();
  sub->add_option("--nll-model", opt->nll_request.model,
                  "nll: the score of this trained model (difflab train) instead of the target's "
                  "exact score (then --target is optional)");
  sub->add_option("--nll-probes", opt->nll_request.probes, "nll: Hutchinson probes per step")
      ->capture_default_str();
  sub->add_option("--process", opt->nll_request.process,
                  "nll: forward process (ou, vp-linear, vp-cosine)")
      ->capture_default_str();
  sub->callback([opt] { run_eval(*opt); });
}

}  // namespace difflab::cli
