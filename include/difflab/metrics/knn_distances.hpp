#pragma once
// k-th nearest-neighbour distances with a kd-tree (nanoflann), the building block of the kNN
// divergence and entropy estimators. Queries run in parallel in fixed blocks; each result is a
// pure function of its query point, so the output does not depend on the thread count.
#include "difflab/core/types.hpp"

namespace difflab {

// For every column q of Queries: the Euclidean distance to its k-th nearest column of Reference
// (k >= 1). With exclude_self (Queries and Reference are the same set), the query point itself
// does not count, i.e. the (k+1)-th smallest distance is returned. Reference needs at least k
// (k + 1 with exclude_self) columns.
Vector kth_neighbor_distances(const Matrix& Reference, const Matrix& Queries, Index k,
                              bool exclude_self);

}  // namespace difflab
