// difflab run: an experiment. A spec (experiment/experiment_spec.hpp) expands into runs; each
// run is built exactly like `difflab sample` / `difflab law` (run_setup.hpp) with its own seed
// (experiment/run_seed.hpp), its metrics and bounds are computed, and its row is appended to
// DIR/results.jsonl (+ DIR/results.csv) the moment it finishes (experiment/results_table.hpp).
//
// Parallelism: --jobs runs execute at once (default one per thread), each with threads / jobs
// threads inside (sampler blocks, metrics). Every computation in difflab is bit-identical for
// any thread count, so a row's numbers never depend on --threads or --jobs; --jobs 1 gives a
// single large run every thread.
//
// `difflab run --rerun DIR --row K` recomputes row K from DIR/spec.json and compares it with the
// stored row (every field except wall_seconds); exit code 0 if identical, 3 if not.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "cli_common.hpp"
#include "difflab/bounds/bound_registry.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/experiment/app_run.hpp"
#include "difflab/experiment/experiment_fits.hpp"
#include "difflab/experiment/experiment_spec.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/metrics/empirical_w2.hpp"
#include "difflab/metrics/energy_distance.hpp"
#include "difflab/metrics/knn_kl.hpp"
#include "difflab/metrics/mmd.hpp"
#include "difflab/metrics/mode_weights.hpp"
#include "difflab/metrics/sliced_w2.hpp"
#include "experiment_runs.hpp"
#include "law_report.hpp"
#include "progress_bar.hpp"
#include "run_setup.hpp"

namespace difflab::cli {

namespace {

namespace fs = std::filesystem;

struct RunCommandOptions {
  std::string spec_path;
  std::string out;
  std::string rerun;
  long row = -1;
  int threads = 0;
  int jobs = 0;  // runs at once (0 = one per core)
};

// The target JSON of a run: inline or generated (option "d"), or read from a file path given
// relative to the spec's directory.
nlohmann::json run_target_json(const nlohmann::json& options, const fs::path& spec_dir) {
  const nlohmann::json d = options.contains("d") ? options["d"] : nlohmann::json();
  const nlohmann::json& t = options.at("target");
  if (t.is_string()) {
    require(d.is_null(), "option 'd' needs an inline target object, not the file ",
            t.get<std::string>());
    fs::path p(t.get<std::string>());
    if (p.is_relative()) p = spec_dir / p;
    return read_json(p.string());
  }
  return generate_target(t, d, "target");
}

// Writes the run's target into DIR/targets/ (content-addressed), so DIR is self-contained: any
// row re-runs from DIR alone. Returns the path relative to DIR.
std::string store_target(const nlohmann::json& target, const std::string& dir) {
  const std::string rel = "targets/" + options_hash(target) + ".json";
  const std::string path = dir + "/" + rel;
  if (!fs::exists(path)) {
    fs::create_directories(dir + "/targets");
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

// The bound inputs of a run, as `difflab bound --target` derives them: the target's quantities,
// the run's grid, and the score error (exact: 0; perturbed: its L2(q_t) size, which the
// perturbation has at every t by construction, so max_k and the time average coincide).
BoundInputs bound_inputs(const RunSetup& setup, const RunOptions& ro) {
  BoundInputs in = from_target(*setup.target, BoundInputs{});
  in.grid = *setup.grid;
  in.T = setup.grid->T();
  in.delta = setup.grid->delta();
  in.steps = static_cast<int>(setup.grid->steps());
  if (ro.sampler == "em" || ro.sampler == "ei") in.sampler = ro.sampler;
  in.noise_on_last_step = !ro.sampler_options.denoise_last_step;
  require(ro.score == "exact" || ro.score == "perturbed", "bounds: score '", ro.score,
          "' has no known L2 score error here (use exact or perturbed)");
  in.eps_score = ro.score == "perturbed" ? ro.score_error : 0.0;
  return in;
}

bool wants_samples(const ExperimentSpec& spec) {
  for (const auto& m : spec.metrics)
    if (m != "law") return true;
  return false;
}

// Computes one row. Everything but wall_seconds is a pure function of (spec, run index).
nlohmann::json compute_row(const ExperimentSpec& spec, const PlannedRun& run,
                           const std::string& dir, const std::string& target_rel, int threads) {
  const auto start = std::chrono::steady_clock::now();
  if (!spec.app.empty()) {
    nlohmann::json row{{"row", run.index},
                       {"options_hash", run.hash},
                       {"seed", run.seed},
                       {"options", run.options},
                       {"metrics", {{"app", run_app(spec.app, run.options, run.seed)}}}};
    // Timings stay out of the fields a rerun compares.
    for (const char* key : {"wall_seconds", "train_seconds"}) row["metrics"]["app"].erase(key);
    row["wall_seconds"] = seconds_since(start);
    return row;
  }
  const RunOptions ro =
      run_options_from_spec(run.options, dir + "/" + target_rel, run.seed, threads);
  RunSetup setup = build_run(ro);
  nlohmann::json row{{"row", run.index},          {"options_hash", run.hash},
                     {"seed", run.seed},          {"options", run.options},
                     {"target_file", target_rel}, {"dim", setup.target->dim()}};
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json nfe;
  for (const auto& m : spec.metrics) {
    if (m != "law") continue;
    try {
      LawReportOptions lo;
      lo.seed = run.seed;
      lo.tv_samples = run.options.value("tv_samples", lo.tv_samples);
      lo.grid_nodes = run.options.value("grid_nodes", lo.grid_nodes);
      metrics["law"] = trim_law(law_report(setup, ro, lo));
      nfe = metrics["law"]["nfe"];
    } catch (const Error& e) {
      metrics["law"] = {{"error", e.what()}};
    }
  }
  if (wants_samples(spec)) {
    Matrix X = setup.initial;
    const SamplerSummary summary = setup.sampler->sample(
        *setup.score, *setup.grid, X, ro.sampler_options, CounterNoise(run.seed));
    nfe = summary.nfe;
    const Index ref_n = run.options.value("reference_n", Index{0});
    require(ref_n >= 0, "option reference_n must be >= 0");
    const Matrix Y = setup.target->sample(ref_n > 0 ? ref_n : X.cols(), CounterRng(run.seed),
                                          kReferenceFirstParticle);
    for (const auto& m : spec.metrics) {
      Estimate e;
      if (m == "law") continue;
      if (m == "w2") {
        // Exact OT gives no interval by itself: a bootstrap of 20 replicates by default.
        EmpiricalW2Options o;
        o.seed = run.seed;
        o.bootstrap = run.options.value("w2_bootstrap", Index{20});
        e = empirical_w2(X, Y, o);
      } else if (m == "sw2") {
        SlicedW2Options o;
        o.seed = run.seed;
        e = sliced_w2(X, Y, o);
      } else if (m == "mmd") {
        e = mmd2(X, Y);
      } else if (m == "energy") {
        e = energy_distance(X, Y);
      } else if (m == "kl") {
        KnnKlOptions o;
        o.seed = run.seed;
        e = knn_kl(X, Y, o);
      } else if (m == "mode_weights") {
        const auto* gmm = dynamic_cast<const GaussianMixtureTarget*>(setup.target.get());
        require(gmm != nullptr, "metric mode_weights needs a Gaussian mixture target (type gmm)");
        metrics[m] = mode_weights(*gmm, X, run.seed).to_json();
        continue;
      }
      metrics[m] = e.to_json();
    }
  }
  row["metrics"] = metrics;
  nlohmann::json bounds = nlohmann::json::object();
  if (!spec.bounds.empty()) {
    try {
      const BoundInputs in = bound_inputs(setup, ro);
      for (const auto& id : spec.bounds) {
        try {
          nlohmann::json b = compute_bound(id, in).to_json();
          b.erase("grid");
          bounds[id] = b;
        } catch (const Error& e) {
          bounds[id] = {{"error", e.what()}};
        }
      }
    } catch (const Error& e) {
      for (const auto& id : spec.bounds) bounds[id] = {{"error", e.what()}};
    }
  }
  row["bounds"] = bounds;
  row["nfe"] = nfe;
  row["wall_seconds"] = seconds_since(start);
  return row;
}

// Prepares every run (target files, options) and checks that each builds, before any runs:
// a bad value in the last run of a sweep fails at once, not after an hour.
std::vector<std::string> prepare_runs(const ExperimentSpec& spec,
                                      const std::vector<PlannedRun>& runs, const fs::path& spec_dir,
                                      const std::string& dir) {
  const auto ids = list_bounds();
  for (const auto& id : spec.bounds) {
    bool known = false;
    std::string valid;
    for (const auto& b : ids) {
      known = known || b.id == id;
      valid += (valid.empty() ? "" : ", ") + b.id;
    }
    require(known, "spec: unknown bound '", id, "' (valid: ", valid, ")");
  }
  std::vector<std::string> targets;
  for (const auto& run : runs) {
    if (!spec.app.empty()) {
      try {
        validate_app_run(spec.app, run.options, run.seed);
      } catch (const Error& e) {
        fail("spec: run ", run.index, " (", run.options.dump(), "): ", e.what());
      }
      targets.emplace_back();
      continue;
    }
    try {
      const nlohmann::json t = run_target_json(run.options, spec_dir);
      make_target(t, "target");  // validates before anything is written
      targets.push_back(store_target(t, dir));
      RunOptions ro = run_options_from_spec(run.options, dir + "/" + targets.back(), run.seed, 0);
      ro.n = 1;  // validation only: no need to draw the particles
      build_run(ro);
    } catch (const Error& e) {
      fail("spec: run ", run.index, " (", run.options.dump(), "): ", e.what());
    }
  }
  return targets;
}

void run_experiment(const nlohmann::json& raw, const std::string& spec_dir,
                    const RunCommandOptions& opt) {
  const std::string where = opt.spec_path.empty() ? "spec" : opt.spec_path;
  const ExperimentSpec spec = parse_experiment_spec(raw, where);
  const std::vector<PlannedRun> runs = expand_runs(spec);
  const std::string spec_copy = opt.out + "/spec.json";
  if (fs::exists(spec_copy)) {
    require(read_json(spec_copy) == raw, opt.out, ": holds the results of a different spec (",
            spec_copy, " differs from ", where, "); use a new --out directory");
  }
  fs::create_directories(opt.out);
  const std::vector<std::string> targets = prepare_runs(spec, runs, spec_dir, opt.out);
  if (!fs::exists(spec_copy)) write_json(spec_copy, raw);
  ResultsTable table(opt.out);
  std::vector<std::size_t> todo;
  for (const auto& run : runs)
    if (table.find(run.index, run.hash) == nullptr) todo.push_back(run.index);
  std::fprintf(stderr, "difflab run: %zu runs, %zu already done, running %zu\n", runs.size(),
               runs.size() - todo.size(), todo.size());
  ProgressBar bar(std::to_string(todo.size()) + " runs", static_cast<double>(todo.size()));
  const int cores = thread_count();
  const int jobs = static_cast<int>(
      std::min<std::size_t>(static_cast<std::size_t>(opt.jobs > 0 ? opt.jobs : cores),
                            std::max<std::size_t>(1, todo.size())));
  if (jobs <= 1) {
    for (const std::size_t k : todo) {
      table.append(compute_row(spec, runs[k], opt.out, targets[k], opt.threads));
      bar.advance(1);
    }
  } else {
    // Several runs at once, each with cores / jobs threads (OpenMP's thread count is per
    // thread). Their numbers do not depend on the thread count; rows are written in sweep order
    // as soon as every earlier row is done.
    const int inner = std::max(1, cores / jobs);
    std::mutex mutex;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::map<std::size_t, nlohmann::json> finished;  // computed, not yet written (by todo index)
    std::size_t written = 0;
    std::vector<std::thread> workers;
    for (int w = 0; w < jobs; ++w)
      workers.emplace_back([&] {
        set_threads(inner);
        while (!stop) {
          const std::size_t i = next++;
          if (i >= todo.size()) break;
          const std::size_t k = todo[i];
          try {
            nlohmann::json row = compute_row(spec, runs[k], opt.out, targets[k], inner);
            const std::lock_guard<std::mutex> lock(mutex);
            finished.emplace(i, std::move(row));
            // Rows reach the files in sweep order: a row waits for the ones before it.
            for (auto it = finished.find(written); it != finished.end();
                 it = finished.find(written)) {
              table.append(it->second);
              finished.erase(it);
              ++written;
            }
            bar.advance(1);
          } catch (...) {
            const std::lock_guard<std::mutex> lock(mutex);
            if (!error) error = std::current_exception();
            stop = true;
          }
        }
      });
    for (auto& w : workers) w.join();
    if (error) std::rethrow_exception(error);
  }
  bar.finish();
  if (!spec.fits.empty()) {
    std::vector<nlohmann::json> rows = table.rows();
    std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return a["row"].get<std::size_t>() < b["row"].get<std::size_t>();
    });
    write_json(opt.out + "/fits.json", compute_fits(spec, rows));
  }
  std::fprintf(stderr, "difflab run: results in %s/results.csv and %s/results.jsonl%s\n",
               opt.out.c_str(), opt.out.c_str(), spec.fits.empty() ? "" : ", fits in fits.json");
}

void rerun_row(const RunCommandOptions& opt) {
  require(opt.row >= 0, "--rerun needs --row K (K >= 0)");
  const std::string dir = opt.rerun;
  const nlohmann::json raw = read_json(dir + "/spec.json");
  const ExperimentSpec spec = parse_experiment_spec(raw, dir + "/spec.json");
  const std::vector<PlannedRun> runs = expand_runs(spec);
  const auto k = static_cast<std::size_t>(opt.row);
  require(k < runs.size(), "--row ", k, ": the spec in ", dir, " has ", runs.size(), " runs");
  const ResultsTable table(dir);
  const nlohmann::json* stored = table.find(k, runs[k].hash);
  require(stored != nullptr, "--row ", k, ": no finished row ", k, " in ", table.jsonl_path());
  const std::string target_rel = stored->value("target_file", std::string());
  nlohmann::json fresh = compute_row(spec, runs[k], dir, target_rel, opt.threads);
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
  const nlohmann::json report{{"row", k}, {"match", differ.empty()}, {"differences", differ}};
  std::cout << report.dump(2) << std::endl;
  if (!differ.empty()) std::exit(3);
}

}  // namespace

RunOptions run_options_from_spec(const nlohmann::json& o, const std::string& target_path,
                                 std::uint64_t seed, int threads) {
  RunOptions r;
  r.common.seed = seed;
  r.common.threads = threads;
  r.target_path = target_path;
  r.process = o.value("process", r.process);
  r.score = o.value("score", r.score);
  r.score_error = o.value("score_error", r.score_error);
  r.perturbation = o.value("perturbation", r.perturbation);
  if (o.contains("theta")) {
    std::string s;
    char buf[40];
    for (const auto& v : o["theta"]) {
      std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
      s += (s.empty() ? "" : ",") + std::string(buf);
    }
    r.theta = s;
  }
  r.sampler = o.value("sampler", r.sampler);
  r.grid = o.value("grid", r.grid);
  r.grid_file = o.value("grid_file", r.grid_file);
  r.steps = o.value("steps", r.steps);
  r.T = o.value("T", r.T);
  r.delta = o.value("delta", r.delta);
  r.n = o.value("n", r.n);
  r.start = o.value("start", r.start);
  SamplerOptions& s = r.sampler_options;
  s.denoise_last_step = o.value("denoise", s.denoise_last_step);
  s.corrector_steps = o.value("corrector_steps", s.corrector_steps);
  s.snr = o.value("snr", s.snr);
  s.langevin_step = o.value("langevin_step", s.langevin_step);
  s.langevin_steps = o.value("langevin_steps", s.langevin_steps);
  return r;
}

void run_experiment_spec(const nlohmann::json& raw, const std::string& spec_dir,
                         const std::string& out, int threads) {
  RunCommandOptions opt;
  opt.out = out;
  opt.threads = threads;
  opt.jobs = 0;
  run_experiment(raw, spec_dir, opt);
}

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
      ->check(CLI::Range(0, 4096));
  sub->add_option("--jobs", opt->jobs,
                  "Runs at once, each with threads / jobs threads (0 = one per thread)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  sub->callback([opt] {
    set_threads(opt->threads);
    if (!opt->rerun.empty()) {
      require(opt->spec_path.empty() && opt->out.empty(),
              "--rerun DIR takes no spec and no --out (it reads DIR/spec.json)");
      rerun_row(*opt);
    } else {
      require(opt->row < 0, "--row is only used with --rerun DIR");
      require(!opt->spec_path.empty(), "a spec file is required: difflab run SPEC.json --out DIR");
      require(!opt->out.empty(), "--out DIR is required");
      run_experiment(read_json(opt->spec_path), fs::path(opt->spec_path).parent_path().string(),
                     *opt);
    }
  });
}

}  // namespace difflab::cli
