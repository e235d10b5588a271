#pragma once
// The options shared by every subcommand that runs a sampler (sample, and later law, bound,
// eval): target, process, score model, sampler, grid, initialisation. One place parses and
// validates them, so every subcommand accepts the same flags with the same meaning.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_common.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/time_grid.hpp"
#include "difflab/score/score_model.hpp"
#include "difflab/target/target.hpp"

namespace difflab::cli {

struct RunOptions {
  CommonOptions common;
  std::string target_path;
  std::string process = "ou";
  std::string score = "exact";
  double score_error = 0.1;
  std::string perturbation = "direction";
  std::string theta;  // comma-separated, for --score gaussian-mean
  std::string sampler = "ei";
  std::string grid = "benton";
  std::string grid_file;
  int steps = 200;
  double T = 6.0;
  double delta = 1e-3;
  Index n = 1000;
  std::string start = "normal";
  std::string init_file;
  SamplerOptions sampler_options;
  std::string command;  // the subcommand that registered the flags (add_run_options sets it)
};

// Registers the flags on a subcommand.
void add_run_options(CLI::App* app, RunOptions& options);

// What the flags resolve to.
struct RunSetup {
  std::shared_ptr<const Target> target;
  std::shared_ptr<const ForwardProcess> process;
  std::shared_ptr<const ScoreModel> score;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<TimeGrid> grid;
  Matrix initial;                   // d x n
  nlohmann::json describe() const;  // the run's full spec, for result files
};

// Validates the options and builds everything (throws difflab::Error on bad input).
RunSetup build_run(const RunOptions& options);

}  // namespace difflab::cli
