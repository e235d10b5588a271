#pragma once
// The exact output law of a run and its distances to the target: the Gaussian law by linear
// response (Gaussian targets, affine scores and samplers), the diagonal O(d N) law, and the grid
// laws of one-dimensional, product and two-dimensional targets (docs/theory.md section 5).
// `difflab law` prints it, `difflab bound` and `difflab run` compare it with the bounds.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/option_schema.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/pipeline/run_spec.hpp"

namespace difflab {

struct LawReportOptions {
  Index tv_samples = 200000;  // Monte Carlo samples for TV when no closed form applies
  std::uint64_t seed = 0;     // seed of those draws
  // Grid laws (1-D, product and 2-D targets): nodes per axis; 0 = the law's default (2001 in
  // 1-D, raised as the kernels need; 161 per axis in 2-D).
  Index grid_nodes = 0;
  // Grid laws: the largest difference between the law on n nodes and on about n/2, relative to
  // each distance to the target, that is accepted; above it the grid is refined (n -> 2n - 1)
  // up to kGridRefinements times, and then the law is refused. 0 reports the estimate only.
  double grid_tol = 0.1;
  // Called with one line before each refinement (the CLI prints it); may be empty.
  std::function<void(const std::string&)> on_refine;
};

// Refinements of a grid law beyond the requested nodes before it is refused (8 times the nodes).
inline constexpr int kGridRefinements = 3;

// tv_samples, grid_nodes and grid_tol (the seed is the run's).
const OptionSchema<LawReportOptions>& law_report_schema();

// Distances from the output law p to the Gaussian reference N(qm, qc), KL directions named:
// kl_target_output = KL(q || p), kl_output_target, w2, hellinger, tv, tv_method, tv_bounds and,
// for a Monte Carlo TV, tv_ci.
nlohmann::json gaussian_distances_report(const GaussianLaw& p, const Vector& qm, const Matrix& qc,
                                         const LawReportOptions& options);

// The exact output law of the run (a Gaussian target, a score affine in x and a sampler affine
// in its state and noise) started from N(0, I) (run.spec.start "normal") or the exact q_T:
// method, mean, cov, nfe, the distances to the target (top level), to_q_delta (the distances to
// the early-stopped target q_delta) and, for the OU process, continuous_reverse_sde. Throws a
// difflab::Error when no exact law applies. run.spec.init must be empty (a file gives no
// Gaussian initial law); grid laws report grid_error, the difference between n and n/2 nodes.
nlohmann::json law_report(const RunSetup& run, const LawReportOptions& report_options);

}  // namespace difflab
