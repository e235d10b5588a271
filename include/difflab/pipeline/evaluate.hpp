#pragma once
// Measuring samples (`difflab eval`, Python's eval()): the sample metrics of the registry
// (pipeline/sample_metrics.hpp) between samples X and either a target (exact samples of it, or
// its density for kl_to_target) or a reference sample set, each with its interval; optionally
// the negative log-likelihood of X under a probability-flow ODE (law/flow_likelihood.hpp).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/law/flow_likelihood.hpp"
#include "difflab/pipeline/sample_metrics.hpp"
#include "difflab/score/score_model.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

struct EvaluationInputs {
  const Matrix* samples = nullptr;  // X, d x n
  std::string samples_label = "samples";
  const Target* target = nullptr;  // exactly one of target and reference (none: nll only)
  std::string target_label = "target";
  const Matrix* reference = nullptr;  // Y, d x m
  std::string reference_label = "reference";
};

// The metrics to compute: `requested` as given (each must apply, or it is an error naming the
// reason), or, when empty, every metric that applies (the others reported in "skipped").
struct MetricSelection {
  std::vector<std::string> metrics;
  nlohmann::json skipped = nlohmann::json::object();
};
MetricSelection select_metrics(const std::vector<std::string>& requested,
                               const EvaluationInputs& in, const SampleMetricOptions& options);

// {"samples", "reference", "skipped"?, <metric>: {...} per metric, "wall_seconds", "seed"}.
// Every check runs before any work; a metric's failure is an error naming X and Y.
nlohmann::json evaluate_samples(const EvaluationInputs& in, const MetricSelection& selection,
                                const SampleMetricOptions& options);

// The mean negative log-likelihood of the samples under the PF-ODE of `score` (value, ci,
// bits_per_dim, nfe, process, quantity, score, ci_kind); `model_label` names the score.
nlohmann::json nll_report(const ScoreModel& score, const Matrix& X,
                          const FlowLikelihoodOptions& options, const std::string& model_label,
                          const std::string& samples_label);

// The likelihood of `difflab eval --nll` as a face gives it.
struct SampleNllRequest {
  int steps = 100;
  double T = 0;       // 0: a model's trained T; else the process's t_max if finite, else 10
  double delta = -1;  // < 0: 1e-5, or a model's trained delta
  std::string divergence = "auto";
  std::string model;  // a trained checkpoint (difflab train) instead of the target's exact score
  int probes = 1;
  std::string process = "ou";  // of the target's exact score (a model has its own)
  std::uint64_t seed = 0;
};

// The request resolved and checked before any work: the options (a model refuses times outside
// its training range), the model's score and the process.
struct SampleNll {
  FlowLikelihoodOptions options;
  std::shared_ptr<const ScoreModel> score;  // null: the target's exact score
  std::shared_ptr<const ForwardProcess> process;
  std::string model_label;
};
SampleNll prepare_sample_nll(const SampleNllRequest& request);

// nll_report of the samples under the prepared model, or under `target`'s exact score.
nlohmann::json sample_nll(const SampleNll& nll, const Matrix& X,
                          std::shared_ptr<const Target> target, const std::string& samples_label);

// Parses "w2,sw2" into names, refusing empty and repeated names (the registry checks the rest).
std::vector<std::string> parse_metric_list(const std::string& list);

}  // namespace difflab
