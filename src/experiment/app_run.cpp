#include "difflab/experiment/app_run.hpp"

#include <functional>
#include <map>

#include "difflab/apps/gmm_learning.hpp"
#include "difflab/apps/langevin_modes.hpp"
#include "difflab/apps/sk_model.hpp"
#include "difflab/apps/z2_synchronization.hpp"
#include "difflab/core/error.hpp"
#include "difflab/train/gaussian_mean_example.hpp"

namespace difflab {

namespace {

using K = OptionKind;

// One app: its options and how a JSON object of them becomes a validated result function.
struct AppEntry {
  std::vector<RunOptionInfo> options;
  // Returns the runner: validation happens when it is built, the work when it is called.
  std::function<std::function<nlohmann::json()>(const nlohmann::json&, std::uint64_t)> build;
};

std::vector<RunOptionInfo> sl_options() {
  return {{"n", K::kInteger, "spins n"},
          {"beta", K::kNumber, "inverse temperature / signal strength"},
          {"samples", K::kInteger, "independent samples (per instance)"},
          {"T", K::kNumber, "final stochastic-localization time"},
          {"delta", K::kNumber, "stochastic-localization Euler step"},
          {"amp_iterations", K::kInteger, "AMP iterations per step"},
          {"ngd_steps", K::kInteger, "natural-gradient steps on the TAP free energy"},
          {"ngd_step", K::kNumber, "natural-gradient step size"},
          {"rounding", K::kString, "final rounding: random or sign"},
          {"seed", K::kInteger, "seed key"}};
}

template <class T>
void read(const nlohmann::json& o, const char* key, T& field) {
  if (o.contains(key)) field = o[key].get<T>();
}

apps::SlOptions read_sl(const nlohmann::json& o) {
  apps::SlOptions sl;  // samples: read signed by the caller
  read(o, "T", sl.T);
  read(o, "delta", sl.delta);
  read(o, "amp_iterations", sl.amp.amp_iterations);
  read(o, "ngd_steps", sl.amp.ngd_steps);
  read(o, "ngd_step", sl.amp.ngd_step);
  read(o, "rounding", sl.rounding);
  return sl;
}

// Integers are read signed, so that a negative count is named by validate() instead of
// wrapping around.
Index read_index(const nlohmann::json& o, const char* key, Index fallback) {
  return o.contains(key) ? static_cast<Index>(o[key].get<long long>()) : fallback;
}

const std::map<std::string, AppEntry>& app_table() {
  static const std::map<std::string, AppEntry> table = [] {
    std::map<std::string, AppEntry> t;
    t["sk"] = {sl_options(), [](const nlohmann::json& o, std::uint64_t seed) {
                 apps::SkAppOptions a;
                 a.n = read_index(o, "n", a.n);
                 read(o, "beta", a.beta);
                 a.sl = read_sl(o);
                 a.sl.samples = read_index(o, "samples", 8);
                 a.seed = seed;
                 a.validate();
                 return std::function<nlohmann::json()>([a] { return apps::run_sk_app(a); });
               }};
    std::vector<RunOptionInfo> z2 = sl_options();
    z2.push_back({"instances", K::kInteger, "independent (theta, W) instances"});
    t["z2"] = {z2, [](const nlohmann::json& o, std::uint64_t seed) {
                 apps::Z2AppOptions a;
                 a.beta = 1.5;
                 a.sl.T = 5.0;
                 a.n = read_index(o, "n", a.n);
                 read(o, "beta", a.beta);
                 apps::SlOptions sl = read_sl(o);
                 if (!o.contains("T")) sl.T = a.sl.T;
                 a.sl = sl;
                 a.sl.samples = read_index(o, "samples", 8);
                 a.instances = read_index(o, "instances", a.instances);
                 a.seed = seed;
                 a.validate();
                 return std::function<nlohmann::json()>([a] { return apps::run_z2_app(a); });
               }};
    t["gmm-learn"] = {
        {{"n", K::kInteger, "data points"},
         {"d", K::kInteger, "dimension"},
         {"k", K::kInteger, "components (2..min(d, 8))"},
         {"radius", K::kNumber, "half the distance between true means"},
         {"init", K::kString, "random or warm"},
         {"init_scale", K::kNumber, "scale of the random init"},
         {"warm_radius", K::kNumber, "distance of the warm init from the truth"},
         {"t_large", K::kNumber, "stage-1 noise level (< 0: log d)"},
         {"steps_large", K::kInteger, "stage-1 GD steps"},
         {"lr_large", K::kNumber, "stage-1 rate"},
         {"t_small", K::kNumber, "stage-2 noise level"},
         {"steps_small", K::kInteger, "stage-2 GD steps"},
         {"lr_small", K::kNumber, "stage-2 rate"},
         {"em_iterations", K::kInteger, "EM iterations"},
         {"seed", K::kInteger, "seed key"}},
        [](const nlohmann::json& o, std::uint64_t seed) {
          apps::GmmLearnOptions g;
          g.n = read_index(o, "n", g.n);
          g.d = read_index(o, "d", g.d);
          g.K = read_index(o, "k", g.K);
          read(o, "radius", g.radius);
          read(o, "init", g.init);
          read(o, "init_scale", g.init_scale);
          read(o, "warm_radius", g.warm_radius);
          read(o, "t_large", g.t_large);
          read(o, "steps_large", g.steps_large);
          read(o, "lr_large", g.lr_large);
          read(o, "t_small", g.t_small);
          read(o, "steps_small", g.steps_small);
          read(o, "lr_small", g.lr_small);
          read(o, "em_iterations", g.em_iterations);
          g.seed = seed;
          g.validate();
          return std::function<nlohmann::json()>([g] { return apps::run_gmm_learn_app(g); });
        }};
    t["langevin-modes"] = {
        {{"n", K::kInteger, "particles"},
         {"heavy_weight", K::kNumber, "weight of the (5, 5) mode"},
         {"eps", K::kNumber, "step size eps"},
         {"convention", K::kString, "alg1 or code"},
         {"langevin_steps", K::kInteger, "plain Langevin iterations"},
         {"levels", K::kInteger, "annealing levels"},
         {"sigma_max", K::kNumber, "largest annealing level"},
         {"sigma_min", K::kNumber, "smallest annealing level"},
         {"steps_per_level", K::kInteger, "annealed steps per level"},
         {"annealed_score", K::kString, "se19-code or perturbed"},
         {"diffusion_T", K::kNumber, "OU horizon of the diffusion sampler"},
         {"diffusion_steps", K::kInteger, "EI steps of the diffusion sampler"},
         {"seed", K::kInteger, "seed key"}},
        [](const nlohmann::json& o, std::uint64_t seed) {
          apps::LangevinModesOptions l;
          l.n = read_index(o, "n", l.n);
          read(o, "heavy_weight", l.heavy_weight);
          read(o, "eps", l.eps);
          read(o, "convention", l.convention);
          read(o, "langevin_steps", l.langevin_steps);
          read(o, "levels", l.levels);
          read(o, "sigma_max", l.sigma_max);
          read(o, "sigma_min", l.sigma_min);
          read(o, "steps_per_level", l.steps_per_level);
          read(o, "annealed_score", l.annealed_score);
          read(o, "diffusion_T", l.diffusion_T);
          read(o, "diffusion_steps", l.diffusion_steps);
          l.seed = seed;
          l.validate();
          return std::function<nlohmann::json()>([l] { return apps::run_langevin_modes_app(l); });
        }};
    t["gaussian-mean"] = {
        {{"d", K::kInteger, "dimension"},
         {"samples", K::kInteger, "data set size M"},
         {"batch", K::kInteger, "minibatch size"},
         {"epochs", K::kInteger, "passes over the data"},
         {"optimizer", K::kString, "preset: sgld, adam or tusla"},
         {"T", K::kNumber, "horizon of the loss window and the sampler"},
         {"eps", K::kNumber, "lower end of the loss window"},
         {"sampler_points", K::kInteger, "points K of the sampler grid (K - 1 steps)"},
         {"noise_on_last_step", K::kBool, "noise on the last sampler step"},
         {"aux_particles", K::kInteger, "particles of the auxiliary score-error estimate"},
         {"seed", K::kInteger, "seed key"}},
        [](const nlohmann::json& o, std::uint64_t seed) {
          nlohmann::json j = o;
          j["seed"] = seed;
          const GaussianMeanExampleOptions g = GaussianMeanExampleOptions::from_json(j);
          return std::function<nlohmann::json()>(
              [g] { return run_gaussian_mean_example(g).to_json(); });
        }};
    return t;
  }();
  return table;
}

const AppEntry& app_entry(const std::string& app) {
  const auto& table = app_table();
  const auto it = table.find(app);
  if (it != table.end()) return it->second;
  std::string valid;
  for (const auto& name : experiment_apps()) valid += (valid.empty() ? "" : ", ") + name;
  fail("unknown app '", app, "' (valid: ", valid, ")");
}

// Removes every array of more than 16 entries, recursively.
nlohmann::json drop_long_arrays(const nlohmann::json& j) {
  if (!j.is_object()) return j;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : j.items()) {
    if (value.is_array() && value.size() > 16) continue;
    out[key] = drop_long_arrays(value);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& experiment_apps() {
  static const std::vector<std::string> names = {"sk", "z2", "gmm-learn", "langevin-modes",
                                                 "gaussian-mean"};
  return names;
}

const std::vector<RunOptionInfo>& app_option_table(const std::string& app) {
  return app_entry(app).options;
}

void validate_app_run(const std::string& app, const nlohmann::json& options, std::uint64_t seed) {
  nlohmann::json o = options;
  o.erase("seed");
  app_entry(app).build(o, seed);
}

nlohmann::json run_app_report(const std::string& app, const nlohmann::json& options,
                              std::uint64_t seed) {
  nlohmann::json o = options;
  o.erase("seed");
  return app_entry(app).build(o, seed)();
}

nlohmann::json run_app(const std::string& app, const nlohmann::json& options, std::uint64_t seed) {
  return drop_long_arrays(run_app_report(app, options, seed));
}

}  // namespace difflab
