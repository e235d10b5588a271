#include "difflab/metrics/empirical_w2.hpp"

#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

namespace {

using Graph = lemon::StaticDigraph;
// Integer costs. With double costs LEMON's pivot rules take any reduced cost below 0 as an
// improving arc; when points coincide (ties: samples that copy reference points, bootstrap
// duplicates) the potentials' rounding leaves reduced costs of -1e-17 that it pivots on forever
// (a degenerate cycle: `eval` on copies of the reference never returned). Costs rounded to
// multiples of 2^-k (kCostBits bits for the largest) are exact integers, the simplex is then
// exact arithmetic and terminates, and the rounding enters the certificate below as at most
// one unit per arc (POT's fork of the same simplex guards its comparisons with an epsilon
// instead, Flamary et al. 2021, ot/lp/network_simplex_simple.h).
using Simplex = lemon::NetworkSimplex<Graph, int, long long>;
constexpr int kCostBits = 40;

// LEMON reads costs through a map indexed by arc.
struct ArcCostMap {
  using Key = Graph::Arc;
  using Value = long long;
  const std::vector<long long>* cost;
  long long operator[](const Key& a) const {
    return (*cost)[static_cast<std::size_t>(Graph::index(a))];
  }
};

struct SupplyVectorMap {
  using Key = Graph::Node;
  using Value = int;
  const std::vector<int>* s;
  int operator[](const Key& v) const { return (*s)[static_cast<std::size_t>(Graph::index(v))]; }
};

// C(i, j) = |x_i - y_j|^2 from the differences themselves. The expansion |x|^2 + |y|^2 - 2 x.y
// would be faster (one GEMM) but cancels catastrophically when the clouds are close, which is
// exactly the regime of a good sampler (W2 ~ 1e-3 of the data scale would keep ~6 digits).
// Row blocks of C are a fixed split, so the result does not depend on the thread count.
Matrix squared_distance_matrix(const Matrix& X, const Matrix& Y) {
  Matrix C(X.cols(), Y.cols());
  parallel_blocks(X.cols(), kDefaultBlock, [&](Index begin, Index count) {
    for (Index i = begin; i < begin + count; ++i)
      for (Index j = 0; j < Y.cols(); ++j) C(i, j) = (X.col(i) - Y.col(j)).squaredNorm();
  });
  return C;
}

// The candidate arcs of the sparse problem: per source i, the sorted targets j.
using ArcLists = std::vector<std::vector<int>>;

// Each row's k cheapest columns, each column's k cheapest rows, and a feasible staircase: the
// north-west-corner plan between X and Y sorted along the direction (1, ..., 1) (a transport
// plan for any supplies, so the candidate graph is never infeasible). Optimal plans move mass to
// near neighbours, so this sparse graph almost always carries most of the optimum.
ArcLists candidate_arcs(const Matrix& X, const Matrix& Y, const Matrix& C, Index k,
                        const std::vector<int>& supply) {
  const Index n = C.rows(), m = C.cols();
  ArcLists arcs(static_cast<std::size_t>(n));
  const Index kr = std::min(k, m), kc = std::min(k, n);
  // C is column-major: a column's entries are contiguous, a row's are not; rows read C^T.
  const Matrix Ct = C.transpose();
  const auto nearest = [](const double* c, Index count, Index keep, std::vector<int>& idx) {
    idx.resize(static_cast<std::size_t>(count));
    for (Index j = 0; j < count; ++j) idx[static_cast<std::size_t>(j)] = static_cast<int>(j);
    std::nth_element(idx.begin(), idx.begin() + (keep - 1), idx.end(),
                     [&](int a, int b) { return c[a] < c[b] || (c[a] == c[b] && a < b); });
    idx.resize(static_cast<std::size_t>(keep));
  };
  parallel_blocks(n, kDefaultBlock, [&](Index begin, Index count) {
    std::vector<int> idx;
    for (Index i = begin; i < begin + count; ++i) {
      nearest(Ct.col(i).data(), m, kr, idx);
      arcs[static_cast<std::size_t>(i)] = idx;
    }
  });
  std::vector<std::vector<int>> column_rows(static_cast<std::size_t>(m));
  parallel_blocks(m, kDefaultBlock, [&](Index begin, Index count) {
    std::vector<int> idx;
    for (Index j = begin; j < begin + count; ++j) {
      nearest(C.col(j).data(), n, kc, idx);
      column_rows[static_cast<std::size_t>(j)] = idx;
    }
  });
  for (Index j = 0; j < m; ++j)
    for (const int i : column_rows[static_cast<std::size_t>(j)])
      arcs[static_cast<std::size_t>(i)].push_back(static_cast<int>(j));
  // North-west corner on the sorted projections.
  const RowVector px = X.colwise().sum(), py = Y.colwise().sum();
  std::vector<int> ox(static_cast<std::size_t>(n)), oy(static_cast<std::size_t>(m));
  for (Index i = 0; i < n; ++i) ox[static_cast<std::size_t>(i)] = static_cast<int>(i);
  for (Index j = 0; j < m; ++j) oy[static_cast<std::size_t>(j)] = static_cast<int>(j);
  std::sort(ox.begin(), ox.end(),
            [&](int a, int b) { return px(a) < px(b) || (px(a) == px(b) && a < b); });
  std::sort(oy.begin(), oy.end(),
            [&](int a, int b) { return py(a) < py(b) || (py(a) == py(b) && a < b); });
  std::size_t a = 0, b = 0;
  long long left_x = 0, left_y = 0;
  while (a < ox.size() && b < oy.size()) {
    if (left_x == 0) left_x = supply[static_cast<std::size_t>(ox[a])];
    if (left_y == 0) left_y = -supply[static_cast<std::size_t>(n + oy[b])];
    if (left_x == 0) {  // a resampled-away point (bootstrap): nothing to ship
      ++a;
      continue;
    }
    if (left_y == 0) {
      ++b;
      continue;
    }
    arcs[static_cast<std::size_t>(ox[a])].push_back(oy[b]);
    const long long f = std::min(left_x, left_y);
    left_x -= f;
    left_y -= f;
    if (left_x == 0) ++a;
    if (left_y == 0) ++b;
  }
  return arcs;
}

// Solves the transport problem for the given supplies (sum of positive = sum of negative) and
// returns the optimal cost divided by the total mass, certified by duality on the COMPLETE
// bipartite graph.
//
// Column generation (why: LEMON's network simplex on all n m arcs spends most of its time
// initialising and scanning arcs that never carry flow; POT's emd does the same): solve on a
// sparse candidate graph (nearest neighbours), then check every arc's reduced cost
// c_ij + pi_i - pi_j with the potentials; add the violating arcs and solve again. When no arc is
// violated beyond rounding, the potentials are dual feasible for the full problem, so the sparse
// plan is optimal for it; the duality gap is then computed and checked exactly as before.
double solve_certified(const Matrix& X, const Matrix& Y, const Matrix& C,
                       const std::vector<int>& supply, double gap_tolerance) {
  // 32 nearest neighbours per point to start (measured, n = 2000, d = 4: 5 solves, against 8
  // with 8 or 16); column generation adds what the optimum needs.
  ArcLists arcs = candidate_arcs(X, Y, C, 32, supply);
  const Index n = C.rows(), m = C.cols();
  const double cmax = C.maxCoeff();
  if (!(cmax > 0)) return 0.0;  // every point coincides: nothing moves
  // Integer costs: C scaled by a power of two (exact) so that cmax is at most 2^kCostBits, then
  // rounded (an error of at most 1/(2 scale) per arc).
  const double scale = std::ldexp(1.0, kCostBits - 1 - std::ilogb(cmax));
  const double unit = 1.0 / scale;
  // Violations below this are rounding (cost differences of order eps * cmax, and the integer
  // costs' rounding).
  const double violation_floor = 16 * std::numeric_limits<double>::epsilon() * cmax + unit;
  // A violated arc outside the graph is added whatever its size; one inside it can only be
  // violated by the potentials' rounding, which the duality-gap check below absorbs.
  long double mass = 0;
  for (Index i = 0; i < n; ++i) mass += supply[static_cast<std::size_t>(i)];
  for (int round = 0;; ++round) {
    for (auto& row : arcs) {
      std::sort(row.begin(), row.end());
      row.erase(std::unique(row.begin(), row.end()), row.end());
    }
    std::vector<std::pair<int, int>> arc_list;
    std::vector<double> cost;
    std::vector<long long> integer_cost;
    for (Index i = 0; i < n; ++i)
      for (const int j : arcs[static_cast<std::size_t>(i)]) {
        arc_list.emplace_back(static_cast<int>(i), static_cast<int>(n) + j);
        cost.push_back(C(i, j));
        integer_cost.push_back(std::llround(C(i, j) * scale));
      }
    Graph graph;
    graph.build(static_cast<int>(n + m), arc_list.begin(), arc_list.end());
    Simplex simplex(graph);
    simplex.costMap(ArcCostMap{&integer_cost});
    simplex.supplyMap(SupplyVectorMap{&supply});
    const Simplex::ProblemType status = simplex.run();
    if (status != Simplex::OPTIMAL)
      throw std::runtime_error("empirical_w2: network simplex did not find an optimal plan");
    std::vector<double> pi(static_cast<std::size_t>(n + m));
    for (Index v = 0; v < n + m; ++v)
      pi[static_cast<std::size_t>(v)] =
          static_cast<double>(simplex.potential(graph.node(static_cast<int>(v)))) * unit;
    // Reduced costs of every arc; per row the largest violation and the violating columns.
    std::vector<double> row_violation(static_cast<std::size_t>(n), 0.0);
    // At most this many of a row's most violated arcs join per round (all of them can be
    // thousands early on, most of which the next solve no longer needs).
    constexpr std::size_t kAddPerRow = 64;
    std::vector<std::vector<std::pair<double, int>>> added(static_cast<std::size_t>(n));
    parallel_blocks(n, kDefaultBlock, [&](Index begin, Index count) {
      for (Index i = begin; i < begin + count; ++i) {
        double worst = 0;
        const double pi_i = pi[static_cast<std::size_t>(i)];
        for (Index j = 0; j < m; ++j) {
          const double violation = -(C(i, j) + pi_i - pi[static_cast<std::size_t>(n + j)]);
          // Arcs of the graph are violated only by the potentials' rounding: not new columns.
          const auto& present = arcs[static_cast<std::size_t>(i)];
          if (violation > violation_floor &&
              !std::binary_search(present.begin(), present.end(), static_cast<int>(j)))
            added[static_cast<std::size_t>(i)].emplace_back(-violation, static_cast<int>(j));
          worst = std::max(worst, violation);
        }
        row_violation[static_cast<std::size_t>(i)] = worst;
        auto& row = added[static_cast<std::size_t>(i)];
        if (row.size() > kAddPerRow) {
          std::nth_element(row.begin(), row.begin() + kAddPerRow, row.end());
          row.resize(kAddPerRow);
        }
      }
    });
    const double eps = *std::max_element(row_violation.begin(), row_violation.end());
    const bool new_columns =
        std::any_of(added.begin(), added.end(), [](const auto& row) { return !row.empty(); });
    if (new_columns) {
      if (round >= 1000)
        throw std::runtime_error("empirical_w2: column generation did not converge");
      for (Index i = 0; i < n; ++i) {
        auto& row = arcs[static_cast<std::size_t>(i)];
        for (const auto& [violation, j] : added[static_cast<std::size_t>(i)]) row.push_back(j);
      }
      continue;
    }
    long double primal = 0, dual = 0;
    for (Graph::ArcIt a(graph); a != lemon::INVALID; ++a) {
      const int f = simplex.flow(a);
      if (f != 0)
        primal += static_cast<long double>(f) * cost[static_cast<std::size_t>(Graph::index(a))];
    }
    // Dual of min sum c f, sum_out f - sum_in f = s: max sum_v s_v y_v with y_u - y_v <= c_uv.
    // LEMON's potentials pi satisfy c_uv + pi_u - pi_v >= 0 up to roundoff, i.e. y = -pi; the
    // largest violation eps (over ALL arcs) is absorbed by lowering y on the sources, which
    // costs eps * mass.
    for (Index v = 0; v < n + m; ++v)
      dual -= static_cast<long double>(supply[static_cast<std::size_t>(v)]) *
              pi[static_cast<std::size_t>(v)];
    dual -= static_cast<long double>(eps) * mass;
    const double value = static_cast<double>(primal / mass);
    const double gap = static_cast<double>((primal - dual) / mass);
    // Relative to W2^2, but with a floor at rounding level of the costs: when the two clouds
    // coincide W2^2 is 0 and the potentials' roundoff (~1e-16 of the largest cost) is all the
    // gap.
    // The integer costs add at most unit/2 per arc to the primal and to each reduced cost.
    const double round_floor = 64 * std::numeric_limits<double>::epsilon() * cmax + 4 * unit;
    if (!(gap <= gap_tolerance * value + round_floor + 1e-300))
      throw std::runtime_error("empirical_w2: duality gap " + std::to_string(gap) +
                               " exceeds the tolerance for W2^2 = " + std::to_string(value));
    return value;
  }
}

// Multinomial resampling counts of `size` particles from stream (seed, kMonteCarlo, b, which).
std::vector<Index> bootstrap_counts(const CounterRng& rng, Index b, std::uint64_t which,
                                    Index size) {
  std::vector<Index> counts(static_cast<std::size_t>(size), 0);
  RngStream stream = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(b), which);
  for (Index k = 0; k < size; ++k) {
    const Index i =
        std::min<Index>(size - 1, static_cast<Index>(stream.uniform() * static_cast<double>(size)));
    ++counts[static_cast<std::size_t>(i)];
  }
  return counts;
}

std::vector<std::size_t> sorted_order(const Matrix& X) {
  std::vector<std::size_t> order(static_cast<std::size_t>(X.cols()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return X(0, static_cast<Index>(a)) < X(0, static_cast<Index>(b));
  });
  return order;
}

// One dimension: for the squared cost the monotone (quantile) coupling is optimal (e.g.
// Villani 2003, Theorem 2.18; Peyre & Cuturi 2019, Remark 2.30), so W2^2 = int_0^1 |F^-1(u) -
// G^-1(u)|^2 du is a merge of the two sorted point sets: O((n + m) log(n + m)), no cost matrix,
// no LP. Masses are integers (weight cx_i m on x_i, cy_j n on y_j, total n m), so the merge splits
// them exactly.
double monotone_w2_squared(const Matrix& X, const std::vector<std::size_t>& xo,
                           const std::vector<Index>& cx, const Matrix& Y,
                           const std::vector<std::size_t>& yo, const std::vector<Index>& cy) {
  const long long n = X.cols(), m = Y.cols();
  std::size_t i = 0, j = 0;
  long long left_x = 0, left_y = 0;
  long double cost = 0;
  while (true) {
    while (left_x == 0 && i < xo.size()) left_x = cx[xo[i++]] * m;
    while (left_y == 0 && j < yo.size()) left_y = cy[yo[j++]] * n;
    if (left_x == 0 || left_y == 0) break;
    const long long moved = std::min(left_x, left_y);
    const long double diff = static_cast<long double>(X(0, static_cast<Index>(xo[i - 1]))) -
                             static_cast<long double>(Y(0, static_cast<Index>(yo[j - 1])));
    cost += static_cast<long double>(moved) * diff * diff;
    left_x -= moved;
    left_y -= moved;
  }
  return static_cast<double>(cost / (static_cast<long double>(n) * static_cast<long double>(m)));
}

}  // namespace

void EmpiricalW2Options::validate() const {
  require(bootstrap == 0 || bootstrap >= 2, "empirical_w2: bootstrap must be 0 or >= 2, got ",
          bootstrap);
  require(gap_tolerance > 0 && gap_tolerance < 1,
          "empirical_w2: gap_tolerance must be in (0, 1), got ", gap_tolerance);
}

Estimate empirical_w2(const Matrix& X, const Matrix& Y, const EmpiricalW2Options& options) {
  options.validate();
  check_sample_pair(X, Y, "empirical_w2");
  const Index n = X.cols(), m = Y.cols();
  const CounterRng rng(options.seed);
  const bool one_d = X.rows() == 1;
  // W2^2 for particle weights cx (X) and cy (Y), each summing to its set's size.
  std::function<double(const std::vector<Index>&, const std::vector<Index>&)> w2_squared;
  Matrix C;
  std::vector<std::size_t> x_order, y_order;
  if (one_d) {
    x_order = sorted_order(X);
    y_order = sorted_order(Y);
    w2_squared = [&](const std::vector<Index>& cx, const std::vector<Index>& cy) {
      return monotone_w2_squared(X, x_order, cx, Y, y_order, cy);
    };
  } else {
    // Supplies m per X point and n per Y point (total n m) keep the flow integral.
    require(static_cast<long double>(n) * static_cast<long double>(m) <=
                static_cast<long double>(std::numeric_limits<int>::max()),
            "empirical_w2: n * m = ", n, " * ", m, " is too large for the dense transport problem");
    C = squared_distance_matrix(X, Y);
    w2_squared = [&](const std::vector<Index>& cx, const std::vector<Index>& cy) {
      std::vector<int> supply(static_cast<std::size_t>(n + m));
      for (Index i = 0; i < n; ++i)
        supply[static_cast<std::size_t>(i)] = static_cast<int>(cx[static_cast<std::size_t>(i)] * m);
      for (Index j = 0; j < m; ++j)
        supply[static_cast<std::size_t>(n + j)] =
            -static_cast<int>(cy[static_cast<std::size_t>(j)] * n);
      return solve_certified(X, Y, C, supply, options.gap_tolerance);
    };
  }
  const char* method = one_d ? "exact_ot_monotone_1d" : "exact_ot_network_simplex";
  const double w2 = std::sqrt(w2_squared(std::vector<Index>(static_cast<std::size_t>(n), 1),
                                         std::vector<Index>(static_cast<std::size_t>(m), 1)));
  if (options.bootstrap == 0) {
    Estimate e = Estimate::exact(w2, method);
    e.n_p = n;
    e.n_q = m;
    return e;
  }

  // Bootstrap: multinomial counts c_i (X) and c'_j (Y), streams (b, 0) and (b, 1).
  double s = 0, s2 = 0;
  for (Index b = 0; b < options.bootstrap; ++b) {
    const double wb =
        std::sqrt(w2_squared(bootstrap_counts(rng, b, 0, n), bootstrap_counts(rng, b, 1, m)));
    s += wb;
    s2 += wb * wb;
  }
  const double B = static_cast<double>(options.bootstrap);
  const double mean = s / B;
  const double sd = std::sqrt(std::max(0.0, (s2 - B * mean * mean) / (B - 1.0)));
  Estimate e = Estimate::normal_ci(w2, sd, n, m, std::string(method) + "_bootstrap");
  e.ci_lo = std::max(0.0, e.ci_lo);
  return e;
}

}  // namespace difflab
