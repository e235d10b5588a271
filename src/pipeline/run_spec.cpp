#include "difflab/pipeline/run_spec.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/core/option_ref.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/sampler/sampler_options_schema.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/gaussian_mean_score.hpp"
#include "difflab/score/perturbed_score.hpp"
#include "difflab/train/checkpoint.hpp"

namespace difflab {

namespace {

std::vector<std::string> sampler_names() {
  std::vector<std::string> out;
  for (const auto& s : list_samplers()) out.push_back(s.name);
  return out;
}

std::vector<std::string> grid_names() {
  std::vector<std::string> out;
  for (const auto& g : list_grids()) out.push_back(g.name);
  return out;
}

}  // namespace

const OptionSchema<RunSpec>& run_spec_schema() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  using R = RunSpec;
  static const OptionSchema<R> schema =
      OptionSchema<R>()
          .text("target", &R::target, "Target spec: a JSON file (see README), or inline in specs")
          .text("process", &R::process, "Forward process", process_kinds())
          .text("score", &R::score,
                "Score model: exact, perturbed, gaussian-mean, model:FILE (a trained model from "
                "difflab train)")
          .number("score_error", &R::score_error, 0, inf,
                  "L2(q_t) size eps_sc of the perturbation (score perturbed)")
          .text("perturbation", &R::perturbation,
                "Perturbation of score perturbed: direction (constant unit field) or linear "
                "(random linear map, Gaussian/GMM targets), both of L2(q_t) size exactly "
                "score_error",
                {"direction", "linear"})
          .numbers("theta", &R::theta, "theta of score gaussian-mean, one value per dimension")
          .choice("sampler", &R::sampler, "Sampler, a name of the sampler registry", sampler_names)
          .choice(
              "grid", &R::grid,
              "Time grid, a name of the grid registry (in an experiment spec also 'optimized': a "
              "grid optimised before the runs, and 'ays': the target's KL-upper-bound grid; "
              "experiments/README.md)",
              grid_names)
          .text("grid_file", &R::grid_file,
                "Grid file of grid 'file': one forward time per line, decreasing")
          .integer("steps", &R::steps, 1, 1e8, "Number of steps N")
          .number("T", &R::T, 0, inf, "Horizon T (forward time of the first grid point)", true)
          .number("delta", &R::delta, 0, inf, "Early-stopping time delta >= 0 (last grid point)")
          .integer("n", &R::n, 1, std::ldexp(1.0, 40), "Number of particles (overridden by init)")
          .text("start", &R::start,
                "Initial law: normal = N(0, I) (the papers' algorithm), exact = the exact q_T",
                {"normal", "exact"})
          .text("init", &R::init,
                "Initial points from a file (n x d, .csv or .npy); overrides n and start")
          .integer("seed", &R::seed, 0, 18446744073709551615.0,
                   "Random seed (counter-based: same seed, same bits)")
          .nest(&R::sampler_options, sampler_options_schema());
  return schema;
}

void RunSpec::validate(const std::string& where) const {
  run_spec_schema().validate(*this, where);
  // The cross-field checks of the sampler options (a tau window, ...), before any work is done.
  sampler_options.validate();
  require(T > delta, where, ": T (", T, ") must be larger than delta (", delta, ")");
  require(grid != "file" || !grid_file.empty(), where, ": grid 'file' needs grid_file");
  require(grid == "file" || grid_file.empty(), where, ": grid_file is only used with grid 'file'");
  require(has_target() || score.rfind("model:", 0) == 0, where,
          ": no target: give option 'target' (a target file or an inline target); only a "
          "trained model (option 'score' model:FILE) samples without one");
}

nlohmann::json RunSpec::to_json() const {
  nlohmann::json j = run_spec_schema().write(*this);
  if (!target_json.is_null()) j["target"] = target_json;
  return j;
}

nlohmann::json take_inline_target(const nlohmann::json& options, nlohmann::json& target_json) {
  nlohmann::json rest = options;
  if (options.contains("target") && options["target"].is_object()) {
    target_json = options["target"];
    rest.erase("target");
  }
  return rest;
}

RunSpec RunSpec::from_json(const nlohmann::json& j, const std::string& where,
                           const std::string& base_dir, const std::vector<std::string>& ignore) {
  RunSpec spec;
  require(j.is_object(), where, ": run options must be a JSON object");
  const nlohmann::json rest = take_inline_target(j, spec.target_json);
  run_spec_schema().read(rest, spec, where, ignore);
  if (!spec.target.empty() && !base_dir.empty() && std::filesystem::path(spec.target).is_relative())
    spec.target = (std::filesystem::path(base_dir) / spec.target).string();
  return spec;
}

nlohmann::json RunSetup::describe() const {
  return {{"target", target ? target->to_json() : nlohmann::json()},
          {"process", process->to_json()},
          {"score", score->to_json()},
          {"sampler", sampler->name()},
          {"grid", grid->to_json()},
          {"particles", initial.cols()}};
}

std::shared_ptr<const ScoreModel> make_score_model(const RunSpec& s,
                                                   std::shared_ptr<const Target> target,
                                                   std::shared_ptr<const ForwardProcess> process,
                                                   RunUse use) {
  if (s.score_object) return s.score_object;
  if (s.score == "exact") return std::make_shared<ExactScore>(target, process);
  if (s.score == "perturbed") {
    if (s.perturbation == "direction")
      return std::make_shared<PerturbedScore>(target, process, s.score_error, s.seed);
    return PerturbedScore::random_linear_map(target, process, s.score_error, s.seed);
  }
  if (s.score == "gaussian-mean") {
    require(!s.theta.empty(), "score gaussian-mean needs theta (", target->dim(), " values)");
    require(static_cast<Index>(s.theta.size()) == target->dim(), "theta has ", s.theta.size(),
            " values but the target has dimension ", target->dim());
    return std::make_shared<GaussianMeanScore>(
        Eigen::Map<const Vector>(s.theta.data(), target->dim()), process);
  }
  if (s.score.rfind("model:", 0) == 0) {
    // A trained network is not affine in x, but the grid laws (1-D, product and 2-D targets) need
    // only score evaluations; law_report refuses the affine (Gaussian) law for it by its own
    // linearity check.
    static_cast<void>(use);
    const std::string path = s.score.substr(6);
    require(!path.empty(), "score model:FILE needs a file name");
    auto model = load_mlp_score(path);
    require(model->dim() == target->dim(), path, ": the model has dimension ", model->dim(),
            " but the target has dimension ", target->dim());
    require(model->process().to_json() == process->to_json(), path,
            ": the model was trained for process ", model->process().name(),
            " but the run's process is ", process->name());
    return model;
  }
  fail("unknown score model '", s.score, "' (valid: exact, perturbed, gaussian-mean, model:FILE)");
}

RunSetup build_run(const RunSpec& spec, RunUse use, bool draw_particles) {
  spec.validate();
  RunSetup r;
  r.spec = spec;
  if (spec.target_object) {
    r.target = spec.target_object;
  } else if (!spec.target_json.is_null()) {
    r.target = make_target(spec.target_json, "target");
  } else if (!spec.target.empty()) {
    r.target = load_target(spec.target);
  }
  r.process = make_process(spec.process);
  require(spec.T <= r.process->t_max(), "T (", spec.T, ") exceeds the largest time of process ",
          spec.process, " (", r.process->t_max(), "): pass ", option_ref("T"), " of at most ",
          r.process->t_max());
  if (r.target) {
    r.score = make_score_model(spec, r.target, r.process, use);
    require(r.score->dim() == r.target->dim(), "the score model has dimension ", r.score->dim(),
            " but the target has dimension ", r.target->dim());
  } else {
    // A trained model alone (RunSpec::validate): its checkpoint holds its dimension and process.
    require(use == RunUse::kSample,
            "no target: an exact law compares the output with a target; give the option 'target'");
    require(spec.start == "normal" || !spec.init.empty(),
            "start exact draws from q_T of the target; without a target use start normal or init");
    const std::string path = spec.score.substr(6);
    require(!path.empty(), "score model:FILE needs a file name");
    auto model = load_mlp_score(path);
    require(model->process().to_json() == r.process->to_json(), path,
            ": the model was trained for process ", model->process().name(),
            " but the run's process is ", r.process->name());
    r.score = std::move(model);
  }
  const Index dim = r.score->dim();
  r.sampler = make_sampler(spec.sampler, spec.sampler_options);
  r.grid = std::make_unique<TimeGrid>(make_grid(spec.grid, *r.process, spec.T, spec.delta,
                                                static_cast<int>(spec.steps), spec.grid_file));
  if (!draw_particles) return r;
  if (spec.init.empty()) {
    // The particles, the sampler's working copy and the output: about three d x n matrices,
    // refused with the estimate before anything is allocated (--n 1e10).
    const std::uint64_t particles =
        checked_mul(static_cast<std::uint64_t>(spec.n), static_cast<std::uint64_t>(dim), "n * d");
    require_memory(
        checked_mul(bytes_of_doubles(particles, "n * d"), 3, "n * d"),
        "sampling " + std::to_string(spec.n) + " particles in dimension " + std::to_string(dim));
  }
  if (!spec.init.empty()) {
    r.initial = read_samples(spec.init, dim);
  } else if (r.target) {
    r.initial = initial_points(parse_initial_law(spec.start), *r.target, *r.process, r.grid->T(),
                               spec.n, CounterRng(spec.seed));
  } else {
    r.initial = standard_normal_points(dim, spec.n, CounterRng(spec.seed));
  }
  return r;
}

}  // namespace difflab
