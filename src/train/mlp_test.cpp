// MLP score network: parameter gradients against central finite differences (double precision)
// for every output parametrisation, float against double, and the determinism contract
// (gradients bit-identical for any thread count).
#include "difflab/train/mlp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/expect_error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/train/dsm_loss.hpp"

namespace difflab {
namespace {

MlpSpec small_spec(const std::string& output, const std::string& precision) {
  MlpSpec s;
  s.dim = 3;
  s.width = 8;
  s.depth = 2;
  s.fourier_features = 4;
  s.output = output;
  s.precision = precision;
  s.seed = 7;
  return s;
}

Matrix data(Index d, Index n, std::uint64_t seed) {
  Matrix X(d, n);
  CounterRng(seed).fill_normal(X, RngUse::kUser, 0, 0);
  X.row(0).array() += 2.0;  // a non-zero mean, so standardisation matters
  return X;
}

TEST(Mlp, GradientMatchesCentralFiniteDifferencesForEveryParametrisation) {
  const auto process = make_process("ou");
  const Matrix X = data(3, 200, 1);
  Standardisation st = Standardisation::of(X);
  DsmOptions dsm;
  dsm.delta = 0.05;
  dsm.T = 2.0;
  // 70 samples: two tiles, the second one padded.
  const DsmBatch batch = draw_dsm_batch(X, 70, dsm, *process, 3, 0);
  for (const std::string output : {"noise", "score", "data"}) {
    MlpNetwork net(small_spec(output, "double"));
    // Perturb the zero biases so every parameter's derivative is generic.
    Vector p = net.parameters();
    for (Index i = 0; i < p.size(); ++i) p(i) += 0.05 * std::sin(1.0 + static_cast<double>(i));
    net.set_parameters(p);
    Vector grad;
    const double loss = dsm_loss(net, st, *process, batch, &grad);
    ASSERT_EQ(grad.size(), p.size());
    // Without the gradient pass the loss is the same number up to the summation order.
    EXPECT_NEAR(dsm_loss(net, st, *process, batch, nullptr), loss, 1e-12 * loss);
    double worst = 0;
    const double h = 1e-5;
    // Every 6th parameter plus the last 12 (the output layer): all layers and both weights and
    // biases are visited, at a sixth of the cost.
    for (Index i = 0; i < p.size(); i += (i >= p.size() - 12 ? 1 : 6)) {
      Vector q = p;
      q(i) = p(i) + h;
      net.set_parameters(q);
      const double up = dsm_loss(net, st, *process, batch, nullptr);
      q(i) = p(i) - h;
      net.set_parameters(q);
      const double down = dsm_loss(net, st, *process, batch, nullptr);
      const double fd = (up - down) / (2 * h);
      // Central differences: error O(h^2 f''') + O(eps f / h); both far below 1e-6 here.
      worst = std::max(worst, std::abs(fd - grad(i)) / (1e-3 + std::abs(grad(i))));
    }
    net.set_parameters(p);
    EXPECT_LT(worst, 1e-6) << output;
  }
}

TEST(Mlp, FloatAgreesWithDoubleToSinglePrecision) {
  MlpNetwork f(small_spec("noise", "float")), d(small_spec("noise", "double"));
  ASSERT_EQ(f.parameters(), d.parameters());  // same seed, same weights
  const Matrix X = data(3, 100, 2);
  Vector c(100);
  for (Index j = 0; j < 100; ++j) c(j) = -5.0 + 0.1 * static_cast<double>(j);
  Matrix Ff(3, 100), Fd(3, 100);
  f.forward(X, c, Ff);
  d.forward(X, c, Fd);
  // Float rounding (2^-24 ~ 6e-8 relative) through 4 layers of width 8: well below 1e-5.
  EXPECT_LT((Ff - Fd).cwiseAbs().maxCoeff(), 1e-5 * (1.0 + Fd.cwiseAbs().maxCoeff()));
  EXPECT_GT(Fd.cwiseAbs().maxCoeff(), 1e-3);  // not trivially zero
}

TEST(Mlp, GradientIsBitIdenticalForAnyThreadCount) {
  const auto process = make_process("ou");
  const Matrix X = data(5, 500, 4);
  const Standardisation st = Standardisation::of(X);
  MlpSpec spec = small_spec("noise", "float");
  spec.dim = 5;
  spec.width = 32;
  const MlpNetwork net(spec);
  const DsmBatch batch = draw_dsm_batch(X, 1100, DsmOptions{}, *process, 9, 5);
  const int before = thread_count();
  Vector reference;
  double reference_loss = 0;
  for (const int threads : {1, 2, 3}) {
    set_threads(threads);
    Vector grad;
    const double loss = dsm_loss(net, st, *process, batch, &grad);
    // The tiles switch Eigen's threading off inside the loop only: the caller's count is intact.
    EXPECT_EQ(thread_count(), threads);
    if (threads == 1) {
      reference = grad;
      reference_loss = loss;
    } else {
      EXPECT_EQ(loss, reference_loss) << threads << " threads";
      EXPECT_TRUE(grad == reference) << threads << " threads";
    }
  }
  set_threads(before);
}

TEST(Mlp, InputJacobianMatchesFiniteDifferences) {
  MlpSpec spec = small_spec("noise", "double");
  spec.dim = 4;
  const MlpNetwork net(spec);
  const Vector x = Vector::LinSpaced(4, -0.7, 1.1);
  const double c = 0.3;
  const Matrix J = net.input_jacobian(x, c);
  const double h = 1e-6;
  Matrix up(4, 1), down(4, 1);
  for (Index l = 0; l < 4; ++l) {
    Matrix xp = x, xm = x;
    xp(l) += h;
    xm(l) -= h;
    net.forward(xp, Vector::Constant(1, c), up);
    net.forward(xm, Vector::Constant(1, c), down);
    const Vector fd = (up - down).col(0) / (2 * h);
    EXPECT_LT((fd - J.col(l)).cwiseAbs().maxCoeff(), 1e-7 * (1 + J.cwiseAbs().maxCoeff()));
  }
}

TEST(Mlp, SpecValidationNamesTheField) {
  MlpSpec s = small_spec("noise", "float");
  s.output = "velocity";
  expect_error([&] { s.validate(); }, "unknown output 'velocity'");
  s = small_spec("noise", "half");
  expect_error([&] { s.validate(); }, "unknown precision 'half'");
  s = small_spec("noise", "float");
  s.width = 0;
  expect_error([&] { s.validate(); }, "width must be >= 1");
  const MlpSpec ok = small_spec("data", "double");
  EXPECT_EQ(MlpSpec::from_json(ok.to_json(), "spec").to_json(), ok.to_json());
}

// The parameter count against the layout's closed form, and sizes that cannot be held refused
// before any allocation: width 1e5 (2e10 parameters per block) and a width whose square
// overflows 64 bits.
// update_parameters (the trainer's in-place step) is set_parameters without the copies: the same
// parameters and forward bits in both precisions; a non-finite result throws, leaves the network
// holding it, and set_parameters restores it. Width 40 gives more parameters than one
// parameter_sweep.hpp block, and not a whole number of blocks.
TEST(Mlp, UpdateParametersInPlaceEqualsSetParameters) {
  for (const std::string precision : {"float", "double"}) {
    MlpSpec spec = small_spec("noise", precision);
    spec.width = 40;
    MlpNetwork copied(spec), in_place(spec);
    const Vector start = copied.parameters();
    ASSERT_GT(start.size(), 1024);
    ASSERT_NE(start.size() % 1024, 0);
    const auto step = [](Eigen::Ref<Vector> p) { p.array() = 0.75 * p.array() + 0.001; };
    Vector next = start;
    step(next);
    copied.set_parameters(next);
    in_place.update_parameters(step);
    EXPECT_TRUE(in_place.parameters() == copied.parameters()) << precision;
    const Matrix X = data(3, 70, 2);
    const Vector c = Vector::LinSpaced(70, 0.01, 3.0);
    Matrix a(3, 70), b(3, 70);
    copied.forward(X, c, a);
    in_place.forward(X, c, b);
    EXPECT_TRUE(a == b) << precision;
    for (const double bad :
         {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
      expect_error(
          [&] { in_place.update_parameters([&](Eigen::Ref<Vector> p) { p(p.size() - 1) = bad; }); },
          "not finite");
      EXPECT_FALSE(in_place.parameters().allFinite());
      in_place.set_parameters(next);
      in_place.forward(X, c, b);
      EXPECT_TRUE(a == b) << precision;
    }
  }
}

TEST(Mlp, ParameterCountIsCheckedAndAbsurdSizesAreRefused) {
  MlpSpec s = small_spec("noise", "float");
  const MlpNetwork net(s);
  EXPECT_EQ(s.parameter_count(), static_cast<std::uint64_t>(net.parameter_count()));
  const std::uint64_t w = 8, din = 3 + 2 * 4, depth = 2;
  s.dim = 3, s.width = 8, s.fourier_features = 4, s.depth = 2;
  EXPECT_EQ(s.parameter_count(), w * din + w + depth * (2 * w * w + 2 * w) + 3 * w + 3);
  s.width = 100000;
  expect_error([&] { s.validate(); }, "an MLP of width 100000 and depth 2");
  s.width = 4294967306;
  expect_error([&] { s.validate(); }, "overflows 64 bits");
}

}  // namespace
}  // namespace difflab
