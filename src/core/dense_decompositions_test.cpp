#include "difflab/core/dense_decompositions.hpp"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace
}  // namespace difflab
