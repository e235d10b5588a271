// The Python faces of the library's engine (pipeline/): target, sample, law, eval, bound, plan,
// train, run (run_experiment), rerun, demo, app and the option tables. Keyword arguments are the
// options' schema names (the CLI flags with '-' written '_'), passed to the library as JSON and
// checked there, so every face accepts the same options with the same messages and gives the same
// bits.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <filesystem>

#include "bridge.hpp"
#include "difflab/bounds/bound_registry.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/experiment/app_run.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/bound_quantities.hpp"
#include "difflab/pipeline/demo.hpp"
#include "difflab/pipeline/evaluate.hpp"
#include "difflab/pipeline/experiment_runner.hpp"
#include "difflab/pipeline/grid_optimize.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/pipeline/measured_bounds.hpp"
#include "difflab/pipeline/optimized_grids.hpp"
#include "difflab/pipeline/plan.hpp"
#include "difflab/pipeline/report_data.hpp"
#include "difflab/pipeline/run_spec.hpp"
#include "difflab/pipeline/sample_metrics.hpp"
#include "difflab/pipeline/strong_error.hpp"
#include "difflab/pipeline/target_query.hpp"
#include "difflab/pipeline/train_run.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/sampler/sampler_options_schema.hpp"
#include "difflab/sampler/trajectory_recorder.hpp"
#include "difflab/schedule/time_grid.hpp"

namespace difflab_python {

namespace {

// Splits kwargs into the keys of `own` (returned as JSON) and the rest (returned in `run`).
nlohmann::json take(nlohmann::json& kwargs, const std::vector<std::string>& own) {
  nlohmann::json mine = nlohmann::json::object();
  for (const auto& k : own)
    if (kwargs.contains(k)) {
      mine[k] = kwargs[k];
      kwargs.erase(k);
    }
  return mine;
}

// The run of a Python call: `what` is a Score (its model and target), a Target, a dict (an inline
// target spec) or a str (a target file); the keyword arguments are RunSpec options.
difflab::RunSpec run_spec(const py::object& what, nlohmann::json options,
                          const std::string& where) {
  difflab::RunSpec spec = difflab::RunSpec::from_json(options, where);
  if (py::isinstance<Score>(what)) {
    const Score& s = what.cast<const Score&>();
    spec.score_object = s.model;
    spec.target_object = s.target;
    spec.process = s.model->process().name();
  } else {
    spec.target_object = make_target(what);
  }
  return spec;
}

// Replaces the run's grid by explicit forward times and/or its initial points by an array.
void apply_overrides(difflab::RunSetup& run, const py::object& times, const py::object& initial) {
  if (!times.is_none()) {
    const Vector t = numpy_to_vector(times.cast<Array>(), "times");
    run.grid = std::make_unique<difflab::TimeGrid>(
        std::vector<double>(t.data(), t.data() + t.size()), "custom");
  }
  if (!initial.is_none())
    run.initial = particles(initial.cast<Array>(), run.target->dim(), "initial");
}

py::object sample(const py::object& what, const py::object& times, const py::object& initial,
                  Index trajectory, bool summary, const py::kwargs& kwargs) {
  const difflab::RunSpec spec = run_spec(what, to_json(kwargs), "sample");
  difflab::RunSetup run = difflab::build_run(spec, difflab::RunUse::kSample, initial.is_none());
  apply_overrides(run, times, initial);
  difflab::SamplerOptions so = spec.sampler_options;
  std::unique_ptr<difflab::TrajectoryRecorder> recorder;
  if (trajectory > 0) {
    recorder = std::make_unique<difflab::TrajectoryRecorder>(
        std::min<Index>(trajectory, run.initial.cols()), run.initial.rows());
    recorder->record_initial(run.initial, run.grid->T());
    so.on_step = [&](const difflab::StepInfo& info, Index first, difflab::ConstMatrixRef block) {
      recorder->on_step(info, first, block);
    };
  }
  Matrix X = run.initial;
  difflab::SamplerSummary s;
  {
    py::gil_scoped_release release;
    s = run.sampler->sample(*run.score, *run.grid, X, so, *difflab::make_noise(so, spec.seed));
  }
  if (!summary && !recorder) return to_numpy(X);
  py::dict out;
  out["samples"] = to_numpy(X);
  nlohmann::json j = s.to_json();
  j["run"] = run.describe();
  j["options"] = spec.to_json();
  out["summary"] = from_json(j);
  if (recorder) {
    // (states, particles, d) and the forward time of each state.
    const std::size_t S = recorder->states();
    const Index k = recorder->state(0).cols(), d = recorder->state(0).rows();
    py::array_t<double> path(
        {static_cast<py::ssize_t>(S), static_cast<py::ssize_t>(k), static_cast<py::ssize_t>(d)});
    auto r = path.mutable_unchecked<3>();
    std::vector<double> t(S);
    for (std::size_t i = 0; i < S; ++i) {
      t[i] = recorder->time(i);
      for (Index p = 0; p < k; ++p)
        for (Index c = 0; c < d; ++c)
          r(static_cast<py::ssize_t>(i), p, c) = recorder->state(i)(c, p);
    }
    out["trajectory"] = path;
    out["trajectory_t"] = t;
  }
  return out;
}

py::object law(const py::object& what, const py::kwargs& kwargs) {
  nlohmann::json options = to_json(kwargs);
  difflab::LawReportOptions lo;
  difflab::law_report_schema().read(take(options, difflab::law_report_schema().names()), lo, "law");
  const difflab::RunSpec spec = run_spec(what, options, "law");
  lo.seed = spec.seed;
  const difflab::RunSetup run = difflab::build_run(spec, difflab::RunUse::kExactLaw, false);
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    j = difflab::law_report(run, lo);
  }
  j["run"] = run.describe();
  j["start"] = spec.start;
  return from_json(j);
}

py::object grid_optimize(const py::object& what, bool progress, const py::kwargs& kwargs) {
  nlohmann::json options = to_json(kwargs);
  difflab::GridOptimizeOptions go;
  difflab::grid_optimize_schema().read(take(options, difflab::grid_optimize_schema().names()), go,
                                       "grid_optimize");
  const difflab::RunSpec spec = run_spec(what, options, "grid_optimize");
  // Progress lines go to Python's stderr (the GIL is taken for each line).
  if (progress)
    go.on_progress = [](const std::string& line) {
      py::gil_scoped_acquire gil;
      py::module_::import("sys").attr("stderr").attr("write")(line + "\n");
    };
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    j = difflab::grid_optimize(spec, go).to_json();
  }
  return from_json(j);
}

py::object strong_error(const py::object& what, const py::kwargs& kwargs) {
  nlohmann::json options = to_json(kwargs);
  difflab::StrongErrorOptions so;
  difflab::strong_error_schema().read(take(options, difflab::strong_error_schema().names()), so,
                                      "strong_error");
  const difflab::RunSpec spec = run_spec(what, options, "strong_error");
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    j = difflab::strong_error(spec, so).to_json();
  }
  return from_json(j);
}

py::object evaluate(const Array& x, const py::object& target, const py::object& reference,
                    const py::object& metrics, std::uint64_t seed, const py::kwargs& kwargs) {
  difflab::SampleMetricOptions mo;
  difflab::sample_metric_schema().read(to_json(kwargs), mo, "eval");
  mo.seed = seed;
  const Matrix X = particles(x, 0, "eval: x");
  std::shared_ptr<difflab::Target> t;
  if (!target.is_none()) t = make_target(target);
  Matrix Y;
  if (!reference.is_none()) Y = particles(reference.cast<Array>(), X.rows(), "eval: reference");
  if (t == nullptr && reference.is_none())
    throw difflab::Error("eval: give target= (a target) or reference= (samples)");
  if (t != nullptr && !reference.is_none())
    throw difflab::Error("eval: target= and reference= are exclusive: give one");
  difflab::EvaluationInputs in;
  in.samples = &X;
  in.samples_label = "x";
  in.target = t.get();
  in.reference = reference.is_none() ? nullptr : &Y;
  std::vector<std::string> names;
  if (py::isinstance<py::str>(metrics)) {
    names = difflab::parse_metric_list(metrics.cast<std::string>());
  } else if (!metrics.is_none()) {
    names = metrics.cast<std::vector<std::string>>();
  }
  const difflab::MetricSelection sel = difflab::select_metrics(names, in, mo);
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    j = difflab::evaluate_samples(in, sel, mo);
  }
  return from_json(j);
}

py::object bound(const py::object& papers, const py::object& target, const py::object& inputs,
                 bool measure, bool strict, const py::kwargs& kwargs) {
  std::vector<std::string> ids;
  const bool single = py::isinstance<py::str>(papers);
  if (single) {
    ids = {papers.cast<std::string>()};
  } else if (!papers.is_none()) {
    ids = papers.cast<std::vector<std::string>>();
  }
  // The registry's selection: every bound when none is named; an unknown or repeated id refused.
  std::vector<std::string> selected;
  for (const auto& b : difflab::select_bounds(ids)) selected.push_back(b.id);
  ids = selected;
  const nlohmann::json q = inputs.is_none() ? nlohmann::json::object() : to_json(inputs);
  nlohmann::json rows;
  if (measure) {
    if (target.is_none()) throw difflab::Error("bound: measure=True needs target= (the run)");
    nlohmann::json options = to_json(kwargs);
    difflab::LawReportOptions lo;
    difflab::law_report_schema().read(take(options, difflab::law_report_schema().names()), lo,
                                      "bound");
    const difflab::RunSpec spec = run_spec(target, options, "bound");
    const difflab::RunSetup run = difflab::build_run(spec, difflab::RunUse::kExactLaw, false);
    difflab::MeasuredBoundsOptions o;
    o.given = difflab::bound_quantities_from_json(q);
    o.eps_score_given = q.contains("eps_score");
    o.strict = strict;
    o.law = lo;
    o.law.seed = spec.seed;
    py::gil_scoped_release release;
    rows = difflab::measured_bounds(run, ids, o);
  } else {
    if (!kwargs.empty())
      throw difflab::Error("bound: run options (" +
                           py::str(static_cast<const py::object&>(kwargs)).cast<std::string>() +
                           ") are used only with measure=True; quantities go in inputs=");
    difflab::BoundInputs in = difflab::bound_quantities_from_json(q);
    if (!target.is_none()) in = difflab::from_target(*make_target(target), in);
    // One paper asked by name: its failure is the error (no skipped row).
    rows = difflab::calculator_bounds(ids, in, strict || single);
  }
  return single ? from_json(rows[0]) : from_json(rows);
}

py::object plan(const py::object& target, const py::object& inputs, const std::string& metric,
                const std::string& paper, const py::object& eps, const std::string& grid,
                double delta, bool verify, bool allow_failed_assumptions, Index tv_samples,
                std::uint64_t seed) {
  difflab::PlanRequest req;
  req.metric = metric;
  req.paper = paper;
  req.grid = grid;
  if (!eps.is_none()) req.eps = eps.cast<double>();
  req.delta = delta;
  req.verify = verify;
  req.allow_failed_assumptions = allow_failed_assumptions;
  req.tv_samples = tv_samples;
  req.seed = seed;
  const difflab::BoundInputs given = difflab::bound_quantities_from_json(
      inputs.is_none() ? nlohmann::json::object() : to_json(inputs), "plan");
  std::shared_ptr<const difflab::Target> t;
  if (!target.is_none()) t = make_target(target);
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    j = difflab::plan(req, given, std::move(t));
  }
  return from_json(j);
}

py::object target(const py::object& spec, double t, Index sample, const py::object& points,
                  const std::string& process, std::uint64_t seed, const std::string& prediction) {
  const std::shared_ptr<const difflab::Target> tg = make_target(spec);
  const auto proc = difflab::make_process(process);
  if (sample > 0 && !points.is_none())
    throw difflab::Error("target: sample and points are exclusive");
  if (sample > 0) {
    Matrix X;
    {
      py::gil_scoped_release release;
      X = difflab::sample_qt(*tg, *proc, t, sample, seed);
    }
    return to_numpy(X);
  }
  if (!points.is_none()) {
    const Matrix X = particles(points.cast<Array>(), tg->dim(), "points");
    const Matrix out =
        difflab::log_qt_and_score(*tg, *proc, t, X, difflab::parse_prediction(prediction));
    py::dict d;
    d["logq"] = vector_to_numpy(out.row(0).transpose());
    d[py::str(prediction)] = to_numpy(Matrix(out.bottomRows(tg->dim())));
    const nlohmann::json knn = difflab::knn_truncation_report(*tg, *proc, t, X);
    if (!knn.is_null()) d["knn_truncation"] = from_json(knn);
    return d;
  }
  return from_json(difflab::target_report(*tg));
}

py::object run(const py::object& spec, const std::string& out, int threads, int jobs) {
  nlohmann::json raw;
  std::string dir;
  if (py::isinstance<py::str>(spec)) {
    const std::string path = spec.cast<std::string>();
    raw = difflab::read_json(path);
    dir = std::filesystem::path(path).parent_path().string();
  } else {
    raw = to_json(spec);
  }
  difflab::ExperimentRunOptions o;
  o.out = out;
  o.threads = threads;
  o.jobs = jobs;
  {
    py::gil_scoped_release release;
    difflab::set_threads(threads);
    difflab::run_experiment(raw, dir, o);
  }
  std::vector<nlohmann::json> rows = difflab::ResultsTable(out).rows();
  std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["row"].get<std::size_t>() < b["row"].get<std::size_t>();
  });
  py::dict result;
  result["rows"] = from_json(rows);
  const std::string fits = out + "/fits.json";
  result["fits"] = std::filesystem::exists(fits) ? from_json(difflab::read_json(fits)) : py::none();
  return result;
}

// The data are a samples file (str) or an (n, d) array; the target a dict, path or Target.
py::object train(const py::object& target, const py::object& data, const py::kwargs& kwargs) {
  difflab::TrainRequest req = difflab::TrainRequest::from_json(to_json(kwargs), "train");
  if (!target.is_none()) {
    req.target_object = make_target(target);
    req.given.push_back("target");
  }
  if (py::isinstance<py::str>(data)) {
    req.data = data.cast<std::string>();
  } else if (!data.is_none()) {
    req.data_points = particles(data.cast<Array>(), 0, "train: data");
  }
  if (!data.is_none()) req.given.push_back("data");
  difflab::TrainRunResult result;
  {
    py::gil_scoped_release release;
    result = difflab::train_run(req);
  }
  return from_json(result.summary);
}

// difflab report: the library writes the data of the figures, the package python/difflab_report
// (found beside this module's sources, DIFFLAB_PYTHON_DIR) draws them. Its errors stay Python
// exceptions.
std::string report(const std::string& dir, const std::string& out) {
  const std::vector<std::string> dirs = difflab::experiment_dirs(dir);
  {
    py::gil_scoped_release release;
    for (const std::string& e : dirs) difflab::write_report_data(e);
  }
  const std::string html = out.empty() ? dir + "/report.html" : out;
  const std::string parent = std::filesystem::path(html).parent_path().string();
  const std::string figure_dir = (parent.empty() ? std::string(".") : parent) + "/figures";
  py::list path = py::module_::import("sys").attr("path");
  if (!path.contains(DIFFLAB_PYTHON_DIR)) path.insert(0, DIFFLAB_PYTHON_DIR);
  const py::module_ main = py::module_::import("difflab_report.__main__");
  const py::object data = main.attr("_assemble")(dirs);
  py::module_::import("difflab_report.render")
      .attr("render")(data, html, figure_dir, main.attr("_warn"));
  return html;
}

// difflab demo: the library runs the experiments, report() draws them; returns {report,
// experiments: [dirs]}.
py::object demo(const std::string& out, const std::vector<std::string>& only, int threads,
                bool draw) {
  difflab::DemoOptions o;
  o.out = out;
  o.only = only;
  o.run.threads = threads;
  std::vector<std::string> dirs;
  {
    py::gil_scoped_release release;
    difflab::set_threads(threads);
    dirs = difflab::run_demo(o);
  }
  py::dict result;
  result["experiments"] = dirs;
  result["report"] = draw ? py::object(py::str(report(out, out + "/report.html"))) : py::none();
  return result;
}

}  // namespace

void bind_engine(py::module_& m) {
  m.def(
      "options",
      [](const std::string& which) {
        if (which == "run") return from_json(difflab::run_spec_schema().describe());
        if (which == "sampler") return from_json(difflab::sampler_options_schema().describe());
        if (which == "law") return from_json(difflab::law_report_schema().describe());
        if (which == "metrics") return from_json(difflab::sample_metric_schema().describe());
        if (which == "train") return from_json(difflab::train_request_schema().describe());
        if (which == "grid_optimize") return from_json(difflab::grid_optimize_schema().describe());
        if (which == "strong_error") return from_json(difflab::strong_error_schema().describe());
        // The run options of an experiment spec's grid "optimized" (optimized_grids.hpp).
        if (which == "run_grid_optimize")
          return from_json(difflab::run_grid_optimize_schema().describe());
        throw difflab::Error("options: unknown table '" + which +
                             "' (valid: run, sampler, law, metrics, train, grid_optimize, "
                             "strong_error, run_grid_optimize)");
      },
      py::arg("which") = "run",
      "The option table (name, flag, type, range, choices, default, help) of run, sampler, law, "
      "metrics or train: the keyword arguments sample(), law(), bound(measure=True), eval() and "
      "train() take");
  m.def("sample", &sample, py::arg("target"), py::kw_only(), py::arg("times") = py::none(),
        py::arg("initial") = py::none(), py::arg("trajectory") = 0, py::arg("summary") = false,
        R"doc(Samples (n, d) from a sampler run, the same bits as `difflab sample`.

target: a Score (exact_score(t), perturbed_score(t, ...)), a Target, a target dict or a path.
Keyword arguments: every run option (difflab.options("run")): sampler, grid, steps, T, delta,
n, seed, start, score, score_error, perturbation, theta, denoise, snr, rtol, ... .
times: explicit forward times T = t_0 > ... > t_N (overrides grid); initial: (n, d) start points.
trajectory=K or summary=True: return a dict {samples, summary[, trajectory (states, K, d),
trajectory_t]} with the NFE and the run's resolved options.)doc");
  m.def("law", &law, py::arg("target"),
        R"doc(The exact output law of a run and its distances to the target, as `difflab law`.

Gaussian targets with affine scores and samplers (linear response), diagonal targets
(O(d N)), one-dimensional and product targets (grid law) and two-dimensional targets (2-D grid
law, with grid_error). Keyword arguments: run options and tv_samples, grid_nodes.)doc");
  m.def("grid_optimize", &grid_optimize, py::arg("target"), py::kw_only(),
        py::arg("progress") = false,
        R"doc(A time grid optimised against the exact output error, as `difflab grid optimize`.

Keyword arguments: run options (sampler, steps, T, delta, process, start, score, ...) and
difflab.options("grid_optimize"): metric (kl, w2, tv), max_iterations, max_evaluations,
grid_nodes. Returns a dict: value, start (the best named grid) and start_value, named (every
named grid's value and times, and the 'Align Your Steps'-style KLUB grid on Gaussian targets),
times (the optimised grid, usable as sample(times=...)), iterations, evaluations, law.
progress=True prints one line per improving iteration on stderr.)doc");
  m.def("strong_error", &strong_error, py::arg("target"),
        R"doc(A strong-error curve from coupled runs, as `difflab strong-error`.

For each coarse step count N (coarse_steps, default [8, 16, 32, 64]) the run is sampled with N
and with 2N steps on nested grids from the same initial points on one Brownian path per
particle. Returns a dict: points (per N: gap = E|X_N - X_2N| with gap_ci, gap_rms, gap_max,
moment_change = E|X_N|^2 - E|X_2N|^2 with moment_change_ci, and the sd of the coupled pairs
beside that of independent runs), fit (log gap against log N; strong_order and its interval),
run. Keyword arguments: run options (sampler, grid, T, delta, n, seed, ...) and coarse_steps.)doc");
  m.def("eval", &evaluate, py::arg("x"), py::kw_only(), py::arg("target") = py::none(),
        py::arg("reference") = py::none(), py::arg("metrics") = py::none(), py::arg("seed") = 0,
        R"doc(Sample metrics of x (n, d) against a target or reference samples, as `difflab eval`.

metrics: names or a comma-separated string (difflab.metrics(); default: all that apply).
Keyword arguments: the metric options (difflab.options("metrics")): reference_n,
w2_bootstrap, sw2_projections, mmd_bandwidth, knn_k, kl_replicates, tv_bins, tv_bootstrap.)doc");
  m.def(
      "metrics",
      [] {
        py::list out;
        for (const auto& info : difflab::list_metrics()) out.append(from_json(info.to_json()));
        return out;
      },
      "The metric registry: name, what it estimates, its interval, what it needs");
  m.def("bound", &bound, py::arg("paper") = py::none(), py::kw_only(),
        py::arg("target") = py::none(), py::arg("inputs") = py::none(), py::arg("measure") = false,
        py::arg("strict") = false,
        R"doc(Published bounds, as `difflab bound`.

paper: a bound id (returns one dict), a list of ids or None (all; returns a list).
Calculator: inputs={d, T, delta, steps, grid, grid_file, L, m2, kl, eps_score,
identity_covariance, strong_log_concavity, fisher, data_mean, cov_eigenvalues, accuracy, mu,
theta_hat, sampler, denoise, constants}; with target=, the target's quantities fill what is not given.
measure=True: target= is the run (as in sample()) and the keyword arguments are run options;
each bound gets its inputs from the run and the measured error of the exact output law beside
it (measured, ratio, measured_terms).)doc");
  m.def("target", &target, py::arg("target"), py::kw_only(), py::arg("t") = 0.0,
        py::arg("sample") = 0, py::arg("points") = py::none(), py::arg("process") = "ou",
        py::arg("seed") = 0, py::arg("prediction") = "score",
        R"doc(A target, as `difflab target`: its spec, dimension and summary (a dict); with
sample=n, n exact samples of q_t as an (n, d) array; with points=(m, d) array, a dict
{"logq": (m,), "score": (m, d)} of the exact log q_t and score at t under process. With
prediction="flow" (or noise, data, velocity) the second entry is that exact prediction under
its own name, e.g. {"logq", "flow"}: the flow-matching velocity E[dX_t/dt | x].)doc");
  m.def("plan", &plan, py::arg("target") = py::none(), py::kw_only(),
        py::arg("inputs") = py::none(), py::arg("metric") = "", py::arg("paper") = "",
        py::arg("eps") = py::none(), py::arg("grid") = "", py::arg("delta") = 1e-3,
        py::arg("verify") = false, py::arg("allow_failed_assumptions") = false,
        py::arg("tv_samples") = 200000, py::arg("seed") = 0,
        R"doc(Inverts a bound for a target accuracy, as `difflab plan`; returns its JSON as a dict.

target: a target dict, path or Target (supplies d, m2, KL, L); inputs: quantities as in
bound() (d, L, m2, kl, eps_score, identity_covariance, constants, ...), which win over the
target's. metric: "kl" (benton24 on the benton grid, ccl23-path on the uniform grid) or "tv"
(ccl23), or paper= a plannable bound id; eps: the accuracy; grid: "benton" or "uniform";
delta: early stopping for benton24. verify=True runs the plan (EI, exact score, N(0, I) start;
Gaussian targets) and adds "verify" with the measured error beside the bound.)doc");
  m.def("train", &train, py::arg("target") = py::none(), py::kw_only(),
        py::arg("data") = py::none(),
        R"doc(Trains an MLP score network by denoising score matching, as `difflab train`, and
writes its checkpoint to out= (a model for score="model:PATH"); returns the summary as a dict
{model, options, train: {log: [{step, train_loss, validation_loss, score_error}], ...},
final_step, lipschitz}.

target: a target dict, path or Target (the data law if data is not given, and the exact score
for the logged score error); data: samples as an (n, d) array or a .csv/.npy path. Keyword
arguments: the options of difflab.options("train"): out (required), iters, batch, width, depth,
optimizer, lr, ..., seed, log, summary, resume. The same options and seed give the CLI's
checkpoint bytes.)doc");
  m.def("run", &run, py::arg("spec"), py::arg("out"), py::arg("threads") = 0, py::arg("jobs") = 0,
        R"doc(Runs (or resumes) an experiment spec (a dict or a path) into the directory out, as
`difflab run`; returns {"rows": [...], "fits": ...}.)doc");
  m.def("run_experiment", &run, py::arg("spec"), py::arg("out"), py::arg("threads") = 0,
        py::arg("jobs") = 0,
        "Runs (or resumes) an experiment spec (a dict or a path) into the directory out; the "
        "same function as run()");
  m.def("demo", &demo, py::arg("out") = "difflab-demo", py::kw_only(),
        py::arg("only") = std::vector<std::string>(), py::arg("threads") = 0,
        py::arg("draw") = true,
        R"doc(Runs small versions of three reproductions into out/<name>/ (as `difflab demo`:
the same specs, the same rows bit for bit; rerunning resumes) and draws their report
out/report.html (matplotlib). only: a subset of difflab.demo_experiments() names; draw=False
skips the report. Returns {"experiments": [dirs], "report": path or None}.)doc");
  m.def(
      "demo_experiments",
      [] {
        py::dict out;
        for (const auto& e : difflab::demo_experiments()) out[py::str(e.name)] = from_json(e.spec);
        return out;
      },
      "The demo's experiment specs by name (experiments/demo/, compiled in)");
  m.def(
      "rerun",
      [](const std::string& dir, std::size_t row, int threads) {
        return from_json(difflab::rerun_row(dir, row, threads));
      },
      py::arg("dir"), py::arg("row"), py::arg("threads") = 0,
      "Recomputes one row of a results directory and compares it with the stored row");
  m.def("report", &report, py::arg("dir"), py::arg("out") = "",
        "Writes the HTML report of the experiment(s) in dir (as `difflab report`); returns its "
        "path. Needs matplotlib (Debian's python3-matplotlib)");
  m.def(
      "app",
      [](const std::string& name, std::uint64_t seed, const py::kwargs& kwargs) {
        const nlohmann::json options = to_json(kwargs);
        difflab::validate_app_run(name, options, seed);
        nlohmann::json j;
        {
          py::gil_scoped_release release;
          j = difflab::run_app(name, options, seed);
        }
        return from_json(j);
      },
      py::arg("name"), py::kw_only(), py::arg("seed") = 0,
      "An application of the seed lecture (sk, z2, gmm-learn, langevin-modes, gaussian-mean) "
      "with its options as keyword arguments, as a `difflab run` spec row runs it");
}

}  // namespace difflab_python
