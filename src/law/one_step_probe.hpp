#pragma once
// Internal to src/law: reading a sampler's steps off the sampler itself.
//
// The exact-law methods (diagonal_gaussian_law, grid_law) need each step of a sampler as a map
//   x_{k+1} = F_k(x_k) + sum_s c_{k,s} * xi_{k,s}      (c_{k,s} a d-vector, * elementwise),
// i.e. a drift F_k (affine or not) plus Gaussian noise with state-independent coordinate-wise
// scales. Instead of re-deriving F_k and c_{k,s} by hand for every sampler, they are measured by
// running the sampler on the one-step grid (t_k, t_{k+1}) with injected noise: zero noise on the
// probe points gives F_k, a unit vector in one draw at a time gives c_{k,s}. Randomised checks
// then verify the structure (and throw difflab::Error when a sampler does not have it):
//   - noise enters additively with the measured, state-independent coefficients;
//   - optionally, F_k acts coordinate by coordinate;
//   - full runs on the whole grid equal the composition of one-step runs with the same noise
//     (which fails for multistep, adaptive or Langevin samplers).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"
#include "difflab/sampler/sampler.hpp"

namespace difflab::law_detail {

// A noise draw of a sampler within one run: (the sampler's step index, use).
using NoiseSlot = std::pair<std::uint64_t, std::uint64_t>;

// Reproducible check noise: the draw (step, use) of check particle `particle`. One-step checks
// pass step = k + (the step index inside the one-step run) and full runs the sampler's own step
// index, so both see the same numbers.
void check_noise(const CounterRng& rng, std::uint64_t particle, std::uint64_t step,
                 std::uint64_t use, MatrixRef z);

// Full-run check noise: particle j of the run is check particle first_check + j.
class CheckRunNoise final : public NoiseSource {
 public:
  CheckRunNoise(const CounterRng& rng, std::uint64_t first_check, std::uint64_t step_offset = 0)
      : rng_(rng), first_check_(first_check), step_offset_(step_offset) {}
  void normal(MatrixRef Z, std::uint64_t first, std::uint64_t step, RngUse use) const override;
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override;

 private:
  const CounterRng& rng_;
  std::uint64_t first_check_, step_offset_;
};

// The noise source of a deterministic sampler's run: being asked for noise is an error naming
// the law.
class NoNoise final : public NoiseSource {
 public:
  explicit NoNoise(std::string law_name) : law_name_(std::move(law_name)) {}
  void normal(MatrixRef, std::uint64_t, std::uint64_t, RngUse) const override;
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override;

 private:
  std::string law_name_;
};

// The noise draws step k makes, each with its number of rows (one run on a zero particle).
// Throws when the sampler draws uniforms (an accept/reject step: no Gaussian kernel).
std::vector<NoiseSlot> record_noise_slots(const Sampler& sampler, const ScoreModel& score,
                                          const TimeGrid& step_grid, const SamplerOptions& options);

struct OneStepProbe {
  Matrix image;                     // d x m: F_k at each probe point
  std::vector<NoiseSlot> slots;     // the step's noise draws
  std::vector<Vector> coefficient;  // c_{k,s} per slot (d-vectors)
  // Per-coordinate variance of the step's noise, sum_s c_{k,s}^2.
  Vector noise_variance() const;
};

// The random ingredients of the probes, drawn once per law and shared by all its steps: a check
// on a random point is as strong at every step, and drawing afresh per step would cost O(d)
// normals per step (most of the time at d = 10^6). Points: d x 4 normals (stream (kMonteCarlo,
// particle 0, step 0)); check noise per (step within the one-step run, use): the normals of check
// particle 0 at that step (check_noise).
class ProbeRandomness {
 public:
  ProbeRandomness(const CounterRng& rng, Index d);
  const CounterRng& rng() const { return rng_; }
  const Matrix& points() const { return points_; }
  // Not thread-safe: call before handing the result to concurrent code.
  const Vector& noise(const NoiseSlot& slot);

 private:
  const CounterRng& rng_;
  Matrix points_;
  std::map<NoiseSlot, Vector> noise_;
};

// Coordinate-wise checks: mask b is 1 on the coordinates whose index has bit b set. Any two
// coordinates differ in some bit, so changing one mask's coordinates and watching the others'
// images (and the other way round) exposes any pairwise coupling.
std::vector<Vector> coordinate_masks(Index d);

struct ProbeChecks {
  double tolerance = 1e-8;      // relative tolerance of the structural checks
  bool coordinatewise = false;  // also check that F_k acts coordinate by coordinate
  std::string law_name;         // for error messages ("exact grid law")
};

// Measures step k (t_k -> t_{k+1} of `grid`) on the columns of `points` (d x m, m may be 0)
// and checks the structure described above on random particles drawn from `rng`.
OneStepProbe probe_one_step(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                            std::size_t k, const SamplerOptions& options, ConstMatrixRef points,
                            ProbeRandomness& randomness, const ProbeChecks& checks);

// Runs `checks_count` random particles through the grid with check noise and through the chain
// of one-step runs with the same noise; throws unless they agree (a sampler whose steps depend
// on earlier steps, adapt their size, or do not walk the grid). max_steps > 0 checks only the
// grid's first max_steps steps and, separately, its last two: the samplers this catches
// (multistep, adaptive, Langevin) differ from the second step on, and a full run costs O(d N)
// normals.
void check_one_step_composition(const Sampler& sampler, const ScoreModel& score,
                                const TimeGrid& grid, const SamplerOptions& options,
                                int checks_count, const CounterRng& rng, const ProbeChecks& checks,
                                std::size_t max_steps = 0);

// Throws unless the sampler declares itself one-step (SamplerTraits::one_step): the per-step
// methods need each grid step to be a map of x_k alone. The probes' composition check still
// verifies the declaration.
void require_one_step_sampler(const Sampler& sampler, const std::string& law_name);
// Refuses a sampler whose steps are not Gaussian kernels (SamplerTraits::additive_noise).
void require_additive_noise(const Sampler& sampler, const std::string& law_name);

// The options of step k of a run on the one-step grid: no callback, and the final step's
// denoising only on the last step.
SamplerOptions one_step_options(const SamplerOptions& options, const TimeGrid& grid, std::size_t k);

}  // namespace difflab::law_detail
