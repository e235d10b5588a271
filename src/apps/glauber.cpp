#include "difflab/apps/glauber.hpp"

#include <cmath>

#include "difflab/apps/goe.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab::apps {

Matrix glauber_chains(const Matrix& J, double beta, Index chains, int sweeps,
                      const CounterRng& rng) {
  const Index n = J.rows();
  require(J.cols() == n && n >= 1, "glauber: coupling matrix must be square");
  require(chains >= 1, "glauber: chains must be >= 1, got ", chains);
  require(sweeps >= 0, "glauber: sweeps must be >= 0, got ", sweeps);
  Matrix X(n, chains);
  parallel_blocks(chains, 1, [&](Index first, Index count) {
    Vector x(n), h(n);
    for (Index c = first; c < first + count; ++c) {
      const auto id = static_cast<std::uint64_t>(c);
      RngStream init = rng.stream(kUseGlauber, id, 0);
      for (Index i = 0; i < n; ++i) x(i) = init.uniform() < 0.5 ? 1.0 : -1.0;
      // h = J x without the diagonal, kept up to date after every flip (O(n) per flip).
      h.noalias() = J * x;
      h -= J.diagonal().cwiseProduct(x);
      for (int k = 0; k < sweeps; ++k) {
        RngStream u = rng.stream(kUseGlauber, id, static_cast<std::uint64_t>(k) + 1);
        for (Index i = 0; i < n; ++i) {
          const double p_plus = 0.5 * (1.0 + std::tanh(beta * h(i)));
          const double xi = u.uniform() < p_plus ? 1.0 : -1.0;
          if (xi != x(i)) {
            const double change = xi - x(i);  // +-2
            h += change * J.col(i);
            h(i) -= change * J(i, i);  // the field excludes the diagonal
            x(i) = xi;
          }
        }
      }
      X.col(c) = x;
    }
  });
  return X;
}

}  // namespace difflab::apps
