// The local refinement of the flow-map quadrature against analytic maps: the difference
// formulas on polynomials, the classification, a map with a step far thinner than the grid
// (the shape of a flow map across a separatrix) whose entropy change and pushed-forward mass are
// known by one-dimensional quadrature, and the refusals.
#include "flow_map_refinement.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/expect_error.hpp"

namespace difflab::law_detail {
namespace {

TEST(FlowMapRefinement, DifferenceFormulasAreExactOnPolynomialsOfTheirOrder) {
  const double x = 0.3, eps = 0.125;
  const auto at = [&](double (*f)(double), int k) {
    Matrix v(1, 1);
    v(0, 0) = f(x + k * eps);
    return v;
  };
  double (*quartic)(double) = [](double y) { return y * y * y * y - 2 * y * y * y + y; };
  const Vector step = Vector::Constant(1, eps);
  const AxisDerivatives q = axis_derivatives(at(quartic, -2), at(quartic, -1), at(quartic, 0),
                                             at(quartic, 1), at(quartic, 2), step);
  // The fourth difference of a quartic is 24 eps^4 (its x^4 coefficient times 4!).
  EXPECT_NEAR(q.e4(0, 0), 24 * std::pow(eps, 4) / (12 * eps), 1e-13);
  // d/dx (x^4 - 2x^3 + x) = 4x^3 - 6x^2 + 1; the fourth-order formula is exact for quartics.
  EXPECT_NEAR(q.d4(0, 0), 4 * x * x * x - 6 * x * x + 1, 1e-13);
  double (*quadratic)(double) = [](double y) { return 3 * y * y - y; };
  const AxisDerivatives s = axis_derivatives(at(quadratic, -2), at(quadratic, -1), at(quadratic, 0),
                                             at(quadratic, 1), at(quadratic, 2), step);
  EXPECT_NEAR(s.e4(0, 0), 0.0, 1e-13);
  EXPECT_NEAR(s.d2(0, 0), 6 * x - 1, 1e-13);
  EXPECT_NEAR(s.d4(0, 0), 6 * x - 1, 1e-13);
}

TEST(FlowMapRefinement, ClassifiesJacobians) {
  EXPECT_EQ(classify_jacobian(2.0, 2.01, true, 0.02), CellJacobian::kResolved);
  EXPECT_EQ(classify_jacobian(2.0, 2.01, false, 0.02), CellJacobian::kUnresolved);
  EXPECT_EQ(classify_jacobian(2.0, 2.1, true, 0.02), CellJacobian::kUnresolved);
  // A negative fourth-order determinant beside a positive second-order one: a stencil across a
  // jump, not a fold.
  EXPECT_EQ(classify_jacobian(-3.0, 40.0, true, 0.02), CellJacobian::kUnresolved);
  EXPECT_EQ(classify_jacobian(-2.0, -2.01, true, 0.02), CellJacobian::kFolded);
  EXPECT_EQ(classify_jacobian(-2.0, -2.01, false, 0.02), CellJacobian::kUnresolved);
  EXPECT_EQ(classify_jacobian(0.0, 0.0, true, 0.02), CellJacobian::kFolded);
  EXPECT_EQ(classify_jacobian(std::nan(""), 1.0, true, 0.02), CellJacobian::kUnresolved);
}

// A step of height 2 placed symmetrically (f = -1, 0 at the node on it, +1): at the neighbour
// the fourth- and second-order derivatives agree exactly (both 1 / (2 eps)), and only the
// fourth difference shows the jump.
TEST(FlowMapRefinement, ASymmetricJumpIsSeenByTheFourthDifference) {
  const double d4[2] = {0.5, 0}, d2[2] = {0.5, 0};
  // Values -1, 0, 1, 1, 1 around the neighbour: fourth difference 1 - 4 + 6 - 0 - 1 = 2.
  const double e4[2] = {2.0 / 12, 0}, smooth[2] = {0, 0};
  EXPECT_FALSE(column_resolved(d4, d2, e4, 0.02));
  EXPECT_TRUE(column_resolved(d4, d2, smooth, 0.02));
}

// The flow map across a separatrix, in its exact form: Phi(x) = (T(x0), x1) with T the monotone
// transport of N(0, 1) onto the mixture q0 = (N(-4, s^2) + N(4, s^2)) / 2, s = 0.4,
// T = F_q0^{-1} o Phi_N. T carries a band around x0 = 0, exponentially thin, across the gap
// between the modes. The pushforward of N(0, I) is q0 x N(0, 1) exactly, so the pulled-back
// density q(Phi(x)) det D Phi(x) equals the start density, and the entropy change
// E[log det D Phi] = h(q0) - h(N(0, 1)) (h(q0) by the midpoint rule on 2e5 cells).
constexpr double kModeSd = 0.4;

double mixture_survival(double y) {
  const double r = kModeSd * std::sqrt(2.0);
  return 0.25 * (std::erfc((y + 4) / r) + std::erfc((y - 4) / r));
}

double mixture_density(double y) {
  const auto n = [](double z) { return std::exp(-0.5 * z * z / (kModeSd * kModeSd)); };
  return 0.5 * (n(y + 4) + n(y - 4)) / (kModeSd * std::sqrt(2 * std::numbers::pi));
}

// T(x) for x >= 0 by bisection on survival functions (no cancellation near the separatrix); T
// is odd.
double step_map(double x) {
  if (x < 0) return -step_map(-x);
  const double target = 0.5 * std::erfc(x / std::sqrt(2.0));
  double lo = 0, hi = 12;
  for (int k = 0; k < 80; ++k) {
    const double mid = 0.5 * (lo + hi);
    (mixture_survival(mid) > target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double exact_entropy_change() {
  const Index cells = 200000;
  const double lo = -10, h = 20.0 / static_cast<double>(cells);
  double hq = 0;
  for (Index k = 0; k < cells; ++k) {
    const double q = mixture_density(lo + (static_cast<double>(k) + 0.5) * h);
    if (q > 0) hq -= q * std::log(q) * h;
  }
  return hq - 0.5 * std::log(2 * std::numbers::pi * std::numbers::e);
}

struct StepMapGrid {
  Index n;
  double lo = -8, h;
  Matrix X, Phi;
  Vector p0, det4;
};

Vector standard_normal(const Matrix& X) {
  return ((-0.5 * X.colwise().squaredNorm().array()).exp() / (2 * std::numbers::pi)).transpose();
}

void apply_step_map(Matrix& X) {
  for (Index c = 0; c < X.cols(); ++c) X(0, c) = step_map(X(0, c));
}

StepMapGrid step_map_grid(Index n) {
  StepMapGrid g{
      n,        -8,           16.0 / static_cast<double>(n - 1), Matrix(2, n * n), Matrix(),
      Vector(), Vector(n * n)};
  for (Index c = 0; c < n * n; ++c) {
    g.X(0, c) = g.lo + g.h * static_cast<double>(c % n);
    g.X(1, c) = g.lo + g.h * static_cast<double>(c / n);
  }
  g.Phi = g.X;
  apply_step_map(g.Phi);
  g.p0 = standard_normal(g.X);
  // Fourth-order differences in x0 (the map is the identity in x1), second order next to edges.
  for (Index c = 0; c < n * n; ++c) {
    const Index i = c % n;
    const auto f = [&](Index k) { return g.Phi(0, c + k); };
    g.det4(c) = i >= 2 && i + 2 < n   ? (-f(2) + 8 * f(1) - 8 * f(-1) + f(-2)) / (12 * g.h)
                : i >= 1 && i + 1 < n ? (f(1) - f(-1)) / (2 * g.h)
                                      : 1.0;
  }
  return g;
}

FlowMapQuadrature refine_step_map(const StepMapGrid& g, const FlowMapRefinementLimits& limits) {
  return refine_flow_map({g.X, g.Phi, g.p0, g.det4, g.n, {g.h, g.h}}, apply_step_map,
                         standard_normal, limits, "test law", "step");
}

// E[log det], the mass of q pulled back, and TV(start, pulled-back q) over the resolved cells.
struct StepMapIntegrals {
  double entropy_change = 0, q_mass = 0, tv = 0;
};

StepMapIntegrals integrals(const FlowMapQuadrature& q) {
  StepMapIntegrals out;
  for (Index c = 0; c < q.p0.size(); ++c) {
    if (std::isnan(q.det(c))) continue;
    const double q_src = mixture_density(q.images(0, c)) *
                         std::exp(-0.5 * q.images(1, c) * q.images(1, c)) /
                         std::sqrt(2 * std::numbers::pi) * q.det(c);
    out.entropy_change += q.p0(c) * q.area(c) * std::log(q.det(c));
    out.q_mass += q_src * q.area(c);
    out.tv += 0.5 * std::abs(q.p0(c) - q_src) * q.area(c);
  }
  return out;
}

TEST(FlowMapRefinement, ResolvesTheTransportAcrossASeparatrix) {
  const double exact = exact_entropy_change();
  for (const Index n : {81, 161}) {
    const StepMapGrid g = step_map_grid(n);
    // The uniform rule sees negative determinants beside the separatrix: it had to refuse.
    EXPECT_GT(g.p0.cwiseProduct((g.det4.array() <= 0).cast<double>().matrix()).sum() * g.h * g.h,
              1e-4)
        << n;
    const FlowMapQuadrature q = refine_step_map(g, {});
    const StepMapIntegrals r = integrals(q);
    // Measured: entropy change within 3.8e-4 of the exact one (the lumped cells carry
    // log det up to ~30 on mass 8e-7), q's mass within 4e-6 of 1, TV 1.4e-6.
    EXPECT_LE(q.unresolved_mass, 1e-6) << n;
    EXPECT_GT(q.depth, 10) << n;
    EXPECT_NEAR(r.entropy_change, exact, 1e-3) << n;
    EXPECT_NEAR(r.q_mass, 1.0, 2e-5) << n;
    EXPECT_LT(r.tv, 1e-5) << n;
    // The sub-cells share out their base cell's mass: the total is the uniform rule's.
    EXPECT_NEAR(q.p0.cwiseProduct(q.area).sum() + q.dropped_mass, 1.0, 1e-9) << n;
  }
}

TEST(FlowMapRefinement, RefusesAtItsCapsAndOnTrueFolds) {
  const StepMapGrid g = step_map_grid(81);
  FlowMapRefinementLimits shallow;
  shallow.max_depth = 2;
  expect_error([&] { refine_step_map(g, shallow); }, "2 local refinements");
  FlowMapRefinementLimits poor;
  poor.max_evaluations = 1000;
  expect_error([&] { refine_step_map(g, poor); }, "the refinement's run budget");
  // Phi(x) = (-x0, x1) reverses orientation everywhere: resolved, agreeing, negative.
  StepMapGrid flip = g;
  flip.Phi.row(0) = -g.X.row(0);
  flip.det4.setConstant(-1.0);
  expect_error(
      [&] {
        refine_flow_map(
            {flip.X, flip.Phi, flip.p0, flip.det4, flip.n, {flip.h, flip.h}},
            [](Matrix& X) { X.row(0) *= -1; }, standard_normal, {}, "test law", "flip");
      },
      "folds the plane");
}

}  // namespace
}  // namespace difflab::law_detail
