#pragma once
// `difflab train` and Python's train(): learn an MLP score network by denoising score matching
// (train/trainer.hpp) from a data file, points given by code or exact draws of a target; write
// the checkpoint (and, on request, a JSON-lines log and the summary); resume a checkpointed run;
// and summarise it: loss curve, validation loss, true score error when the target is known, the
// learned score's Lipschitz constant (bound and empirical). The request is described once by its
// field table (train_request_schema), from which the CLI flags and the Python keyword arguments
// come (docs/architecture.md, "One schema per options struct").
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/communicator.hpp"
#include "difflab/core/option_schema.hpp"
#include "difflab/core/types.hpp"
#include "difflab/target/target.hpp"
#include "difflab/train/trainer.hpp"

namespace difflab {

struct TrainRequest {
  // The data: points given by code (d x n, used when not empty), else the samples file `data`,
  // else `samples` exact draws of the target (stream (seed, kTargetSample, j)).
  std::string data;
  Matrix data_points;
  // The target, optional with data: a JSON file, an inline object (target_json, when not null) or
  // a built Target (wins over both). It enables the true score error in the log.
  std::string target;
  nlohmann::json target_json;
  std::shared_ptr<const Target> target_object;
  Index samples = 10000;
  std::string process = "ou";
  std::string model = "mlp";
  TrainOptions train;             // the network, optimizer and DSM options (seed set from `seed`)
  bool no_standardize = false;    // train.standardize = !no_standardize
  Index lipschitz_samples = 200;  // samples of q_t for the empirical Lipschitz estimate (0 = none)
  std::string out;                // the checkpoint (required); a resume reads it
  std::string log;                // append the log as JSON lines here (optional)
  std::string summary;            // write the summary (JSON) here (optional)
  bool resume = false;
  std::uint64_t seed = 0;
  // The options set explicitly (schema names). A resume continues the checkpoint's options, so
  // each given option that is not one a resume may take (train_resume_options) must equal the
  // checkpoint's.
  std::vector<std::string> given;

  // Schema checks and the consistency of the request; throws difflab::Error.
  void validate() const;
  // Reads the options named in `j` (schema names; "target" may be an inline object) and records
  // them as given.
  static TrainRequest from_json(const nlohmann::json& j, const std::string& where = "train");
};

// The field table of TrainRequest (the TrainOptions fields flattened into it).
const OptionSchema<TrainRequest>& train_request_schema();

// The options a resume may take besides the checkpoint's: the data, the length of the run, the
// outputs and the seed of the summary's estimates.
const std::vector<std::string>& train_resume_options();

struct TrainRunHooks {
  // The ranks sharing each batch's gradient chunks (train/rank_chunk_reduction.hpp); null or one
  // rank: this process alone. Rank 0 alone writes files and calls the hooks below.
  Communicator* comm = nullptr;
  // Before the first step: the step the run starts at and the one it trains to.
  std::function<void(std::int64_t first, std::int64_t until)> on_start;
  std::function<void(std::int64_t step, double loss)> on_step;
  // Each log entry, after it went to the log file and the checkpoint was saved.
  std::function<void(const TrainLogEntry&)> on_log;
};

struct TrainRunResult {
  // {model, options, train, final_step[, lipschitz]}; null on ranks other than 0.
  nlohmann::json summary;
  TrainSummary train;
};

// Runs the request: trains, saves the checkpoint (also at each log entry, so a crash loses at
// most log_every steps), writes the log and the summary files when named, returns the summary.
TrainRunResult train_run(const TrainRequest& request, const TrainRunHooks& hooks = {});

}  // namespace difflab
