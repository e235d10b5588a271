// difflab train: learn an MLP score network by denoising score matching from a data file or a
// built-in target, write a checkpoint (model.dlm) that `difflab sample --score model:model.dlm`
// uses, and report the loss curve, the validation loss, the true score error (when the target is
// known) and the learned score's Lipschitz constant (bound and empirical).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/communicator.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/train/rank_chunk_reduction.hpp"
#include "difflab/train/trainer.hpp"
#include "train_example.hpp"

namespace difflab::cli {

namespace {

struct TrainCommandOptions {
  CommonOptions common;
  std::string data, target, process = "ou", model = "mlp", out, log, summary;
  Index samples = 10000;
  bool resume = false, json = false, no_standardize = false;
  std::vector<std::string> flags_given;  // training flags on the command line (see --resume)
  Index lipschitz_samples = 200;
  TrainOptions train;
  TrainExampleFlags example;
};

// Terminal: one redrawn line with step, loss and rate. Otherwise: nothing here (the JSON lines).
class TrainProgress {
 public:
  TrainProgress(std::int64_t first, std::int64_t last)
      : enabled_(::isatty(STDERR_FILENO) == 1),
        first_(first),
        last_(last),
        start_(std::chrono::steady_clock::now()),
        drawn_(start_) {}
  void step(std::int64_t step, double loss) {
    smoothed_ = smoothed_ < 0 ? loss : 0.98 * smoothed_ + 0.02 * loss;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (step != last_ && now - drawn_ < std::chrono::milliseconds(200)) return;
    drawn_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(step - first_) / elapsed : 0;
    std::fprintf(stderr, "\rtraining %lld/%lld  loss %.4g  %.1f steps/s ",
                 static_cast<long long>(step), static_cast<long long>(last_), smoothed_, rate);
    if (step == last_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
  bool terminal() const { return enabled_; }

 private:
  bool enabled_;
  std::int64_t first_, last_;
  std::chrono::steady_clock::time_point start_, drawn_;
  double smoothed_ = -1;
};

// The training flags given on the command line, besides those a resume may take (data, target,
// length of the run, outputs).
std::vector<std::string> training_flags_given(const CLI::App& sub) {
  static const char* const kResumeFlags[] = {
      "--help", "--seed",   "--threads", "--data",    "--target", "--samples",          "--iters",
      "--out",  "--resume", "--log",     "--summary", "--json",   "--lipschitz-samples"};
  std::vector<std::string> given;
  for (const CLI::Option* opt : sub.get_options()) {
    if (opt->count() == 0) continue;
    const std::string name = opt->get_name();
    if (std::find(std::begin(kResumeFlags), std::end(kResumeFlags), name) == std::end(kResumeFlags))
      given.push_back(name);
  }
  return given;
}

// A resumed run continues with the checkpoint's model, optimizer and DSM options (that is what
// makes it bit-identical to an uninterrupted run). Training flags given with --resume must
// therefore describe the checkpoint's run (repeating the original command is fine); any
// difference is an error naming it, never silently ignored.
void check_resume_flags(const TrainOptions& checkpoint, TrainOptions flags,
                        const std::vector<std::string>& given) {
  if (given.empty()) return;
  flags.seed = checkpoint.seed;
  flags.model.seed = checkpoint.model.seed;
  flags.iterations = checkpoint.iterations;
  // Derived by the trainer, not set by flags.
  flags.model.dim = checkpoint.model.dim;
  flags.optimizer.seed = checkpoint.optimizer.seed;
  std::vector<std::pair<std::string, nlohmann::json>> a, b;
  flatten_json(checkpoint.to_json(), "", a);
  flatten_json(flags.to_json(), "", b);
  std::string differ;
  for (std::size_t k = 0; k < a.size() && k < b.size(); ++k)
    if (a[k].first == b[k].first && a[k].second != b[k].second)
      differ += (differ.empty() ? "" : ", ") + a[k].first + " (checkpoint " + a[k].second.dump() +
                ", flags " + b[k].second.dump() + ")";
  std::string names;
  for (const auto& g : given) names += (names.empty() ? "" : " ") + g;
  require(differ.empty(), "--resume continues the checkpoint's options, but the flags (", names,
          ") differ from them: ", differ, "; start a new run with a new --out to change them");
}

void run_train(TrainCommandOptions& o) {
  apply_common_options(o.common);
  // Under mpirun every rank runs the same trainer on a share of each batch's gradient chunks
  // (train/rank_chunk_reduction.hpp); rank 0 alone writes.
  Communicator& comm = cli_communicator();
  const bool rank0 = comm.rank() == 0;
  require(o.model == "mlp", "unknown --model '", o.model, "' (valid: mlp)");
  require(!o.out.empty(), "--out is required (the model checkpoint, e.g. model.dlm)");
  require(!o.data.empty() || !o.target.empty(),
          "one of --data FILE or --target t.json is required");
  require(o.samples >= 1, "--samples must be >= 1, got ", o.samples);
  std::shared_ptr<const Target> target;
  if (!o.target.empty()) target = load_target(o.target);
  // Data: the file, or exact samples of the target (stream (seed, kTargetSample, j)).
  const Matrix data = !o.data.empty() ? read_samples(o.data, target ? target->dim() : 0)
                                      : target->sample(o.samples, CounterRng(o.common.seed));

  std::unique_ptr<Trainer> trainer;
  if (o.resume) {
    require(std::filesystem::exists(o.out), "--resume: ", o.out, " does not exist");
    trainer = std::make_unique<Trainer>(load_checkpoint(o.out), data, target, o.out);
    TrainOptions flags = o.train;
    flags.standardize = !o.no_standardize;
    check_resume_flags(trainer->options(), flags, o.flags_given);
  } else {
    o.train.seed = o.common.seed;
    o.train.model.seed = o.common.seed;
    o.train.standardize = !o.no_standardize;
    trainer = std::make_unique<Trainer>(o.train, data, make_process(o.process), target);
  }
  if (comm.size() > 1) trainer->share_gradients(std::make_shared<RankChunkReduction>(comm));
  const std::int64_t until = o.resume ? o.train.iterations : trainer->options().iterations;
  require(until >= trainer->step(), "--iters ", until, " is below the step ", trainer->step(),
          " the checkpoint ", o.out, " is at");

  std::ofstream log_file;
  if (!o.log.empty() && rank0) {
    log_file.open(o.log, std::ios::app);
    require(log_file.good(), o.log, ": cannot open for writing");
  }
  TrainProgress progress(trainer->step(), until);
  const auto on_log = [&](const TrainLogEntry& e) {
    if (!rank0) return;
    const std::string line = e.to_json().dump();
    if (log_file.is_open())
      log_file << line << "\n" << std::flush;
    else if (!progress.terminal())
      std::fprintf(stderr, "%s\n", line.c_str());
    save_checkpoint(o.out, trainer->checkpoint());  // a crash loses at most log_every steps
  };
  const TrainSummary summary = trainer->run(until, on_log, [&](std::int64_t step, double loss) {
    if (rank0) progress.step(step, loss);
  });
  if (!rank0) return;
  save_checkpoint(o.out, trainer->checkpoint());

  nlohmann::json report = {{"model", o.out},
                           {"options", trainer->options().to_json()},
                           {"train", summary.to_json()},
                           {"final_step", trainer->step()}};
  if (o.lipschitz_samples > 0) {
    std::vector<double> times = {trainer->options().dsm.delta};
    for (const double t : trainer->options().error_times)
      if (t > trainer->options().dsm.delta && t <= trainer->options().dsm.T) times.push_back(t);
    nlohmann::json lip = nlohmann::json::array();
    for (const auto& e :
         lipschitz_estimates(*trainer->score(), trainer->train_data(), times, o.lipschitz_samples,
                             CounterRng(o.common.seed).derive(4)))
      lip.push_back(e.to_json());
    report["lipschitz"] = lip;
  }
  if (!o.summary.empty()) write_json(o.summary, report);
  if (o.json) std::cout << report.dump(2) << "\n";
  const double last_loss = summary.log.empty() ? 0.0 : summary.log.back().train_loss;
  std::fprintf(stderr,
               "difflab train: %lld steps to step %lld (%.1f steps/s), %ld parameters, loss %.4g "
               "-> %s\n",
               static_cast<long long>(summary.final_step - summary.start_step),
               static_cast<long long>(summary.final_step), summary.steps_per_second,
               static_cast<long>(summary.parameters), last_loss, o.out.c_str());
}

}  // namespace

void register_train(CLI::App& app) {
  auto opt = std::make_shared<TrainCommandOptions>();
  TrainCommandOptions& o = *opt;
  TrainOptions& t = o.train;
  CLI::App* sub = app.add_subcommand(
      "train", "Train an MLP score network by denoising score matching (writes a checkpoint)");
  add_common_options(sub, o.common);
  sub->add_option("--data", o.data, "Training samples (.csv or .npy, one sample per row)");
  sub->add_option("--target", o.target,
                  "Target spec (JSON): the data law if --data is not given (--samples draws), and "
                  "the exact score for the logged L2 score error");
  sub->add_option("--samples", o.samples, "Samples drawn from --target when there is no --data")
      ->capture_default_str();
  sub->add_option("--process", o.process, "Forward process: ou, vp-linear, vp-cosine")
      ->capture_default_str();
  sub->add_option("--model", o.model, "Model family: mlp")->capture_default_str();
  sub->add_option("--width", t.model.width, "Hidden width")->capture_default_str();
  sub->add_option("--depth", t.model.depth, "Residual blocks")->capture_default_str();
  sub->add_option("--fourier-features", t.model.fourier_features, "Time-embedding frequencies")
      ->capture_default_str();
  sub->add_option("--fourier-scale", t.model.fourier_scale, "Their standard deviation")
      ->capture_default_str();
  sub->add_option("--time-input", t.model.time_input, "Embedded time input: logsnr, t")
      ->capture_default_str();
  sub->add_option("--output", t.model.output, "Output parametrisation: noise, score, data")
      ->capture_default_str();
  sub->add_option("--precision", t.model.precision, "Arithmetic: float, double")
      ->capture_default_str();
  OptimizerOptions& p = t.optimizer;
  sub->add_option("--optimizer", p.kind, "sgd, adam, adamw, sgld, tusla")->capture_default_str();
  sub->add_option("--lr", p.lr, "Learning rate")->capture_default_str();
  sub->add_option("--momentum", p.momentum, "sgd momentum")->capture_default_str();
  sub->add_option("--beta1", p.beta1, "adam beta1")->capture_default_str();
  sub->add_option("--beta2", p.beta2, "adam beta2")->capture_default_str();
  sub->add_option("--weight-decay", p.weight_decay, "Weight decay")->capture_default_str();
  sub->add_option("--inverse-temperature", p.inverse_temperature, "sgld/tusla beta")
      ->capture_default_str();
  sub->add_option("--warmup", p.warmup_steps, "Linear LR warm-up steps")->capture_default_str();
  sub->add_option("--decay", p.decay, "LR decay: none, cosine, exponential")->capture_default_str();
  sub->add_option("--decay-steps", p.decay_steps, "Decay horizon (cosine) / e-folding (exp.)")
      ->capture_default_str();
  sub->add_option("--clip", p.clip_norm, "Clip the gradient's 2-norm (0 = off)")
      ->capture_default_str();
  sub->add_option("--batch", t.batch, "Minibatch size (drawn with replacement)")
      ->capture_default_str();
  sub->add_option("--iters", t.iterations, "Total optimizer steps (a resume continues to it)")
      ->capture_default_str();
  sub->add_option("--weighting", t.dsm.weighting, "DSM weighting: sigma2, likelihood, uniform")
      ->capture_default_str();
  sub->add_option("--time-sampling", t.dsm.time_sampling, "Training times: uniform, importance")
      ->capture_default_str();
  sub->add_option("--delta", t.dsm.delta, "Smallest training time")->capture_default_str();
  sub->add_option("--T", t.dsm.T, "Largest training time")->capture_default_str();
  sub->add_option("--validation-fraction", t.validation_fraction, "Held-out share of the data")
      ->capture_default_str();
  sub->add_option("--validate-every", t.log_every,
                  "Log losses (and score errors, with --target) every K steps")
      ->capture_default_str();
  sub->add_option("--ema", t.ema_decay, "EMA decay of the weights (0 = off)")
      ->capture_default_str();
  sub->add_flag("--no-standardize", o.no_standardize, "Do not precondition by the data's mean/std");
  sub->add_option("--error-samples", t.error_samples, "Monte Carlo samples per score-error time")
      ->capture_default_str();
  sub->add_option("--lipschitz-samples", o.lipschitz_samples,
                  "Samples of q_t for the empirical Lipschitz estimate (0 = skip)")
      ->capture_default_str();
  sub->add_option("--out", o.out, "Model checkpoint to write (and to --resume from)");
  sub->add_flag("--resume", o.resume,
                "Continue the run in --out (its options; --iters is the new total)");
  sub->add_option("--log", o.log, "Append the log as JSON lines to this file");
  sub->add_option("--summary", o.summary, "Write the summary (JSON)");
  sub->add_flag("--json", o.json, "Print the summary (JSON) on stdout");
  sub->add_option(
      "--example", o.example.name,
      "Run a built-in example instead: gaussian-mean (Bruno et al.'s theta of "
      "s = -x + e^{-t} theta, trained by SGLD, sampled by EM and EI, exact W2 and bound "
      "terms; --out then names the JSON report)");
  sub->add_option("--example-config", o.example.config,
                  "JSON options of the example (d, mu, samples, batch, epochs, optimizer, T, eps, "
                  "sampler_points, noise_on_last_step, aux_particles, seed)");
  sub->add_option("--example-optimizer", o.example.optimizer,
                  "The example's optimizer preset: sgld (the authors'), adam, tusla");
  sub->add_option("--example-epochs", o.example.epochs, "The example's epochs (default 200)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--example-d", o.example.d, "The example's dimension (default 2)")
      ->check(CLI::Range(Index{1}, Index{1000000}));
  sub->callback([opt, sub] {
    if (!opt->example.name.empty()) {
      require(cli_communicator().size() == 1,
              "--example trains in one process; run it without mpirun");
      run_train_example(opt->example, opt->common, opt->out);
    } else {
      opt->flags_given = training_flags_given(*sub);
      run_train(*opt);
    }
  });
}

}  // namespace difflab::cli
