// difflab run: an experiment (pipeline/experiment_runner.hpp): flags, a progress line per row,
// and `--rerun DIR --row K` (exit code 0 if the recomputed row is identical, 3 if not).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli_common.hpp"
#include "difflab/core/communicator.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/experiment_runner.hpp"
#include "difflab/pipeline/shard_merge.hpp"
#include "experiment_runs.hpp"
#include "progress_bar.hpp"

namespace difflab::cli {

namespace {

struct RunCommandOptions {
  std::string spec_path;
  std::string out;
  std::string rerun;
  long row = -1;
  int threads = 0;
  int jobs = 0;                    // runs at once (0 = one per core)
  std::string shard;               // "i/n"
  std::vector<std::string> merge;  // shard directories
};

}  // namespace

void add_experiment_progress(ExperimentRunOptions& o) {
  o.comm = &cli_communicator();
  o.log = [](const std::string& line) { std::fprintf(stderr, "difflab run: %s\n", line.c_str()); };
  struct State {
    std::unique_ptr<ProgressBar> bar;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  };
  auto state = std::make_shared<State>();
  o.on_row = [state](std::size_t done, std::size_t total, const nlohmann::json& row) {
    if (done == 0) {
      state->bar = std::make_unique<ProgressBar>(std::to_string(total) + " runs",
                                                 static_cast<double>(total));
      state->start = std::chrono::steady_clock::now();
      return;
    }
    state->bar->advance(1);
    // On a terminal the bar shows progress; in a log, one line per row.
    if (!state->bar->on_terminal())
      std::fprintf(stderr, "difflab run: row %s done (%zu/%zu, %.1f s in, row %.2f s)\n",
                   row["row"].dump().c_str(), done, total, seconds_since(state->start),
                   row.value("wall_seconds", 0.0));
    if (done == total) state->bar->finish();
  };
}

namespace {

void run_spec_file(const RunCommandOptions& opt) {
  const bool rank0 = cli_communicator().rank() == 0;
  set_threads(opt.threads);
  ExperimentRunOptions o;
  o.out = opt.out;
  o.threads = opt.threads;
  o.jobs = opt.jobs;
  o.shard = opt.shard.empty() ? SweepShard{} : parse_sweep_shard(opt.shard);
  add_experiment_progress(o);
  // Ranks 1.. get the spec from rank 0 (pipeline/task_farm.hpp), so only rank 0 reads it.
  run_experiment(rank0 ? read_json(opt.spec_path) : nlohmann::json(),
                 std::filesystem::path(opt.spec_path).parent_path().string(), o);
  if (!rank0) return;
  std::fprintf(stderr, "difflab run: results in %s/results.csv and %s/results.jsonl\n",
               opt.out.c_str(), opt.out.c_str());
}

}  // namespace

void register_run(CLI::App& app) {
  auto opt = std::make_shared<RunCommandOptions>();
  CLI::App* sub = app.add_subcommand(
      "run", "Run an experiment spec (a sweep of runs) and write tidy results (CSV + JSON)");
  sub->add_option("spec", opt->spec_path, "Experiment spec (JSON; see experiments/README.md)");
  sub->add_option("--out", opt->out, "Results directory (rerunning into it resumes)");
  sub->add_option("--rerun", opt->rerun, "Re-run one row of a results directory and compare");
  sub->add_option("--row", opt->row, "Row index for --rerun");
  sub->add_option("--threads", opt->threads, "Worker threads in all (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  sub->add_option("--jobs", opt->jobs,
                  "Runs at once, each with threads / jobs threads (0 = one per thread)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  sub->add_option("--shard", opt->shard,
                  "Run only the rows k with k mod n == i (i/n; for array jobs, then --merge)");
  sub->add_option("--merge", opt->merge,
                  "Merge the shard directories given into --out (results as a serial run)");
  sub->callback([opt] {
    // Merging and re-running a row are rank 0's alone under mpirun.
    const bool rank0 = cli_communicator().rank() == 0;
    if (!opt->merge.empty()) {
      if (!rank0) return;
      require(opt->spec_path.empty() && opt->rerun.empty() && opt->shard.empty(),
              "--merge DIR... takes no spec, --rerun or --shard (it reads each DIR/spec.json)");
      require(!opt->out.empty(), "--merge needs --out DIR");
      const ShardMergeSummary m = merge_shards(opt->merge, opt->out);
      std::fprintf(stderr, "difflab run: merged %zu shards, %zu runs, into %s\n", m.shards, m.runs,
                   opt->out.c_str());
      return;
    }
    if (!opt->rerun.empty()) {
      if (!rank0) return;
      require(opt->spec_path.empty() && opt->out.empty(),
              "--rerun DIR takes no spec and no --out (it reads DIR/spec.json)");
      require(opt->row >= 0, "--rerun needs --row K (K >= 0)");
      const nlohmann::json report =
          rerun_row(opt->rerun, static_cast<std::size_t>(opt->row), opt->threads);
      std::cout << report.dump(2) << std::endl;
      if (!report["match"].get<bool>()) std::exit(3);
      return;
    }
    require(opt->row < 0, "--row is only used with --rerun DIR");
    require(!opt->spec_path.empty(), "a spec file is required: difflab run SPEC.json --out DIR");
    require(!opt->out.empty(), "--out DIR is required");
    run_spec_file(*opt);
  });
}

}  // namespace difflab::cli
