// EmpiricalTarget against the direct formula of its noised law, the mixture of
// N(alpha x_i, sigma^2 I) (docs/theory.md 10.4), evaluated point by point in the difference form
// with a log-sum-exp: the score and log-density at random points, across chunk boundaries.
// The k-NN truncated score against the exact one: equal for k = N, within the reported bound
// for k < N, and that bound tiny on well-separated clusters (docs/theory.md 10.4).
#include "difflab/target/empirical_target.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numbers>
#include <utility>
#include <vector>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"

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

double ou_alpha(double t) { return std::exp(-t); }
double ou_sigma2(double t) { return -std::expm1(-2 * t); }

// Softmax mass outside the k points nearest to x / alpha, by the direct formula (all N weights,
// sorted by distance, ties by index).
double direct_neglected_mass(const Matrix& Y, double alpha, double sigma2, const Vector& x,
                             Index k) {
  const Index N = Y.cols();
  std::vector<std::pair<double, Index>> l(static_cast<std::size_t>(N));
  for (Index i = 0; i < N; ++i)
    l[static_cast<std::size_t>(i)] = {(x - alpha * Y.col(i)).squaredNorm() / (2 * sigma2), i};
  std::sort(l.begin(), l.end());
  const double m = l[0].first;
  double kept = 0, rest = 0;
  for (Index i = 0; i < N; ++i)
    (i < k ? kept : rest) += std::exp(m - l[static_cast<std::size_t>(i)].first);
  return rest / (kept + rest);
}

TEST(EmpiricalTargetKnn, AllPointsGiveTheExactScore) {
  const Matrix Y = empirical_test_normals(5, 700, 11, 1.5);
  EmpiricalTarget exact(Y, "inline");
  EmpiricalTarget knn(Y, "inline", "empirical", Y.cols());
  const Matrix X = empirical_test_normals(5, 200, 12, 2.0);
  for (double t : {0.05, 0.4, 2.0}) {
    Matrix S(5, 200), K(5, 200);
    exact.noised_score(ou_alpha(t), ou_sigma2(t), X, S);
    knn.noised_score(ou_alpha(t), ou_sigma2(t), X, K);
    for (Index j = 0; j < X.cols(); ++j)
      EXPECT_LE((K.col(j) - S.col(j)).norm(), 1e-12 * S.col(j).norm()) << t << " " << j;
    const KnnTruncationBound b = knn.knn_truncation_bound(ou_alpha(t), ou_sigma2(t), X);
    EXPECT_EQ(b.max_neglected_mass(), 0.0);
    EXPECT_EQ(b.max_score_error(), 0.0);
  }
}

TEST(EmpiricalTargetKnn, TruncationErrorIsWithinTheReportedBound) {
  const Matrix Y = empirical_test_normals(3, 3000, 13, 1.0);  // crosses kernel chunks
  EmpiricalTarget exact(Y, "inline");
  const Matrix X = empirical_test_normals(3, 150, 14, 1.2);
  int informative = 0;
  for (Index k : {1, 10, 200}) {
    EmpiricalTarget knn(Y, "inline", "empirical", k);
    for (double t : {0.01, 0.1, 0.5, 1.5}) {
      const double a = ou_alpha(t), s2 = ou_sigma2(t);
      Matrix S(3, X.cols()), K(3, X.cols());
      exact.noised_score(a, s2, X, S);
      knn.noised_score(a, s2, X, K);
      const KnnTruncationBound b = knn.knn_truncation_bound(a, s2, X);
      for (Index j = 0; j < X.cols(); ++j) {
        // Rounding of the two evaluations (GEMM form against difference form) is allowed for.
        const double err = (K.col(j) - S.col(j)).norm();
        EXPECT_LE(err, b.score_error(j) + 1e-12 * (1 + S.col(j).norm()))
            << "k " << k << " t " << t << " j " << j;
        const double mass = direct_neglected_mass(Y, a, s2, X.col(j), k);
        EXPECT_LE(mass, b.neglected_mass(j) * (1 + 1e-9) + 1e-300) << k << " " << t << " " << j;
        EXPECT_LE(b.neglected_mass(j), 1.0);
        if (b.score_error(j) < 0.1 * S.col(j).norm() && err > 0) ++informative;
      }
    }
  }
  EXPECT_GT(informative, 100);  // the bound is not vacuous everywhere on unclustered data
}

TEST(EmpiricalTargetKnn, BoundIsTinyOnWellSeparatedClusters) {
  // Four clusters of 50 points (radius ~0.1) whose centres are 10 apart; truncating to one
  // cluster neglects mass ~ e^{-(alpha * gap)^2 / (2 sigma^2)}.
  const Index d = 3, per = 50;
  Matrix centres(d, 4);
  centres << 0, 10, 0, 0, 0, 0, 10, 0, 0, 0, 0, 10;
  Matrix Y(d, 4 * per);
  const Matrix noise = empirical_test_normals(d, 4 * per, 15, 0.05);
  for (Index c = 0; c < 4; ++c)
    for (Index i = 0; i < per; ++i) Y.col(c * per + i) = centres.col(c) + noise.col(c * per + i);
  EmpiricalTarget exact(Y, "inline");
  EmpiricalTarget knn(Y, "inline", "empirical", per);
  for (double t : {0.05, 0.3}) {
    const double a = ou_alpha(t), s2 = ou_sigma2(t);
    // Queries: noised data points, alpha y_i + sigma z (exact samples of q_t).
    Matrix X = a * Y + std::sqrt(s2) * empirical_test_normals(d, 4 * per, 16, 1.0);
    Matrix S(d, X.cols()), K(d, X.cols());
    exact.noised_score(a, s2, X, S);
    knn.noised_score(a, s2, X, K);
    const KnnTruncationBound b = knn.knn_truncation_bound(a, s2, X);
    // Worst query: |sigma z| ~ 2.4 towards another cluster at t = 0.3, so D_{k+1} ~ 5 and the
    // mass bound ~ 150 e^{-25 / 0.9} ~ 1e-10 (measured: 2e-12).
    EXPECT_LT(b.max_neglected_mass(), 1e-9) << t;
    EXPECT_LT(b.max_score_error(), 1e-7) << t;
    std::cout << "t " << t << ": max mass bound " << b.max_neglected_mass() << ", max score bound "
              << b.max_score_error() << "\n";
    for (Index j = 0; j < X.cols(); ++j)
      EXPECT_LE((K.col(j) - S.col(j)).norm(), b.score_error(j) + 1e-12 * (1 + S.col(j).norm()));
  }
}

TEST(EmpiricalTargetKnn, BitIdenticalForAnyBatchSplitAndThreadCount) {
  const Matrix Y = empirical_test_normals(6, 2500, 17, 1.0);
  // Duplicated points: ties in the neighbour search are ordered by index.
  Matrix Yd(6, 2600);
  Yd << Y, Y.leftCols(100);
  EmpiricalTarget knn(Yd, "inline", "empirical", 16);
  const Matrix X = empirical_test_normals(6, 301, 18, 1.3);
  const double a = 0.7, s2 = 0.51;
  Matrix all(6, X.cols());
  knn.noised_score(a, s2, X, all);
  const int before = thread_count();
  for (int threads : {1, 2, 3}) {
    set_threads(threads);
    for (Index block : {1, 7, 128}) {
      Matrix split(6, X.cols());
      parallel_blocks(X.cols(), block, [&](Index begin, Index count) {
        Matrix part(6, count);
        knn.noised_score(a, s2, X.middleCols(begin, count), part);
        split.middleCols(begin, count) = part;
      });
      EXPECT_TRUE((split.array() == all.array()).all()) << threads << " " << block;
    }
  }
  set_threads(before);
  EmpiricalTarget moved(std::move(knn));  // the index follows the data buffer
  Matrix again(6, X.cols());
  moved.noised_score(a, s2, X, again);
  EXPECT_TRUE((again.array() == all.array()).all());
}

TEST(EmpiricalTargetKnn, SpecKeyIsValidatedAndEchoed) {
  const auto t = make_target(nlohmann::json::parse(
      R"({"type": "empirical", "samples": [[1, 2], [3, 4], [5, 6]], "knn": 2})"));
  EXPECT_EQ(dynamic_cast<const EmpiricalTarget&>(*t).knn(), 2);
  EXPECT_EQ(t->to_json()["knn"], 2);
  const auto e = make_target(nlohmann::json::parse(
      R"({"type": "empirical", "samples": [[1, 2], [3, 4], [5, 6]], "knn": 0})"));
  EXPECT_EQ(dynamic_cast<const EmpiricalTarget&>(*e).knn(), 0);
  EXPECT_FALSE(e->to_json().contains("knn"));
  for (const char* bad : {"-1", "4"})
    expect_error(
        [&] {
          make_target(nlohmann::json::parse(
              std::string(R"({"type": "empirical", "samples": [[1, 2], [3, 4], [5, 6]], "knn": )") +
              bad + "}"));
        },
        "knn must be 0 (exact score) or between 1 and 3");
  expect_error(
      [] {
        make_target(nlohmann::json::parse(
            R"({"type": "empirical", "samples": [[1, 2], [3, 4]], "knn": 1.5})"));
      },
      "knn: expected an integer");
  EmpiricalTarget knn(empirical_test_normals(2, 5, 19, 1.0), "inline", "empirical", 2);
  Matrix out(2, 1);
  expect_error([&] { knn.noised_score(0.0, 1.0, Matrix::Zero(2, 1), out); }, "alpha > 0");
  expect_error([&] { knn.noised_score(0.5, 0.0, Matrix::Zero(2, 1), out); }, "sigma^2 > 0");
}

}  // namespace
}  // namespace difflab
