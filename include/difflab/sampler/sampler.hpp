#pragma once
// Samplers: one uniform signature (as k-diffusion's sampling.py), one file each.
//
//   Sampler::sample(score, grid, X, options, noise) -> SamplerSummary
//
// X (d x n) holds the initial points on entry and the samples on exit. Particles are processed
// in column blocks across threads; every random number is drawn from the counter-based noise
// source by (particle, step, use), so the output is bit-identical for any thread count and
// block size.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"
#include "difflab/schedule/time_grid.hpp"
#include "difflab/score/score_model.hpp"

namespace difflab {

// Where the Gaussian noise of a sampler comes from. The default draws from the counter-based
// generator; tests inject other sources (e.g. zero noise, or noise shared with a reference).
class NoiseSource {
 public:
  virtual ~NoiseSource() = default;
  // Fills Z (d x count) with standard normals for particles first..first+count-1 at `step`.
  virtual void normal(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step,
                      RngUse use) const = 0;
  // A uniform in (0, 1) for one particle at `step` (Metropolis tests).
  virtual double uniform(std::uint64_t particle, std::uint64_t step, RngUse use) const = 0;
};

class CounterNoise final : public NoiseSource {
 public:
  explicit CounterNoise(std::uint64_t seed) : rng_(seed) {}
  void normal(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step,
              RngUse use) const override;
  double uniform(std::uint64_t particle, std::uint64_t step, RngUse use) const override;

 private:
  CounterRng rng_;
};

// Information passed to the per-step callback.
struct StepInfo {
  std::size_t step;     // k: the step from t_k to t_{k+1} has just completed
  double t_from, t_to;  // forward times
};
// Called after each step for each block: (info, index of the block's first particle, block).
// Calls for different blocks may run concurrently; a callback writes only its block's data.
using StepCallback =
    std::function<void(const StepInfo&, Index first_particle, ConstMatrixRef block)>;

struct SamplerOptions {
  // Drop the noise of the final step (the "denoise" option of several codes). Default off.
  bool denoise_last_step = false;
  // Particles per block handed to a thread.
  Index block_size = 256;
  // Predictor-corrector (pc): Langevin corrector steps per step and the signal-to-noise ratio
  // of score_sde's LangevinCorrector.
  int corrector_steps = 1;
  double snr = 0.16;
  // rk45: relative and absolute error tolerances per step (the first step size is chosen from
  // them, as in Hairer-Norsett-Wanner II.4).
  double rtol = 1e-6;
  double atol = 1e-8;
  // Langevin MCMC (ula, mala, annealed-langevin): see langevin samplers.
  double langevin_step = 1e-2;  // ula/mala step size h; annealed: eps of Song & Ermon
  int langevin_steps = 1000;    // ula/mala iterations; annealed: steps per noise level
  // annealed-langevin: step size per noise level (annealed_langevin.hpp).
  //   "se19"     alpha_i = eps sigma_i^2 / sigma_L^2 (Song & Ermon 2019, Algorithm 1; default)
  //   "constant" alpha_i = eps at every level
  std::string annealed_step_rule = "se19";
  StepCallback on_step;  // optional
  // Throws difflab::Error when an option is out of range.
  void validate() const;
};

struct SamplerSummary {
  std::string sampler;
  std::size_t steps = 0;
  double nfe = 0;  // score evaluations per particle
  double wall_seconds = 0;
  Index particles = 0;
  double acceptance_rate = -1;  // MALA only (-1 when not applicable)
  nlohmann::json extra;         // sampler-specific diagnostics
  nlohmann::json to_json() const;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // SDE samplers draw noise; ODE samplers are deterministic given X.
  virtual bool stochastic() const = 0;
  SamplerSummary sample(const ScoreModel& score, const TimeGrid& grid, Matrix& X,
                        const SamplerOptions& options, const NoiseSource& noise) const;
  // The number of steps a run takes (SamplerSummary::steps): the grid's steps by default;
  // the Langevin samplers, whose iterations are not the grid's steps, override it.
  virtual std::size_t steps_taken(const TimeGrid& grid, const SamplerOptions& /*options*/) const {
    return grid.steps();
  }

 protected:
  // Per-block counters, summed by the driver (Metropolis acceptance for MALA).
  struct BlockStats {
    double accepted = 0;
    double proposals = 0;
  };
  // Runs all steps on one block of particles in place. `first_particle` is the global index of
  // the block's first column (for noise).
  virtual BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                               std::uint64_t first_particle, const SamplerOptions& options,
                               const NoiseSource& noise) const = 0;
  // Calls options.on_step if set.
  static void report_step(const SamplerOptions& options, std::size_t k, const TimeGrid& grid,
                          std::uint64_t first_particle, ConstMatrixRef X);
};

// Registry: names exactly as the CLI takes them.
std::unique_ptr<Sampler> make_sampler(const std::string& name);
struct SamplerInfo {
  std::string name, description;
};
std::vector<SamplerInfo> list_samplers();

}  // namespace difflab
