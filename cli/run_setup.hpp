#pragma once
// The flags of every subcommand that runs a sampler (sample, law, bound): the fields of the
// library's RunSpec (pipeline/run_spec.hpp), one flag each, plus --threads.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "difflab/pipeline/run_spec.hpp"

namespace difflab::cli {

struct RunOptions {
  int threads = 0;
  RunSpec spec;
};

// Registers the RunSpec flags (but those in `skip`, which the command sets itself) and --threads
// on a subcommand; --target is required.
void add_run_options(CLI::App* app, RunOptions& options, const std::vector<std::string>& skip = {});

}  // namespace difflab::cli
