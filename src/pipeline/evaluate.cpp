#include "difflab/pipeline/evaluate.hpp"

#include <chrono>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/pipeline/experiment_runner.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/train/checkpoint.hpp"

namespace difflab {

namespace {

Index reference_size(const EvaluationInputs& in, const SampleMetricOptions& o) {
  if (in.reference != nullptr) return in.reference->cols();
  return o.reference_n > 0 ? o.reference_n : in.samples->cols();
}

bool available(const MetricInfo& info, const EvaluationInputs& in) {
  switch (info.needs) {
    case MetricNeeds::kReference:
      return true;  // a target supplies exact samples
    case MetricNeeds::kTargetDensity:
      return in.target != nullptr && in.target->has_density();
    case MetricNeeds::kMixtureTarget:
      return false;  // only on request (it is a diagnostic of mixtures, not a distance)
    case MetricNeeds::kEmpiricalTarget:
      return false;  // only on request (a diagnostic of the training data, not a distance)
  }
  return false;
}

}  // namespace

std::vector<std::string> parse_metric_list(const std::string& list) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = list.find(',', begin);
    const std::string name =
        list.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    require(!name.empty(), "metrics: empty metric name in '", list, "'");
    metric_info(name);  // an unknown name lists the valid ones
    for (const auto& seen : out) require(seen != name, "metrics: '", name, "' is listed twice");
    out.push_back(name);
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return out;
}

MetricSelection select_metrics(const std::vector<std::string>& requested,
                               const EvaluationInputs& in, const SampleMetricOptions& o) {
  MetricSelection s;
  const Index n = in.samples->cols(), d = in.samples->rows(), m = reference_size(in, o);
  if (!requested.empty()) {
    for (const auto& name : requested) {
      const MetricInfo& info = metric_info(name);
      require(info.needs != MetricNeeds::kTargetDensity || in.target != nullptr, "metric ", name,
              " needs a target (its density); use knn_kl against reference samples");
      if (info.needs == MetricNeeds::kTargetDensity && !in.target->has_density())
        fail("metric ", name, ": the ", in.target->type(),
             " target has no density; use knn_kl against reference samples");
      require(info.needs != MetricNeeds::kMixtureTarget || in.target != nullptr, "metric ", name,
              " needs a Gaussian-mixture target");
      require(info.needs != MetricNeeds::kEmpiricalTarget || in.target != nullptr, "metric ", name,
              " needs an empirical target (its training points)");
      const std::string why = metric_inapplicable(name, n, m, d, o);
      require(why.empty(), "metric ", name, ": ", why);
      s.metrics.push_back(name);
    }
    return s;
  }
  for (const auto& info : list_metrics()) {
    if (!available(info, in)) continue;
    // Against a target its density gives KL directly; the k-NN KL is for two sample sets.
    if (info.name == "knn_kl" && in.target != nullptr) continue;
    const std::string why = metric_inapplicable(info.name, n, m, d, o);
    if (why.empty()) {
      s.metrics.push_back(info.name);
    } else {
      s.skipped[info.name] = why;
    }
  }
  return s;
}

nlohmann::json evaluate_samples(const EvaluationInputs& in, const MetricSelection& sel,
                                const SampleMetricOptions& o) {
  require(in.samples != nullptr, "evaluate: no samples");
  const Matrix& X = *in.samples;
  const Index d = X.rows(), n = X.cols();
  require((in.target != nullptr) != (in.reference != nullptr) || sel.metrics.empty(),
          "give exactly one of a target and a reference sample set");
  if (in.target != nullptr)
    require(in.target->dim() == d, in.samples_label, ": samples have dimension ", d,
            " but the target ", in.target_label, " has dimension ", in.target->dim());
  if (in.reference != nullptr)
    require(in.reference->rows() == d, "dimension mismatch: ", in.samples_label, " has dimension ",
            d, " but ", in.reference_label, " has dimension ", in.reference->rows());
  bool needs_y = false;
  for (const auto& m : sel.metrics)
    needs_y = needs_y || metric_info(m).needs == MetricNeeds::kReference;
  Matrix drawn;
  if (in.target != nullptr && needs_y)
    drawn = in.target->sample(reference_size(in, o), CounterRng(o.seed), kReferenceFirstParticle);
  const Matrix& Y = in.reference != nullptr ? *in.reference : drawn;
  nlohmann::json reference;
  if (in.target != nullptr) {
    reference = {{"kind", "target"},
                 {"file", in.target_label},
                 {"spec", in.target->to_json()},
                 {"d", d},
                 {"exact_samples", needs_y ? Y.cols() : 0},
                 {"seed", o.seed},
                 {"first_particle", kReferenceFirstParticle}};
  } else if (in.reference != nullptr) {
    reference = {{"kind", "samples"}, {"file", in.reference_label}, {"n", Y.cols()}, {"d", d}};
  }
  nlohmann::json result{{"samples", {{"file", in.samples_label}, {"n", n}, {"d", d}}},
                        {"reference", reference}};
  if (!sel.skipped.empty()) result["skipped"] = sel.skipped;
  nlohmann::json seconds = nlohmann::json::object();
  for (const auto& metric : sel.metrics) {
    const auto start = std::chrono::steady_clock::now();
    try {
      result[metric] = compute_metric(metric, X, Y, in.target, o);
    } catch (const Error& e) {
      fail("metric ", metric, " (X = ", in.samples_label,
           ", Y = ", in.reference != nullptr ? in.reference_label : "target " + in.target_label,
           "): ", e.what());
    }
    seconds[metric] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  result["wall_seconds"] = seconds;
  result["seed"] = o.seed;
  return result;
}

nlohmann::json nll_report(const ScoreModel& score, const Matrix& X,
                          const FlowLikelihoodOptions& options, const std::string& model_label,
                          const std::string& samples_label) {
  require(score.dim() == X.rows(), samples_label, ": samples have dimension ", X.rows(), " but ",
          model_label, " has dimension ", score.dim());
  FlowLikelihoodResult r;
  try {
    r = flow_log_likelihood(score, X, options);
  } catch (const Error& e) {
    fail("nll (", samples_label, "): ", e.what());
  }
  nlohmann::json j = r.to_json();
  j.erase("nll");
  j.erase("nll_ci");
  j["value"] = r.nll;
  j["ci"] = nlohmann::json::array({r.nll_ci_lo, r.nll_ci_hi});
  j["process"] = score.process().name();
  j["quantity"] =
      "mean -log p_delta(x) (nats) under the PF-ODE of " + model_label + ", from N(0, I) at T";
  j["score"] = score.to_json();
  j["ci_kind"] = r.divergence == "exact"
                     ? "normal over the points (95%)"
                     : "normal over the points (95%), Hutchinson noise included";
  return j;
}

SampleNll prepare_sample_nll(const SampleNllRequest& r) {
  SampleNll s;
  s.options.steps = r.steps;
  s.options.T = r.T;
  s.options.delta = r.delta < 0 && r.model.empty() ? 1e-5 : r.delta;
  if (!r.model.empty())
    resolve_trained_range(s.options.delta, s.options.T,
                          trained_times(load_checkpoint(r.model), r.model), "nll model " + r.model);
  s.options.divergence = divergence_method_from_string(r.divergence);
  s.options.probes = r.probes;
  s.options.seed = r.seed;
  try {
    s.options.validate();
  } catch (const Error& e) {
    fail("nll: ", e.what());
  }
  if (!r.model.empty()) {
    s.score = load_mlp_score(r.model);
    s.process = s.score->process_ptr();
    s.model_label = "the trained model " + r.model;
  } else {
    s.process = make_process(r.process);
    s.model_label = "the target's exact score";
  }
  require(s.options.T <= s.process->t_max(), "nll: T = ", s.options.T,
          " exceeds t_max=", s.process->t_max(), " of process ", s.process->name());
  return s;
}

nlohmann::json sample_nll(const SampleNll& nll, const Matrix& X,
                          std::shared_ptr<const Target> target, const std::string& samples_label) {
  std::shared_ptr<const ScoreModel> score = nll.score;
  if (!score) {
    require(target != nullptr, "nll: needs a target (its exact score) or a trained model");
    score = std::make_shared<ExactScore>(std::move(target), nll.process);
  }
  return nll_report(*score, X, nll.options, nll.model_label, samples_label);
}

}  // namespace difflab
