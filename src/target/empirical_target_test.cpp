// EmpiricalTarget against the direct formula of its noised law, the mixture of
// N(alpha x_i, sigma^2 I) (docs/theory.md 10.4), evaluated point by point in the difference form
// with a log-sum-exp: the score and log-density at random points, across chunk boundaries.
#include "difflab/target/empirical_target.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {
namespace {

Matrix empirical_test_normals(Index d, Index n, std::uint64_t seed, double scale) {
  Matrix Z(d, n);
  CounterRng(seed).fill_normal(Z, RngUse::kUser, 0, 0);
  return scale * Z;
}

// log q_t and grad log q_t at x, directly: l_i = -|x - alpha y_i|^2 / (2 sigma^2).
void direct_empirical(const Matrix& Y, double alpha, double sigma2, const Vector& x, double& log_q,
                      Vector& score) {
  const Index N = Y.cols(), d = Y.rows();
  Vector l(N);
  for (Index i = 0; i < N; ++i) l(i) = -(x - alpha * Y.col(i)).squaredNorm() / (2 * sigma2);
  const double m = l.maxCoeff();
  const Vector w = (l.array() - m).exp();
  const double total = w.sum();
  log_q = m + std::log(total) - std::log(static_cast<double>(N)) -
          0.5 * static_cast<double>(d) * std::log(2 * std::numbers::pi * sigma2);
  score = ((alpha * (Y * w) / total) - x) / sigma2;
}

TEST(EmpiricalTarget, ScoreAndLogDensityMatchTheDirectMixtureFormula) {
  const Matrix Y = empirical_test_normals(3, 5000, 1, 2.0);  // three chunks of the kernel
  EmpiricalTarget target(Y, "inline");
  const Matrix X = empirical_test_normals(3, 300, 2, 2.5);
  for (double t : {0.01, 0.3, 2.0}) {
    const double alpha = std::exp(-t), sigma2 = -std::expm1(-2 * t);
    Matrix S(3, 300);
    Vector L(300);
    target.noised_score(alpha, sigma2, X, S);
    target.noised_log_density(alpha, sigma2, X, L);
    for (Index j = 0; j < X.cols(); ++j) {
      double lq;
      Vector s;
      direct_empirical(Y, alpha, sigma2, X.col(j), lq, s);
      EXPECT_NEAR(L(j), lq, 1e-9 * (1 + std::abs(lq))) << t << " " << j;
      EXPECT_LT((S.col(j) - s).norm(), 1e-8 * (1 + s.norm())) << t << " " << j;
    }
  }
}

TEST(EmpiricalTarget, AParticlesScoreDoesNotDependOnItsBlock) {
  EmpiricalTarget target(empirical_test_normals(4, 3000, 3, 1.0), "inline");
  const Matrix X = empirical_test_normals(4, 333, 4, 1.5);
  Matrix all(4, 333);
  target.noised_score(0.8, 0.36, X, all);
  for (Index j : {0, 127, 128, 200, 332}) {
    Matrix one(4, 1);
    target.noised_score(0.8, 0.36, X.col(j), one);
    EXPECT_TRUE((one.col(0).array() == all.col(j).array()).all()) << j;
  }
}

TEST(EmpiricalTarget, SamplesAreDataPointsAndTimeZeroIsRefused) {
  const Matrix Y = empirical_test_normals(2, 7, 5, 1.0);
  EmpiricalTarget target(Y, "inline");
  EXPECT_FALSE(target.has_density());
  const Matrix S = target.sample(50, CounterRng(9));
  for (Index j = 0; j < S.cols(); ++j) {
    double best = 1e300;
    for (Index i = 0; i < Y.cols(); ++i) best = std::min(best, (S.col(j) - Y.col(i)).norm());
    EXPECT_EQ(best, 0.0);
  }
  EXPECT_NEAR(target.summary().second_moment, Y.colwise().squaredNorm().mean(), 1e-12);
  Matrix out(2, 3);
  expect_error([&] { target.noised_score(1.0, 0.0, Y.leftCols(3), out); }, "sigma^2 > 0");
  expect_error([] { EmpiricalTarget(Matrix(2, 0), "inline"); }, "at least one point");
}

TEST(EmpiricalTarget, SpecFromAFileRelativeToTheSpecOrInline) {
  const auto dir = std::filesystem::temp_directory_path() / "difflab_empirical_spec_test";
  std::filesystem::create_directories(dir);
  const Matrix Y = empirical_test_normals(2, 5, 6, 1.0);
  write_samples((dir / "data.npy").string(), Y);
  {
    std::ofstream f(dir / "t.json");
    f << R"({"type": "empirical", "samples": "data.npy"})";
  }
  const auto t = load_target((dir / "t.json").string());
  ASSERT_EQ(t->type(), "empirical");
  EXPECT_EQ(dynamic_cast<const EmpiricalTarget&>(*t).points(), Y);
  const auto inl = make_target(
      nlohmann::json::parse(R"({"type": "empirical", "samples": [[1, 2], [3, 4], [5, 6]]})"));
  EXPECT_EQ(inl->dim(), 2);
  EXPECT_EQ(dynamic_cast<const EmpiricalTarget&>(*inl).points()(1, 2), 6.0);
  expect_error(
      [] { make_target(nlohmann::json::parse(R"({"type": "empirical", "samples": []})")); },
      "non-empty array");
  expect_error(
      [] { make_target(nlohmann::json::parse(R"({"type": "empirical", "samples": [[1, "a"]]})")); },
      "samples");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace difflab
