#pragma once
// The experiment engine: an experiment spec (experiment/experiment_spec.hpp) expands into runs;
// each run is a RunSpec (pipeline/run_spec.hpp) built with its own seed
// (experiment/run_seed.hpp); its exact law, sample metrics (pipeline/sample_metrics.hpp) and
// bounds are computed and its row appended to DIR/results.jsonl (+ DIR/results.csv) the moment
// it finishes (experiment/results_table.hpp), so an interrupted sweep resumes where it stopped.
//
// Parallelism: `jobs` runs execute at once, each with threads / jobs threads inside. Every
// computation is bit-identical for any thread count, so a row's numbers never depend on threads
// or jobs; rows reach the files in sweep order.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/communicator.hpp"
#include "difflab/experiment/experiment_spec.hpp"
#include "difflab/pipeline/run_spec.hpp"
#include "difflab/pipeline/sweep_shard.hpp"

namespace difflab {

// Exact target samples drawn as references for sample metrics use particle streams from here
// on, so they never coincide with a sampler's initial points or `difflab target --sample` draws
// from the same seed (particles 0, 1, ...).
inline constexpr std::uint64_t kReferenceFirstParticle = std::uint64_t{1} << 40;

struct ExperimentRunOptions {
  std::string out;  // results directory (rerunning into it resumes)
  int threads = 0;  // in all (0 = all cores)
  int jobs = 0;     // runs at once (0 = one per thread)
  // The rows this run computes (pipeline/sweep_shard.hpp): a shard writes DIR/shard.json and no
  // fits (the merge fits the whole sweep).
  SweepShard shard;
  // The ranks of the job (core/communicator.hpp); null or one rank: this process alone. With
  // more, rank 0 prepares the runs, hands rows out to ranks 1.. as they become free
  // (pipeline/task_farm.hpp) and alone writes DIR, in sweep order; the other ranks compute rows
  // (reading DIR/targets/, so DIR must be on a file system every rank sees). on_row and log are
  // called on rank 0 only.
  Communicator* comm = nullptr;
  // Progress: called once before the first run (done = 0) and after each finished row.
  std::function<void(std::size_t done, std::size_t total, const nlohmann::json& row)> on_row;
  // One-line messages ("12 runs, 4 already done, running 8").
  std::function<void(const std::string&)> log;
};

// Runs (or resumes) the experiment `spec` (raw JSON) into options.out; relative target paths
// are read from spec_dir. Writes spec.json, targets/, results.jsonl, results.csv and, when the
// spec asks for fits, fits.json. Every run is validated before the first one starts. A
// directory holds one shard (or the whole sweep) for its lifetime: resuming it as another shard
// is refused.
void run_experiment(const nlohmann::json& spec, const std::string& spec_dir,
                    const ExperimentRunOptions& options);

// Writes DIR/fits.json: the spec's fits over `rows` taken in sweep order (whatever order they
// were appended in).
void write_sweep_fits(const ExperimentSpec& spec, std::vector<nlohmann::json> rows,
                      const std::string& dir);

// Recomputes row `row` of a results directory from DIR/spec.json and compares it with the
// stored row (every field except wall_seconds): {"row", "match", "differences": [...]}.
nlohmann::json rerun_row(const std::string& dir, std::size_t row, int threads);

// The RunSpec of a spec run's options object in results directory `dir`, with the run's target
// file (relative to dir) and derived seed; the score "trained" is the spec's trained model; grid
// "optimized" (pipeline/optimized_grids.hpp) is the grid file optimized_grid_rel (relative to
// dir, the row's "optimized_grid_file").
RunSpec run_spec_from_options(const nlohmann::json& options, const std::string& dir,
                              const std::string& target_rel, std::uint64_t seed,
                              const std::string& optimized_grid_rel = "");

// The model a spec's "train" writes in results directory `dir` (DIR/train/model.dlm, with its
// summary.json beside it).
std::string trained_model_path(const std::string& dir);

// The copy in DIR of a run's "reference" samples file (relative to DIR).
std::string reference_copy(const nlohmann::json& options);

}  // namespace difflab
