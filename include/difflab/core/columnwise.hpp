#pragma once
// Column-by-column evaluation that keeps the determinism contract of DEVELOPERS.md: the result
// for one particle must be bit-identical whatever batch (block size, thread split) it is in.
//
// Eigen's batched kernels do not give that: a matrix-matrix product picks its blocking, its
// kernel and even its algorithm (coefficient-based below ~20 rows+cols+depth, GEMM above) from
// the number of columns, and a vectorised reduction over one column of a matrix peels a
// different scalar head depending on where that column starts in memory. Both change the
// summation order and so the last bits. Copying each column into an aligned vector of its own
// and running the per-particle arithmetic there makes every particle take exactly the same
// instruction sequence, at the cost of matrix-vector instead of matrix-matrix products.
#include "difflab/core/types.hpp"

namespace difflab {

// For each column j: x = X.col(j) (aligned copy), fn(x, y), out.col(j) = y.
// fn has the signature void(const Vector& x, Vector& y); y has out.rows() entries.
template <class Fn>
void for_each_column(ConstMatrixRef X, MatrixRef out, Fn&& fn) {
  Vector x(X.rows()), y(out.rows());
  for (Index j = 0; j < X.cols(); ++j) {
    x = X.col(j);
    fn(static_cast<const Vector&>(x), y);
    out.col(j) = y;
  }
}

// For each column j: x = X.col(j) (aligned copy), out(j) = fn(x).
template <class Fn>
void for_each_column_scalar(ConstMatrixRef X, Eigen::Ref<Vector> out, Fn&& fn) {
  Vector x(X.rows());
  for (Index j = 0; j < X.cols(); ++j) {
    x = X.col(j);
    out(j) = fn(static_cast<const Vector&>(x));
  }
}

// ||M.col(j)||^2 summed in an order that does not depend on where the column sits in memory:
// the column is copied into `scratch` (aligned, resized as needed) first.
inline double column_squared_norm(ConstMatrixRef M, Index j, Vector& scratch) {
  scratch = M.col(j);
  return scratch.squaredNorm();
}

}  // namespace difflab
