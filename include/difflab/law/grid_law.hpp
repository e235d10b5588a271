#pragma once
// Exact output law of a sampler on a grid, for one-dimensional targets of any kind (Gaussian
// mixtures included) and for product targets with coordinate-wise scores, up to a stated grid
// error.
//
// Two methods, chosen by the sampler:
//  - "chapman-kolmogorov" (stochastic one-step samplers: ei, em, ddpm): each step is a Gaussian
//    kernel x_{k+1} | x_k ~ N(F_k(x_k), V_k) (read off the sampler itself, law/one_step_probe),
//    so the density of every coordinate is propagated on a fine grid by
//      p_{k+1}(y) = int p_k(x) N(y; F_k(x), V_k) dx
//    (Chapman-Kolmogorov, trapezoidal quadrature; second order in the node spacing h as long as
//    the kernel is resolved, which the node count is chosen to ensure: sqrt(V_k) >= 2 h). A step
//    without noise (the "denoise" last step) transports the density instead (below).
//  - "flow-map" (deterministic samplers, any of them: ddim, heun, ode-ei, dpm++2m, rk45): the
//    output is Phi(X_0) for the sampler's whole flow map Phi, evaluated by running the sampler
//    on the grid nodes; the density moves by change of variables,
//      p_out(Phi(x)) = p_0(x) / Phi'(x),
//    with Phi inverted and differentiated on cubic interpolants (a non-monotone Phi is an error).
// Per coordinate, the grid covers the initial law (N(0, 1) or q_T) and the target, as read from
// the target's density (all points where it exceeds 1e-18 of its maximum, plus a margin). The
// mass that leaves the grid is reported; the caller checks grid convergence by repeating with
// half the nodes (grid_law_report does).
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

// A density on the uniform grid lo, lo + h, ..., lo + (n - 1) h (values at the nodes).
struct GridDensity {
  double lo = 0, h = 1;
  Vector density;
  Index nodes() const { return density.size(); }
  double node(Index j) const { return lo + h * static_cast<double>(j); }
  double mass() const;  // trapezoidal rule
};

struct GridLawOptions {
  // Nodes per coordinate (at least; raised until every stochastic step's kernel width
  // sqrt(V_k) is >= 2 h, up to max_nodes, beyond which the law is refused).
  Index nodes = 2001;
  Index max_nodes = 400001;
  // Start from q_T (the target noised to time T) instead of N(0, I).
  bool start_from_q_T = false;
  // Relative tolerance of the structural checks on the sampler (one_step_probe).
  double tolerance = 1e-8;
  // Full-run composition checks (chapman-kolmogorov method).
  int composition_checks = 2;
  std::uint64_t check_seed = 777;
  // The largest share of the output law's mass that may leave the grid. The distances are
  // integrals over the grid: mass outside it is invisible to them (a law that leaves the grid
  // altogether would show KL(p || q) = 0), so beyond this share the law is refused.
  double max_mass_lost = 1e-3;
  void validate() const;
};

struct GridLaw {
  std::string method;                    // "chapman-kolmogorov" or "flow-map"
  std::vector<GridDensity> coordinates;  // the output density of each coordinate
  double mass_lost = 0;                  // largest 1 - mass over the coordinates
  double nfe = 0;                        // score evaluations per particle of one sampler run
};

// The target must be one-dimensional or a ProductTarget, and the score coordinate-wise (the
// exact score of a product target, a direction perturbation); the sampler a stochastic one-step
// sampler with additive Gaussian noise, or any deterministic sampler. Throws difflab::Error,
// naming what fails, otherwise.
GridLaw grid_output_law(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                        const SamplerOptions& options, const Target& target,
                        const GridLawOptions& law_options = {});

// log q(y) at the entries of y for coordinate i of the target noised to (alpha, sigma2): the
// factor's law for a ProductTarget, the target itself when it is one-dimensional.
Vector coordinate_log_density(const Target& target, Index i, double alpha, double sigma2,
                              const Vector& y);

}  // namespace difflab
