// State-evolution fixed points against the tables of docs/applications.md (a) and (b) (computed
// there independently with 201-point Gauss-Hermite quadrature and fixed-point iteration; 4 digits,
// so the tolerance is half a unit of the last printed digit plus quadrature slack: 6e-4) and the
// Nishimori identity E tanh(gamma + sqrt(gamma) G) = E tanh^2(gamma + sqrt(gamma) G).
#include "difflab/apps/state_evolution.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace difflab::apps {
namespace {

TEST(StateEvolution, SkTableOfApplicationsNote) {
  struct Row {
    double beta, t, q;
  };
  const Row rows[] = {{0.25, 0.1, 0.0964}, {0.25, 1, 0.5613},    {0.5, 0.5, 0.3980},
                      {0.5, 8, 0.9937},    {0.75, 0.25, 0.3104}, {0.9, 2, 0.8497},
                      {0.99, 0.1, 0.2847}, {0.99, 4, 0.9602}};
  for (const Row& r : rows)
    EXPECT_NEAR(sk_state_evolution_q(r.beta, r.t), r.q, 6e-4) << "beta " << r.beta << " t " << r.t;
  // Below the transition the t = 0 fixed point is 0 (docs/applications.md (a)).
  EXPECT_EQ(sk_state_evolution_q(0.5, 0.0), 0.0);
}

TEST(StateEvolution, Z2TableOfApplicationsNote) {
  struct Row {
    double beta, q;
  };
  const Row rows[] = {{1.05, 0.0984}, {1.1, 0.1917}, {1.2, 0.3577}, {1.5, 0.6923},
                      {2.0, 0.9165},  {2.5, 0.9796}, {3.0, 0.9958}};
  for (const Row& r : rows) EXPECT_NEAR(z2_state_evolution_q(r.beta), r.q, 6e-4) << r.beta;
  EXPECT_EQ(z2_state_evolution_q(0.8), 0.0);
  EXPECT_EQ(z2_state_evolution_q(1.0), 0.0);
}

TEST(StateEvolution, NishimoriIdentityOfTheChannel) {
  // E tanh(g + sqrt(g) G) = E tanh^2(g + sqrt(g) G) for the Rademacher channel; evaluate the
  // right side independently by a finer trapezoid rule written here.
  for (double g : {0.1, 0.7, 2.0, 6.0}) {
    double s = 0;
    const int m = 4001;
    const double h = 24.0 / (m - 1);
    for (int i = 0; i < m; ++i) {
      const double x = -12 + h * i;
      const double th = std::tanh(g + std::sqrt(g) * x);
      s += (i == 0 || i == m - 1 ? 0.5 : 1.0) * std::exp(-0.5 * x * x) * th * th;
    }
    s *= h / std::sqrt(2 * M_PI);
    EXPECT_NEAR(rademacher_channel_overlap(g), s, 1e-10) << g;
  }
}

}  // namespace
}  // namespace difflab::apps
