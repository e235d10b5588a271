// The difflab executable. Error contract: bad input -> one line on stderr naming the input and
// what is wrong, exit code 2; an internal failure -> one line, exit code 1.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/allocator_tuning.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab::cli {

void add_common_options(CLI::App* app, CommonOptions& options) {
  app->add_option("--seed", options.seed, "Random seed (counter-based: same seed, same bits)")
      ->capture_default_str();
  app->add_option("--threads", options.threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
}

void apply_common_options(const CommonOptions& options) { set_threads(options.threads); }

}  // namespace difflab::cli

int main(int argc, char** argv) {
  difflab::tune_allocator_for_large_temporaries();
  CLI::App app{"difflab: diffusion models and their error analysis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "difflab 0.1.0");
  difflab::cli::register_demo(app);
  difflab::cli::register_target(app);
  difflab::cli::register_sample(app);
  difflab::cli::register_law(app);
  difflab::cli::register_eval(app);
  difflab::cli::register_bound(app);
  difflab::cli::register_plan(app);
  difflab::cli::register_train(app);
  difflab::cli::register_app(app);
  difflab::cli::register_run(app);
  difflab::cli::register_report(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "difflab: " << e.what() << "\n";
    return 2;
  } catch (const difflab::Error& e) {
    std::cerr << "difflab: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "difflab: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
