#include "difflab/metrics/empirical_w2.hpp"

#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <algorithm>
#include <cmath>
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

// The arcs (i, n + j) of the complete bipartite graph in source-major order, generated on the
// fly so StaticDigraph::build needs no n*m list in memory.
class BipartiteArcIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = std::pair<int, int>;
  using difference_type = std::ptrdiff_t;
  using pointer = const value_type*;
  using reference = value_type;

  BipartiteArcIterator(int n, int m, long long k) : n_(n), m_(m), k_(k) {}
  value_type operator*() const {
    return {static_cast<int>(k_ / m_), n_ + static_cast<int>(k_ % m_)};
  }
  BipartiteArcIterator& operator++() {
    ++k_;
    return *this;
  }
  bool operator==(const BipartiteArcIterator& o) const { return k_ == o.k_; }
  bool operator!=(const BipartiteArcIterator& o) const { return k_ != o.k_; }

 private:
  int n_, m_;
  long long k_;
};

using Graph = lemon::StaticDigraph;
using Simplex = lemon::NetworkSimplex<Graph, int, double>;

// LEMON reads costs through a map indexed by arc; arc k = i*m + j is C(i, j).
struct CostMatrixMap {
  using Key = Graph::Arc;
  using Value = double;
  const Matrix* C;
  double operator[](const Key& a) const {
    const Index k = Graph::index(a);
    const Index m = C->cols();
    return (*C)(k / m, k % m);
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

// Solves the transport problem for the given supplies (sum of positive = sum of negative) and
// returns the optimal cost divided by the total mass, after certifying it by duality.
double solve_certified(Simplex& simplex, const Graph& graph, const Matrix& C,
                       const std::vector<int>& supply, double gap_tolerance) {
  const Index n = C.rows(), m = C.cols();
  simplex.supplyMap(SupplyVectorMap{&supply});
  const Simplex::ProblemType status = simplex.run();
  if (status != Simplex::OPTIMAL)
    throw std::runtime_error("empirical_w2: network simplex did not find an optimal plan");
  long double mass = 0, primal = 0, dual = 0;
  for (Index i = 0; i < n; ++i) mass += supply[static_cast<std::size_t>(i)];
  for (Graph::ArcIt a(graph); a != lemon::INVALID; ++a) {
    const int f = simplex.flow(a);
    if (f != 0) {
      const Index k = Graph::index(a);
      primal += static_cast<long double>(f) * C(k / m, k % m);
    }
  }
  // Dual of min sum c f, sum_out f - sum_in f = s: max sum_v s_v y_v with y_u - y_v <= c_uv.
  // LEMON's potentials pi satisfy c_uv + pi_u - pi_v >= 0 up to roundoff, i.e. y = -pi; the
  // largest violation eps is absorbed by lowering y on the sources, which costs eps * mass.
  std::vector<double> pi(static_cast<std::size_t>(n + m));
  for (Index v = 0; v < n + m; ++v)
    pi[static_cast<std::size_t>(v)] = simplex.potential(graph.node(static_cast<int>(v)));
  for (Index v = 0; v < n + m; ++v)
    dual -= static_cast<long double>(supply[static_cast<std::size_t>(v)]) *
            pi[static_cast<std::size_t>(v)];
  std::vector<double> row_violation(static_cast<std::size_t>(n), 0.0);
  parallel_blocks(n, kDefaultBlock, [&](Index begin, Index count) {
    for (Index i = begin; i < begin + count; ++i) {
      double worst = 0;
      for (Index j = 0; j < m; ++j)
        worst = std::max(worst, -(C(i, j) + pi[static_cast<std::size_t>(i)] -
                                  pi[static_cast<std::size_t>(n + j)]));
      row_violation[static_cast<std::size_t>(i)] = worst;
    }
  });
  const double eps = *std::max_element(row_violation.begin(), row_violation.end());
  dual -= static_cast<long double>(eps) * mass;
  const double value = static_cast<double>(primal / mass);
  const double gap = static_cast<double>((primal - dual) / mass);
  // Relative to W2^2, but with a floor at rounding level of the costs: when the two clouds
  // coincide W2^2 is 0 and the potentials' roundoff (~1e-16 of the largest cost) is all the gap.
  const double round_floor = 64 * std::numeric_limits<double>::epsilon() * C.maxCoeff();
  if (!(gap <= gap_tolerance * value + round_floor + 1e-300))
    throw std::runtime_error("empirical_w2: duality gap " + std::to_string(gap) +
                             " exceeds the tolerance for W2^2 = " + std::to_string(value));
  return value;
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
  // Supplies m per X point and n per Y point (total n m) keep the flow integral.
  require(static_cast<long double>(n) * static_cast<long double>(m) <=
              static_cast<long double>(std::numeric_limits<int>::max()),
          "empirical_w2: n * m = ", n, " * ", m, " is too large for the dense transport problem");

  const Matrix C = squared_distance_matrix(X, Y);
  Graph graph;
  graph.build(static_cast<int>(n + m),
              BipartiteArcIterator(static_cast<int>(n), static_cast<int>(m), 0),
              BipartiteArcIterator(static_cast<int>(n), static_cast<int>(m),
                                   static_cast<long long>(n) * m));
  Simplex simplex(graph);
  simplex.costMap(CostMatrixMap{&C});

  std::vector<int> supply(static_cast<std::size_t>(n + m));
  for (Index i = 0; i < n; ++i) supply[static_cast<std::size_t>(i)] = static_cast<int>(m);
  for (Index j = 0; j < m; ++j) supply[static_cast<std::size_t>(n + j)] = -static_cast<int>(n);
  const double w2 = std::sqrt(solve_certified(simplex, graph, C, supply, options.gap_tolerance));
  if (options.bootstrap == 0) {
    Estimate e = Estimate::exact(w2, "exact_ot_network_simplex");
    e.n_p = n;
    e.n_q = m;
    return e;
  }

  // Bootstrap: multinomial counts c_i (X) and c'_j (Y); supplies c_i m and -c'_j n.
  const CounterRng rng(options.seed);
  double s = 0, s2 = 0;
  for (Index b = 0; b < options.bootstrap; ++b) {
    std::fill(supply.begin(), supply.end(), 0);
    RngStream sx = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(b), 0);
    for (Index k = 0; k < n; ++k) {
      const Index i =
          std::min<Index>(n - 1, static_cast<Index>(sx.uniform() * static_cast<double>(n)));
      supply[static_cast<std::size_t>(i)] += static_cast<int>(m);
    }
    RngStream sy = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(b), 1);
    for (Index k = 0; k < m; ++k) {
      const Index j =
          std::min<Index>(m - 1, static_cast<Index>(sy.uniform() * static_cast<double>(m)));
      supply[static_cast<std::size_t>(n + j)] -= static_cast<int>(n);
    }
    const double wb = std::sqrt(solve_certified(simplex, graph, C, supply, options.gap_tolerance));
    s += wb;
    s2 += wb * wb;
  }
  const double B = static_cast<double>(options.bootstrap);
  const double mean = s / B;
  const double sd = std::sqrt(std::max(0.0, (s2 - B * mean * mean) / (B - 1.0)));
  Estimate e = Estimate::normal_ci(w2, sd, n, m, "exact_ot_network_simplex_bootstrap");
  e.ci_lo = std::max(0.0, e.ci_lo);
  return e;
}

}  // namespace difflab
