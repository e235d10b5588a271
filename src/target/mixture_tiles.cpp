#include "mixture_tiles.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab::mixture_tiles {

namespace {

// A tile's buffers, allocated once per thread and mixture shape.
struct Work {
  Matrix X;                          // d x T: the tile, zero-padded
  Matrix G;                          // K x T: sum_k x_k m_ik / c_ik (diagonal)
  Matrix A;                          // K x T: sum_k x_k^2 / c_ik (diagonal, not isotropic)
  Matrix X2;                         // d x T: x_k^2 (diagonal, not isotropic)
  Matrix Y;                          // Kd x T: U_i^T x (rotated)
  Matrix Yt;                         // T x Kd: x'_i - m_i, then r_i (x'_i - m_i) / c_i (rotated)
  Matrix Qt, Pt;                     // T x K: Q_i and P_i
  Matrix Lt;                         // T x K: log-weights, then responsibilities
  Matrix S, W;                       // d x T: score; sum_i r_i / c_ik (diagonal, not isotropic)
  Vector v, mx, total, lse, eP, eQ;  // T
  Matrix D;                          // d x K: one particle's differences (difference form)
  Vector rot, l;                     // d and K: one particle's rotated difference and log-weights
  Vector xj, sj;                     // d: one particle and its score (difference form)
  Work(const Level& lv)
      : X(lv.d, kTile),
        Qt(kTile, lv.K),
        Pt(kTile, lv.K),
        Lt(kTile, lv.K),
        S(lv.d, kTile),
        v(kTile),
        mx(kTile),
        total(kTile),
        lse(kTile),
        eP(kTile),
        eQ(kTile),
        D(lv.d, lv.K),
        rot(lv.d),
        l(lv.K),
        xj(lv.d),
        sj(lv.d) {
    if (lv.rotated) {
      Y.resize(lv.K * lv.d, kTile);
      Yt.resize(kTile, lv.K * lv.d);
    } else {
      G.resize(lv.K, kTile);
      if (!lv.isotropic) A.resize(lv.K, kTile), X2.resize(lv.d, kTile), W.resize(lv.d, kTile);
    }
  }
  bool fits(const Level& lv) const {
    return X.rows() == lv.d && Qt.cols() == lv.K && (Y.size() > 0) == lv.rotated &&
           (A.size() > 0) == (!lv.rotated && !lv.isotropic);
  }
};

// Diagonal mixtures: Q_i and P_i by the expansion (header), the cross terms as one product.
void diagonal_quadratics(const Level& lv, Work& w) {
  w.G.noalias() = lv.m_over_c.transpose() * w.X;  // K x T
  if (lv.isotropic) {
    w.v.setZero();  // |x|^2, coordinate by coordinate in a fixed order
    for (Index k = 0; k < lv.d; ++k) w.v.array() += w.X.row(k).transpose().array().square();
  } else {
    w.X2.array() = w.X.array().square();
    w.A.noalias() = lv.inv_c.transpose() * w.X2;  // K x T
  }
  for (Index i = 0; i < lv.K; ++i) {
    auto a = w.Pt.col(i).array();
    if (lv.isotropic)
      a = w.v.array() * lv.inv_c(0, i);
    else
      a = w.A.row(i).transpose().array();
    w.Qt.col(i).array() = (a - 2.0 * w.G.row(i).transpose().array()) + lv.m_quad(i);
    a += lv.m_quad(i);
  }
}

// Full covariances: rotate the tile once per component (one product), then Q_i in the
// difference form of the rotated coordinates; Yt keeps x'_i - m_i for the score.
void rotated_quadratics(const Level& lv, Work& w) {
  w.Y.noalias() = *lv.Ut * w.X;  // Kd x T
  w.Yt = w.Y.transpose();
  for (Index i = 0; i < lv.K; ++i) {
    auto q = w.Qt.col(i).array();
    auto p = w.Pt.col(i).array();
    q.setZero();
    p.setZero();
    for (Index k = 0; k < lv.d; ++k) {
      auto y = w.Yt.col(i * lv.d + k).array();
      const double m = lv.m(k, i), ic = lv.inv_c(k, i);
      p += (y.square() + m * m) * ic;
      y -= m;
      q += y.square() * ic;
    }
  }
}

// Log-weights, responsibilities (in Lt), log q_t (lse) and the expansion-loss check (eP, eQ).
void softmax_tile(const Level& lv, Work& w) {
  for (Index i = 0; i < lv.K; ++i)
    w.Lt.col(i).array() = lv.log_const(i) - 0.5 * w.Qt.col(i).array();
  w.mx = w.Lt.col(0);
  for (Index i = 1; i < lv.K; ++i) w.mx.array() = w.mx.array().max(w.Lt.col(i).array());
  for (Index i = 0; i < lv.K; ++i) w.Lt.col(i).array() -= w.mx.array();
  // One vectorised exp over the whole tile: every particle takes the same SIMD path.
  w.Lt.array() = w.Lt.array().exp();
  w.total = w.Lt.col(0);
  for (Index i = 1; i < lv.K; ++i) w.total += w.Lt.col(i);
  w.v = w.total.cwiseInverse();
  for (Index i = 0; i < lv.K; ++i) w.Lt.col(i).array() *= w.v.array();
  w.lse.array() = w.mx.array() + w.total.array().log();
  w.eP.setZero();
  w.eQ.setZero();
  for (Index i = 0; i < lv.K; ++i) {
    w.eP.array() += w.Lt.col(i).array() * (lv.inv_c_max(i) * w.Pt.col(i).array());
    w.eQ.array() += w.Lt.col(i).array() * (lv.inv_c_max(i) * w.Qt.col(i).array());
  }
}

// Score of the tile into w.S (d x T) from the responsibilities in w.Lt.
void score_tile(const Level& lv, Work& w) {
  if (lv.rotated) {
    for (Index i = 0; i < lv.K; ++i)
      for (Index k = 0; k < lv.d; ++k)
        w.Yt.col(i * lv.d + k).array() *= w.Lt.col(i).array() * lv.inv_c(k, i);
    w.Y = w.Yt.transpose();
    w.S.noalias() = *lv.U * w.Y;  // sum_i U_i (r_i (x'_i - m_i) / c_i)
    w.S = -w.S;
    return;
  }
  w.S.noalias() = lv.m_over_c * w.Lt.transpose();  // sum_i r_i m_i / c_i
  if (lv.isotropic) {
    w.v.setZero();
    for (Index i = 0; i < lv.K; ++i) w.v.array() += w.Lt.col(i).array() * lv.inv_c(0, i);
    w.S.array() -= w.X.array().rowwise() * w.v.transpose().array();
  } else {
    w.W.noalias() = lv.inv_c * w.Lt.transpose();  // sum_i r_i / c_ik
    w.S.array() -= w.X.array() * w.W.array();
  }
}

// One particle in the difference form (docs/theory.md 5.1), scaled by a power of two s so that no
// finite x overflows: the differences are formed as x/s - alpha (mu_i/s) (exact scalings), and
// l_i - l_max = s^2 (m_i - m_max) with m_i = log_const_i / s^2 - Q_i(x/s) / 2. s = 1 unless
// |x| or |alpha mu| exceeds 2^500. Writes r (into w.l), log q_t (returned) and, if score is not
// null, the score.
double difference_form(const Level& lv, Work& w, const double* x, double* score) {
  double big = lv.shift_abs_max;
  for (Index k = 0; k < lv.d; ++k) big = std::max(big, std::abs(x[k]));
  const double s = big > 0x1p500 ? std::ldexp(1.0, std::ilogb(big) + 1) : 1.0;
  for (Index i = 0; i < lv.K; ++i) {
    // x - alpha mu_i with one rounding (fma): alpha mu_i rounded first would cost |mu_i| eps.
    for (Index k = 0; k < lv.d; ++k)
      w.D(k, i) = std::fma(-lv.alpha, (*lv.means)(k, i) / s, x[k] / s);
    double q = 0;
    if (lv.rotated) {  // D_i <- U_i^T D_i, each entry summed in a fixed order
      for (Index k = 0; k < lv.d; ++k) {
        double y = 0;
        for (Index a = 0; a < lv.d; ++a) y += (*lv.Ut)(i * lv.d + k, a) * w.D(a, i);
        w.rot(k) = y;
      }
      w.D.col(i) = w.rot;
    }
    for (Index k = 0; k < lv.d; ++k) q += w.D(k, i) * w.D(k, i) * lv.inv_c(k, i);
    w.l(i) = lv.log_const(i) / s / s - 0.5 * q;
  }
  double mx = w.l(0);
  for (Index i = 1; i < lv.K; ++i) mx = std::max(mx, w.l(i));
  double total = 0;
  for (Index i = 0; i < lv.K; ++i) {
    const double gap = w.l(i) - mx;
    w.l(i) = gap == 0 ? 1.0 : std::exp(gap * s * s);
    total += w.l(i);
  }
  for (Index i = 0; i < lv.K; ++i) w.l(i) /= total;
  if (score) {
    for (Index k = 0; k < lv.d; ++k) score[k] = 0;
    for (Index i = 0; i < lv.K; ++i) {
      for (Index k = 0; k < lv.d; ++k) {
        const double y = w.l(i) * w.D(k, i) * lv.inv_c(k, i);
        if (!lv.rotated) {
          score[k] -= y * s;
        } else {
          for (Index a = 0; a < lv.d; ++a) score[a] -= (*lv.Ut)(i * lv.d + k, a) * y * s;
        }
      }
    }
  }
  return mx * s * s + std::log(total);
}

// Runs fn(t) for the tiles t in [0, tiles) across threads (or on the calling thread inside a
// sampler's parallel region: nested regions are inactive). Eigen's GEMM threading is switched
// off inside (nthreads-var is per task), since Eigen picks its blocking from the thread count.
template <class Fn>
void for_each_mixture_tile(Index tiles, Fn&& fn) {
  std::exception_ptr error;
#pragma omp parallel for schedule(static) if (tiles > 1)
  for (Index t = 0; t < tiles; ++t) {
    omp_set_num_threads(1);
    try {
      fn(t);
    } catch (...) {
#pragma omp critical(difflab_mixture_tiles_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

Work& work_for(const Level& lv) {
  thread_local std::unique_ptr<Work> cache;
  if (!cache || !cache->fits(lv)) cache = std::make_unique<Work>(lv);
  return *cache;
}

// Evaluates one tile of `count` particles starting at column `begin`; returns the number of
// particles that took the difference form.
Index evaluate_tile(const Level& lv, ConstMatrixRef X, Output what, MatrixRef out, Index begin,
                    Index count) {
  Work& w = work_for(lv);
  w.X.rightCols(kTile - count).setZero();
  w.X.leftCols(count) = X.middleCols(begin, count);
  if (lv.rotated)
    rotated_quadratics(lv, w);
  else
    diagonal_quadratics(lv, w);
  softmax_tile(lv, w);
  if (what == Output::kScore) score_tile(lv, w);
  // One vectorised test for the whole tile (x * 0 is NaN exactly when x is not finite); the
  // per-column test runs only in a tile that fails it.
  const bool tile_finite =
      what != Output::kScore || !std::isnan((w.S.leftCols(count).array() * 0.0).sum());
  auto expansion_ok = [&](Index j) {
    return w.eP(j) <= kMaxExpansionLoss * w.eQ(j) && std::isfinite(w.lse(j)) &&
           (tile_finite || w.S.col(j).allFinite());
  };
  // The whole tile is copied out at once; the particles that need the difference form are then
  // overwritten one by one.
  if (what == Output::kScore)
    out.middleCols(begin, count) = w.S.leftCols(count);
  else if (what == Output::kLogDensity)
    out.row(0).segment(begin, count) = w.lse.head(count).transpose();
  else
    out.middleCols(begin, count) = w.Lt.topRows(count).transpose();
  Index fallbacks = 0;
  Vector& x = w.xj;
  Vector& s = w.sj;
  for (Index j = 0; j < count; ++j) {
    if (expansion_ok(j)) continue;
    ++fallbacks;
    x = w.X.col(j);
    const double lse =
        difference_form(lv, w, x.data(), what == Output::kScore ? s.data() : nullptr);
    if (what == Output::kScore) {
      require(s.allFinite() || !x.allFinite(), "gmm: the score at particle ", begin + j,
              " exceeds the double range (max |x_k| = ", x.cwiseAbs().maxCoeff(), ")");
      out.col(begin + j) = s;
    } else if (what == Output::kLogDensity) {
      out(0, begin + j) = lse;  // -inf when log q_t is below -DBL_MAX
    } else {
      out.col(begin + j) = w.l;
    }
  }
  return fallbacks;
}

}  // namespace

Index evaluate(const Level& lv, ConstMatrixRef X, Output what, MatrixRef out) {
  const Index n = X.cols();
  const Index tiles = (n + kTile - 1) / kTile;
  std::vector<Index> fallbacks(static_cast<std::size_t>(tiles), 0);
  for_each_mixture_tile(tiles, [&](Index t) {
    const Index begin = t * kTile;
    fallbacks[static_cast<std::size_t>(t)] =
        evaluate_tile(lv, X, what, out, begin, std::min(kTile, n - begin));
  });
  Index total = 0;
  for (const Index f : fallbacks) total += f;
  return total;
}

}  // namespace difflab::mixture_tiles
