#pragma once
// Exact distances between two Gaussian laws P = N(m0, S0) and Q = N(m1, S1)
// (docs/theory.md 5.4), and their O(d) forms for commuting covariances.
//
// Full-covariance forms cost O(d^3) (Cholesky / symmetric eigendecompositions). The diagonal
// forms take covariances that share one eigenbasis, given as their eigenvalue vectors a, b, with
// the means expressed in that same basis (for diagonal covariances: the means themselves); every
// quantity below is invariant under a common rotation, so this is exact. They are what the exact
// laws in d = 10^6 use.
//
// Errors: a dimension mismatch, a non-finite entry, a non-symmetric or non-positive-definite
// covariance throw difflab::Error naming the function and the argument. W2 accepts positive
// semi-definite covariances; KL, Bhattacharyya/Hellinger and TV need positive definite ones.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

// KL(P || Q) = 1/2 [tr(S1^{-1} S0) + (m1-m0)^T S1^{-1} (m1-m0) - d + log det S1 / det S0].
// Evaluated as 1/2 [sum_i (l_i - 1 - log l_i) + Mahalanobis^2] with l_i the eigenvalues of
// L1^{-1} S0 L1^{-T} (L1 the Cholesky factor of S1): every term is >= 0, so there is no
// cancellation between the trace and the log-determinants.
double gaussian_kl(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1);

// W2 (Bures): W2^2 = |m0 - m1|^2 + tr(S0 + S1 - 2 (S1^{1/2} S0 S1^{1/2})^{1/2}). Square roots are
// taken by symmetric eigendecomposition with tiny negative eigenvalues (roundoff) clamped to 0.
double gaussian_w2(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1);

// Bhattacharyya coefficient BC = int sqrt(p q) (docs/theory.md 5.4), and the Hellinger distance
// H = sqrt(1 - BC) (the convention with H in [0, 1] and H^2 = 1 - BC).
double gaussian_bhattacharyya(const Vector& m0, const Matrix& S0, const Vector& m1,
                              const Matrix& S1);
double gaussian_hellinger(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1);

// Always-valid bounds on TV(P, Q) (docs/theory.md 5.4): 1 - BC <= TV <= sqrt(1 - BC^2),
// TV <= sqrt(KL(P||Q)/2) (Pinsker), TV <= sqrt(1 - exp(-KL(P||Q))) (Bretagnolle-Huber).
struct TvBounds {
  double lower_bc = 0;           // 1 - BC
  double upper_bc = 1;           // sqrt(1 - BC^2)
  double pinsker = 1;            // sqrt(KL/2) (may exceed 1, then it says nothing)
  double bretagnolle_huber = 1;  // sqrt(1 - e^{-KL})
  double lower() const { return lower_bc; }
  double upper() const;  // the smallest of the three upper bounds, capped at 1
  nlohmann::json to_json() const;
};
// From the Bhattacharyya coefficient and KL(P||Q) of any pair of laws.
TvBounds tv_bounds(double bhattacharyya, double kl);
TvBounds gaussian_tv_bounds(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1);

// Exact TV between N(m0, s0^2) and N(m1, s1^2) (standard deviations s0, s1 > 0): the two-root
// formula of docs/theory.md 5.4 when s0 != s1, and 2 Phi(|m0 - m1| / (2 s)) - 1 when s0 == s1.
double gaussian_tv_1d(double m0, double s0, double m1, double s1);

struct GaussianTvOptions {
  // Monte Carlo sample size, used only when no closed form applies (d > 1, S0 != S1).
  Index samples = 200000;
  // Seed of the counter-based draws (stream (seed, kMonteCarlo, sample index, 0)).
  std::uint64_t seed = 0;
  void validate() const;  // samples >= 2
};

struct GaussianTv {
  Estimate tv;      // exact (ci_lo = ci_hi) or Monte Carlo with a 95% CI; n_p = MC samples
  TvBounds bounds;  // always-valid bounds, reported alongside
  nlohmann::json to_json() const;
};

// TV(P, Q): exact in 1-D and for S0 == S1 (2 Phi(Delta/2) - 1, Delta the Mahalanobis distance);
// otherwise the unbiased Monte Carlo estimate TV = E_{x~P}[(1 - q(x)/p(x))_+] (docs/theory.md 5.4),
// with a 95% normal CI from the sample variance. Deterministic for a seed, any thread count.
GaussianTv gaussian_tv(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1,
                       const GaussianTvOptions& options = {});

// O(d) forms for covariances with a common eigenbasis: a, b are the eigenvalues of S0, S1 and
// m0, m1 the means in that basis.
double diagonal_gaussian_kl(const Vector& m0, const Vector& a, const Vector& m1, const Vector& b);
double diagonal_gaussian_w2(const Vector& m0, const Vector& a, const Vector& m1, const Vector& b);
double diagonal_gaussian_bhattacharyya(const Vector& m0, const Vector& a, const Vector& m1,
                                       const Vector& b);
double diagonal_gaussian_hellinger(const Vector& m0, const Vector& a, const Vector& m1,
                                   const Vector& b);
TvBounds diagonal_gaussian_tv_bounds(const Vector& m0, const Vector& a, const Vector& m1,
                                     const Vector& b);
// Same rules as gaussian_tv (exact in 1-D and for a == b, else Monte Carlo at O(d) per sample).
GaussianTv diagonal_gaussian_tv(const Vector& m0, const Vector& a, const Vector& m1,
                                const Vector& b, const GaussianTvOptions& options = {});

}  // namespace difflab
