#pragma once
// The dense decompositions the library uses (symmetric eigendecomposition, largest singular value),
// behind plain functions compiled once in src/core/dense_decompositions.cpp.
//
// Why not Eigen's solvers at each call site: every translation unit that names
// Eigen::SelfAdjointEigenSolver<MatrixXd> instantiates and optimises it again (about 8 s of g++ -O3
// each); with it spread over a dozen library and test files it was a large share of a clean build
// (docs/architecture.md, "Build time"). The results are the same Eigen routine, bit for bit.

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

// The largest singular value of A (its spectral norm), from the largest eigenvalue of the smaller
// of A^T A and A A^T (accurate to a few ulps relative for the largest singular value, not for the
// others); 0 for an empty matrix, NaN when A is not finite.
double largest_singular_value(const Matrix& A);

}  // namespace difflab
