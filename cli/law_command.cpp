// difflab law: the exact law of a sampler's output and its distances to the target, for the
// combinations where it can be computed (a Gaussian target, a score affine in x and a sampler
// affine in its state and noise: see law/affine_gaussian_law.hpp).
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "law_report.hpp"
#include "run_setup.hpp"

namespace difflab::cli {

namespace {

struct LawOptions {
  RunOptions run;
  std::string out;
  Index tv_samples = 200000;
  Index grid_nodes = 0;
};

void run_law(const LawOptions& opt) {
  apply_common_options(opt.run.common);
  require(opt.run.init_file.empty(),
          "--init: a law needs a Gaussian initial law; use --start normal|exact");
  require(opt.tv_samples >= 2, "--tv-samples must be >= 2");
  RunSetup run = build_run(opt.run);
  LawReportOptions report_options;
  report_options.tv_samples = opt.tv_samples;
  report_options.seed = opt.run.common.seed;
  report_options.grid_nodes = opt.grid_nodes;
  nlohmann::json j = law_report(run, opt.run, report_options);
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
  sub->add_option("--grid-nodes", opt->grid_nodes,
                  "Grid laws (1-D, product and 2-D targets): nodes per axis (0 = default: 2001 in "
                  "1-D, 161 in 2-D); the report's grid_error compares with about half as many")
      ->check(CLI::Range(Index{0}, Index{400001}));
  sub->callback([opt] { run_law(*opt); });
}

}  // namespace difflab::cli
