// difflab strong-error: strong-error curves from coupled runs with N and 2N steps on one
// Brownian path (pipeline/strong_error.hpp), printed as JSON.
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/strong_error.hpp"
#include "run_setup.hpp"
#include "schema_flags.hpp"

namespace difflab::cli {

namespace {

struct StrongErrorCliOptions {
  RunOptions run;
  StrongErrorOptions options;
  std::string out;
};

void run_strong_error(const StrongErrorCliOptions& opt) {
  set_threads(opt.run.threads);
  if (!opt.out.empty()) require_writable_file(opt.out);
  const nlohmann::json j = strong_error(opt.run.spec, opt.options).to_json();
  if (!opt.out.empty()) write_json(opt.out, j);
  std::cout << j.dump(2) << "\n";
}

}  // namespace

void register_strong_error(CLI::App& app) {
  auto opt = std::make_shared<StrongErrorCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "strong-error",
      "Strong-error curve: E|X_N - X_2N| per particle from runs with N and 2N steps on one "
      "Brownian path, the coupled change of E|X|^2, and the fitted strong order (JSON)");
  // The step counts come from --coarse-steps, the noise is always Brownian.
  add_run_options(sub, opt->run, {"steps", "noise"});
  add_schema_flags(sub, strong_error_schema(), opt->options);
  sub->add_option("--out", opt->out, "Also write the JSON here");
  sub->callback([opt] { run_strong_error(*opt); });
}

}  // namespace difflab::cli
