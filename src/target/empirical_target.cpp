#include "difflab/target/empirical_target.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nanoflann.hpp>
#include <numbers>
#include <utility>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"

namespace difflab {

namespace {

constexpr Index kEmpiricalTile = 128;    // particles per product (fixed shape: determinism)
constexpr Index kEmpiricalChunk = 2048;  // data points per product (memory: chunk x tile)

void require_positive_noise(double sigma2, const char* what) {
  require(sigma2 > 0, "empirical target: ", what,
          " needs sigma^2 > 0 (t > 0): an empirical measure has no density at t = 0; stop at "
          "delta > 0");
}

}  // namespace

// The kd-tree of the k-NN truncation, over the data points (columns of the d x N data matrix,
// read through their buffer: a move of the target keeps it). nanoflann keeps a reference to the
// dataset adaptor, so both live here, behind a pointer.
struct EmpiricalTarget::KdIndex {
  struct Cloud {
    const double* data;
    Index d, n;
    std::size_t kdtree_get_point_count() const { return static_cast<std::size_t>(n); }
    double kdtree_get_pt(std::size_t idx, std::size_t k) const {
      return data[static_cast<Index>(idx) * d + static_cast<Index>(k)];
    }
    template <class BBox>
    bool kdtree_get_bbox(BBox&) const {
      return false;  // nanoflann computes it
    }
  };
  using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Adaptor<double, Cloud>, Cloud, -1,
                                                   std::uint32_t>;
  Cloud cloud;
  Tree tree;  // built by the constructor, single-threaded: the same tree on every run
  explicit KdIndex(const Matrix& points)
      : cloud{points.data(), points.rows(), points.cols()},
        tree(static_cast<std::size_t>(points.rows()), cloud,
             nanoflann::KDTreeSingleIndexAdaptorParams(16)) {}
};

double KnnTruncationBound::max_neglected_mass() const {
  return neglected_mass.size() == 0 ? 0.0 : neglected_mass.maxCoeff();
}

double KnnTruncationBound::max_score_error() const {
  return score_error.size() == 0 ? 0.0 : score_error.maxCoeff();
}

EmpiricalTarget::~EmpiricalTarget() = default;
EmpiricalTarget::EmpiricalTarget(EmpiricalTarget&&) noexcept = default;

EmpiricalTarget::EmpiricalTarget(Matrix points, std::string source, const std::string& where,
                                 Index knn)
    : points_(std::move(points)), source_(std::move(source)), knn_(knn) {
  require(points_.cols() >= 1 && points_.rows() >= 1, where,
          ": an empirical target needs at least one point of dimension >= 1");
  for (Index j = 0; j < points_.cols(); ++j)
    for (Index i = 0; i < points_.rows(); ++i)
      require(std::isfinite(points_(i, j)), where, ": point ", j, " coordinate ", i,
              " is not finite (", points_(i, j), ")");
  require(knn_ >= 0 && knn_ <= size(), where, ": knn must be 0 (exact score) or between 1 and ",
          size(), " (the number of points), got ", knn_);
  require(size() < (Index{1} << 32), where, ": too many points for the k-NN index");
  points_t_ = points_.transpose();
  norms2_ = points_.colwise().squaredNorm().transpose();
  if (knn_ >= 1) index_ = std::make_unique<KdIndex>(points_);
}

nlohmann::json EmpiricalTarget::to_json() const {
  nlohmann::json j = {
      {"type", "empirical"}, {"samples", source_}, {"points", size()}, {"dim", dim()}};
  if (knn_ >= 1) j["knn"] = knn_;
  return j;
}

TargetSummary EmpiricalTarget::summary() const {
  TargetSummary s;
  s.second_moment = norms2_.mean();
  s.notes.push_back(
      "empirical measure of " + std::to_string(size()) +
      " points: no density, so KL(q || N(0, I)), the score's Lipschitz constant and the Fisher "
      "information are not defined (infinite)");
  if (knn_ >= 1)
    s.notes.push_back(
        "score truncated to the " + std::to_string(knn_) +
        " nearest data points of x / alpha (kd-tree); the neglected softmax mass and the score "
        "error are bounded per evaluation from the distance to the next nearest point "
        "(EmpiricalTarget::knn_truncation_bound, docs/theory.md 10.4); where that point is "
        "within a few sigma / alpha the bound is vacuous and the truncation biases the score "
        "(at large t it is wrong); the log-density is exact");
  return s;
}

Matrix EmpiricalTarget::sample(Index n, const CounterRng& rng, std::uint64_t first_particle) const {
  require_matrix_memory(dim(), n, 2, "drawing " + std::to_string(n) + " samples");
  Matrix X(dim(), n);
  const Index N = size();
  for (Index j = 0; j < n; ++j) {
    RngStream s = rng.stream(RngUse::kTargetSample, first_particle + static_cast<std::uint64_t>(j));
    const Index i =
        std::min<Index>(N - 1, static_cast<Index>(s.uniform() * static_cast<double>(N)));
    X.col(j) = points_.col(i);
  }
  return X;
}

void EmpiricalTarget::kernel(double alpha, double sigma2, ConstMatrixRef X, Eigen::Ref<Vector> lse,
                             Matrix* mean) const {
  const Index d = dim(), N = size(), n = X.cols();
  const double inv = 1.0 / sigma2;
  Matrix tile(d, kEmpiricalTile), G(kEmpiricalChunk, kEmpiricalTile), acc(d, kEmpiricalTile),
      part(d, kEmpiricalTile);
  Vector run_max(kEmpiricalTile), run_sum(kEmpiricalTile);
  for (Index begin = 0; begin < n; begin += kEmpiricalTile) {
    const Index count = std::min(kEmpiricalTile, n - begin);
    tile.setZero();
    tile.leftCols(count) = X.middleCols(begin, count);
    run_max.setConstant(-std::numeric_limits<double>::infinity());
    run_sum.setZero();
    acc.setZero();
    for (Index c0 = 0; c0 < N; c0 += kEmpiricalChunk) {
      const Index k = std::min(kEmpiricalChunk, N - c0);
      // Logits l_ij = (alpha x_i.x_j - alpha^2 |x_i|^2 / 2) / sigma^2. Chunk bounds depend on N
      // only and the tile is always kEmpiricalTile wide, so no shape depends on the batch.
      auto Gk = G.topRows(k);
      Gk.noalias() = points_t_.middleRows(c0, k) * tile;
      for (Index j = 0; j < kEmpiricalTile; ++j) {
        auto g = Gk.col(j).array();
        g = (alpha * g - 0.5 * alpha * alpha * norms2_.segment(c0, k).array()) * inv;
        const double m_new = std::max(run_max(j), g.maxCoeff());
        const double rescale = std::exp(run_max(j) - m_new);  // 0 on the first chunk
        g = (g - m_new).exp();
        run_sum(j) = run_sum(j) * rescale + g.sum();
        if (mean != nullptr) acc.col(j) *= rescale;
        run_max(j) = m_new;
      }
      if (mean != nullptr) {
        part.noalias() = points_.middleCols(c0, k) * Gk;
        acc += part;
      }
    }
    for (Index j = 0; j < count; ++j) {
      lse(begin + j) = run_max(j) + std::log(run_sum(j));
      if (mean != nullptr) mean->col(begin + j) = acc.col(j) / run_sum(j);
    }
  }
}

// The k-NN score, per particle x (docs/theory.md 10.4). In the scaled metric D_i = |x - alpha x_i|
// = alpha |y - x_i| (y = x / alpha) the weights are w_i = exp(-D_i^2 / (2 sigma^2)) and the score
// is s = sum_i w_i v_i / (sigma^2 sum_i w_i), v_i = alpha x_i - x. K is the set of the k nearest
// points (ties ordered by index), D_{k+1} the k+1-th smallest distance, so D_i >= D_{k+1} for
// every i outside K. With S = sum_K w_i, A = sum_K w_i v_i, m = sum_{not K} w_i,
// B = sum_{not K} w_i v_i and s_k = A / (sigma^2 S):
//  (a) m <= (n - k) e^{-D_{k+1}^2 / (2 sigma^2)} =: mb, and the neglected fraction
//      m / (S + m) <= mb / (S + mb) (increasing in m). As S >= w_(1) = e^{-D_1^2 / (2 sigma^2)},
//      mb / S <= (n - k) e^{-(D_{k+1}^2 - D_1^2) / (2 sigma^2)}: the bound relative to the
//      nearest weight, which this one never exceeds.
//  (b) s - s_k = ((A + B)/(S + m) - A/S) / sigma^2 = (B - m A/S) / (sigma^2 (S + m)), and
//      A/S = sigma^2 s_k, so |s - s_k| <= (|B| + m sigma^2 |s_k|) / (sigma^2 S). Since
//      |v_i| = D_i, |B| <= sum_{not K} D_i w_i <= (n - k) h(D_{k+1}) with
//      h(D) = sup_{r >= D} r e^{-r^2/(2 sigma^2)} = D e^{-D^2/(2 sigma^2)} for D >= sigma (r e^{..}
//      decreases beyond r = sigma) and sigma e^{-1/2} below. Hence
//      |s - s_k| <= (n - k) [h(D_{k+1}) / sigma^2 + e^{-D_{k+1}^2/(2 sigma^2)} |s_k|] / S.
// Everything is taken relative to the largest kept weight e^M (S = e^M S'); in the branch
// D_{k+1} < sigma, e^{-M} = e^{D_1^2/(2 sigma^2)} < e^{1/2} cannot overflow. The kd-tree is exact
// (no approximation factor); its distances and the ones recomputed here differ by rounding only.
void EmpiricalTarget::knn_kernel(double alpha, double sigma2, ConstMatrixRef X, Matrix* score,
                                 KnnTruncationBound* bound) const {
  require(knn_ >= 1 && index_ != nullptr, "empirical target: no k-NN index (knn is 0)");
  require(alpha > 0,
          "empirical target: the k-NN score needs alpha > 0 (its query is x / alpha), "
          "got ",
          alpha);
  require_positive_noise(sigma2, "the k-NN score");
  const Index d = dim(), N = size(), n = X.cols(), k = knn_;
  const Index want = std::min(k + 1, N);
  const double inv2 = 0.5 / sigma2, sigma = std::sqrt(sigma2);
  if (bound != nullptr) {
    bound->neglected_mass = Vector::Zero(n);
    bound->score_error = Vector::Zero(n);
  }
  std::vector<std::uint32_t> idx(static_cast<std::size_t>(want));
  std::vector<double> dist2(static_cast<std::size_t>(want));
  std::vector<std::pair<double, std::uint32_t>> found(static_cast<std::size_t>(want));
  Vector y(d), acc(d), s(d);
  std::vector<double> logit(static_cast<std::size_t>(k));
  for (Index j = 0; j < n; ++j) {
    y = X.col(j) / alpha;
    const std::size_t got =
        index_->tree.knnSearch(y.data(), static_cast<std::size_t>(want), idx.data(), dist2.data());
    if (got != static_cast<std::size_t>(want))
      fail("empirical target: kd-tree returned ", got, " neighbours instead of ", want);
    for (std::size_t i = 0; i < got; ++i) found[i] = {dist2[i], idx[i]};
    std::sort(found.begin(), found.end());  // by distance, ties by index
    // The kept points are summed in index order: the sum is a function of the set alone.
    std::sort(found.begin(), found.begin() + k,
              [](const auto& a, const auto& b) { return a.second < b.second; });
    double M = -std::numeric_limits<double>::infinity();
    for (Index i = 0; i < k; ++i) {
      const Index p = found[static_cast<std::size_t>(i)].second;
      logit[static_cast<std::size_t>(i)] =
          -(X.col(j) - alpha * points_.col(p)).squaredNorm() * inv2;
      M = std::max(M, logit[static_cast<std::size_t>(i)]);
    }
    double total = 0;
    acc.setZero();
    for (Index i = 0; i < k; ++i) {
      const double w = std::exp(logit[static_cast<std::size_t>(i)] - M);
      total += w;
      acc += w * points_.col(found[static_cast<std::size_t>(i)].second);
    }
    s = (alpha * (acc / total) - X.col(j)) / sigma2;
    if (score != nullptr) score->col(j) = s;
    if (bound != nullptr && want > k) {
      const Index p = found[static_cast<std::size_t>(k)].second;
      const double D2 = (X.col(j) - alpha * points_.col(p)).squaredNorm();
      const double e = std::exp(-D2 * inv2 - M) / total;  // e^{-D_{k+1}^2/(2 sigma^2)} / S
      const double rest = static_cast<double>(N - k);
      const double D = std::sqrt(D2);
      const double h = D >= sigma ? D * e : sigma * std::exp(-0.5 - M) / total;  // h / S
      bound->neglected_mass(j) = rest * e / (1.0 + rest * e);
      bound->score_error(j) = rest * (h / sigma2 + e * s.norm());
    }
  }
}

KnnTruncationBound EmpiricalTarget::knn_truncation_bound(double alpha, double sigma2,
                                                         ConstMatrixRef X) const {
  check_dim(X, "input");
  KnnTruncationBound b;
  knn_kernel(alpha, sigma2, X, nullptr, &b);
  return b;
}

void EmpiricalTarget::noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                                         Eigen::Ref<Vector> out) const {
  check_dim(X, "input");
  require_positive_noise(sigma2, "the log-density");
  kernel(alpha, sigma2, X, out, nullptr);
  // log q_t(x) = log (1/N) sum_i N(x; alpha x_i, sigma^2 I)
  //            = lse_i(l_i) - |x|^2 / (2 sigma^2) - log N - (d/2) log(2 pi sigma^2).
  const double c = -std::log(static_cast<double>(size())) -
                   0.5 * static_cast<double>(dim()) * std::log(2.0 * std::numbers::pi * sigma2);
  out.array() += c - 0.5 * X.colwise().squaredNorm().transpose().array() / sigma2;
}

void EmpiricalTarget::noised_score(double alpha, double sigma2, ConstMatrixRef X,
                                   MatrixRef out) const {
  check_dim(X, "input");
  require_positive_noise(sigma2, "the score");
  if (knn_ >= 1) {
    Matrix S(dim(), X.cols());
    knn_kernel(alpha, sigma2, X, &S, nullptr);
    out = S;
    return;
  }
  Vector lse(X.cols());
  Matrix mean(dim(), X.cols());
  kernel(alpha, sigma2, X, lse, &mean);
  out = (alpha * mean - X) / sigma2;
}

}  // namespace difflab
