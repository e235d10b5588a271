#pragma once
// Internal to src/law: the source-plane quadrature of the two-dimensional flow-map law
// (grid_law_2d.hpp, docs/theory.md 14.3) with local refinement where the flow map is not
// resolved by the uniform grid.
//
// Every distance of the flow-map law is an integral over the source plane of a function of
// p_0(x), det D Phi(x) and q(Phi(x)). On a uniform grid det D Phi comes from finite differences,
// which are only as good as Phi is smooth on the stencil. Near the separatrix of a mixture with
// well-separated modes (the curve whose two sides flow to different modes) Phi jumps across the
// low-density gap within a band far thinner than a grid cell: there the difference Jacobian is
// meaningless, its determinant can even be negative, and uniform refinement converges slowly
// because the band's cells carry mass O(h).
//
// A cell is "resolved" when, along each axis, its Jacobian column from fourth-order differences
// agrees with the one from second-order differences on the same stencil and the stencil's
// fourth difference is small (together: Phi is a cubic on the stencil's scale, up to tol), and
// the two determinants agree. Unresolved cells are halved along the axes whose Jacobian column is
// unresolved (across a separatrix, not along it) and each child gets its own nine-point stencil
// (arms a quarter and a half of its side), recursively, as in adaptive cubature (Berntsen, Espelid
// and Genz 1991, ACM TOMS 17: subdivide where an error estimate is large). A cell whose two
// determinants agree on a negative value is a true fold: the map is not a flow there. Refinement
// stops when the start-law mass of the unresolved cells is at most max_unresolved_mass; those
// cells stay in the quadrature with their images (for the moments) but no determinant, and the
// distances leave them out but for their share of the TV (grid_law_2d.cpp, docs/theory.md 14.3).
#include <functional>
#include <string>

#include "difflab/core/types.hpp"

namespace difflab::law_detail {

struct FlowMapRefinementLimits {
  int max_depth = 24;                   // levels of halving
  Index max_evaluations = 4000000;      // sampler runs on refinement points
  double max_unresolved_mass = 1e-6;    // start-law mass left unresolved
  double jacobian_tolerance = 1e-3;     // relative, column_resolved and classify_jacobian
  double negligible_cell_mass = 1e-14;  // unresolved cells this light are left out
  double max_folded_mass = 1e-10;       // true folds tolerated up to this start-law mass
};

// The source cells of the quadrature, in a fixed order (base nodes, then refined children level
// by level): centre, image, start density, area, and det D Phi (NaN for an unresolved cell).
struct FlowMapQuadrature {
  Matrix centres, images;
  Vector p0, area, det;
  double unresolved_mass = 0;  // start-law mass of the cells with NaN det
  double dropped_mass = 0;     // negligible unresolved cells and tolerated folds, left out
  // Start-law mass of the base nodes whose fourth-order determinant is <= 0: what the uniform
  // rule without refinement counted as folded (and refused above max_folded_mass).
  double base_nonpositive_mass = 0;
  Index base_unresolved = 0;  // base-grid cells refined
  Index refined_cells = 0;    // children evaluated
  Index evaluations = 0;      // sampler runs on refinement stencils
  int depth = 0;              // deepest level reached
};

// Runs the sampler on the columns of X, replacing them by their images Phi(X).
using FlowMapRun = std::function<void(Matrix& X)>;
// The start law's density at the columns of X.
using StartDensity = std::function<Vector(const Matrix& X)>;

// The uniform source grid: node (i, j) is column i + n j of X, with image column of Phi, start
// density p0 and det4 its Jacobian determinant from fourth-order differences (lower order at the
// two nodes next to each edge, where the start law has no mass); h the spacings. Throws
// difflab::Error (naming law_name and sampler_name) on a true fold heavier than max_folded_mass or
// when the limits leave more than max_unresolved_mass unresolved.
struct FlowMapSource {
  const Matrix& X;
  const Matrix& Phi;
  const Vector& p0;
  const Vector& det4;
  Index n;
  double h[2];
};
FlowMapQuadrature refine_flow_map(const FlowMapSource& source, const FlowMapRun& run,
                                  const StartDensity& start, const FlowMapRefinementLimits& limits,
                                  const std::string& law_name, const std::string& sampler_name);

// Derivative of f along one axis at the middle of five equally spaced values: fourth-order and
// second-order central differences, and the fourth difference scaled as the first
// (f(2) - 4 f(1) + 6 f(0) - 4 f(-1) + f(-2)) / (12 eps). Columns are points; the arguments are
// f at the points shifted by -2, -1, 0, +1, +2 steps, the step of point k being eps(k).
struct AxisDerivatives {
  Matrix d4, d2, e4;
};
AxisDerivatives axis_derivatives(const Matrix& fm2, const Matrix& fm1, const Matrix& f0,
                                 const Matrix& fp1, const Matrix& fp2, const Vector& eps);

// Whether the differences along one axis resolve Phi (2-vectors: the column dPhi/dx_a by both
// orders and the scaled fourth difference). d4 - d2 = -(third-difference asymmetry) / 12 eps is
// the odd part of what the stencil sees beyond a cubic, e4 the even part; for a smooth Phi both
// are O(eps^2) relative to d4, for a jump inside the stencil O(1). The odd part alone misses a
// jump placed symmetrically (a node on a separatrix, mapped to the middle of the gap, makes
// d4 = d2 at its neighbours). Both must be within tol of |d4|.
bool column_resolved(const double d4[2], const double d2[2], const double e4[2], double tol);

// Resolved: the columns are resolved and both determinants are positive and within tol of each
// other (relative to the fourth-order one); a true fold when the columns are resolved and both
// determinants agree on a non-positive value; else unresolved.
enum class CellJacobian { kResolved, kUnresolved, kFolded };
CellJacobian classify_jacobian(double det4, double det2, bool columns_resolved, double tol);

}  // namespace difflab::law_detail
