#pragma once
// Training an MLP score network by denoising score matching (dsm_loss.hpp) with a stochastic
// optimizer (optimizer.hpp), EMA of the weights, a train/validation split, periodic logging of the
// training and validation loss and, when the target is known, of the true L2(q_t) score error
// (score/score_error.hpp) on a fixed grid of t; checkpoints for a bit-identical resume.
//
// Randomness: minibatch j of step k is a pure function of (seed, k) (dsm_loss.hpp), the split of
// the data and the validation noise use their own fixed steps of the same kTraining streams, and
// the optimizer's noise (SGLD/TUSLA) uses a seed derived from the run's seed. So a run that is
// checkpointed and resumed draws exactly what an uninterrupted one draws.
//
// Minibatches are drawn WITH replacement from the training part of the data, so any batch size is
// allowed, including one larger than the data set (documented choice: no epochs, no permutation
// state to carry in a checkpoint).
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "difflab/score/score_error.hpp"
#include "difflab/target/target.hpp"
#include "difflab/train/checkpoint.hpp"
#include "difflab/train/dsm_loss.hpp"
#include "difflab/train/mlp.hpp"
#include "difflab/train/mlp_score.hpp"
#include "difflab/train/optimizer.hpp"

namespace difflab {

struct TrainOptions {
  MlpSpec model;                     // model.dim is set from the data
  OptimizerOptions optimizer;        // its seed is replaced by one derived from `seed`
  DsmOptions dsm;                    // weighting, time sampling, [delta, T]
  Index batch = 256;                 // minibatch size, >= 1 (with replacement, see above)
  std::int64_t iterations = 2000;    // total optimizer steps of the run (a resume continues to it)
  double validation_fraction = 0.1;  // share of the data held out, in [0, 0.5]
  Index validation_samples = 2048;   // at most this many held-out points enter the validation loss
  std::int64_t log_every = 200;      // log losses (and score errors) every this many steps, >= 1
  double ema_decay = 0.999;          // EMA of the weights, in [0, 1) (0 = the raw weights);
                                     // warm-up min(decay, (1+k)/(10+k)) at step k
  bool standardize = true;           // record the data's mean/std and precondition by them
  std::vector<double> error_times = {0.01, 0.1, 0.5, 1.0};  // score-error grid (inside [delta,T])
  Index error_samples = 2000;  // Monte Carlo samples per score-error time, >= 2
  std::uint64_t seed = 0;

  // Throws difflab::Error naming the first bad field (also the optimizer's and the model's).
  void validate(const ForwardProcess& process) const;
  nlohmann::json to_json() const;
  static TrainOptions from_json(const nlohmann::json& j, const std::string& where);
};

struct TrainLogEntry {
  std::int64_t step = 0;
  double lr = 0;
  double train_loss = 0;                  // mean minibatch loss since the previous entry
  std::optional<double> validation_loss;  // EMA weights, fixed noise; none without held-out data
  std::vector<ScoreErrorEstimate> score_errors;  // EMA weights, when the target is known
  double seconds = 0;                            // wall time since the run started
  nlohmann::json to_json() const;
};

struct TrainSummary {
  std::int64_t start_step = 0, final_step = 0;
  Index parameters = 0, train_points = 0, validation_points = 0;
  double wall_seconds = 0, steps_per_second = 0;
  std::vector<TrainLogEntry> log;
  nlohmann::json to_json() const;
};

class Trainer {
 public:
  // A fresh run on the columns of `data` (d x n, finite). `target`, if given, is the law the data
  // come from and enables the true score error in the log.
  Trainer(const TrainOptions& options, const Matrix& data,
          std::shared_ptr<const ForwardProcess> process,
          std::shared_ptr<const Target> target = nullptr);
  // A resumed run: options, process, weights and optimizer state from the checkpoint; `data`
  // must be the same data (dimension and fingerprint are checked; `name` prefixes errors).
  Trainer(const Checkpoint& checkpoint, const Matrix& data, std::shared_ptr<const Target> target,
          const std::string& name);
  ~Trainer();

  // Trains until step() == until (>= step()) and records until as options().iterations (the
  // run's total); on_log is called with each log entry.
  TrainSummary run(std::int64_t until, const std::function<void(const TrainLogEntry&)>& on_log = {},
                   const std::function<void(std::int64_t step, double loss)>& on_step = {});

  // Shares each batch's gradient among processes (train/rank_chunk_reduction.hpp); every process
  // runs the same Trainer and, holding the same gradient, takes the same optimizer step. Null:
  // this process alone.
  void share_gradients(std::shared_ptr<const ChunkReduction> reduction) {
    reduction_ = std::move(reduction);
  }

  std::int64_t step() const { return step_; }
  const TrainOptions& options() const { return options_; }
  const MlpNetwork& network() const { return *network_; }
  const Matrix& train_data() const { return train_; }
  // The model with the EMA weights (the raw ones if ema_decay = 0).
  std::shared_ptr<MlpScore> score() const;
  Checkpoint checkpoint() const;
  // Mean DSM loss of the held-out points with fixed noise, under the given weights.
  std::optional<double> validation_loss(const MlpNetwork& network) const;

 private:
  void setup(const Matrix& data);
  TrainLogEntry make_log_entry(double train_loss) const;

  TrainOptions options_;
  std::shared_ptr<const ForwardProcess> process_;
  std::shared_ptr<const Target> target_;
  Matrix train_, validation_;
  std::uint64_t fingerprint_ = 0;
  Standardisation standardisation_;
  std::shared_ptr<MlpNetwork> network_;
  std::shared_ptr<const ChunkReduction> reduction_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<ExponentialMovingAverage> ema_;
  std::int64_t step_ = 0;
};

// Fingerprint of a data matrix (FNV-1a of its dimensions and bytes), to check a resume uses the
// same data.
std::uint64_t data_fingerprint(const Matrix& data);

}  // namespace difflab
