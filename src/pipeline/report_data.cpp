// The data `difflab report` draws that needs the library: for 2-D sampler experiments, the
// samples and trajectories of a few rows re-run bit for bit from their seeds, the target's
// density and the exact score field of q_t at several t; for report.images, samples of a few
// rows beside the data, as images (docs/architecture.md, "Faces": the
// figures themselves are drawn by the Python package python/difflab_report).
#include "difflab/pipeline/report_data.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/experiment/experiment_spec.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/experiment_runner.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/sampler/trajectory_recorder.hpp"
#include "difflab/target/empirical_target.hpp"

namespace difflab {

namespace {

namespace fs = std::filesystem;

constexpr Index kMaxScatterPoints = 2000;
constexpr Index kTrajectoryParticles = 8;
constexpr std::size_t kMaxTrajectoryStates = 300;
constexpr int kDensityNodes = 121;
constexpr int kQuiverNodes = 17;
constexpr std::size_t kMaxSampleRows = 6;

// Rows to draw: the spec's report.sample_rows if given, else for each combination of the
// categorical axes (in row order) its last row, which in a sweep is the finest.
std::vector<const nlohmann::json*> sample_rows(const ExperimentSpec& spec,
                                               const std::vector<nlohmann::json>& rows) {
  std::vector<const nlohmann::json*> out;
  const auto by_index = [&](std::size_t k) -> const nlohmann::json* {
    for (const auto& r : rows)
      if (r["row"].get<std::size_t>() == k) return &r;
    return nullptr;
  };
  if (spec.report.contains("sample_rows")) {
    const auto& list = spec.report["sample_rows"];
    require(list.is_array(), "spec: report.sample_rows must be a list of row indices");
    for (const auto& k : list) {
      require(k.is_number_unsigned(), "spec: report.sample_rows entries must be row indices, got ",
              k.dump());
      const nlohmann::json* r = by_index(k.get<std::size_t>());
      require(r != nullptr, "spec: report.sample_rows: row ", k.dump(), " is not in the results");
      out.push_back(r);
    }
    return out;
  }
  // The categorical axes (sampler, target, grid, ...): the numeric ones are what curves show.
  std::vector<std::string> keys;
  for (const auto& axis : spec.axes)
    if (!axis.values.front().is_number()) keys.push_back(axis.name);
  if (keys.empty()) keys.push_back("sampler");
  std::vector<std::string> seen;
  std::vector<const nlohmann::json*> last;
  for (const auto& r : rows) {
    nlohmann::json key = nlohmann::json::array();
    for (const auto& k : keys) key.push_back(r["options"].value(k, nlohmann::json()));
    const auto it = std::find(seen.begin(), seen.end(), key.dump());
    if (it == seen.end()) {
      seen.push_back(key.dump());
      last.push_back(&r);
    } else {
      last[static_cast<std::size_t>(it - seen.begin())] = &r;
    }
  }
  if (last.size() > kMaxSampleRows) last.resize(kMaxSampleRows);
  return last;
}

// The box the 2-D figures show: the 0.5%..99.5% range of exact target samples and of the drawn
// samples, widened by 10%.
void plot_box(const Matrix& reference, const std::vector<Matrix>& samples, double box[4]) {
  for (int c = 0; c < 2; ++c) {
    std::vector<double> v;
    for (Index j = 0; j < reference.cols(); ++j) v.push_back(reference(c, j));
    for (const Matrix& X : samples)
      for (Index j = 0; j < X.cols(); ++j)
        if (std::isfinite(X(c, j))) v.push_back(X(c, j));
    std::sort(v.begin(), v.end());
    const double lo = v[static_cast<std::size_t>(0.005 * static_cast<double>(v.size() - 1))];
    const double hi = v[static_cast<std::size_t>(0.995 * static_cast<double>(v.size() - 1))];
    const double pad = 0.1 * std::max(hi - lo, 1e-6);
    box[2 * c] = lo - pad;
    box[2 * c + 1] = hi + pad;
  }
}

Vector linspace(double a, double b, int n) { return Vector::LinSpaced(n, a, b); }

// The grid points (x_j, y_i), row-major in i: column i * nx + j.
Matrix grid_points(const Vector& x, const Vector& y) {
  Matrix P(2, x.size() * y.size());
  for (Index i = 0; i < y.size(); ++i)
    for (Index j = 0; j < x.size(); ++j) P.col(i * x.size() + j) << x(j), y(i);
  return P;
}

nlohmann::json rows_of(const Vector& values, Index nx, Index ny) {
  nlohmann::json z = nlohmann::json::array();
  for (Index i = 0; i < ny; ++i)
    z.push_back(json_util::to_json(Vector(values.segment(i * nx, nx))));
  return z;
}

// The density of q_t (alpha, sigma2) on a grid over the box: {x, y, z} with z[i][j] at (x_j, y_i).
nlohmann::json density_grid(const Target& target, double alpha, double sigma2, const double box[4],
                            int nodes) {
  const Vector x = linspace(box[0], box[1], nodes), y = linspace(box[2], box[3], nodes);
  const Matrix P = grid_points(x, y);
  Vector logp(P.cols());
  target.noised_log_density(alpha, sigma2, P, logp);
  return {{"x", json_util::to_json(x)},
          {"y", json_util::to_json(y)},
          {"z", rows_of(logp.array().exp(), nodes, nodes)}};
}

nlohmann::json quiver_panel(const Target& target, const ForwardProcess& process, double t,
                            const double box[4]) {
  const double alpha = process.alpha(t), sigma2 = process.sigma2(t);
  const Vector x = linspace(box[0], box[1], kQuiverNodes),
               y = linspace(box[2], box[3], kQuiverNodes);
  const Matrix P = grid_points(x, y);
  Matrix S(2, P.cols());
  target.noised_score(alpha, sigma2, P, S);
  return {{"t", t},
          {"x", json_util::to_json(x)},
          {"y", json_util::to_json(y)},
          {"u", rows_of(S.row(0).transpose(), kQuiverNodes, kQuiverNodes)},
          {"v", rows_of(S.row(1).transpose(), kQuiverNodes, kQuiverNodes)},
          {"density", density_grid(target, alpha, sigma2, box, 61)}};
}

// Samples and trajectories of the chosen rows, the target density, the score field of q_t.
// Null when the experiment has no 2-D sampler rows.
nlohmann::json figures_2d(const ExperimentSpec& spec, const std::vector<nlohmann::json>& rows,
                          const std::string& dir) {
  if (!spec.app.empty() || rows.empty()) return nullptr;
  const auto chosen = sample_rows(spec, rows);
  std::vector<Matrix> samples;
  nlohmann::json out_rows = nlohmann::json::array();
  struct TargetView {
    std::string file, process_name;
    std::shared_ptr<const Target> target;
    std::shared_ptr<const ForwardProcess> process;
  };
  std::vector<TargetView> targets;
  std::vector<std::size_t> row_target;  // view of each drawn row
  for (const nlohmann::json* row : chosen) {
    if (!row->contains("target_file") || (*row)["dim"].get<Index>() != 2) continue;
    RunSpec ro = run_spec_from_options(
        (*row)["options"], dir, (*row)["target_file"].get<std::string>(),
        (*row)["seed"].get<std::uint64_t>(), row->value("optimized_grid_file", std::string()));
    // The first particles of a run depend only on (seed, particle): these are the row's own.
    ro.n = std::min<Index>(ro.n, kMaxScatterPoints);
    RunSetup setup = build_run(ro);
    TrajectoryRecorder recorder(kTrajectoryParticles, 2);
    recorder.record_initial(setup.initial, setup.grid->T());
    SamplerOptions so = ro.sampler_options;
    so.on_step = [&](const StepInfo& info, Index first, ConstMatrixRef block) {
      recorder.on_step(info, first, block);
    };
    Matrix X = setup.initial;
    setup.sampler->sample(*setup.score, *setup.grid, X, so, *make_noise(so, ro.seed));
    nlohmann::json points = nlohmann::json::array();
    for (Index j = 0; j < X.cols(); ++j)
      if (std::isfinite(X(0, j)) && std::isfinite(X(1, j))) points.push_back({X(0, j), X(1, j)});
    // At most kMaxTrajectoryStates states, evenly spaced, always with the first and the last.
    const std::size_t states = recorder.states();
    const std::size_t stride =
        std::max<std::size_t>(1, (states + kMaxTrajectoryStates - 1) / kMaxTrajectoryStates);
    std::vector<std::size_t> keep;
    for (std::size_t s = 0; s < states; s += stride) keep.push_back(s);
    if (keep.back() != states - 1) keep.push_back(states - 1);
    nlohmann::json times = nlohmann::json::array(), steps = nlohmann::json::array();
    nlohmann::json paths = nlohmann::json::array();
    const Index particles = recorder.state(0).cols();
    for (Index p = 0; p < particles; ++p) {
      nlohmann::json path = nlohmann::json::array();
      for (const std::size_t s : keep)
        path.push_back({recorder.state(s)(0, p), recorder.state(s)(1, p)});
      paths.push_back(path);
    }
    for (const std::size_t s : keep) {
      times.push_back(recorder.time(s));
      steps.push_back(s);
    }
    out_rows.push_back({{"row", (*row)["row"]},
                        {"points", points},
                        {"trajectory", {{"t", times}, {"step", steps}, {"paths", paths}}}});
    samples.push_back(X);
    const std::string file = (*row)["target_file"].get<std::string>();
    const auto same = [&](const TargetView& t) {
      return t.file == file && t.process_name == ro.process;
    };
    auto it = std::find_if(targets.begin(), targets.end(), same);
    if (it == targets.end()) {
      targets.push_back({file, ro.process, setup.target, setup.process});
      it = targets.end() - 1;
    }
    row_target.push_back(static_cast<std::size_t>(it - targets.begin()));
    out_rows.back()["view"] = row_target.back();
  }
  if (out_rows.empty()) return nullptr;
  std::vector<double> times = {0.05, 0.25, 1.0, 3.0};
  if (spec.report.contains("quiver_times")) {
    const auto& q = spec.report["quiver_times"];
    require(q.is_array() && !q.empty(), "spec: report.quiver_times must be a non-empty list");
    times.clear();
    for (const auto& t : q) {
      require(t.is_number() && t.get<double>() > 0, "spec: report.quiver_times must be > 0, got ",
              t.dump());
      times.push_back(t.get<double>());
    }
  }
  // One view per target (a sweep may have several): its box covers the target and the samples
  // of its rows; density and score field are the target's.
  nlohmann::json views = nlohmann::json::array();
  for (std::size_t v = 0; v < targets.size(); ++v) {
    std::vector<Matrix> own;
    for (std::size_t r = 0; r < samples.size(); ++r)
      if (row_target[r] == v) own.push_back(samples[r]);
    const Matrix reference = targets[v].target->sample(4000, CounterRng(spec.seed));
    double box[4];
    plot_box(reference, own, box);
    nlohmann::json quiver = nlohmann::json::array();
    for (const double t : times)
      quiver.push_back(quiver_panel(*targets[v].target, *targets[v].process, t, box));
    views.push_back({{"target_file", targets[v].file},
                     {"box", {box[0], box[1], box[2], box[3]}},
                     {"density", density_grid(*targets[v].target, 1.0, 0.0, box, kDensityNodes)},
                     {"quiver", quiver}});
  }
  return {{"rows", out_rows}, {"views", views}};
}

// The first `count` columns of X as lists of numbers (one image each).
nlohmann::json image_list(const Matrix& X, Index count) {
  nlohmann::json out = nlohmann::json::array();
  for (Index j = 0; j < std::min<Index>(count, X.cols()); ++j)
    out.push_back(json_util::to_json(Vector(X.col(j))));
  return out;
}

// Samples drawn as images (report.images: {"shape": [h, w], "count": k}, h w the dimension):
// the first k samples of each drawn row, re-run bit for bit (the first particles of a run
// depend only on (seed, particle)), beside the first k points of the rows' reference file
// (held-out data) and of their empirical target's training points. Null without report.images.
nlohmann::json sample_images(const ExperimentSpec& spec, const std::vector<nlohmann::json>& rows,
                             const std::string& dir) {
  if (!spec.report.contains("images") || !spec.app.empty() || rows.empty()) return nullptr;
  const nlohmann::json& hint = spec.report["images"];
  const std::string where = "spec: report.images";
  require(hint.is_object(), where, " must be an object {\"shape\": [h, w], \"count\": k}");
  json_util::only_keys(hint, {"shape", "count", "title", "caption"}, where);
  const Vector shape = json_util::vector(json_util::member(hint, "shape", where), where + ".shape");
  require(shape.size() == 2 && shape.minCoeff() >= 1 && shape == shape.array().round().matrix(),
          where, ".shape must be two positive integers [h, w]");
  const Index count =
      hint.contains("count") ? json_util::integer(hint["count"], where + ".count") : 10;
  require(count >= 1 && count <= 100, where, ".count must be in [1, 100], got ", count);
  const Index d = static_cast<Index>(shape(0) * shape(1));
  nlohmann::json out_rows = nlohmann::json::array();
  const nlohmann::json* first = nullptr;
  for (const nlohmann::json* row : sample_rows(spec, rows)) {
    if (!row->contains("target_file")) continue;
    require((*row)["dim"].get<Index>() == d, where, ".shape ", shape(0), " x ", shape(1),
            " does not match the dimension ", (*row)["dim"].get<Index>(), " of row ",
            (*row)["row"].dump());
    RunSpec ro = run_spec_from_options(
        (*row)["options"], dir, (*row)["target_file"].get<std::string>(),
        (*row)["seed"].get<std::uint64_t>(), row->value("optimized_grid_file", std::string()));
    ro.n = std::min<Index>(ro.n, count);
    RunSetup setup = build_run(ro);
    Matrix X = setup.initial;
    setup.sampler->sample(*setup.score, *setup.grid, X, ro.sampler_options,
                          *make_noise(ro.sampler_options, ro.seed));
    out_rows.push_back({{"row", (*row)["row"]}, {"images", image_list(X, count)}});
    if (first == nullptr) first = row;
  }
  if (first == nullptr) return nullptr;
  nlohmann::json real = nlohmann::json::array();
  if (first->contains("reference_file"))
    real.push_back(
        {{"label", "held-out data (reference)"},
         {"images",
          image_list(read_samples(dir + "/" + (*first)["reference_file"].get<std::string>()),
                     count)}});
  const auto target = load_target(dir + "/" + (*first)["target_file"].get<std::string>());
  if (const auto* data = dynamic_cast<const EmpiricalTarget*>(target.get()))
    real.push_back(
        {{"label", "training data (target)"}, {"images", image_list(data->points(), count)}});
  nlohmann::json j{{"shape", {shape(0), shape(1)}}, {"rows", out_rows}, {"real", real}};
  for (const char* key : {"title", "caption"})
    if (hint.contains(key)) j[key] = hint[key];
  return j;
}

}  // namespace

// The experiment directories: DIR itself when it holds spec.json, else its subdirectories that
// do (sorted by name).
std::vector<std::string> experiment_dirs(const std::string& dir) {
  require(fs::is_directory(dir), "report: ", dir, " is not a directory");
  if (fs::exists(dir + "/spec.json")) return {dir};
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && fs::exists(e.path() / "spec.json")) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  require(!out.empty(), "report: ", dir,
          " holds no experiment (no spec.json in it or in its subdirectories; run an experiment "
          "SPEC with option 'out' DIR first)");
  return out;
}

void write_report_data(const std::string& e) {
  require(fs::exists(e + "/results.jsonl"), "report: ", e,
          " has no results.jsonl (the experiment has not run yet)");
  const ExperimentSpec spec = parse_experiment_spec(read_json(e + "/spec.json"), e + "/spec.json");
  std::vector<nlohmann::json> rows = ResultsTable(e).rows();
  std::sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["row"].get<std::size_t>() < b["row"].get<std::size_t>();
  });
  ensure_directory(e + "/report");
  const auto write_or_remove = [](const std::string& path, const nlohmann::json& data) {
    if (data.is_null()) {
      fs::remove(path);
    } else {
      write_json(path, data);
    }
  };
  write_or_remove(e + "/report/figures2d.json", figures_2d(spec, rows, e));
  write_or_remove(e + "/report/images.json", sample_images(spec, rows, e));
}

}  // namespace difflab
