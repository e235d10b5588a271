#include "difflab/metrics/knn_distances.hpp"

#include <cmath>
#include <nanoflann.hpp>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab {

namespace {

// nanoflann's dataset interface over the columns of a column-major d x n matrix.
struct ColumnCloud {
  const Matrix* points;
  std::size_t kdtree_get_point_count() const { return static_cast<std::size_t>(points->cols()); }
  double kdtree_get_pt(std::size_t idx, std::size_t dim) const {
    return (*points)(static_cast<Index>(dim), static_cast<Index>(idx));
  }
  template <class BBox>
  bool kdtree_get_bbox(BBox&) const {
    return false;  // let nanoflann compute it
  }
};

using KdTree =
    nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<double, ColumnCloud>,
                                        ColumnCloud, -1, std::uint32_t>;

}  // namespace

Vector kth_neighbor_distances(const Matrix& Reference, const Matrix& Queries, Index k,
                              bool exclude_self) {
  constexpr const char* fn = "kth_neighbor_distances";
  require(k >= 1, fn, ": k must be >= 1, got ", k);
  require(Reference.rows() == Queries.rows(), fn,
          ": dimension mismatch: reference points have "
          "dimension ",
          Reference.rows(), ", queries ", Queries.rows());
  const Index want = exclude_self ? k + 1 : k;
  require(Reference.cols() >= want, fn, ": ", want, " neighbours needed but the reference set has ",
          Reference.cols(), " points");
  require(Reference.cols() < (Index{1} << 32), fn, ": too many reference points");
  const ColumnCloud cloud{&Reference};
  const KdTree tree(static_cast<std::size_t>(Reference.rows()), cloud,
                    nanoflann::KDTreeSingleIndexAdaptorParams(10));
  Vector out(Queries.cols());
  parallel_blocks(Queries.cols(), kDefaultBlock, [&](Index begin, Index count) {
    std::vector<std::uint32_t> idx(static_cast<std::size_t>(want));
    std::vector<double> dist2(static_cast<std::size_t>(want));
    for (Index q = begin; q < begin + count; ++q) {
      const std::size_t found = tree.knnSearch(
          Queries.col(q).data(), static_cast<std::size_t>(want), idx.data(), dist2.data());
      if (found != static_cast<std::size_t>(want))
        fail(fn, ": kd-tree returned ", found, " neighbours instead of ", want);
      out(q) = std::sqrt(dist2[static_cast<std::size_t>(want - 1)]);
    }
  });
  return out;
}

}  // namespace difflab
