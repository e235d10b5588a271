#include "difflab/core/dense_decompositions.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>

namespace difflab {

namespace {

SymmetricEigen decompose(const Matrix& S, int options) {
  const Eigen::SelfAdjointEigenSolver<Matrix> eig(S, options);
  SymmetricEigen out;
  out.ok = eig.info() == Eigen::Success;
  if (!out.ok) return out;
  out.values = eig.eigenvalues();
  if (options == Eigen::ComputeEigenvectors) out.vectors = eig.eigenvectors();
  return out;
}

}  // namespace

SymmetricEigen symmetric_eigen(const Matrix& S) { return decompose(S, Eigen::ComputeEigenvectors); }

SymmetricEigen symmetric_eigenvalues(const Matrix& S) {
  return decompose(S, Eigen::EigenvaluesOnly);
}

// sigma_max(A)^2 is the largest eigenvalue of the smaller Gram matrix (A^T A or A A^T). Forming the
// Gram matrix squares the condition number, which costs the small singular values their digits but
// not the largest: the eigenvalue lambda_max is computed to about eps * lambda_max, so sigma_max to
// about eps / 2 relative (Golub & Van Loan, Matrix Computations, 4th ed., 8.6.1). The Gram route
// reuses the symmetric eigensolver compiled above; Eigen::BDCSVD, which computes every singular
// value, cost about 40 s of compilation for the one number wanted here (docs/architecture.md,
// "Build time").
double largest_singular_value(const Matrix& A) {
  if (A.size() == 0) return 0.0;
  const Matrix gram = A.rows() >= A.cols() ? Matrix(A.transpose() * A) : Matrix(A * A.transpose());
  const SymmetricEigen eig = symmetric_eigenvalues(gram);
  if (!eig.ok) return std::numeric_limits<double>::quiet_NaN();
  return std::sqrt(std::max(0.0, eig.values(eig.values.size() - 1)));
}

}  // namespace difflab
