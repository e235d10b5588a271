#pragma once
// The Gaussian-mixture kernel behind GaussianMixtureTarget: log q_t, the responsibilities and
// the score grad log q_t (docs/theory.md 5.1) for a batch of particles, evaluated per fixed-width
// tile of kTile particles with the component sums as matrix products.
//
// Component i of q_t is N(alpha mu_i, U_i diag(c_i) U_i^T), c_i = alpha^2 lambda_i + sigma^2
// (U_i = I for diagonal covariances). With x'_i = U_i^T x and m_i = alpha U_i^T mu_i,
//   Q_i(x) = sum_k (x'_ik - m_ik)^2 / c_ik,
//   l_i = log w_i - (d log 2 pi + sum_k log c_ik) / 2 - Q_i / 2,   r = softmax(l),
//   grad log q_t(x) = -sum_i r_i U_i ((x'_i - m_i) / c_i).
// The eigenvectors U_i, computed once, whiten component i at every noise level; a Cholesky
// factor of alpha^2 Sigma_i + sigma^2 I would have to be recomputed for each (alpha, sigma^2).
// Diagonal mixtures expand Q_i = sum_k x_k^2/c_ik - 2 sum_k x_k m_ik/c_ik + sum_k m_ik^2/c_ik and
// the score as sum_i r_i m_i/c_i - x sum_i r_i/c_i: the K inner products and the weighted means
// are (K x d)(d x kTile) and (d x K)(K x kTile) products. Full covariances rotate the tile with
// one (Kd x d)(d x kTile) product and return with one (d x Kd)(Kd x kTile) product.
//
// Determinism (core/columnwise.hpp): every product has the same shape whatever the batch (the
// last tile is zero-padded), particles are columns (Eigen's GEMM treats every column of a
// multiple-of-8 width the same way), Eigen's own threading is off inside a tile, and the
// per-particle steps are elementwise over whole tiles in a fixed order. A particle's result
// therefore does not depend on its batch, its position in a tile or the thread count.
//
// Accuracy: the expansion loses digits where |x'|^2 + |m_i|^2 >> Q_i (a particle close to a
// mean far from the origin): its rounding error is eps (|x'|^2 + |m_i|^2) against eps Q_i for
// the difference form. A particle whose responsibility-weighted ratio exceeds kMaxExpansionLoss,
// or whose tile values are not finite (|x| beyond ~1e154 overflows |x|^2), is recomputed alone
// in the difference form, scaled by a power of two so that no finite input overflows.
#include "difflab/core/types.hpp"

namespace difflab::mixture_tiles {

inline constexpr Index kTile = 128;
// Largest accepted ratio sum_i r_i P_i / sum_i r_i Q_i (P_i = sum_k (x'_ik^2 + m_ik^2)/c_ik,
// both weighted by max_k 1/c_ik): the expansion then loses at most ~3 bits of the score against
// the difference form (sqrt(64) = 8).
inline constexpr double kMaxExpansionLoss = 64.0;

// The mixture at one noise level, built by GaussianMixtureTarget.
struct Level {
  Index d = 0, K = 0;
  double alpha = 1;
  bool isotropic = false;         // diagonal with c_ik constant in k (|x|^2 replaces a product)
  bool rotated = false;           // some covariance is full: coordinates U_i^T x
  Matrix inv_c;                   // d x K: 1/c_ik
  Vector log_const;               // K: log w_i - (d log 2 pi + sum_k log c_ik)/2
  Vector inv_c_max;               // K: max_k 1/c_ik
  const Matrix* means = nullptr;  // d x K: mu_i
  Matrix shift;                   // d x K: alpha mu_i
  Matrix m;                       // d x K: alpha mu_i (diagonal) or alpha U_i^T mu_i (rotated)
  Matrix m_over_c;                // d x K: m_ik / c_ik
  Vector m_quad;                  // K: sum_k m_ik^2 / c_ik
  const Matrix* U = nullptr;      // d x Kd: [U_1 ... U_K] (rotated only)
  const Matrix* Ut = nullptr;     // Kd x d: its transpose (rotated only)
  double shift_abs_max = 0;       // max |alpha mu_ik| (the difference form's scaling)
};

enum class Output { kLogDensity, kResponsibilities, kScore };

// Evaluates `what` at the columns of X (d x n) into out: 1 x n log-densities, K x n
// responsibilities or d x n scores. Returns how many particles took the difference form.
// Throws difflab::Error when the score at a finite particle exceeds the double range.
Index evaluate(const Level& lv, ConstMatrixRef X, Output what, MatrixRef out);

}  // namespace difflab::mixture_tiles
