// Accuracy of the tiled mixture score (mixture_tiles.hpp) against the difference form
// sum_i r_i (-C_i^{-1} (x - alpha mu_i)) evaluated independently in long double
// (docs/theory.md 5.1): typical particles (where the matrix-product expansion is used), particles
// close to means far from the origin (where the expansion would lose most digits and the difference
// form must take over), and far particles up to |x| ~ 1e300 (where |x|^2 overflows a double).
#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>
#include <vector>

#include "difflab/core/rng.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace difflab {
namespace {

using LMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using LVector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;
using Component = GaussianMixtureTarget::Component;

// Score and log-density of q_t at x in long double: per component C_i = alpha^2 Sigma_i +
// sigma^2 I, its Cholesky factor, y_i = C_i^{-1} (x - alpha mu_i), log-sum-exp.
void reference(const GaussianMixtureTarget& g, double alpha, double sigma2, const Vector& x,
               LVector& score, long double& log_q) {
  const Index K = g.components(), d = g.dim();
  const LVector xl = x.cast<long double>();
  std::vector<LVector> y(static_cast<std::size_t>(K));
  LVector l(K);
  for (Index i = 0; i < K; ++i) {
    const LMatrix C = (long double)alpha * alpha * g.covariance(i).cast<long double>() +
                      (long double)sigma2 * LMatrix::Identity(d, d);
    const Eigen::LLT<LMatrix> llt(C);
    const LVector diff = xl - (long double)alpha * g.mean(i).cast<long double>();
    y[static_cast<std::size_t>(i)] = llt.solve(diff);
    long double logdet = 0;
    for (Index k = 0; k < d; ++k) logdet += 2 * std::log(llt.matrixL()(k, k));
    l(i) = std::log((long double)g.weights()(i)) -
           0.5L * (d * std::log(2 * 3.14159265358979323846L) + logdet) -
           0.5L * diff.dot(y[static_cast<std::size_t>(i)]);
  }
  const long double mx = l.maxCoeff();
  const LVector e = (l.array() - mx).exp().matrix();
  log_q = mx + std::log(e.sum());
  score = LVector::Zero(d);
  for (Index i = 0; i < K; ++i) score -= (e(i) / e.sum()) * y[static_cast<std::size_t>(i)];
}

// Largest relative error of the score (in norm) and of log q_t over the columns of X; returns
// also how many particles took the difference form.
struct Errors {
  double score = 0, log_q = 0;
  Index fallbacks = 0;
};
Errors errors(const GaussianMixtureTarget& g, double alpha, double sigma2, const Matrix& X) {
  Matrix S(X.rows(), X.cols());
  Vector L(X.cols());
  Errors e;
  e.fallbacks = g.noised_score_counted(alpha, sigma2, X, S);
  g.noised_log_density(alpha, sigma2, X, L);
  for (Index j = 0; j < X.cols(); ++j) {
    LVector s;
    long double lq;
    reference(g, alpha, sigma2, X.col(j), s, lq);
    EXPECT_TRUE(S.col(j).allFinite()) << "column " << j;
    e.score = std::max(e.score, static_cast<double>((S.col(j).cast<long double>() - s).norm() /
                                                    std::max(s.norm(), 1e-300L)));
    if (lq >= -std::numeric_limits<double>::max())
      e.log_q = std::max(e.log_q, static_cast<double>(std::abs(L(j) - lq) / std::abs(lq)));
    else
      EXPECT_EQ(L(j), -std::numeric_limits<double>::infinity()) << "column " << j;
  }
  return e;
}

// The benchmark's mixture scaled by `scale`: 16 isotropic components in d = 32, means
// scale * 2 sin(1 + 7i + 3k), variances 0.5 + 0.05 i.
GaussianMixtureTarget isotropic_mixture(double scale) {
  const Index d = 32, K = 16;
  std::vector<Component> comps(K);
  for (Index i = 0; i < K; ++i) {
    auto& c = comps[static_cast<std::size_t>(i)];
    c.mean.resize(d);
    for (Index k = 0; k < d; ++k) c.mean(k) = scale * 2.0 * std::sin(1.0 + 7.0 * i + 3.0 * k);
    c.variances = Vector::Constant(d, 0.5 + 0.05 * static_cast<double>(i));
  }
  return GaussianMixtureTarget(std::vector<double>(K, 1.0 / K), comps);
}

// Three components in d = 13: full, diagonal, full; means scaled by `scale`.
GaussianMixtureTarget full_mixture(double scale) {
  const Index d = 13;
  std::vector<Component> comps(3);
  for (Index i = 0; i < 3; ++i) {
    auto& c = comps[static_cast<std::size_t>(i)];
    c.mean.resize(d);
    for (Index k = 0; k < d; ++k) c.mean(k) = scale * std::cos(2.0 + 5.0 * i + 1.7 * k);
    if (i == 1) {
      c.variances = (Vector::LinSpaced(d, 0.3, 1.5));
    } else {
      Matrix B(d, d);
      for (Index r = 0; r < d; ++r)
        for (Index k = 0; k < d; ++k) B(r, k) = std::sin(1.0 + r + 3.0 * k + i);
      c.cov = B * B.transpose() / d + 0.2 * Matrix::Identity(d, d);
      c.diagonal = false;
    }
  }
  return GaussianMixtureTarget({0.3, 0.3, 0.4}, comps);
}

// n exact samples of q_t (alpha X_0 + sigma Z), or particles within `radius` of the noised
// means alpha mu_i.
Matrix typical_points(const GaussianMixtureTarget& g, double alpha, double sigma2, Index n) {
  Matrix X = alpha * g.sample(n, CounterRng(3));
  Matrix Z(g.dim(), n);
  CounterRng(4).fill_normal(Z, RngUse::kMonteCarlo, 0, 0);
  return X + std::sqrt(sigma2) * Z;
}
Matrix near_points(const GaussianMixtureTarget& g, double alpha, Index n, double radius) {
  Matrix Z(g.dim(), n);
  CounterRng(5).fill_normal(Z, RngUse::kMonteCarlo, 0, 0);
  for (Index j = 0; j < n; ++j) Z.col(j) = alpha * g.mean(j % g.components()) + radius * Z.col(j);
  return Z;
}

TEST(MixtureScoreAccuracy, TypicalParticlesUseTheExpansionAndStayAccurate) {
  for (const double alpha : {0.05, 0.5, 0.999}) {
    const double sigma2 = 1 - alpha * alpha;
    for (const auto& g : {isotropic_mixture(1.0), full_mixture(1.0)}) {
      const Index n = 300;
      const Errors e = errors(g, alpha, sigma2, typical_points(g, alpha, sigma2, n));
      EXPECT_LT(e.fallbacks, n / 2) << "d=" << g.dim() << " alpha=" << alpha;
      EXPECT_LT(e.score, 1e-11) << "d=" << g.dim() << " alpha=" << alpha;
      EXPECT_LT(e.log_q, 1e-12) << "d=" << g.dim() << " alpha=" << alpha;
    }
  }
}

TEST(MixtureScoreAccuracy, ParticlesNearFarMeansTakeTheDifferenceForm) {
  // Means at |mu| ~ 1e4 and particles 1e-3 away: the expansion's cancellation would leave
  // relative errors near eps |x|^2 / |x - alpha mu|^2 ~ 1e-2.
  const double alpha = 0.999, sigma2 = 1 - alpha * alpha;
  for (const auto& g : {isotropic_mixture(1e4), full_mixture(1e4)}) {
    const Index n = 64;
    const Errors e = errors(g, alpha, sigma2, near_points(g, alpha, n, 1e-3));
    EXPECT_EQ(e.fallbacks, n) << "d=" << g.dim();
    EXPECT_LT(e.score, 1e-12) << "d=" << g.dim();
    EXPECT_LT(e.log_q, 1e-12) << "d=" << g.dim();
  }
}

TEST(MixtureScoreAccuracy, FarParticlesStayFiniteAndAccurate) {
  for (const auto& g : {isotropic_mixture(1.0), full_mixture(1.0)}) {
    for (const double scale : {1e3, 1e100, 1e160, 1e200, 1e300}) {
      for (const double alpha : {0.3, 1.0}) {
        const double sigma2 = alpha == 1.0 ? 0.0 : 1 - alpha * alpha;
        Matrix X(g.dim(), 40);
        CounterRng(6).fill_normal(X, RngUse::kMonteCarlo, 0, 0);
        X *= scale / std::sqrt(static_cast<double>(g.dim()));
        const Errors e = errors(g, alpha, sigma2, X);
        EXPECT_LT(e.score, 1e-12) << "d=" << g.dim() << " |x| ~ " << scale;
        EXPECT_LT(e.log_q, 1e-12) << "d=" << g.dim() << " |x| ~ " << scale;
      }
    }
  }
}

}  // namespace
}  // namespace difflab
