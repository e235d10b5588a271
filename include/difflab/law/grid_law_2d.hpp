#pragma once
// Output law of a sampler for a two-dimensional target of any kind (Gaussian mixtures with full
// covariances included), on a tensor grid, and its distances to the target, up to a grid error
// that the caller estimates by halving the nodes (grid_law_report does).
//
// Two methods, chosen by the sampler (as in the one-dimensional grid_law.hpp):
//  - "flow-map" (deterministic samplers, any of them): the output is Phi(X_0) for the sampler's
//    flow map Phi, evaluated by running the sampler on the nodes of a source grid. Every distance
//    is an integral over the output space that the change of variables y = Phi(x) turns into an
//    integral over the source grid, where the output density is known exactly:
//      p_out(Phi(x)) = p_0(x) / |det D Phi(x)|,
//    with D Phi by fourth-order central differences of the images on the grid. E.g.
//      KL(p || q) = int p_0(x) [log p_0(x) - log |det D Phi(x)| - log q(Phi(x))] dx.
//    No inversion of Phi is needed; Phi must be orientation-preserving (det > 0), as the flow of
//    an ODE is, else the law is refused (steps too large). Where the grid does not resolve Phi
//    (the fourth- and second-order difference Jacobians disagree: near the separatrix of a
//    mixture with well-separated modes, where Phi stretches a thin band across the gap between
//    the modes) the cells are refined locally, recursively, until the start-law mass left
//    unresolved is at most max_unresolved_mass; that remainder is left out of the distances
//    but for its share of the TV (docs/theory.md 14.3).
//  - "chapman-kolmogorov" (stochastic one-step samplers: ei, em, ddpm): each step is
//    x_{k+1} = F_k(x_k) + N(0, diag V_k) (law/one_step_probe). The density on the tensor grid is
//    pushed through F_k by depositing each node's mass on the four nodes around F_k(x) (bilinear
//    weights, which conserve mass and the first moment) and then convolved with the Gaussian,
//    separably along each axis with discrete kernels normalised to unit mass. The deposit
//    spreads mass by f (1 - f) h^2 on average h^2 / 6 per axis, which the convolution
//    compensates by using V_k - h^2 / 6 when V_k exceeds it; the residual error is O(h^2) per
//    step and is what the node-halving estimate measures.
// Distances: KL both ways, TV and the Bhattacharyya coefficient, by the trapezoidal rule. W2 in
// two dimensions is not computed (it would need an optimal transport between grids); use
// `difflab eval --metrics w2` on samples for it.
#include <string>

#include "difflab/core/types.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

struct GridLaw2DOptions {
  Index nodes = 161;  // per axis
  bool start_from_q_T = false;
  double tolerance = 1e-8;  // structural checks of the sampler (one_step_probe)
  int composition_checks = 2;
  std::uint64_t check_seed = 779;
  double max_mass_lost = 1e-3;  // as GridLawOptions::max_mass_lost
  // Local refinement of the flow-map law: halvings of a grid cell's side, sampler runs on the
  // refinement's points, and the start-law mass that may stay unresolved; a law that needs more
  // is refused.
  int max_refinement_depth = 24;
  Index max_refinement_runs = 4000000;
  double max_unresolved_mass = 1e-6;
  // Relative tolerance of the resolution test (flow_map_refinement.hpp); 0 = 1e-3 at 161 nodes
  // per axis, scaled with the spacing squared, at least 2.5e-4.
  double refinement_tolerance = 0;
  void validate() const;
};

struct GridDistances2D {
  double kl_target_output = 0;  // KL(q || p)
  double kl_output_target = 0;  // KL(p || q)
  double tv = 0;
  double bhattacharyya = 1;
  // Mass of q outside the region the computation covers (the grid for chapman-kolmogorov, the
  // images of the resolved source cells for flow-map).
  double target_mass_missed = 0;
};

struct GridLaw2D {
  std::string method;  // "chapman-kolmogorov" or "flow-map"
  Index nodes = 0;     // per axis
  Vector mean;         // of the output law
  Matrix cov;
  double mass_lost = 0;  // 1 - the output law's mass on the grid
  double nfe = 0;
  // Flow-map only: the local refinement (base cells refined, child cells evaluated, sampler runs
  // on their stencils, deepest level), the start-law mass left unresolved, and that of the base
  // nodes whose difference Jacobian has det <= 0 (which the uniform grid alone had to refuse).
  struct Refinement {
    Index base_cells = 0, cells = 0, runs = 0;
    int depth = 0;
    double unresolved_mass = 0;
    double base_nonpositive_mass = 0;
  } refinement;
  // Distances to q = q_0; only when the target has a density (Target::has_density: not for an
  // empirical measure, whose law is then compared with q_delta alone), else NaN.
  bool has_target_distances = true;
  GridDistances2D to_target;
  GridDistances2D to_q_delta;  // distances to q_delta (the grid's last time)
};

// The target must be two-dimensional; throws difflab::Error naming what fails otherwise.
GridLaw2D grid_output_law_2d(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                             const SamplerOptions& options, const Target& target,
                             const GridLaw2DOptions& law_options = {});

}  // namespace difflab
