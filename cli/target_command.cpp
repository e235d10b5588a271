// difflab target: validate a target spec, print its summary, draw exact samples of q_t, or
// evaluate the exact log q_t and score at given points.
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/pipeline/target_query.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/target/target.hpp"

namespace difflab::cli {

namespace {

struct TargetOptions {
  CommonOptions common;
  std::string target_path;
  std::string process = "ou";
  double t = 0.0;
  Index sample = 0;
  std::string points;
  std::string prediction = "score";
  std::string out;
};

void run_target(const TargetOptions& opt) {
  apply_common_options(opt.common);
  const auto target = load_target(opt.target_path);
  const auto process = make_process(opt.process);
  require(opt.sample == 0 || opt.points.empty(), "--sample and --points are exclusive");
  if (opt.sample > 0 || !opt.points.empty())
    require(!opt.out.empty(), "--out is required with --sample or --points");
  if (opt.sample > 0) {
    write_samples(opt.out, sample_qt(*target, *process, opt.t, opt.sample, opt.common.seed));
    std::cout << "wrote " << opt.sample << " samples of q_t (t = " << opt.t << ") to " << opt.out
              << "\n";
    return;
  }
  if (!opt.points.empty()) {
    const Matrix X = read_samples(opt.points, target->dim());
    write_samples(opt.out,
                  log_qt_and_score(*target, *process, opt.t, X, parse_prediction(opt.prediction)));
    std::cout << "wrote log q_t and " << opt.prediction << " (columns: logq, " << opt.prediction
              << "_1.." << opt.prediction << "_d) at " << X.cols() << " points to " << opt.out
              << "\n";
    const nlohmann::json knn = knn_truncation_report(*target, *process, opt.t, X);
    if (!knn.is_null())
      std::cout << "k-NN truncation (k = " << knn["knn"].get<Index>()
                << "): max neglected-mass bound " << knn["max_neglected_mass"].get<double>()
                << ", max score-error bound " << knn["max_score_error"].get<double>() << "\n";
    return;
  }
  std::cout << target_report(*target).dump(2) << "\n";
}

}  // namespace

void register_target(CLI::App& app) {
  auto opt = std::make_shared<TargetOptions>();
  CLI::App* sub = app.add_subcommand(
      "target",
      "Validate a target spec; print its summary, sample q_t, or evaluate its exact score");
  add_common_options(sub, opt->common);
  sub->add_option("--target", opt->target_path, "Target spec (JSON file)")->required();
  sub->add_option("--process", opt->process, "Forward process: " + comma_list(process_kinds()))
      ->capture_default_str();
  sub->add_option("--t", opt->t, "Forward time t")->capture_default_str();
  sub->add_option("--sample", opt->sample, "Draw this many exact samples of q_t (needs --out)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--points", opt->points,
                  "Evaluate log q_t and the score at these points (.csv/.npy)");
  sub->add_option("--prediction", opt->prediction,
                  "With --points, write this exact prediction instead of the score: " +
                      comma_list(prediction_names()) +
                      " (flow: the flow-matching velocity E[dX_t/dt | x])")
      ->capture_default_str();
  sub->add_option("--out", opt->out, "Output file (.csv or .npy)");
  sub->callback([opt] { run_target(*opt); });
}

}  // namespace difflab::cli
