#include "difflab/metrics/sample_checks.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

void check_samples(const Matrix& X, const char* metric, const char* name, Index min_count) {
  require(X.rows() > 0 && X.cols() > 0, metric, ": ", name, " is empty (", X.rows(), " x ",
          X.cols(), "); particles are the columns of a d x n matrix");
  require(X.cols() >= min_count, metric, ": ", name, " has ", X.cols(), " particles, at least ",
          min_count, " are needed");
  for (Index j = 0; j < X.cols(); ++j)
    for (Index i = 0; i < X.rows(); ++i)
      require(std::isfinite(X(i, j)), metric, ": ", name, ": particle ", j, " coordinate ", i,
              " is not finite (", X(i, j), ")");
}

void check_sample_pair(const Matrix& X, const Matrix& Y, const char* metric, Index min_count) {
  check_samples(X, metric, "X", min_count);
  check_samples(Y, metric, "Y", min_count);
  require(X.rows() == Y.rows(), metric, ": dimension mismatch: X has dimension ", X.rows(),
          " but Y has dimension ", Y.rows());
}

}  // namespace difflab
