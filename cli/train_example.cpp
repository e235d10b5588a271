#include "train_example.hpp"

#include <iostream>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/train/gaussian_mean_example.hpp"

namespace difflab::cli {

void run_train_example(const TrainExampleFlags& flags, const CommonOptions& common,
                       const std::string& out) {
  apply_common_options(common);
  require(flags.name == "gaussian-mean", "--example: unknown example '", flags.name,
          "' (valid: gaussian-mean)");
  nlohmann::json spec = flags.config.empty() ? nlohmann::json::object() : read_json(flags.config);
  require(spec.is_object(), "--example-config ", flags.config, ": expected a JSON object");
  if (!flags.optimizer.empty()) spec["optimizer"] = flags.optimizer;
  if (flags.epochs > 0) spec["epochs"] = flags.epochs;
  if (flags.d > 0) spec["d"] = flags.d;
  if (!spec.contains("seed")) spec["seed"] = common.seed;
  const GaussianMeanExampleOptions options = GaussianMeanExampleOptions::from_json(spec);
  const GaussianMeanExampleReport report = run_gaussian_mean_example(options);
  const nlohmann::json full = report.to_json();
  if (!out.empty()) write_json(out, full);
  // The headline numbers on stdout; the full report (histories, laws, bounds) in --out.
  nlohmann::json summary{{"example", "gaussian-mean"},
                         {"mu", json_util::to_json(report.mu)},
                         {"theta", json_util::to_json(report.theta)},
                         {"w2_em", report.w2_em},
                         {"w2_ei", report.w2_ei},
                         {"bound_terms", full["bound_terms"]},
                         {"aux_score_error", full["aux_score_error"]},
                         {"train_seconds", report.train_seconds}};
  if (!out.empty()) summary["report"] = out;
  std::cout << summary.dump(2) << "\n";
}

}  // namespace difflab::cli
