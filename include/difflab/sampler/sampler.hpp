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

// An interval [lo, hi] of forward time on one Brownian path. Path 0 is the W that drives the
// reverse SDE (docs/theory.md 1.1); further paths are independent of it (restart's forward
// jumps use paths 1, 2, ...). docs/theory.md "Coupled Brownian noise" says which increment each
// sampler's normals are.
struct BrownianInterval {
  std::uint64_t path = 0;
  double lo = 0, hi = 0;  // lo < hi
};

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
  // The normals that stand for a Brownian increment over `interval`: a source with Brownian
  // paths (BrownianNoise, brownian_noise.hpp) fills Z with (W(hi) - W(lo)) / sqrt(hi - lo) of
  // the path of each particle and coordinate; any other source draws normal(Z, first_particle,
  // step, use), the same law (and, for the counter noise, the same bits as before paths
  // existed).
  virtual void increment(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step, RngUse use,
                         const BrownianInterval& /*interval*/) const {
    normal(Z, first_particle, step, use);
  }
  // The time resolution of the Brownian paths (increments are exact over intervals of the
  // lattice of this spacing); 0 for a source without paths.
  virtual double brownian_resolution() const { return 0; }
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

// The interval of grid step k (t_k -> t_{k+1}) on path 0: the Brownian increment that the
// noise of a one-step diffusion sampler stands for (docs/theory.md "Coupled Brownian noise").
inline BrownianInterval grid_step_interval(const TimeGrid& grid, std::size_t k) {
  return {.path = 0, .lo = grid.t(k + 1), .hi = grid.t(k)};
}

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
  // sa-solver (sa_solver.hpp): tau of its SDE family (0: the probability-flow ODE, 1: the reverse
  // SDE) and the orders of its Adams predictor and corrector (Xue et al. 2023; 0: no corrector).
  double sa_tau = 1.0;
  // tau(t) as in the paper's experiments: sa_tau on the window [t_lo, t_hi] of process time, 0
  // (the probability-flow ODE) outside it, read at each step's start time; empty = everywhere.
  std::vector<double> sa_tau_window;
  int sa_predictor_order = 3;
  int sa_corrector_order = 3;
  // unipc (unipc.hpp): the order p of UniP (UniPC-p with the UniC corrector has order p + 1) and
  // B(h), bh1 or bh2 (Zhao et al. 2023); deis (deis.hpp): the order of its extrapolation. The
  // registry builds the sampler with them (make_sampler), so its traits state the order run.
  int unipc_order = 2;
  std::string unipc_variant = "bh2";
  int deis_order = 3;
  // Where the normals come from (make_noise, brownian_noise.hpp):
  //   "counter"  independent normals keyed by (seed, particle, step, use) (default)
  //   "brownian" increments of one Brownian path per particle and coordinate, so runs on nested
  //              grids see the same path (docs/theory.md "Coupled Brownian noise")
  std::string noise = "counter";
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

// What the library may assume about a sampler. The exact-law code, the tests and the docs read
// these instead of keeping lists of sampler names.
struct SamplerTraits {
  enum class Family {
    kDiffusion,  // walks the grid backwards in forward time (reverse SDE or PF-ODE)
    kLangevin,   // Langevin MCMC on a fixed q_t; its iterations are not the grid's steps
  };
  // Step k (t_k -> t_{k+1}) depends on x_k and its own noise only: a run on the grid equals the
  // composition of runs on the one-step grids (t_k, t_{k+1}). False for multistep methods
  // (which carry earlier evaluations), adaptive step-size control and Langevin chains.
  bool one_step = true;
  // For a score affine in x the output is affine in the initial point and the Gaussian noise
  // (no uniforms, no state-dependent step sizes), so a Gaussian target has a Gaussian output
  // law (affine_gaussian_law.hpp). Also true for deterministic affine maps.
  bool affine = true;
  // Draws noise; false: deterministic given the initial points.
  bool stochastic = false;
  // Convergence order p in the step size: with the exact score, started from the exact q_T,
  // W2(law of the output, q_delta) = O(h^p) at fixed T and delta (for deterministic samplers
  // this is the global order of the ODE method) as h -> 0. For multistep methods this counts
  // their lower-order start-up steps (one step of order q adds O(h^{q+1})), which sit at the
  // lowest SNR, where their error constants are small: at practical N such samplers converge
  // faster than h^p (their headers say how fast). 0 when there is none to state (Langevin
  // chains, whose error is set by their own step size; adaptive methods).
  double order = 0;
  // Score evaluations per grid step with the default options (a final step to t = 0 may take
  // fewer); 0 when it is not a constant per step (adaptive step-size control, restart passes).
  double nfe_per_step = 1;
  Family family = Family::kDiffusion;
  // Its Gaussian noise is drawn as Brownian increments over grid intervals of forward time
  // (NoiseSource::increment), so noise "brownian" couples its runs on nested grids. False for
  // the Langevin chains, whose normals are iterations of a chain at a fixed time: they refuse
  // noise "brownian".
  bool brownian = false;
  // Its update uses only alpha(t), sigma(t) and the log-SNR of the noising path
  // x_t = alpha x_0 + sigma z (or the general drift f and g^2), so it is right for processes that
  // are not variance-preserving, such as the linear flow-matching path. False for the updates
  // derived with sigma^2 = 1 - alpha^2 and g^2 = beta (ei, em, ddpm, ...): they refuse such
  // processes (docs/theory.md 1.3).
  bool any_path = false;
  // Its noise is added after the score is read, with a variance that does not depend on the
  // state, so one step is a Gaussian kernel N(F(x), V) for any score: the chapman-kolmogorov
  // grid laws (law/grid_law.hpp, grid_law_2d.hpp) propagate it. False for a sampler that reads
  // the score at a noised point (accel-ddpm); trivially true for deterministic ones.
  bool additive_noise = true;
  // The order its authors state (0: none stated), with where and in what sense, beside `order`,
  // which difflab derives and measures (the two differ for multistep methods started by lower-
  // order steps, and for rates stated as bounds in TV; experiments/sampler_orders.json shows all
  // three per sampler).
  double published_order = 0;
  std::string published_order_source = "";
  nlohmann::json to_json() const;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  virtual SamplerTraits traits() const = 0;
  // SDE samplers draw noise; ODE samplers are deterministic given X.
  bool stochastic() const { return traits().stochastic; }
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

// Registry: names exactly as the CLI takes them. Samplers with a construction option (unipc's
// order and variant, deis's order) are built with those of `options`.
std::unique_ptr<Sampler> make_sampler(const std::string& name, const SamplerOptions& options = {});
struct SamplerInfo {
  std::string name, description;
  SamplerTraits traits;
  nlohmann::json to_json() const;
};
// Every registered sampler, in registry order (tests iterate this, never a list of names).
std::vector<SamplerInfo> list_samplers();
// The names of those whose traits say any_path: the samplers for a process that is not
// variance-preserving.
std::vector<std::string> samplers_for_any_path();

}  // namespace difflab
