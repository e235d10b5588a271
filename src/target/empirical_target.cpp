#include "difflab/target/empirical_target.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

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

EmpiricalTarget::EmpiricalTarget(Matrix points, std::string source, const std::string& where)
    : points_(std::move(points)), source_(std::move(source)) {
  require(points_.cols() >= 1 && points_.rows() >= 1, where,
          ": an empirical target needs at least one point of dimension >= 1");
  for (Index j = 0; j < points_.cols(); ++j)
    for (Index i = 0; i < points_.rows(); ++i)
      require(std::isfinite(points_(i, j)), where, ": point ", j, " coordinate ", i,
              " is not finite (", points_(i, j), ")");
  points_t_ = points_.transpose();
  norms2_ = points_.colwise().squaredNorm().transpose();
}

nlohmann::json EmpiricalTarget::to_json() const {
  return {{"type", "empirical"}, {"samples", source_}, {"points", size()}, {"dim", dim()}};
}

TargetSummary EmpiricalTarget::summary() const {
  TargetSummary s;
  s.second_moment = norms2_.mean();
  s.notes.push_back(
      "empirical measure of " + std::to_string(size()) +
      " points: no density, so KL(q || N(0, I)), the score's Lipschitz constant and the Fisher "
      "information are not defined (infinite)");
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
  Vector lse(X.cols());
  Matrix mean(dim(), X.cols());
  kernel(alpha, sigma2, X, lse, &mean);
  out = (alpha * mean - X) / sigma2;
}

}  // namespace difflab
