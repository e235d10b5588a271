#include "difflab/pipeline/train_run.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/run_spec.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/train/rank_chunk_reduction.hpp"

namespace difflab {

namespace {

constexpr double kTrainInf = std::numeric_limits<double>::infinity();
constexpr double kTrainMaxCount = 1e12;
// A billion optimizer steps is weeks at the fastest rate measured (bench/README.md); more is a
// typo, refused at once rather than run until killed.
constexpr double kTrainMaxIterations = 1e9;

const OptionSchema<MlpSpec>& mlp_spec_schema() {
  using M = MlpSpec;
  static const OptionSchema<M> schema =
      OptionSchema<M>()
          .integer("width", &M::width, 1, 1e6, "Hidden width")
          .integer("depth", &M::depth, 0, 1e4, "Residual blocks")
          .integer("fourier_features", &M::fourier_features, 1, 1e6, "Time-embedding frequencies")
          .number("fourier_scale", &M::fourier_scale, 0, kTrainInf, "Their standard deviation",
                  true)
          .text("time_input", &M::time_input, "Embedded time input", {"logsnr", "t"})
          .text("output", &M::output, "Output parametrisation", {"noise", "score", "data"})
          .text("precision", &M::precision, "Arithmetic", {"float", "double"});
  return schema;
}

// The momentum and decay rates must be below 1 (OptimizerOptions::validate says so); the table
// states the closed range it can express.
const OptionSchema<OptimizerOptions>& optimizer_schema() {
  using O = OptimizerOptions;
  static const OptionSchema<O> schema =
      OptionSchema<O>()
          .text("optimizer", &O::kind, "Optimizer", {"sgd", "adam", "adamw", "sgld", "tusla"})
          .number("lr", &O::lr, 0, kTrainInf, "Learning rate", true)
          .number("momentum", &O::momentum, 0, 1, "sgd momentum, < 1")
          .number("beta1", &O::beta1, 0, 1, "adam beta1, < 1")
          .number("beta2", &O::beta2, 0, 1, "adam beta2, < 1")
          .number("weight_decay", &O::weight_decay, 0, kTrainInf, "Weight decay")
          .number("inverse_temperature", &O::inverse_temperature, 0, kTrainInf, "sgld/tusla beta",
                  true)
          .integer("warmup", &O::warmup_steps, 0, kTrainMaxCount, "Linear LR warm-up steps")
          .text("decay", &O::decay, "LR decay", {"none", "cosine", "exponential"})
          .integer("decay_steps", &O::decay_steps, 0, kTrainMaxCount,
                   "Decay horizon (cosine) / e-folding (exp.)")
          .number("clip", &O::clip_norm, 0, kTrainInf, "Clip the gradient's 2-norm (0 = off)");
  return schema;
}

const OptionSchema<DsmOptions>& dsm_schema() {
  using D = DsmOptions;
  static const OptionSchema<D> schema =
      OptionSchema<D>()
          .text("weighting", &D::weighting, "DSM weighting", {"sigma2", "likelihood", "uniform"})
          .text("time_sampling", &D::time_sampling, "Training times", {"uniform", "importance"})
          .number("delta", &D::delta, 0, kTrainInf, "Smallest training time", true)
          .number("T", &D::T, 0, kTrainInf, "Largest training time", true);
  return schema;
}

const OptionSchema<TrainOptions>& train_options_schema() {
  using T = TrainOptions;
  static const OptionSchema<T> schema =
      OptionSchema<T>()
          .nest(&T::model, mlp_spec_schema())
          .nest(&T::optimizer, optimizer_schema())
          .integer("batch", &T::batch, 1, std::ldexp(1.0, 40),
                   "Minibatch size (drawn with replacement)")
          .integer("iters", &T::iterations, 0, kTrainMaxIterations,
                   "Total optimizer steps (a resume continues to it)")
          .nest(&T::dsm, dsm_schema())
          .number("validation_fraction", &T::validation_fraction, 0, 0.5,
                  "Held-out share of the data")
          .integer("validate_every", &T::log_every, 1, kTrainMaxCount,
                   "Log losses (and score errors, with a target) every K steps")
          .number("ema", &T::ema_decay, 0, 1, "EMA decay of the weights, < 1 (0 = off)")
          .integer("error_samples", &T::error_samples, 2, 1e9,
                   "Monte Carlo samples per score-error time");
  return schema;
}

}  // namespace

const OptionSchema<TrainRequest>& train_request_schema() {
  using R = TrainRequest;
  static const OptionSchema<R> schema =
      OptionSchema<R>()
          .text("data", &R::data, "Training samples (.csv or .npy, one sample per row)")
          .text("target", &R::target,
                "Target spec (JSON): the data law if no data is given (samples draws), and the "
                "exact score for the logged L2 score error")
          .integer("samples", &R::samples, 1, std::ldexp(1.0, 40),
                   "Samples drawn from the target when there is no data")
          .text("process", &R::process, "Forward process", process_kinds())
          .text("model", &R::model, "Model family", {"mlp"})
          .nest(&R::train, train_options_schema())
          .flag("no_standardize", &R::no_standardize, "Do not precondition by the data's mean/std")
          .integer("lipschitz_samples", &R::lipschitz_samples, 0, 1e9,
                   "Samples of q_t for the empirical Lipschitz estimate (0 = skip)")
          .text("out", &R::out, "Model checkpoint to write (and to resume from)")
          .flag("resume", &R::resume,
                "Continue the run in out (its options; iters is the new total)")
          .text("log", &R::log, "Append the log as JSON lines to this file")
          .text("summary", &R::summary, "Write the summary (JSON) to this file")
          .integer("seed", &R::seed, 0, 18446744073709551615.0,
                   "Random seed (counter-based: same seed, same bits)");
  return schema;
}

const std::vector<std::string>& train_resume_options() {
  static const std::vector<std::string> names = {
      "seed", "data",   "target", "samples", "iters",
      "out",  "resume", "log",    "summary", "lipschitz_samples"};
  return names;
}

void TrainRequest::validate() const {
  train_request_schema().validate(*this, "train");
  require(!out.empty(), "train: option 'out' is required (the model checkpoint, e.g. model.dlm)");
  require(data_points.size() > 0 || !data.empty() || !target.empty() || !target_json.is_null() ||
              target_object != nullptr,
          "train: give the option 'data' (a samples file) or the option 'target' (the data law)");
}

TrainRequest TrainRequest::from_json(const nlohmann::json& j, const std::string& where) {
  TrainRequest r;
  require(j.is_object(), where, ": options must be a JSON object");
  train_request_schema().read(take_inline_target(j, r.target_json), r, where);
  for (const auto& item : j.items()) r.given.push_back(item.key());
  return r;
}

namespace {

std::shared_ptr<const Target> request_target(const TrainRequest& r) {
  if (r.target_object) return r.target_object;
  if (!r.target_json.is_null()) return make_target(r.target_json, "train: target");
  if (!r.target.empty()) return load_target(r.target);
  return nullptr;
}

Matrix request_data(const TrainRequest& r, const Target* target) {
  const Index d = target != nullptr ? target->dim() : 0;
  if (r.data_points.size() > 0) {
    require(d == 0 || r.data_points.rows() == d, "train: the data have dimension ",
            r.data_points.rows(), ", the target ", d);
    return r.data_points;
  }
  if (!r.data.empty()) return read_samples(r.data, d);
  return target->sample(r.samples, CounterRng(r.seed));
}

// A resumed run continues with the checkpoint's model, optimizer and DSM options (that is what
// makes it bit-identical to an uninterrupted run). Training options given with a resume must
// therefore describe the checkpoint's run (repeating the original ones is fine); any difference
// is an error naming it, never silently ignored.
void check_resume_options(const TrainOptions& checkpoint, const TrainRequest& r) {
  std::string names;
  for (const auto& g : r.given)
    if (std::find(train_resume_options().begin(), train_resume_options().end(), g) ==
        train_resume_options().end())
      names += (names.empty() ? "" : " ") + g;
  if (names.empty()) return;
  TrainOptions given = r.train;
  given.standardize = !r.no_standardize;
  given.seed = checkpoint.seed;
  given.model.seed = checkpoint.model.seed;
  given.iterations = checkpoint.iterations;
  // Derived by the trainer, not given.
  given.model.dim = checkpoint.model.dim;
  given.optimizer.seed = checkpoint.optimizer.seed;
  std::vector<std::pair<std::string, nlohmann::json>> a, b;
  flatten_json(checkpoint.to_json(), "", a);
  flatten_json(given.to_json(), "", b);
  std::string differ;
  for (std::size_t k = 0; k < a.size() && k < b.size(); ++k)
    if (a[k].first == b[k].first && a[k].second != b[k].second)
      differ += (differ.empty() ? "" : ", ") + a[k].first + " (checkpoint " + a[k].second.dump() +
                ", given " + b[k].second.dump() + ")";
  require(differ.empty(), "train: resume continues the checkpoint's options, but the options (",
          names, ") differ from them: ", differ,
          "; start a new run with a new 'out' to change them");
}

std::unique_ptr<Trainer> make_trainer(const TrainRequest& r, const Matrix& data,
                                      std::shared_ptr<const Target> target) {
  if (r.resume) {
    require(std::filesystem::exists(r.out), "train: resume: the checkpoint ", r.out,
            " does not exist");
    auto trainer = std::make_unique<Trainer>(load_checkpoint(r.out), data, target, r.out);
    check_resume_options(trainer->options(), r);
    return trainer;
  }
  TrainOptions o = r.train;
  o.seed = r.seed;
  o.model.seed = r.seed;
  o.standardize = !r.no_standardize;
  return std::make_unique<Trainer>(o, data, make_process(r.process), std::move(target));
}

// The learned score's Lipschitz constant at delta and at the score-error times inside the
// training range (train/mlp_score.hpp).
nlohmann::json lipschitz_summary(const Trainer& trainer, Index samples, std::uint64_t seed) {
  const TrainOptions& o = trainer.options();
  std::vector<double> times = {o.dsm.delta};
  for (const double t : o.error_times)
    if (t > o.dsm.delta && t <= o.dsm.T) times.push_back(t);
  nlohmann::json lip = nlohmann::json::array();
  for (const auto& e : lipschitz_estimates(*trainer.score(), trainer.train_data(), times, samples,
                                           CounterRng(seed).derive(4)))
    lip.push_back(e.to_json());
  return lip;
}

}  // namespace

TrainRunResult train_run(const TrainRequest& r, const TrainRunHooks& hooks) {
  r.validate();
  const bool rank0 = hooks.comm == nullptr || hooks.comm->rank() == 0;
  // The outputs are written after the training: a path that cannot be written is refused first.
  if (rank0)
    for (const std::string* path : {&r.out, &r.log, &r.summary})
      if (!path->empty()) require_writable_file(*path);
  const std::shared_ptr<const Target> target = request_target(r);
  const Matrix data = request_data(r, target.get());
  std::unique_ptr<Trainer> trainer = make_trainer(r, data, target);
  if (hooks.comm != nullptr && hooks.comm->size() > 1)
    trainer->share_gradients(std::make_shared<RankChunkReduction>(*hooks.comm));
  const std::int64_t until = r.resume ? r.train.iterations : trainer->options().iterations;
  require(until >= trainer->step(), "train: iters ", until, " is below the step ", trainer->step(),
          " the checkpoint ", r.out, " is at");

  std::ofstream log_file;
  if (!r.log.empty() && rank0) {
    log_file.open(r.log, std::ios::app);
    require(log_file.good(), r.log, ": cannot open for writing");
  }
  if (rank0 && hooks.on_start) hooks.on_start(trainer->step(), until);
  const auto on_log = [&](const TrainLogEntry& e) {
    if (!rank0) return;
    if (log_file.is_open()) log_file << e.to_json().dump() << "\n" << std::flush;
    save_checkpoint(r.out, trainer->checkpoint());  // a crash loses at most log_every steps
    if (hooks.on_log) hooks.on_log(e);
  };
  TrainRunResult result;
  result.train = trainer->run(until, on_log, [&](std::int64_t step, double loss) {
    if (rank0 && hooks.on_step) hooks.on_step(step, loss);
  });
  if (!rank0) return result;
  save_checkpoint(r.out, trainer->checkpoint());
  result.summary = {{"model", r.out},
                    {"options", trainer->options().to_json()},
                    {"train", result.train.to_json()},
                    {"final_step", trainer->step()}};
  if (r.lipschitz_samples > 0)
    result.summary["lipschitz"] = lipschitz_summary(*trainer, r.lipschitz_samples, r.seed);
  if (!r.summary.empty()) write_json(r.summary, result.summary);
  return result;
}

}  // namespace difflab
