#include "difflab/pipeline/experiment_runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "difflab/bounds/bound_registry.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/experiment/app_run.hpp"
#include "difflab/experiment/experiment_fits.hpp"
#include "difflab/experiment/report_fits.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/fit_metrics.hpp"
#include "difflab/pipeline/input_files.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/pipeline/measured_bounds.hpp"
#include "difflab/pipeline/optimized_grids.hpp"
#include "difflab/pipeline/sample_metrics.hpp"
#include "difflab/pipeline/task_farm.hpp"
#include "difflab/pipeline/train_run.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/train/trainer.hpp"

namespace difflab {

namespace {

// `worker` on `jobs` threads (the calling thread alone when jobs <= 1), joined before returning.
void run_workers(int jobs, const std::function<void()>& worker) {
  if (jobs <= 1) {
    worker();
    return;
  }
  std::vector<std::thread> workers;
  for (int w = 0; w < jobs; ++w) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
}

namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The keys of a run's options that are not RunSpec fields: the generated-target dimension and
// the options of the exact law and the sample metrics.
std::vector<std::string> non_run_keys() {
  std::vector<std::string> keys = {"d", "reference"};
  for (const auto& n : law_report_schema().names()) keys.push_back(n);
  for (const auto& n : run_grid_optimize_schema().names()) keys.push_back(n);
  for (const auto& n : sample_metric_schema().names()) keys.push_back(n);
  return keys;
}

// The target JSON of a run: inline or generated (option "d"), or read from a file path given
// relative to the spec's directory.
nlohmann::json run_target_json(const nlohmann::json& options, const fs::path& spec_dir,
                               const char* key = "target") {
  const nlohmann::json d = options.contains("d") ? options["d"] : nlohmann::json();
  const nlohmann::json& t = options.at(key);
  if (t.is_string()) {
    require(d.is_null(), "option 'd' needs an inline target object, not the file ",
            t.get<std::string>());
    fs::path p(t.get<std::string>());
    if (p.is_relative()) p = spec_dir / p;
    return read_json(p.string());
  }
  return generate_target(t, d, key);
}

// A samples file named relative to the spec's directory, resolved.
fs::path spec_relative(const std::string& path, const fs::path& spec_dir) {
  const fs::path p(path);
  return p.is_relative() ? spec_dir / p : p;
}

// An empirical target's samples file, copied into DIR/targets/ under its data fingerprint, and
// the target rewritten to name that copy (relative to the target file beside it): DIR stays
// self-contained for data targets too.
nlohmann::json store_empirical_samples(nlohmann::json target, const fs::path& spec_dir,
                                       const std::string& dir) {
  if (!target.is_object() || target.value("type", "") != "empirical" ||
      !target.contains("samples") || !target["samples"].is_string())
    return target;
  const fs::path from = spec_relative(target["samples"].get<std::string>(), spec_dir);
  const Matrix X = read_samples(from.string());
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.npy",
                static_cast<unsigned long long>(data_fingerprint(X)));
  ensure_directory(dir + "/targets");
  if (!fs::exists(dir + "/targets/" + name)) write_samples(dir + "/targets/" + name, X);
  target["samples"] = name;
  return target;
}

// Writes the run's target into DIR/targets/ (content-addressed), so DIR is self-contained: any
// row re-runs from DIR alone. Returns the path relative to DIR.
std::string store_target(const nlohmann::json& target, const std::string& dir) {
  const std::string rel = "targets/" + options_hash(target) + ".json";
  const std::string path = dir + "/" + rel;
  if (!fs::exists(path)) {
    ensure_directory(dir + "/targets");
    write_json(path, target);
  }
  return rel;
}

// Drops the law report's per-coordinate arrays (d numbers each; d may be 10^6): rows hold
// distances, not laws.
nlohmann::json trim_law(nlohmann::json j) {
  for (const char* key : {"mean", "cov", "var"}) j.erase(key);
  return j;
}

template <class Options>
Options read_options(const OptionSchema<Options>& schema, const nlohmann::json& run_options) {
  Options o;
  nlohmann::json mine = nlohmann::json::object();
  for (const auto& name : schema.names())
    if (run_options.contains(name)) mine[name] = run_options[name];
  schema.read(mine, o, "run");
  return o;
}

nlohmann::json sample_metrics_json(const ExperimentSpec& spec, const PlannedRun& run,
                                   const RunSetup& setup, const std::string& dir, double& nfe) {
  nlohmann::json metrics = nlohmann::json::object();
  Matrix X = setup.initial;
  const SamplerSummary summary =
      setup.sampler->sample(*setup.score, *setup.grid, X, setup.spec.sampler_options,
                            *make_noise(setup.spec.sampler_options, run.seed));
  nfe = summary.nfe;
  SampleMetricOptions mo = read_options(sample_metric_schema(), run.options);
  mo.seed = run.seed;
  bool needs_reference = false;
  for (const auto& m : spec.metrics)
    needs_reference =
        needs_reference || (m != "law" && metric_info(m).needs == MetricNeeds::kReference);
  Matrix Y;
  if (needs_reference && run.options.contains("reference"))
    Y = read_samples(dir + "/" + reference_copy(run.options), setup.target->dim());
  else if (needs_reference)
    Y = setup.target->sample(mo.reference_n > 0 ? mo.reference_n : X.cols(), CounterRng(run.seed),
                             kReferenceFirstParticle);
  for (const auto& m : spec.metrics)
    if (m != "law") metrics[m] = compute_metric(m, X, Y, setup.target.get(), mo);
  return metrics;
}

// Computes one row. Everything but wall_seconds is a pure function of (spec, run index).
nlohmann::json compute_row(const ExperimentSpec& spec, const PlannedRun& run,
                           const std::string& dir, const std::string& target_rel,
                           const std::string& grid_rel) {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json row{
      {"row", run.index}, {"options_hash", run.hash}, {"seed", run.seed}, {"options", run.options}};
  if (!spec.app.empty()) {
    row["metrics"] = {{"app", run_app(spec.app, run.options, run.seed)}};
    // Timings stay out of the fields a rerun compares.
    for (const char* key : {"wall_seconds", "train_seconds"}) row["metrics"]["app"].erase(key);
    row["wall_seconds"] = seconds_since(start);
    return row;
  }
  const RunSpec rs = run_spec_from_options(run.options, dir, target_rel, run.seed, grid_rel);
  const RunSetup setup = build_run(rs);
  row["target_file"] = target_rel;
  if (!grid_rel.empty()) row["optimized_grid_file"] = grid_rel;
  if (run.options.contains("reference")) row["reference_file"] = reference_copy(run.options);
  row["dim"] = setup.target->dim();
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json nfe;
  if (std::find(spec.metrics.begin(), spec.metrics.end(), "law") != spec.metrics.end()) {
    try {
      LawReportOptions lo = read_options(law_report_schema(), run.options);
      lo.seed = run.seed;
      metrics["law"] = trim_law(law_report(setup, lo));
      nfe = metrics["law"]["nfe"];
    } catch (const Error& e) {
      metrics["law"] = {{"error", e.what()}};
    }
  }
  if (std::any_of(spec.metrics.begin(), spec.metrics.end(),
                  [](const std::string& m) { return m != "law"; })) {
    double sampled_nfe = 0;
    metrics.update(sample_metrics_json(spec, run, setup, dir, sampled_nfe));
    nfe = sampled_nfe;
  }
  row["metrics"] = metrics;
  row["bounds"] =
      spec.bounds.empty() ? nlohmann::json::object() : bounds_beside_run(setup, spec.bounds);
  row["nfe"] = nfe;
  row["wall_seconds"] = seconds_since(start);
  return row;
}

// What prepare_runs resolved: per run its stored target and, for grid "optimized" or "ays", its
// grid file (both relative to DIR; empty when none), and the distinct grids to make.
struct PreparedRuns {
  std::vector<std::string> targets, grids;
  std::vector<OptimizedGridPlan> plans;  // one per distinct key, in the order of first use
  std::vector<std::size_t> plan_first_run;
};

// The plan of a run with grid "optimized": its source target ("self": the run's) stored in
// DIR/targets/ like the run's own.
OptimizedGridPlan plan_run_grid(const PlannedRun& run, const fs::path& spec_dir,
                                const std::string& dir, const std::string& target_rel) {
  // The run on the uniform grid: what the grid is made for.
  nlohmann::json o = run.options;
  o["grid"] = "uniform";
  if (run.options["grid"] == kAysGrid)
    return plan_ays_grid(
        run_spec_from_options(o, dir, target_rel, run.options.value("seed", 0ull)));
  const RunGridOptimizeOptions go = read_run_grid_optimize(run.options, "run");
  std::string source_rel = target_rel;
  if (go.source != "self")
    source_rel = store_target(
        store_empirical_samples(run_target_json(run.options, spec_dir, "grid_optimize_source"),
                                spec_dir, dir),
        dir);
  const RunSpec rs = run_spec_from_options(o, dir, source_rel, run.options.value("seed", 0ull));
  return plan_optimized_grid(rs, run.options.value("score", "exact"), go,
                             read_options(law_report_schema(), run.options).grid_nodes);
}

// Prepares every run (target files, options) and checks that each builds, before any runs:
// a bad value in the last run of a sweep fails at once, not after an hour.
PreparedRuns prepare_runs(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs,
                          const fs::path& spec_dir, const std::string& dir) {
  for (const auto& id : spec.bounds) require_known_bound(id);
  require_fits_computed(spec);
  PreparedRuns out;
  std::vector<std::string>& targets = out.targets;
  for (const auto& run : runs) {
    try {
      out.grids.emplace_back();
      if (!spec.app.empty()) {
        validate_app_run(spec.app, run.options, run.seed);
        targets.emplace_back();
        continue;
      }
      const nlohmann::json t =
          store_empirical_samples(run_target_json(run.options, spec_dir), spec_dir, dir);
      targets.push_back(store_target(t, dir));
      // The spec's model is trained after every run is validated: until then a run of the
      // trained score is checked with the exact one.
      const bool untrained =
          run.options.value("score", "") == "trained" && !fs::exists(trained_model_path(dir));
      read_run_grid_optimize(run.options, "run");
      if (uses_runner_grid(run.options)) {
        OptimizedGridPlan plan = plan_run_grid(run, spec_dir, dir, targets.back());
        out.grids.back() = plan.grid_file;
        const auto same = [&](const OptimizedGridPlan& p) { return p.key == plan.key; };
        if (std::none_of(out.plans.begin(), out.plans.end(), same)) {
          validate_optimized_grid(plan, !untrained);
          out.plans.push_back(std::move(plan));
          out.plan_first_run.push_back(run.index);
        }
      }
      // Validates (the target from its stored copy, which names its samples beside it); an
      // optimised or AYS grid is checked as the uniform grid.
      nlohmann::json checked = run.options;
      if (uses_runner_grid(checked)) checked["grid"] = "uniform";
      RunSpec rs = run_spec_from_options(checked, dir, targets.back(), run.seed);
      if (untrained) rs.score = "exact";
      build_run(rs, RunUse::kSample, false);
      if (run.options.contains("reference")) {
        const std::string copy = dir + "/" + reference_copy(run.options);
        const Matrix Y = read_samples(
            spec_relative(run.options["reference"].get<std::string>(), spec_dir).string());
        const Index d = load_target(dir + "/" + targets.back())->dim();
        require(Y.rows() == d, "reference ", run.options["reference"].get<std::string>(),
                " has dimension ", Y.rows(), ", the target ", d);
        ensure_directory(dir + "/data");
        write_samples(copy, Y);
      }
      read_options(law_report_schema(), run.options);
      read_options(sample_metric_schema(), run.options);
    } catch (const Error& e) {
      fail("spec: run ", run.index, " (", run.options.dump(), "): ", e.what());
    }
  }
  return out;
}

// Optimises each distinct grid that the rows to run (todo) use once (after the spec's model is
// trained: a trained score's grid needs it), `jobs` at once (each grid is the same bits for any
// thread count); a grid already in DIR/grids/ is reused. A failure reports the first failing
// grid in plan order.
void optimize_spec_grids(const PreparedRuns& prepared, const std::vector<std::size_t>& todo,
                         const std::string& dir, const std::function<void(const std::string&)>& log,
                         int jobs) {
  std::set<std::string> needed;
  for (const std::size_t k : todo) needed.insert(prepared.grids[k]);
  std::vector<std::size_t> make;
  for (std::size_t i = 0; i < prepared.plans.size(); ++i) {
    const OptimizedGridPlan& plan = prepared.plans[i];
    if (needed.count(plan.grid_file) != 0 && !fs::exists(dir + "/" + plan.result_file))
      make.push_back(i);
  }
  if (make.empty()) return;
  ensure_directory(dir + "/grids");
  jobs = static_cast<int>(
      std::min<std::size_t>(static_cast<std::size_t>(std::max(1, jobs)), make.size()));
  const int inner = std::max(1, thread_count() / jobs);
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  std::map<std::size_t, std::string> errors;  // by plan index
  const auto worker = [&] {
    if (jobs > 1) set_threads(inner);
    for (std::size_t m = next++; m < make.size(); m = next++) {
      const std::size_t i = make[m];
      const OptimizedGridPlan& plan = prepared.plans[i];
      {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!errors.empty()) break;  // a grid failed: the run stops before any row
        if (log)
          log(plan.grid == kAysGrid
                  ? "computing the ays grid " + plan.key + " (" + std::to_string(plan.spec.steps) +
                        " steps) -> " + dir + "/" + plan.grid_file
                  : "optimising grid " + plan.key + " (" + plan.options.metric + ", " +
                        std::to_string(plan.spec.steps) + " steps, sampler " + plan.spec.sampler +
                        ") -> " + dir + "/" + plan.grid_file);
      }
      try {
        ensure_optimized_grid(plan, dir);
      } catch (const Error& e) {
        const std::lock_guard<std::mutex> lock(mutex);
        errors.emplace(i, e.what());
      }
    }
  };
  run_workers(jobs, worker);
  if (!errors.empty()) {
    const auto& [i, what] = *errors.begin();
    fail("spec: run ", prepared.plan_first_run[i], ": grid '", prepared.plans[i].grid, "': ", what);
  }
}

// A results directory holds one share of the sweep for its lifetime: rows of another shard
// appended to it would make a merge count them twice or miss them.
void check_shard_directory(const std::string& dir, const SweepShard& shard,
                           const nlohmann::json& raw) {
  const bool has_record = fs::exists(dir + "/shard.json");
  if (shard.whole()) {
    require(!has_record, dir, ": holds shard ",
            has_record ? read_shard_record(dir).shard.label() : std::string(),
            " of a sweep; resume it with that option 'shard', or use a new output directory");
    return;
  }
  if (has_record) {
    const ShardRecord r = read_shard_record(dir);
    require(r.shard.index == shard.index && r.shard.count == shard.count, dir, ": holds shard ",
            r.shard.label(), ", not ", shard.label(), "; use a new output directory");
    require(r.spec_hash == options_hash(raw), dir,
            "/shard.json: spec_hash differs from the spec's; use a new output directory");
  } else {
    require(!fs::exists(dir + "/results.jsonl"), dir,
            ": holds the results of the whole sweep, not of shard ", shard.label(),
            "; use a new output directory");
  }
}

// Runs the rows of `todo` with `jobs` workers of `inner` threads each; rows reach the table in
// sweep order as soon as every earlier row is done.
void run_rows(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs,
              const std::vector<std::size_t>& todo, const PreparedRuns& prepared,
              const ExperimentRunOptions& opt, ResultsTable& table, int jobs) {
  const int inner = std::max(1, thread_count() / jobs);
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::map<std::size_t, nlohmann::json> finished;  // computed, not yet written (by todo index)
  std::size_t written = 0;
  const auto worker = [&] {
    if (jobs > 1) set_threads(inner);
    while (!stop) {
      const std::size_t i = next++;
      if (i >= todo.size()) break;
      const std::size_t k = todo[i];
      try {
        nlohmann::json row =
            compute_row(spec, runs[k], opt.out, prepared.targets[k], prepared.grids[k]);
        const std::lock_guard<std::mutex> lock(mutex);
        finished.emplace(i, std::move(row));
        for (auto it = finished.find(written); it != finished.end(); it = finished.find(written)) {
          table.append(it->second);
          if (opt.on_row) opt.on_row(written + 1, todo.size(), it->second);
          finished.erase(it);
          ++written;
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  run_workers(jobs, worker);
  if (error) std::rethrow_exception(error);
}

// Rank 0 of a job: the rows of `todo` computed by the other ranks, written as they complete the
// sweep order (the threaded run_rows writes them the same way).
void farm_out_rows(Communicator& comm, const nlohmann::json& raw,
                   const std::vector<std::size_t>& todo, const PreparedRuns& prepared,
                   const ExperimentRunOptions& opt, ResultsTable& table) {
  const nlohmann::json setup{{"spec", raw},
                             {"todo", todo},
                             {"targets", prepared.targets},
                             {"grids", prepared.grids},
                             {"out", opt.out}};
  farm_out_tasks(comm, setup, todo.size(), [&](std::size_t i, const std::string& text) {
    const nlohmann::json row = nlohmann::json::parse(text);
    table.append(row);
    if (opt.on_row) opt.on_row(i + 1, todo.size(), row);
  });
}

// Ranks 1.. of a job: compute the rows rank 0 hands out (the setup of farm_out_rows).
void serve_rows(Communicator& comm) {
  ExperimentSpec spec;
  std::vector<PlannedRun> runs;
  std::vector<std::size_t> todo;
  std::vector<std::string> targets, grids;
  std::string out;
  serve_tasks(comm, [&](const nlohmann::json& setup) -> TaskFunction {
    spec = parse_experiment_spec(setup["spec"], "spec");
    runs = expand_runs(spec);
    todo = setup["todo"].get<std::vector<std::size_t>>();
    targets = setup["targets"].get<std::vector<std::string>>();
    grids = setup["grids"].get<std::vector<std::string>>();
    out = setup["out"].get<std::string>();
    return [&](std::size_t i) {
      const std::size_t k = todo.at(i);
      return compute_row(spec, runs.at(k), out, targets.at(k), grids.at(k)).dump();
    };
  });
}

}  // namespace

std::string reference_copy(const nlohmann::json& options) {
  return "data/reference_" + options_hash(options.at("reference")) + ".npy";
}

std::string trained_model_path(const std::string& dir) { return dir + "/train/model.dlm"; }

RunSpec run_spec_from_options(const nlohmann::json& options, const std::string& dir,
                              const std::string& target_rel, std::uint64_t seed,
                              const std::string& optimized_grid_rel) {
  nlohmann::json o = options;
  o["target"] = dir + "/" + target_rel;
  if (uses_runner_grid(o)) {
    require(!optimized_grid_rel.empty(), "grid '", o["grid"].get<std::string>(),
            "': no grid file for this run (the runner writes it to DIR/grids/ before the runs)");
    require(!o.contains("grid_file"), "grid_file is only used with grid 'file'");
    o["grid"] = "file";
    o["grid_file"] = dir + "/" + optimized_grid_rel;
  }
  o["seed"] = seed;
  if (o.value("score", "") == "trained") o["score"] = "model:" + trained_model_path(dir);
  return RunSpec::from_json(o, "run", "", non_run_keys());
}

namespace {

// The spec's "train" request with its paths resolved against the spec's directory (data, a
// target file, an inline empirical target's samples) and the outputs in DIR/train/.
TrainRequest spec_train_request(const ExperimentSpec& spec, const fs::path& spec_dir,
                                const std::string& dir) {
  nlohmann::json j = spec.train;
  if (j.contains("data") && j["data"].is_string())
    j["data"] = spec_relative(j["data"].get<std::string>(), spec_dir).string();
  if (j.contains("target") && j["target"].is_string())
    j["target"] = spec_relative(j["target"].get<std::string>(), spec_dir).string();
  if (j.contains("target") && j["target"].is_object() && j["target"].contains("samples") &&
      j["target"]["samples"].is_string())
    j["target"]["samples"] =
        spec_relative(j["target"]["samples"].get<std::string>(), spec_dir).string();
  j["out"] = trained_model_path(dir);
  j["summary"] = dir + "/train/summary.json";
  return TrainRequest::from_json(j, "spec: train");
}

// Trains the spec's model once (DIR/train/summary.json, written after the checkpoint, marks it
// done), before any run; runs with score "trained" need it.
void train_spec_model(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs,
                      const fs::path& spec_dir, const std::string& dir,
                      const std::function<void(const std::string&)>& log) {
  for (const auto& run : runs)
    require(!spec.train.is_null() || run.options.value("score", "") != "trained", "spec: run ",
            run.index, ": score 'trained' needs the spec's 'train' (the model to train)");
  if (spec.train.is_null()) return;
  const TrainRequest request = spec_train_request(spec, spec_dir, dir);
  request.validate();
  if (fs::exists(request.summary)) return;
  ensure_directory(dir + "/train");
  if (log)
    log("training the spec's model (" + std::to_string(request.train.iterations) +
        " iterations) -> " + request.out);
  train_run(request, {});
}

void run_experiment_on_rank0(const nlohmann::json& raw, const std::string& spec_dir,
                             const ExperimentRunOptions& opt, Communicator* comm, bool& farming) {
  require(!opt.out.empty(), "an output directory is required");
  const ExperimentSpec spec = parse_experiment_spec(raw, "spec");
  const std::vector<PlannedRun> runs = expand_runs(spec);
  const std::string spec_copy = opt.out + "/spec.json";
  if (fs::exists(spec_copy)) {
    require(read_json(spec_copy) == raw, opt.out, ": holds the results of a different spec (",
            spec_copy, " differs); use a new output directory");
  }
  ensure_directory(opt.out);
  check_shard_directory(opt.out, opt.shard, raw);
  const PreparedRuns prepared = prepare_runs(spec, runs, spec_dir, opt.out);
  train_spec_model(spec, runs, spec_dir, opt.out, opt.log);
  if (!fs::exists(spec_copy)) write_json(spec_copy, raw);
  if (!opt.shard.whole() && !fs::exists(opt.out + "/shard.json"))
    write_json(opt.out + "/shard.json", shard_record(opt.shard, raw));
  ResultsTable table(opt.out);  // holds the directory's lock from here on
  check_input_files(opt.out, input_file_hashes(runs, spec_dir));
  std::vector<std::size_t> todo;
  std::size_t mine = 0;
  for (const auto& run : runs) {
    if (!opt.shard.holds(run.index)) continue;
    ++mine;
    if (table.find(run.index, run.hash) == nullptr) todo.push_back(run.index);
  }
  if (opt.log)
    opt.log(std::to_string(runs.size()) + " runs, " +
            (opt.shard.whole()
                 ? std::string()
                 : "shard " + opt.shard.label() + " holds " + std::to_string(mine) + ", ") +
            std::to_string(mine - todo.size()) + " already done, running " +
            std::to_string(todo.size()));
  optimize_spec_grids(prepared, todo, opt.out, opt.log, opt.jobs > 0 ? opt.jobs : thread_count());
  if (opt.on_row) opt.on_row(0, todo.size(), nlohmann::json());
  const int jobs = static_cast<int>(
      std::min<std::size_t>(static_cast<std::size_t>(opt.jobs > 0 ? opt.jobs : thread_count()),
                            std::max<std::size_t>(1, todo.size())));
  if (comm != nullptr) {
    farming = true;
    farm_out_rows(*comm, raw, todo, prepared, opt, table);
  } else {
    run_rows(spec, runs, todo, prepared, opt, table, jobs);
  }
  if ((!spec.fits.empty() || report_hints_fit(spec)) && opt.shard.whole())
    write_sweep_fits(spec, table.rows(), opt.out);
}

}  // namespace

void run_experiment(const nlohmann::json& raw, const std::string& spec_dir,
                    const ExperimentRunOptions& opt) {
  Communicator* comm = opt.comm != nullptr && opt.comm->size() > 1 ? opt.comm : nullptr;
  if (comm != nullptr && comm->rank() != 0) {
    serve_rows(*comm);
    return;
  }
  bool farming = false;
  try {
    run_experiment_on_rank0(raw, spec_dir, opt, comm, farming);
  } catch (...) {
    // Workers wait for their first order until rank 0 farms out rows or dismisses them.
    if (comm != nullptr && !farming) dismiss_workers(*comm);
    throw;
  }
}

void write_sweep_fits(const ExperimentSpec& spec, std::vector<nlohmann::json> rows,
                      const std::string& dir) {
  std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["row"].get<std::size_t>() < b["row"].get<std::size_t>();
  });
  write_json(dir + "/fits.json", compute_fits(spec, rows));
}

nlohmann::json rerun_row(const std::string& dir, std::size_t k, int threads) {
  set_threads(threads);
  const nlohmann::json raw = read_json(dir + "/spec.json");
  const ExperimentSpec spec = parse_experiment_spec(raw, dir + "/spec.json");
  const std::vector<PlannedRun> runs = expand_runs(spec);
  require(k < runs.size(), "row ", k, ": the spec in ", dir, " has ", runs.size(), " runs");
  const ResultsTable table(dir);
  const nlohmann::json* stored = table.find(k, runs[k].hash);
  require(stored != nullptr, "row ", k, ": no finished row ", k, " in ", table.jsonl_path());
  nlohmann::json fresh =
      compute_row(spec, runs[k], dir, stored->value("target_file", std::string()),
                  stored->value("optimized_grid_file", std::string()));
  nlohmann::json a = *stored;
  a.erase("wall_seconds");
  fresh.erase("wall_seconds");
  // Compare through the JSON text: doubles are printed round-trip exact, so equal text means
  // equal bits.
  std::vector<std::pair<std::string, nlohmann::json>> fa, fb;
  flatten_json(a, "", fa);
  flatten_json(nlohmann::json::parse(fresh.dump()), "", fb);
  std::vector<std::string> differ;
  std::map<std::string, nlohmann::json> mb(fb.begin(), fb.end());
  for (const auto& [name, value] : fa) {
    const auto it = mb.find(name);
    if (it == mb.end() || it->second.dump() != value.dump()) differ.push_back(name);
    if (it != mb.end()) mb.erase(it);
  }
  for (const auto& [name, value] : mb) differ.push_back(name);
  return {{"row", k}, {"match", differ.empty()}, {"differences", differ}};
}

}  // namespace difflab
