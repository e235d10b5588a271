// difflab train: the flags of the library's train request (pipeline/train_run.hpp, one flag per
// field of train_request_schema), a progress line on a terminal and the summary. The library
// loads the data, trains, writes the checkpoint, log and summary, and checks a resume.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/communicator.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/train_run.hpp"
#include "difflab/train/gaussian_mean_example.hpp"
#include "schema_flags.hpp"

namespace difflab::cli {

namespace {

struct TrainExampleFlags {
  std::string name, config, optimizer;  // --example, --example-config, --example-optimizer
  int epochs = 0;                       // 0 = the config's / the authors' 200
  Index d = 0;                          // 0 = the config's / 2
};

struct TrainCommandOptions {
  int threads = 0;
  bool json = false;
  TrainRequest request;
  TrainExampleFlags example;
};

// Terminal: one redrawn line with step, loss and rate. Otherwise: nothing here (the JSON lines).
class TrainProgress {
 public:
  void start(std::int64_t first, std::int64_t last) {
    first_ = first;
    last_ = last;
    start_ = drawn_ = std::chrono::steady_clock::now();
  }
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
  bool enabled_ = ::isatty(STDERR_FILENO) == 1;
  std::int64_t first_ = 0, last_ = 0;
  std::chrono::steady_clock::time_point start_, drawn_;
  double smoothed_ = -1;
};

void run_train(const TrainCommandOptions& o) {
  set_threads(o.threads);
  // Under mpirun every rank runs the same trainer on a share of each batch's gradient chunks;
  // rank 0 alone writes and prints.
  TrainProgress progress;
  TrainRunHooks hooks;
  hooks.comm = &cli_communicator();
  hooks.on_start = [&](std::int64_t first, std::int64_t until) { progress.start(first, until); };
  hooks.on_step = [&](std::int64_t step, double loss) { progress.step(step, loss); };
  hooks.on_log = [&](const TrainLogEntry& e) {
    if (o.request.log.empty() && !progress.terminal())
      std::fprintf(stderr, "%s\n", e.to_json().dump().c_str());
  };
  const TrainRunResult result = train_run(o.request, hooks);
  if (result.summary.is_null()) return;
  if (o.json) std::cout << result.summary.dump(2) << "\n";
  const TrainSummary& s = result.train;
  const double last_loss = s.log.empty() ? 0.0 : s.log.back().train_loss;
  std::fprintf(stderr,
               "difflab train: %lld steps to step %lld (%.1f steps/s), %ld parameters, loss %.4g "
               "-> %s\n",
               static_cast<long long>(s.final_step - s.start_step),
               static_cast<long long>(s.final_step), s.steps_per_second,
               static_cast<long>(s.parameters), last_loss, o.request.out.c_str());
}

// `--example gaussian-mean`: the Gaussian-mean example of Bruno et al. end to end
// (train/gaussian_mean_example.hpp); the headline on stdout, the full report in --out.
void run_train_example(const TrainCommandOptions& o) {
  const TrainExampleFlags& flags = o.example;
  require(cli_communicator().size() == 1, "--example trains in one process; run it without mpirun");
  set_threads(o.threads);
  require(flags.name == "gaussian-mean", "--example: unknown example '", flags.name,
          "' (valid: gaussian-mean)");
  nlohmann::json spec = flags.config.empty() ? nlohmann::json::object() : read_json(flags.config);
  require(spec.is_object(), "--example-config ", flags.config, ": expected a JSON object");
  if (!flags.optimizer.empty()) spec["optimizer"] = flags.optimizer;
  if (flags.epochs > 0) spec["epochs"] = flags.epochs;
  if (flags.d > 0) spec["d"] = flags.d;
  if (!spec.contains("seed")) spec["seed"] = o.request.seed;
  const GaussianMeanExampleReport report =
      run_gaussian_mean_example(GaussianMeanExampleOptions::from_json(spec));
  nlohmann::json headline = report.headline();
  if (!o.request.out.empty()) {
    write_json(o.request.out, report.to_json());
    headline["report"] = o.request.out;
  }
  std::cout << headline.dump(2) << "\n";
}

void add_example_flags(CLI::App* sub, TrainExampleFlags& e) {
  sub->add_option("--example", e.name,
                  "Run a built-in example instead: gaussian-mean (Bruno et al.'s theta of "
                  "s = -x + e^{-t} theta, trained by SGLD, sampled by EM and EI, exact W2 and "
                  "bound terms; --out then names the JSON report)");
  sub->add_option("--example-config", e.config,
                  "JSON options of the example (d, mu, samples, batch, epochs, optimizer, T, eps, "
                  "sampler_points, noise_on_last_step, aux_particles, seed)");
  sub->add_option("--example-optimizer", e.optimizer,
                  "The example's optimizer preset: sgld (the authors'), adam, tusla");
  sub->add_option("--example-epochs", e.epochs, "The example's epochs (default 200)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--example-d", e.d, "The example's dimension (default 2)")
      ->check(CLI::Range(Index{1}, Index{1000000}));
}

}  // namespace

void register_train(CLI::App& app) {
  auto opt = std::make_shared<TrainCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "train", "Train an MLP score network by denoising score matching (writes a checkpoint)");
  add_schema_flags(sub, train_request_schema(), opt->request);
  sub->add_option("--threads", opt->threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  sub->add_flag("--json", opt->json, "Print the summary (JSON) on stdout");
  add_example_flags(sub, opt->example);
  sub->callback([opt, sub] {
    if (!opt->example.name.empty()) return run_train_example(*opt);
    opt->request.given = given_schema_fields(sub, train_request_schema());
    run_train(*opt);
  });
}

}  // namespace difflab::cli
