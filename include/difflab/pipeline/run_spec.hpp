#pragma once
// RunSpec: everything one sampler run needs (target, process, score model, grid, sampler and its
// options, initial law, particles, seed), described once by its field table (run_spec_schema)
// and built by build_run into the objects that run. `difflab sample`, `law`, `bound`, `eval`,
// `run` (each row of a sweep) and the Python functions all go through it, so one option means
// the same thing on every face (docs/architecture.md).
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/option_schema.hpp"
#include "difflab/core/types.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/time_grid.hpp"
#include "difflab/score/score_model.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

struct RunSpec {
  // The target: a JSON file (path) or, from a spec or Python, an inline target object
  // (target_json, used when not null); a built Target (Python) wins over both.
  std::string target;
  nlohmann::json target_json;
  std::shared_ptr<const Target> target_object;
  std::string process = "ou";
  // Score model: exact, perturbed, gaussian-mean, model:FILE (a difflab train checkpoint).
  std::string score = "exact";
  double score_error = 0.1;
  std::string perturbation = "direction";
  std::vector<double> theta;  // gaussian-mean: one value per dimension
  // A score model built outside (Python); wins over `score` when set.
  std::shared_ptr<const ScoreModel> score_object;
  std::string sampler = "ei";
  std::string grid = "benton";
  std::string grid_file;
  std::int64_t steps = 200;
  double T = 6.0;
  double delta = 1e-3;
  Index n = 1000;
  std::string start = "normal";
  std::string init;  // initial points from a file (n x d); overrides n and start
  std::uint64_t seed = 0;
  SamplerOptions sampler_options;

  // Range, choice and consistency checks (throws difflab::Error naming `where` and the key).
  // A run needs a target, except sampling with a trained model (score model:FILE), whose
  // dimension is the checkpoint's (build_run).
  void validate(const std::string& where = "run") const;
  bool has_target() const { return !target.empty() || !target_json.is_null() || target_object; }
  // Every option (schema fields, plus the target as given).
  nlohmann::json to_json() const;
  // Sets the fields named in `j` (unknown keys are an error unless listed in `ignore`); "target"
  // may be a path (relative paths are resolved against base_dir) or an inline object.
  static RunSpec from_json(const nlohmann::json& j, const std::string& where = "run",
                           const std::string& base_dir = "",
                           const std::vector<std::string>& ignore = {});
};

// Options that may name their target inline: `options` without "target" when it is an inline
// object (which goes to `target_json`), else `options` unchanged (a path stays a schema field).
// Shared by RunSpec::from_json and TrainRequest::from_json.
nlohmann::json take_inline_target(const nlohmann::json& options, nlohmann::json& target_json);

// The field table of RunSpec (the sampler options nested in it). "target" is listed as a
// string (the path); inline targets are taken by RunSpec::from_json.
const OptionSchema<RunSpec>& run_spec_schema();

// What a run is built for: an exact output law needs a score affine in x, so a learned score
// is refused there with a reason.
enum class RunUse { kSample, kExactLaw };

// What a RunSpec resolves to.
struct RunSetup {
  RunSpec spec;
  // Null only when sampling with a trained model without a target (RunSpec::validate).
  std::shared_ptr<const Target> target;
  std::shared_ptr<const ForwardProcess> process;
  std::shared_ptr<const ScoreModel> score;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<TimeGrid> grid;
  Matrix initial;                   // d x n
  nlohmann::json describe() const;  // the run's resolved spec, for result files
};

// Validates the spec and builds everything (throws difflab::Error on bad input). With
// draw_particles false the initial points are not drawn (validation of a sweep's runs). Without
// a target (a trained model's run: kSample, start normal or init) `target` is null and the
// dimension is the model's.
RunSetup build_run(const RunSpec& spec, RunUse use = RunUse::kSample, bool draw_particles = true);

// The score-model factory: the model named by spec.score for this target and process.
std::shared_ptr<const ScoreModel> make_score_model(const RunSpec& spec,
                                                   std::shared_ptr<const Target> target,
                                                   std::shared_ptr<const ForwardProcess> process,
                                                   RunUse use);

}  // namespace difflab
