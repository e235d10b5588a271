#include "difflab/core/dense_decompositions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace difflab {
namespace {

// Closed forms: the 2 x 2 symmetric matrix [[a, b], [b, a]] has eigenvalues a - b, a + b with
// eigenvectors (1, -1)/sqrt 2 and (1, 1)/sqrt 2.
TEST(DenseDecompositions, SymmetricEigenOfATwoByTwoMatchesTheClosedForm) {
  Matrix S(2, 2);
  S << 3.0, 1.0, 1.0, 3.0;
  const SymmetricEigen e = symmetric_eigen(S);
  ASSERT_TRUE(e.ok);
  EXPECT_NEAR(e.values(0), 2.0, 1e-14);
  EXPECT_NEAR(e.values(1), 4.0, 1e-14);
  EXPECT_NEAR(std::abs(e.vectors(0, 1) * e.vectors(1, 1)), 0.5, 1e-14);
  EXPECT_NEAR(e.vectors(0, 0) * e.vectors(1, 0), -0.5, 1e-14);
  const Matrix back = e.vectors * e.values.asDiagonal() * e.vectors.transpose();
  EXPECT_LT((back - S).cwiseAbs().maxCoeff(), 1e-14);
  const SymmetricEigen v = symmetric_eigenvalues(S);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.vectors.size(), 0);
  EXPECT_NEAR(v.values(0), 2.0, 1e-14);
  EXPECT_NEAR(v.values(1), 4.0, 1e-14);
}

TEST(DenseDecompositions, ANonFiniteMatrixIsNotOk) {
  Matrix S = Matrix::Identity(3, 3);
  S(1, 1) = std::nan("");
  EXPECT_FALSE(symmetric_eigen(S).ok);
}

// The spectral norm of an outer product u v^T is |u| |v|; of a diagonal matrix, its largest
// absolute entry; of a rotation, 1.
TEST(DenseDecompositions, LargestSingularValueMatchesClosedForms) {
  Vector u(3), v(4);
  u << 1.0, -2.0, 2.0;      // |u| = 3
  v << 0.0, 3.0, 0.0, 4.0;  // |v| = 5
  EXPECT_NEAR(largest_singular_value(u * v.transpose()), 15.0, 1e-12);
  Matrix D = Matrix::Zero(20, 20);
  for (Index i = 0; i < 20; ++i) D(i, i) = (i % 2 ? -1.0 : 1.0) * (1 + 0.1 * i);
  EXPECT_NEAR(largest_singular_value(D), 2.9, 1e-12);  // 20 > 16: the divide-and-conquer path
  const double a = 0.7;
  Matrix R(2, 2);
  R << std::cos(a), -std::sin(a), std::sin(a), std::cos(a);
  EXPECT_NEAR(largest_singular_value(R), 1.0, 1e-14);
  EXPECT_EQ(largest_singular_value(Matrix(0, 0)), 0.0);
}

// A = Q1 diag(s) Q2^T with Q1, Q2 products of Givens rotations (orthogonal by construction) has
// singular values s, whatever its shape; the same A transposed has the same. A non-finite entry
// gives NaN, not a number that looks like a norm.
Matrix givens_product(Index n, double angle0) {
  Matrix Q = Matrix::Identity(n, n);
  for (Index i = 0; i + 1 < n; ++i) {
    const double c = std::cos(angle0 + 0.37 * i), s = std::sin(angle0 + 0.37 * i);
    for (Index r = 0; r < n; ++r) {
      const double a = Q(r, i), b = Q(r, i + 1);
      Q(r, i) = c * a - s * b;
      Q(r, i + 1) = s * a + c * b;
    }
  }
  return Q;
}

TEST(DenseDecompositions, LargestSingularValueOfAKnownSpectrum) {
  const Index m = 30, n = 20;
  Matrix S = Matrix::Zero(m, n);
  for (Index i = 0; i < n; ++i) S(i, i) = 1e-6 + (7.5 - 1e-6) * i / (n - 1);  // 1e-6 ... 7.5
  const Matrix A = givens_product(m, 0.2) * S * givens_product(n, 1.1).transpose();
  EXPECT_NEAR(largest_singular_value(A), 7.5, 1e-13 * 7.5);
  EXPECT_NEAR(largest_singular_value(A.transpose()), 7.5, 1e-13 * 7.5);
  Matrix B = A;
  B(3, 4) = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isnan(largest_singular_value(B)));
}

}  // namespace
}  // namespace difflab
