#pragma once
// The dense decompositions the library uses (symmetric eigendecomposition, largest singular value),
// behind plain functions compiled once in src/core/dense_decompositions.cpp.
//
// Why not Eigen's solvers at each call site: every translation unit that names
// Eigen::SelfAdjointEigenSolver<MatrixXd> instantiates and optimises it again (about 8 s of g++ -O3
// each), and Eigen::BDCSVD about 40 s; with them spread over a dozen library and test files they
// were a large share of a clean build (docs/architecture.md, "Build time"). The results are the
// same Eigen routines, bit for bit.

#include "difflab/core/types.hpp"

namespace difflab {

// S = V diag(values) V^T for a symmetric S (only its lower triangle is read), values ascending.
struct SymmetricEigen {
  Vector values;
  Matrix vectors;   // empty when computed without vectors
  bool ok = false;  // false when Eigen's QR iteration did not converge (or S is not finite)
};

SymmetricEigen symmetric_eigen(const Matrix& S);
// The eigenvalues only (ascending), cheaper than the full decomposition.
SymmetricEigen symmetric_eigenvalues(const Matrix& S);

// The largest singular value of A (its spectral norm), by Eigen's divide-and-conquer SVD; 0 for an
// empty matrix.
double largest_singular_value(const Matrix& A);

}  // namespace difflab
