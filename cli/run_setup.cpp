#include "run_setup.hpp"

#include <cmath>
#include <sstream>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/gaussian_mean_score.hpp"
#include "difflab/score/perturbed_score.hpp"
#include "difflab/train/checkpoint.hpp"

namespace difflab::cli {

void add_run_options(CLI::App* app, RunOptions& o) {
  o.command = app->get_name();
  add_common_options(app, o.common);
  app->add_option("--target", o.target_path, "Target spec (JSON file, see README)")->required();
  app->add_option("--process", o.process, "Forward process: ou, vp-linear, vp-cosine")
      ->capture_default_str();
  app->add_option("--score", o.score,
                  "Score model: exact, perturbed, gaussian-mean, model:FILE (a trained model from "
                  "difflab train)")
      ->capture_default_str();
  app->add_option("--score-error", o.score_error,
                  "L2(q_t) size eps_sc of the perturbation (--score perturbed)")
      ->capture_default_str();
  app->add_option("--perturbation", o.perturbation,
                  "Perturbation of --score perturbed: direction (constant unit field) or linear "
                  "(random linear map, "
                  "Gaussian/GMM targets), both of L2(q_t) size exactly --score-error")
      ->capture_default_str();
  app->add_option("--theta", o.theta,
                  "theta for --score gaussian-mean: comma-separated, one per dimension");
  app->add_option("--sampler", o.sampler, "Sampler (see --list)")->capture_default_str();
  app->add_option("--grid", o.grid, "Time grid: uniform, benton, karras, quadratic, logsnr, file")
      ->capture_default_str();
  app->add_option("--grid-file", o.grid_file,
                  "Grid file for --grid file: one forward time per line, decreasing");
  app->add_option("--steps", o.steps, "Number of steps N")->capture_default_str();
  app->add_option("--T", o.T, "Horizon T (forward time of the first grid point)")
      ->capture_default_str();
  app->add_option("--delta", o.delta, "Early-stopping time delta >= 0 (last grid point)")
      ->capture_default_str();
  app->add_option("--n", o.n, "Number of particles (overridden by --init)")->capture_default_str();
  app->add_option("--start", o.start,
                  "Initial law: normal = N(0, I) (the papers' algorithm), exact = the exact q_T")
      ->capture_default_str();
  app->add_option("--init", o.init_file,
                  "Initial points from a file (n x d, .csv or .npy); overrides --n and --start");
  SamplerOptions& s = o.sampler_options;
  app->add_flag("--denoise", s.denoise_last_step, "Drop the noise of the final step")
      ->capture_default_str();
  app->add_option("--block-size", s.block_size, "Particles per block handed to a thread")
      ->capture_default_str();
  app->add_option("--corrector-steps", s.corrector_steps, "pc: Langevin corrector steps per step")
      ->capture_default_str();
  app->add_option("--snr", s.snr, "pc: corrector signal-to-noise ratio (score_sde)")
      ->capture_default_str();
  app->add_option("--rtol", s.rtol, "rk45: relative tolerance")->capture_default_str();
  app->add_option("--atol", s.atol, "rk45: absolute tolerance")->capture_default_str();
  app->add_option("--langevin-step", s.langevin_step,
                  "ula/mala: step size h; annealed-langevin: eps (step eps*sigma_i^2/sigma_L^2)")
      ->capture_default_str();
  app->add_option("--langevin-steps", s.langevin_steps,
                  "ula/mala: iterations; annealed-langevin: steps per level")
      ->capture_default_str();
}

namespace {

Vector parse_theta(const std::string& text, Index dim) {
  require(!text.empty(), "--score gaussian-mean needs --theta v1,v2,... (", dim, " values)");
  std::vector<double> values;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const double v = std::stod(item, &used);
      require(used == item.size() || item.find_first_not_of(" ", used) == std::string::npos, "");
      require(std::isfinite(v), "");
      values.push_back(v);
    } catch (...) {
      fail("--theta: '", item, "' is not a finite number");
    }
  }
  require(static_cast<Index>(values.size()) == dim, "--theta has ", values.size(),
          " values but the target has dimension ", dim);
  return Eigen::Map<Vector>(values.data(), dim);
}

}  // namespace

RunSetup build_run(const RunOptions& o) {
  require(o.steps >= 1, "--steps must be >= 1, got ", o.steps);
  require(std::isfinite(o.T) && std::isfinite(o.delta), "--T and --delta must be finite");
  require(o.delta >= 0, "--delta must be >= 0, got ", o.delta);
  require(o.T > o.delta, "--T (", o.T, ") must be larger than --delta (", o.delta, ")");
  require(o.init_file.empty() ? o.n >= 1 : true, "--n must be >= 1, got ", o.n);
  o.sampler_options.validate();

  RunSetup r;
  r.target = load_target(o.target_path);
  r.process = make_process(o.process);
  require(o.T <= r.process->t_max(), "--T (", o.T, ") exceeds the largest time of process ",
          o.process, " (", r.process->t_max(), ")");
  if (o.score == "exact") {
    r.score = std::make_shared<ExactScore>(r.target, r.process);
  } else if (o.score == "perturbed") {
    require(std::isfinite(o.score_error) && o.score_error >= 0,
            "--score-error must be a finite number >= 0, got ", o.score_error);
    if (o.perturbation == "direction") {
      r.score = std::make_shared<PerturbedScore>(r.target, r.process, o.score_error, o.common.seed);
    } else if (o.perturbation == "linear") {
      r.score =
          PerturbedScore::random_linear_map(r.target, r.process, o.score_error, o.common.seed);
    } else {
      fail("unknown --perturbation '", o.perturbation, "' (valid: direction, linear)");
    }
  } else if (o.score == "gaussian-mean") {
    r.score = std::make_shared<GaussianMeanScore>(parse_theta(o.theta, r.target->dim()), r.process);
  } else if (o.score.rfind("model:", 0) == 0) {
    // A trained network is not affine in x, so no subcommand that needs an exact output law
    // can use it.
    require(o.command != "law" && o.command != "bound", "--score ", o.score, ": difflab ",
            o.command,
            " needs an exact output law, which a learned (nonlinear) score does not have; use "
            "difflab sample and difflab eval");
    const std::string path = o.score.substr(6);
    require(!path.empty(), "--score model:FILE needs a file name");
    auto model = load_mlp_score(path);
    require(model->dim() == r.target->dim(), path, ": the model has dimension ", model->dim(),
            " but the target has dimension ", r.target->dim());
    require(model->process().to_json() == r.process->to_json(), path,
            ": the model was trained for process ", model->process().name(), " but --process is ",
            r.process->name());
    r.score = std::move(model);
  } else {
    fail("unknown score model '", o.score,
         "' (valid: exact, perturbed, gaussian-mean, model:FILE)");
  }
  r.sampler = make_sampler(o.sampler);
  require(o.grid != "file" || !o.grid_file.empty(), "--grid file needs --grid-file FILE");
  require(o.grid == "file" || o.grid_file.empty(), "--grid-file is only used with --grid file");
  r.grid =
      std::make_unique<TimeGrid>(make_grid(o.grid, *r.process, o.T, o.delta, o.steps, o.grid_file));
  const CounterRng rng(o.common.seed);
  if (!o.init_file.empty()) {
    r.initial = read_samples(o.init_file, r.target->dim());
  } else {
    r.initial =
        initial_points(parse_initial_law(o.start), *r.target, *r.process, r.grid->T(), o.n, rng);
  }
  return r;
}

nlohmann::json RunSetup::describe() const {
  return {{"target", target->to_json()}, {"process", process->to_json()},
          {"score", score->to_json()},   {"sampler", sampler->name()},
          {"grid", grid->to_json()},     {"particles", initial.cols()}};
}

}  // namespace difflab::cli
