#include "difflab/core/dense_decompositions.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

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

double largest_singular_value(const Matrix& A) {
  if (A.size() == 0) return 0.0;
  return Eigen::BDCSVD<Matrix>(A).singularValues()(0);
}

}  // namespace difflab
