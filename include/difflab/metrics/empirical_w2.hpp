#pragma once
// Exact W2 between two empirical measures (uniform weights 1/n on the columns of X, 1/m on the
// columns of Y; n != m allowed) by solving the optimal transport linear program with LEMON's
// network simplex (lemon::NetworkSimplex, double costs |x_i - y_j|^2, integer supplies m per X
// point and n per Y point, so the plan is exact), by column generation: the simplex runs on a
// sparse graph (32 nearest neighbours each way plus a feasible staircase plan), every one of the
// n m arcs' reduced costs is then checked against the potentials, violated arcs join the graph,
// and the solve repeats until none is violated (typically 3-6 solves).
//
// Every solve is certified: a dual feasible point is built from LEMON's node potentials (shifted
// by the largest reduced-cost violation) and the duality gap primal - dual must be at most
// options.gap_tolerance * max(W2^2, 1e-300); otherwise an internal std::runtime_error is thrown.
// So the returned W2^2 is the optimal transport cost to that relative tolerance.
//
// Cost: O(n m d) to build the cost matrix (parallel), O(n m) per reduced-cost check (parallel),
// memory 16 bytes per pair (the cost matrix and its transpose; 5000 x 5000 needs 400 MB) plus
// ~60 bytes per arc of the sparse graph (~ 45 per point), and the network simplex runs (serial).
//
// In one dimension the optimal plan is the monotone coupling: W2^2 is computed by merging the
// sorted samples (O((n + m) log(n + m)), no cost matrix, any n and m), exactly as well.
//
// CI: the W2 between the two given empirical measures is exact (ci_lo = ci_hi = value) unless
// options.bootstrap > 0: then B replicates resample the particles of both sets with replacement
// (multinomial counts from the counter RNG, stream (seed, kMonteCarlo, replicate, 0 | 1)) and the
// CI is value +- 1.96 * (bootstrap standard deviation of W2). That CI reflects particle
// variability only, not the O(n^{-1/d}) bias of empirical W2 as an estimate of the W2 of the laws.
#include <cstdint>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

struct EmpiricalW2Options {
  Index bootstrap = 0;          // bootstrap replicates (each one more OT solve); 0 = none
  std::uint64_t seed = 0;       // seed of the bootstrap resampling
  double gap_tolerance = 1e-9;  // certified relative accuracy of W2^2 (duality gap)
  void validate() const;        // bootstrap >= 0 (0 or >= 2), 0 < gap_tolerance < 1
};

// W2 between the empirical measures of the columns of X (d x n) and Y (d x m).
Estimate empirical_w2(const Matrix& X, const Matrix& Y, const EmpiricalW2Options& options = {});

}  // namespace difflab
