#include "flow_map_refinement.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab::law_detail {

namespace {

using Limits = FlowMapRefinementLimits;

// The sampler runs on at most this many points at once (its work arrays scale with the batch).
constexpr Index kRefinementBatch = 1 << 17;

// A source cell: its centre and sides, the image of the centre, p_0 there, the base node whose
// cell it subdivides, and (once found unresolved) the axes along which to halve it.
struct PendingCell {
  double centre[2], side[2], image[2], p0;
  Index root;
  bool split[2] = {true, true};
  double area() const { return side[0] * side[1]; }
};

// The cells still unresolved at one depth.
struct Level {
  std::vector<PendingCell> cells;
  double mass = 0;  // start-law mass, p0 * area summed
};

// A cell's Jacobian by fourth- and second-order differences: d4[a] and d2[a] are the columns
// dPhi/dx_a, e4[a] the fourth differences along x_a (scaled as d4, column_resolved).
struct CellDerivatives {
  double d4[2][2], d2[2][2], e4[2][2];
  double det4() const { return d4[0][0] * d4[1][1] - d4[1][0] * d4[0][1]; }
  double det2() const { return d2[0][0] * d2[1][1] - d2[1][0] * d2[0][1]; }
  bool resolved(int a, double tol) const { return column_resolved(d4[a], d2[a], e4[a], tol); }
};

// The axes along which an unresolved cell is halved: those whose Jacobian column is not
// resolved. A separatrix along one axis thus refines across itself only, so the cells along it
// stay as long as the grid's and the cost of a level does not double with the depth; a cell
// whose columns both pass (its determinants alone disagree) is halved along both.
void choose_split(const CellDerivatives& d, double tol, PendingCell& cell) {
  for (int a = 0; a < 2; ++a) cell.split[a] = !d.resolved(a, tol);
  if (!cell.split[0] && !cell.split[1]) cell.split[0] = cell.split[1] = true;
}

// The quadrature's cells in flat arrays, appended in a fixed order (base nodes in node order,
// then children level by level in their parents' order), so every later sum over them has the
// same order for any thread count; plus the true folds' tally.
struct Accumulator {
  std::vector<double> cx, cy, yx, yy, p0, area, det;
  std::vector<Index> root;  // the base node a refined cell subdivides, -1 for a base cell
  double folded = 0, dropped = 0;
  double base_nonpositive = 0;  // base nodes with det4 <= 0, true folds or not
  double fold_at[2] = {0, 0}, fold_worst = -1;
  void add(const PendingCell& c, double a, double d, bool refined) {
    root.push_back(refined ? c.root : -1);
    cx.push_back(c.centre[0]);
    cy.push_back(c.centre[1]);
    yx.push_back(c.image[0]);
    yy.push_back(c.image[1]);
    p0.push_back(c.p0);
    area.push_back(a);
    det.push_back(d);
  }
};

// Sorts one cell: resolved into the quadrature, a true fold into the tally (left out), an
// unresolved one into the next level unless it is too light to matter (left out, as dropped).
void sort_cell(PendingCell cell, double det4, const CellDerivatives& d, bool refined,
               const Limits& L, Accumulator& acc, Level& next) {
  const double mass = cell.p0 * cell.area();
  const double tol = L.jacobian_tolerance;
  switch (classify_jacobian(det4, d.det2(), d.resolved(0, tol) && d.resolved(1, tol), tol)) {
    case CellJacobian::kResolved:
      acc.add(cell, cell.area(), det4, refined);
      return;
    case CellJacobian::kFolded:
      acc.folded += mass;
      if (mass > acc.fold_worst) {
        acc.fold_worst = mass;
        acc.fold_at[0] = cell.centre[0];
        acc.fold_at[1] = cell.centre[1];
      }
      return;
    case CellJacobian::kUnresolved:
      if (mass <= L.negligible_cell_mass) {
        acc.dropped += mass;
      } else {
        choose_split(d, L.jacobian_tolerance, cell);
        next.cells.push_back(cell);
        next.mass += mass;
      }
      return;
  }
}

// Differences of the base grid's images along `axis` at node (i, j) (i along the axis): fourth
// and second order inside, second order for both next to the edges, one-sided at the edges.
void base_column(const FlowMapSource& s, Index c, int axis, CellDerivatives& d) {
  const Index n = s.n, stride = axis == 0 ? 1 : n, i = axis == 0 ? c % n : c / n;
  const double h = s.h[axis];
  const auto f = [&](Index k, int r) { return s.Phi(r, c + k * stride); };
  for (int r = 0; r < 2; ++r) {
    double& d4 = d.d4[axis][r];
    double& d2 = d.d2[axis][r];
    double& e4 = d.e4[axis][r];
    e4 = 0;
    if (i >= 2 && i + 2 < n) {
      d2 = (f(1, r) - f(-1, r)) / (2 * h);
      d4 = (-f(2, r) + 8 * f(1, r) - 8 * f(-1, r) + f(-2, r)) / (12 * h);
      e4 = (f(2, r) - 4 * f(1, r) + 6 * f(0, r) - 4 * f(-1, r) + f(-2, r)) / (12 * h);
    } else if (i >= 1 && i + 1 < n) {
      d4 = d2 = (f(1, r) - f(-1, r)) / (2 * h);
    } else {
      d4 = d2 = i == 0 ? (f(1, r) - f(0, r)) / h : (f(0, r) - f(-1, r)) / h;
    }
  }
}

// The base grid's cells (sides h, centred on the nodes), classified by the given det4 (the
// uniform rule's) against det2 from second-order differences with the nearest nodes (the same
// as det4 on the edge nodes, which therefore count as resolved, as the uniform rule always
// treated them).
Level base_level(const FlowMapSource& s, const Limits& L, Accumulator& acc) {
  Level level;
  const Index n = s.n;
  for (Index c = 0; c < n * n; ++c) {
    CellDerivatives d{};
    base_column(s, c, 0, d);
    base_column(s, c, 1, d);
    const PendingCell cell{
        {s.X(0, c), s.X(1, c)}, {s.h[0], s.h[1]}, {s.Phi(0, c), s.Phi(1, c)}, s.p0(c), c};
    const bool edge = c % n == 0 || c % n == n - 1 || c / n == 0 || c / n == n - 1;
    if (edge)  // one-sided differences: det2 := det4
      for (int a = 0; a < 2; ++a)
        for (int r = 0; r < 2; ++r) d.d2[a][r] = d.d4[a][r];
    if (!(s.det4(c) > 0)) acc.base_nonpositive += s.p0(c) * cell.area();
    sort_cell(cell, s.det4(c), d, false, L, acc, level);
  }
  return level;
}

void run_in_batches(const FlowMapRun& run, Matrix& P) {
  for (Index first = 0; first < P.cols(); first += kRefinementBatch) {
    Matrix block = P.middleCols(first, std::min(kRefinementBatch, P.cols() - first));
    run(block);
    P.middleCols(first, block.cols()) = block;
  }
}

// The children of the cells of `level`: each halved along its split axes, in a fixed order.
std::vector<PendingCell> children_of(const Level& level) {
  std::vector<PendingCell> children;
  for (const PendingCell& parent : level.cells)
    for (int k = 0; k < 4; ++k) {
      const int step[2] = {k & 1, k >> 1};
      if ((step[0] && !parent.split[0]) || (step[1] && !parent.split[1])) continue;
      PendingCell child = parent;
      for (int a = 0; a < 2; ++a) {
        if (!parent.split[a]) continue;
        child.side[a] = parent.side[a] / 2;
        child.centre[a] = parent.centre[a] + (step[a] ? 0.5 : -0.5) * child.side[a];
      }
      children.push_back(child);
    }
  return children;
}

// Halves the cells of `level` and evaluates each child on its own nine-point stencil: the
// centre and, along each axis, points at +-eps and +-2 eps with eps a quarter of the child's
// side (so the outer points lie on its edges).
Level refine_level(const Level& level, const FlowMapRun& run, const StartDensity& start,
                   const Limits& L, Accumulator& acc, Index& evaluations) {
  std::vector<PendingCell> children = children_of(level);
  const auto m = static_cast<Index>(children.size());
  Matrix centres(2, m), P(2, 9 * m);
  Vector eps[2] = {Vector(m), Vector(m)};
  const double offsets[9][2] = {{0, 0},  {-2, 0}, {-1, 0}, {1, 0}, {2, 0},
                                {0, -2}, {0, -1}, {0, 1},  {0, 2}};
  for (Index k = 0; k < m; ++k) {
    const PendingCell& child = children[static_cast<std::size_t>(k)];
    for (int a = 0; a < 2; ++a) {
      centres(a, k) = child.centre[a];
      eps[a](k) = child.side[a] / 4;
    }
    for (Index s = 0; s < 9; ++s)
      for (int a = 0; a < 2; ++a) P(a, 9 * k + s) = centres(a, k) + offsets[s][a] * eps[a](k);
  }
  run_in_batches(run, P);
  evaluations += 9 * m;
  const Vector p0 = start(centres);
  const auto at = [&](Index s) {  // the images of stencil point s of every child, 2 x m
    return Matrix(Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>(P.data() + 2 * s, 2, m,
                                                                    Eigen::OuterStride<>(18)));
  };
  const Matrix centre = at(0);
  const AxisDerivatives d0 = axis_derivatives(at(1), at(2), centre, at(3), at(4), eps[0]);
  const AxisDerivatives d1 = axis_derivatives(at(5), at(6), centre, at(7), at(8), eps[1]);
  Level next;
  for (Index k = 0; k < m; ++k) {
    PendingCell& child = children[static_cast<std::size_t>(k)];
    CellDerivatives d{};
    for (int r = 0; r < 2; ++r) {
      d.d4[0][r] = d0.d4(r, k);
      d.d2[0][r] = d0.d2(r, k);
      d.e4[0][r] = d0.e4(r, k);
      d.d4[1][r] = d1.d4(r, k);
      d.d2[1][r] = d1.d2(r, k);
      d.e4[1][r] = d1.e4(r, k);
      child.image[r] = P(r, 9 * k);
    }
    child.p0 = p0(k);
    sort_cell(child, d.det4(), d, true, L, acc, next);
  }
  return next;
}

const PendingCell& heaviest(const Level& level) {
  std::size_t worst = 0;
  for (std::size_t k = 1; k < level.cells.size(); ++k)
    if (level.cells[k].p0 > level.cells[worst].p0) worst = k;
  return level.cells[worst];
}

void require_no_fold(const Accumulator& acc, const Limits& L, const std::string& law_name,
                     const std::string& sampler_name) {
  require(acc.folded <= L.max_folded_mass, law_name, ": the flow map of sampler '", sampler_name,
          "' folds the plane near x = (", acc.fold_at[0], ", ", acc.fold_at[1],
          ") where the start law has mass ", acc.folded, " (steps too large?)");
}

// Refuses when the next level would pass a limit while too much mass is still unresolved.
void require_within_limits(const Level& level, int depth, Index evaluations, const Limits& L,
                           const std::string& law_name, const std::string& sampler_name) {
  const bool deeper = depth < L.max_depth;
  Index children = 0;
  for (const PendingCell& cell : level.cells)
    children += (cell.split[0] ? 2 : 1) * (cell.split[1] ? 2 : 1);
  const bool affordable = evaluations + 9 * children <= L.max_evaluations;
  if (deeper && affordable) return;
  const PendingCell& worst = heaviest(level);
  std::ostringstream m;
  m.precision(3);
  m << law_name << ": the flow map of sampler '" << sampler_name << "' is not resolved near x = ("
    << worst.centre[0] << ", " << worst.centre[1] << "): after " << depth << " local refinements ("
    << evaluations << " sampler runs) start-law mass " << level.mass
    << " lies in cells whose fourth- and second-order Jacobians still disagree, more than "
    << L.max_unresolved_mass << " ("
    << (deeper ? "the refinement's run budget" : "the refinement's depth cap")
    << " is reached; a discontinuous score or flow?)";
  throw Error(m.str());
}

// The sub-cells of a refined base cell share out the start-law mass the uniform rule gives that
// cell, p_0(node) h0 h1, in proportion to their own midpoint masses: the total mass stays the
// uniform rule's (spectrally accurate for a smooth, decaying start law, where a patchwork of
// midpoint rules would be off by O(h^2) at the patch's edges), and the sub-cells only decide
// where each part of it goes (a ratio estimator).
void share_out_base_masses(const FlowMapSource& s, Accumulator& acc) {
  std::vector<double> sub_mass(static_cast<std::size_t>(s.n * s.n), 0.0);
  for (std::size_t k = 0; k < acc.root.size(); ++k)
    if (acc.root[k] >= 0)
      sub_mass[static_cast<std::size_t>(acc.root[k])] += acc.p0[k] * acc.area[k];
  for (std::size_t k = 0; k < acc.root.size(); ++k) {
    const Index r = acc.root[k];
    if (r < 0) continue;
    const double base_mass = s.p0(r) * s.h[0] * s.h[1];
    const double share = sub_mass[static_cast<std::size_t>(r)];
    if (share > 0) acc.area[k] *= base_mass / share;
  }
}

// Leaves the lightest cells of `level` unresolved (by start-law mass; ties in their order)
// while their mass stays within `budget`: they keep their images, for the moments, but no
// determinant. Returns their mass.
double leave_lightest_unresolved(Level& level, double budget, Accumulator& acc) {
  std::vector<std::size_t> order(level.cells.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return level.cells[a].p0 < level.cells[b].p0;
  });
  std::vector<bool> leave(level.cells.size(), false);
  double mass = 0;
  for (const std::size_t k : order) {
    const double m = level.cells[k].p0 * level.cells[k].area();
    if (mass + m > budget) break;
    mass += m;
    leave[k] = true;
  }
  std::vector<PendingCell> kept;
  level.mass = 0;
  for (std::size_t k = 0; k < leave.size(); ++k) {
    if (leave[k]) {
      acc.add(level.cells[k], level.cells[k].area(), std::numeric_limits<double>::quiet_NaN(),
              true);
    } else {
      kept.push_back(level.cells[k]);
      level.mass += level.cells[k].p0 * level.cells[k].area();
    }
  }
  level.cells = std::move(kept);
  return mass;
}

FlowMapQuadrature to_quadrature(const Accumulator& acc) {
  const auto m = static_cast<Index>(acc.p0.size());
  FlowMapQuadrature q;
  q.centres.resize(2, m);
  q.images.resize(2, m);
  q.p0.resize(m);
  q.area.resize(m);
  q.det.resize(m);
  for (Index k = 0; k < m; ++k) {
    const auto u = static_cast<std::size_t>(k);
    q.centres.col(k) << acc.cx[u], acc.cy[u];
    q.images.col(k) << acc.yx[u], acc.yy[u];
    q.p0(k) = acc.p0[u];
    q.area(k) = acc.area[u];
    q.det(k) = acc.det[u];
  }
  q.dropped_mass = acc.dropped + acc.folded;
  q.base_nonpositive_mass = acc.base_nonpositive;
  return q;
}

}  // namespace

AxisDerivatives axis_derivatives(const Matrix& fm2, const Matrix& fm1, const Matrix& f0,
                                 const Matrix& fp1, const Matrix& fp2, const Vector& eps) {
  const auto per_point = [&](const Matrix& diff, double scale) {
    return Matrix(diff.array().rowwise() / (scale * eps.transpose().array()));
  };
  return {per_point(-fp2 + 8 * fp1 - 8 * fm1 + fm2, 12), per_point(fp1 - fm1, 2),
          per_point(fp2 - 4 * fp1 + 6 * f0 - 4 * fm1 + fm2, 12)};
}

bool column_resolved(const double d4[2], const double d2[2], const double e4[2], double tol) {
  const double scale = tol * std::hypot(d4[0], d4[1]);
  return std::hypot(d4[0] - d2[0], d4[1] - d2[1]) <= scale && std::hypot(e4[0], e4[1]) <= scale;
}

CellJacobian classify_jacobian(double det4, double det2, bool columns_resolved, double tol) {
  if (!columns_resolved) return CellJacobian::kUnresolved;
  const bool agree = std::abs(det4 - det2) <= tol * std::abs(det4);
  if (det4 > 0 && det2 > 0 && agree) return CellJacobian::kResolved;
  if (det4 <= 0 && det2 <= 0 && agree) return CellJacobian::kFolded;
  return CellJacobian::kUnresolved;
}

FlowMapQuadrature refine_flow_map(const FlowMapSource& source, const FlowMapRun& run,
                                  const StartDensity& start, const FlowMapRefinementLimits& limits,
                                  const std::string& law_name, const std::string& sampler_name) {
  Accumulator acc;
  Level level = base_level(source, limits, acc);
  require_no_fold(acc, limits, law_name, sampler_name);
  const auto base_unresolved = static_cast<Index>(level.cells.size());
  Index evaluations = 0, refined = 0;
  int depth = 0;
  double left = 0;  // mass of the cells left unresolved on the way down
  while (level.mass + left > limits.max_unresolved_mass) {
    // Half the allowance goes to the lightest cells on the way down, half of what is left of
    // it at each level, so the deep levels refine only where the start law has mass.
    left += leave_lightest_unresolved(level, (limits.max_unresolved_mass / 2 - left) / 2, acc);
    if (level.mass + left <= limits.max_unresolved_mass) break;
    require_within_limits(level, depth, evaluations, limits, law_name, sampler_name);
    const Index before = evaluations;
    level = refine_level(level, run, start, limits, acc, evaluations);
    refined += (evaluations - before) / 9;
    ++depth;
    require_no_fold(acc, limits, law_name, sampler_name);
  }
  leave_lightest_unresolved(level, std::numeric_limits<double>::infinity(), acc);
  share_out_base_masses(source, acc);
  FlowMapQuadrature out = to_quadrature(acc);
  for (Index c = 0; c < out.det.size(); ++c)
    if (std::isnan(out.det(c))) out.unresolved_mass += out.p0(c) * out.area(c);
  out.base_unresolved = base_unresolved;
  out.refined_cells = refined;
  out.evaluations = evaluations;
  out.depth = depth;
  return out;
}

}  // namespace difflab::law_detail
