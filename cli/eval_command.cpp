// difflab eval: distances between a samples file and a target (exact samples of it, or its known
// density for KL) or a reference samples file, each with a confidence interval (JSON); with --nll
// also the negative log-likelihood of the samples under the PF-ODE of the target's exact score.
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/law/flow_likelihood.hpp"
#include "difflab/metrics/empirical_w2.hpp"
#include "difflab/metrics/energy_distance.hpp"
#include "difflab/metrics/estimate.hpp"
#include "difflab/metrics/histogram_tv.hpp"
#include "difflab/metrics/kl_to_target.hpp"
#include "difflab/metrics/knn_kl.hpp"
#include "difflab/metrics/mmd.hpp"
#include "difflab/metrics/sliced_w2.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/target.hpp"
#include "difflab/train/checkpoint.hpp"

namespace difflab::cli {

namespace {

constexpr const char* kMetricNames = "w2, sw2, mmd, energy, kl, tv";

struct EvalOptions {
  CommonOptions common;
  std::string samples_path;
  std::string target_path;
  std::string reference_path;
  Index reference_n = 0;  // 0 = as many exact target samples as the samples file has
  std::string metrics;    // empty = every metric that applies to the dimension
  std::string out;
  // Estimator options (defaults are the library's).
  Index w2_bootstrap = 0;
  Index w2_max_pairs = 25000000;  // n * m: ~68 bytes per pair, so about 1.7 GB
  Index sw2_projections = 200;
  std::vector<double> mmd_bandwidths;
  Index knn_k = 5;
  Index kl_replicates = 20;
  Index tv_bins = 0;  // 0 = Freedman-Diaconis
  Index tv_bootstrap = 50;
  // --nll: likelihood under the PF-ODE of the target's exact score (law/flow_likelihood.hpp).
  bool nll = false;
  int nll_steps = 100;
  double nll_T = 0;  // 0 = the process's t_max if finite, else 10
  double nll_delta = 1e-5;
  std::string nll_divergence = "auto";
  std::string nll_model;  // a trained model (difflab train) instead of the target's exact score
  int nll_probes = 1;
  std::string process = "ou";
};

std::vector<std::string> parse_metrics(const std::string& list) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = list.find(',', begin);
    const std::string name =
        list.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    require(!name.empty(), "--metrics: empty metric name in '", list, "' (valid: ", kMetricNames,
            ")");
    require(name == "w2" || name == "sw2" || name == "mmd" || name == "energy" || name == "kl" ||
                name == "tv",
            "--metrics: unknown metric '", name, "' (valid: ", kMetricNames, ")");
    for (const auto& seen : out) require(seen != name, "--metrics: '", name, "' is listed twice");
    out.push_back(name);
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return out;
}

// The Estimate with its interval as "ci": [lo, hi], plus what the value and the interval are.
nlohmann::json metric_json(const Estimate& e, const char* quantity, const char* ci_kind) {
  nlohmann::json j = e.to_json();
  j.erase("ci_lo");
  j.erase("ci_hi");
  j["ci"] = nlohmann::json::array({e.ci_lo, e.ci_hi});
  j["quantity"] = quantity;
  j["ci_kind"] = ci_kind;
  return j;
}

void run_eval(const EvalOptions& opt) {
  apply_common_options(opt.common);
  const bool with_target = !opt.target_path.empty();
  const bool with_reference = !opt.reference_path.empty();
  // The likelihood under a trained model needs neither a target nor a reference; everything
  // else compares the samples with exactly one of them.
  const bool model_nll_only =
      opt.nll && !opt.nll_model.empty() && opt.metrics.empty() && !with_target && !with_reference;
  require(model_nll_only || with_target != with_reference,
          with_target ? "--target and --reference are exclusive: give one"
                      : "one of --target (a target spec) or --reference (a samples file) is "
                        "required");
  require(opt.reference_n == 0 || with_target,
          "--reference-n applies only with --target (a --reference file has its own size)");
  require(opt.w2_bootstrap == 0 || opt.w2_bootstrap >= 2, "--w2-bootstrap must be 0 or >= 2, got ",
          opt.w2_bootstrap);
  require(opt.w2_max_pairs >= 1 && opt.w2_max_pairs <= INT_MAX, "--w2-max-pairs must lie in [1, ",
          INT_MAX, "], got ", opt.w2_max_pairs);
  require(opt.sw2_projections >= 2, "--sw2-projections must be >= 2, got ", opt.sw2_projections);
  for (double h : opt.mmd_bandwidths)
    require(std::isfinite(h) && h > 0, "--mmd-bandwidth must be positive and finite, got ", h);
  require(opt.knn_k >= 1, "--knn-k must be >= 1, got ", opt.knn_k);
  require(opt.kl_replicates >= 2, "--kl-replicates must be >= 2, got ", opt.kl_replicates);
  require(opt.tv_bins >= 0, "--tv-bins must be >= 0 (0 = Freedman-Diaconis), got ", opt.tv_bins);
  require(opt.tv_bootstrap >= 2, "--tv-bootstrap must be >= 2, got ", opt.tv_bootstrap);
  require(!opt.nll || with_target || !opt.nll_model.empty(),
          "--nll needs --target (the likelihood of its exact score) or --nll-model FILE");
  require(opt.nll || opt.nll_model.empty(), "--nll-model applies only with --nll");
  FlowLikelihoodOptions nll_options;
  std::shared_ptr<ForwardProcess> process;
  std::shared_ptr<const ScoreModel> nll_score;  // set by --nll-model, else the exact score
  if (opt.nll) {
    nll_options.steps = opt.nll_steps;
    nll_options.T = opt.nll_T;
    nll_options.delta = opt.nll_delta;
    nll_options.divergence = divergence_method_from_string(opt.nll_divergence);
    nll_options.probes = opt.nll_probes;
    nll_options.seed = opt.common.seed;
    try {
      nll_options.validate();
    } catch (const Error& e) {
      fail("--nll: ", e.what());
    }
    if (!opt.nll_model.empty()) {
      nll_score = load_mlp_score(opt.nll_model);
      process = std::const_pointer_cast<ForwardProcess>(nll_score->process_ptr());
    } else {
      process = make_process(opt.process);
    }
    require(nll_options.T <= process->t_max(), "--nll-T=", nll_options.T,
            " exceeds t_max=", process->t_max(), " of process ", process->name());
  }

  const Matrix X = read_samples(opt.samples_path);
  const Index d = X.rows(), n = X.cols();
  std::shared_ptr<Target> target;
  if (with_target) {
    target = load_target(opt.target_path);
    require(target->dim() == d, opt.samples_path, ": samples have dimension ", d,
            " but the target ", opt.target_path, " has dimension ", target->dim());
  }
  Matrix Y;  // the second sample set (exact target samples or the reference file)
  if (with_reference) {
    Y = read_samples(opt.reference_path);
    require(Y.rows() == d, "dimension mismatch: ", opt.samples_path, " has dimension ", d, " but ",
            opt.reference_path, " has dimension ", Y.rows());
  }
  const Index m = with_reference ? Y.cols() : (opt.reference_n > 0 ? opt.reference_n : n);
  const std::string other = with_reference ? opt.reference_path : "the target samples";

  // Which metrics, and can each one run on these sets? Everything is checked before any work.
  const bool explicit_metrics = !opt.metrics.empty();
  std::vector<std::string> metrics;
  nlohmann::json skipped = nlohmann::json::object();
  const bool w2_fits = static_cast<double>(n) * static_cast<double>(m) <=
                       static_cast<double>(opt.w2_max_pairs);  // n, m < 2^53
  if (explicit_metrics) {
    metrics = parse_metrics(opt.metrics);
  } else if (!opt.nll) {  // --nll without --metrics computes the likelihood alone
    for (const char* name : {"w2", "sw2", "mmd", "energy", "kl", "tv"}) {
      const std::string s = name;
      if (s == "tv" && d > 2) {
        skipped["tv"] = "histogram TV needs dimension 1 or 2";
      } else if (s == "w2" && !w2_fits) {
        skipped["w2"] = "n * m above --w2-max-pairs; see sw2";
      } else {
        metrics.push_back(s);
      }
    }
  }
  auto need = [&](const std::string& metric, Index count, Index at_least, const std::string& what) {
    require(count >= at_least, "metric ", metric, ": ", what, " has ", count, " samples, at least ",
            at_least, " are needed");
  };
  bool needs_y = false;
  for (const auto& metric : metrics) {
    if (metric == "w2") {
      require(w2_fits, "metric w2: exact OT on ", n, " x ", m, " = ",
              static_cast<double>(n) * static_cast<double>(m),
              " pairs exceeds --w2-max-pairs = ", opt.w2_max_pairs,
              " (about 68 bytes of memory per pair); use sw2 (sliced W2) or fewer samples");
    } else if (metric == "mmd" || metric == "energy") {
      need(metric, n, 3, opt.samples_path);
      need(metric, m, 3, other);
    } else if (metric == "kl") {
      need(metric + " (k = " + std::to_string(opt.knn_k) + ")", n, 2 * (opt.knn_k + 1),
           opt.samples_path);
      if (with_reference)
        need(metric + " (k = " + std::to_string(opt.knn_k) + ")", m, 2 * opt.knn_k, other);
    } else if (metric == "tv") {
      require(d <= 2, "metric tv: histogram TV needs dimension 1 or 2, the samples have dimension ",
              d, "; use w2, sw2, mmd, energy or kl");
    }
    if (metric != "kl" || with_reference) needs_y = true;
  }
  require(!metrics.empty() || opt.nll, "no metric to compute");

  nlohmann::json reference;
  if (with_target) {
    if (needs_y) {
      const CounterRng rng(opt.common.seed);
      Y = target->sample(m, rng, kReferenceFirstParticle);
    }
    reference = {{"kind", "target"},
                 {"file", opt.target_path},
                 {"spec", target->to_json()},
                 {"d", d},
                 {"exact_samples", needs_y ? m : 0},
                 {"seed", opt.common.seed},
                 {"first_particle", kReferenceFirstParticle}};
  } else {
    reference = {{"kind", "samples"}, {"file", opt.reference_path}, {"n", m}, {"d", d}};
  }

  nlohmann::json result{{"samples", {{"file", opt.samples_path}, {"n", n}, {"d", d}}},
                        {"reference", reference}};
  if (!skipped.empty()) result["skipped"] = skipped;
  nlohmann::json seconds = nlohmann::json::object();
  for (const auto& metric : metrics) {
    const auto start = std::chrono::steady_clock::now();
    std::string key = metric;
    nlohmann::json value;
    try {
      if (metric == "w2") {
        EmpiricalW2Options o;
        o.bootstrap = opt.w2_bootstrap;
        o.seed = opt.common.seed;
        value = metric_json(empirical_w2(X, Y, o), "W2 between the empirical measures (exact OT)",
                            opt.w2_bootstrap > 0 ? "bootstrap over particles (95%)"
                                                 : "none: exact for these particle sets");
      } else if (metric == "sw2") {
        SlicedW2Options o;
        o.projections = opt.sw2_projections;
        o.seed = opt.common.seed;
        value = metric_json(sliced_w2(X, Y, o), "sliced W2 (root of the mean over directions)",
                            "Monte Carlo over projections only (95%)");
      } else if (metric == "mmd") {
        MmdOptions o;
        o.bandwidths = opt.mmd_bandwidths;
        value = metric_json(mmd2(X, Y, o), "MMD^2, RBF kernel, unbiased (can be < 0)",
                            "jackknife (95%)");
      } else if (metric == "energy") {
        value = metric_json(energy_distance(X, Y),
                            "energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'|, unbiased (can be < 0)",
                            "jackknife (95%)");
      } else if (metric == "kl") {
        if (with_target) {
          KnnEntropyOptions o;
          o.k = opt.knn_k;
          o.replicates = opt.kl_replicates;
          o.seed = opt.common.seed;
          key = "kl_output_target";
          value = metric_json(kl_to_target(X, *target, o),
                              "KL(samples || target): kNN entropy and the target's log-density",
                              "half-sampling (95%)");
        } else {
          KnnKlOptions o;
          o.k = opt.knn_k;
          o.replicates = opt.kl_replicates;
          o.seed = opt.common.seed;
          key = "kl_output_reference";
          value = metric_json(knn_kl(X, Y, o), "KL(samples || reference): kNN (Wang et al. 2009)",
                              "half-sampling (95%)");
        }
      } else {  // tv
        HistogramTvOptions o;
        if (opt.tv_bins > 0) o.bins.assign(static_cast<std::size_t>(d), opt.tv_bins);
        o.bootstrap = opt.tv_bootstrap;
        o.seed = opt.common.seed;
        value = metric_json(histogram_tv(X, Y, o), "TV of the histogram laws (common grid)",
                            "bootstrap over particles (95%), clipped to [0, 1]");
      }
    } catch (const Error& e) {
      // X and Y in the library's messages are the samples and the reference.
      fail("metric ", metric, " (X = ", opt.samples_path,
           ", Y = ", with_reference ? opt.reference_path : "target " + opt.target_path,
           "): ", e.what());
    }
    result[key] = value;
    seconds[key] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (opt.nll) {
    const auto start = std::chrono::steady_clock::now();
    if (!nll_score) nll_score = std::make_shared<ExactScore>(target, process);
    require(nll_score->dim() == d, opt.samples_path, ": samples have dimension ", d,
            " but the --nll-model ", opt.nll_model, " has dimension ", nll_score->dim());
    FlowLikelihoodResult r;
    try {
      r = flow_log_likelihood(*nll_score, X, nll_options);
    } catch (const Error& e) {
      fail("--nll (", opt.samples_path, "): ", e.what());
    }
    nlohmann::json j = r.to_json();
    j.erase("nll");
    j.erase("nll_ci");
    j["value"] = r.nll;
    j["ci"] = nlohmann::json::array({r.nll_ci_lo, r.nll_ci_hi});
    j["process"] = process->name();
    j["quantity"] = std::string("mean -log p_delta(x) (nats) under the PF-ODE of ") +
                    (opt.nll_model.empty() ? "the target's exact score"
                                           : "the trained model " + opt.nll_model) +
                    ", from N(0, I) at T";
    j["score"] = nll_score->to_json();
    j["ci_kind"] = r.divergence == "exact"
                       ? "normal over the points (95%)"
                       : "normal over the points (95%), Hutchinson noise included";
    result["nll"] = j;
    seconds["nll"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  result["wall_seconds"] = seconds;
  result["seed"] = opt.common.seed;
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
  sub->add_option("--reference-n", opt->reference_n,
                  "With --target: exact target samples to draw (default: as many as --samples)");
  sub->add_option("--metrics", opt->metrics,
                  "Comma-separated subset of w2, sw2, mmd, energy, kl, tv (default: all that "
                  "apply: tv only for d <= 2, w2 only within --w2-max-pairs)");
  sub->add_option("--out", opt->out, "Also write the JSON here (atomically)");
  sub->add_option("--w2-bootstrap", opt->w2_bootstrap,
                  "w2: bootstrap replicates for the CI (each one more OT solve; 0 = exact value, "
                  "no CI)")
      ->capture_default_str();
  sub->add_option("--w2-max-pairs", opt->w2_max_pairs,
                  "w2: largest n * m the exact OT solver may take (about 68 bytes per pair)")
      ->capture_default_str();
  sub->add_option("--sw2-projections", opt->sw2_projections, "sw2: random directions")
      ->capture_default_str();
  sub->add_option("--mmd-bandwidth", opt->mmd_bandwidths,
                  "mmd: RBF bandwidth(s) h, comma-separated (several: averaged kernel; default: "
                  "median heuristic)")
      ->delimiter(',');
  sub->add_option("--knn-k", opt->knn_k, "kl: neighbour rank k of the kNN estimators")
      ->capture_default_str();
  sub->add_option("--kl-replicates", opt->kl_replicates, "kl: half-sampling replicates for the CI")
      ->capture_default_str();
  sub->add_option("--tv-bins", opt->tv_bins, "tv: bins per axis (0 = Freedman-Diaconis)")
      ->capture_default_str();
  sub->add_option("--tv-bootstrap", opt->tv_bootstrap, "tv: bootstrap replicates for the CI")
      ->capture_default_str();
  sub->add_flag(
      "--nll", opt->nll,
      "Also report the mean negative log-likelihood (nats, with a CI and bits/dim) of the "
      "samples under the model's probability-flow ODE, here the PF-ODE of the target's "
      "exact score (needs --target; instantaneous change of variables, RK4 from "
      "--nll-delta to --nll-T, prior N(0, I) at T). Without --metrics only the NLL is "
      "computed");
  sub->add_option("--nll-steps", opt->nll_steps, "nll: RK4 steps (logsnr grid)")
      ->capture_default_str();
  sub->add_option("--nll-T", opt->nll_T,
                  "nll: end time (0 = the process's t_max if finite, else 10)")
      ->capture_default_str();
  sub->add_option("--nll-delta", opt->nll_delta, "nll: start time (the likelihood is of q_delta)")
      ->capture_default_str();
  sub->add_option("--nll-divergence", opt->nll_divergence,
                  "nll: auto (exact for d <= 16), exact (central differences, 2d score "
                  "evaluations per stage) or hutchinson (Rademacher probes drawn with --seed)")
      ->capture_default_str();
  sub->add_option("--nll-model", opt->nll_model,
                  "nll: the score of this trained model (difflab train) instead of the target's "
                  "exact score (then --target is optional)");
  sub->add_option("--nll-probes", opt->nll_probes, "nll: Hutchinson probes per step")
      ->capture_default_str();
  sub->add_option("--process", opt->process, "nll: forward process (ou, vp-linear, vp-cosine)")
      ->capture_default_str();
  sub->callback([opt] { run_eval(*opt); });
}

}  // namespace difflab::cli
