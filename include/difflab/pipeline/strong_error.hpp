#pragma once
// Strong-error curves from coupled runs (`difflab strong-error`, Python's strong_error;
// docs/theory.md "Coupled Brownian noise").
//
// For each coarse step count N the run is sampled twice from the same initial points, with N and
// with 2N steps on nested grids, both with noise "brownian": the two runs then see the same
// Brownian path per particle (brownian_noise.hpp), so X_N - X_2N is the discretisation's own
// pathwise error, not the spread of the output law. Reported per N:
//   - the strong gap E|X_N - X_2N| (Euclidean norm per particle), with a 95% interval;
//   - the coupled change of the second moment, E|X_N|^2 - E|X_2N|^2, with a 95% interval: a
//     weak-error increment estimated from paired differences, whose variance is far below that
//     of two independent runs (bench/README.md measures the ratio);
// and the log-log slope of the gap against N with its interval (minus the observed strong
// order; experiment/slope_fit.hpp). For a deterministic sampler the gap is the ODE solver's
// pathwise error from each start point.
//
// Only the Brownian increments are coupled: normals that are not increments over the grid (pc's
// Langevin corrector) and uniforms (rmp's midpoints) are drawn per step index, so they differ
// between the two runs, and such a sampler's gap measures that too.
//
// The intervals are the normal approximation mean +- 1.96 sd / sqrt(n) over independent
// particles (n >= 30 is required for it).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/option_schema.hpp"
#include "difflab/experiment/slope_fit.hpp"
#include "difflab/pipeline/run_spec.hpp"
#include "difflab/schedule/time_grid.hpp"

namespace difflab {

struct StrongErrorOptions {
  // The coarse step counts N (each run against 2N), at least two, integers in [1, 1e6],
  // increasing.
  std::vector<double> coarse_steps = {8, 16, 32, 64};
};

// coarse_steps.
const OptionSchema<StrongErrorOptions>& strong_error_schema();

struct StrongErrorPoint {
  std::int64_t steps = 0;                                  // N; the fine run has 2N
  double gap = 0, gap_lo = 0, gap_hi = 0;                  // E|X_N - X_2N| and its 95% interval
  double gap_rms = 0;                                      // sqrt(E|X_N - X_2N|^2)
  double gap_max = 0;                                      // the largest over the particles
  double moment_change = 0, moment_lo = 0, moment_hi = 0;  // E|X_N|^2 - E|X_2N|^2, 95%
  double moment_change_sd_independent = 0;  // the sd the same estimate would have from two
                                            // independent runs of n particles each
  double moment_change_sd = 0;              // its sd from the coupled pairs
  nlohmann::json to_json() const;
};

struct StrongErrorResult {
  std::string sampler;
  Index particles = 0;
  std::vector<StrongErrorPoint> points;
  SlopeFit fit;        // log gap against log N: slope = -(observed strong order)
  nlohmann::json run;  // the coarsest run's resolved spec
  nlohmann::json to_json() const;
};

// Throws difflab::Error (one line) unless every time of `coarse` is, to 1e-12 of T, the time of
// `fine` at twice its index: the condition for two runs to share their Brownian increments step
// for step. `grid` names the grid in the message.
void require_nested_grids(const TimeGrid& coarse, const TimeGrid& fine, const std::string& grid);

// Validates (difflab::Error, one line: a grid that does not nest, a grid file, a sampler that
// cannot draw Brownian increments, n < 30, a gap of exactly 0, ...) and runs 2 x |coarse_steps|
// sampler runs. spec.steps and spec.sampler_options.noise are ignored (set per run).
StrongErrorResult strong_error(const RunSpec& spec, const StrongErrorOptions& options);

}  // namespace difflab
