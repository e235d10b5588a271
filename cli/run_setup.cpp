#include "run_setup.hpp"

#include "difflab/core/parallel.hpp"
#include "schema_flags.hpp"

namespace difflab::cli {

void add_run_options(CLI::App* app, RunOptions& o, const std::vector<std::string>& skip) {
  add_schema_flags(app, run_spec_schema(), o.spec, skip);
  app->get_option("--target")->required();
  app->add_option("--threads", o.threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
}

}  // namespace difflab::cli
