#include "difflab/apps/gmm_learning.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <vector>

#include "difflab/apps/goe.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab::apps {

void GmmLearnOptions::validate() const {
  require(d >= 1, "option 'd' must be >= 1, got ", d);
  require(K >= 2 && K <= 8 && K <= std::max<Index>(d, 2) && (K == 2 || K <= d),
          "option 'k' must lie in [2, min(d, 8)], got ", K);
  require(n >= 2, "option 'n' must be >= 2, got ", n);
  require(std::isfinite(radius) && radius > 0, "option 'radius' must be > 0, got ", radius);
  require(init == "random" || init == "warm", "option 'init' must be 'random' or 'warm', got '",
          init, "'");
  require(std::isfinite(init_scale) && init_scale > 0, "init scale must be > 0");
  require(std::isfinite(warm_radius) && warm_radius >= 0, "warm radius must be >= 0");
  require(std::isfinite(t_large) && std::isfinite(t_small) && t_small > 0,
          "noise levels must be finite and t_small > 0");
  require(stage1_t() > 0, "stage-1 noise level must be > 0");
  require(steps_large >= 0 && steps_small >= 0 && em_iterations >= 0, "step counts must be >= 0");
  require(std::isfinite(lr_large) && lr_large > 0 && std::isfinite(lr_small) && lr_small > 0,
          "learning rates must be > 0");
}

double GmmLearnOptions::stage1_t() const {
  return t_large < 0 ? std::log(static_cast<double>(std::max<Index>(d, 2))) : t_large;
}

Matrix gmm_true_means(const GmmLearnOptions& o) {
  Matrix mu = Matrix::Zero(o.d, o.K);
  if (o.K == 2) {
    mu(0, 0) = o.radius;
    mu(0, 1) = -o.radius;
  } else {
    for (Index i = 0; i < o.K; ++i) mu(i, i) = std::sqrt(2.0) * o.radius;
  }
  return mu;
}

Matrix gmm_data(const GmmLearnOptions& o, const Matrix& means) {
  const CounterRng rng(o.seed);
  Matrix X(o.d, o.n);
  for (Index j = 0; j < o.n; ++j) {
    RngStream s = rng.stream(kUseGmmData, static_cast<std::uint64_t>(j), 0);
    const auto c = static_cast<Index>(s.bits() % static_cast<std::uint64_t>(o.K));
    for (Index i = 0; i < o.d; ++i) X(i, j) = means(i, c) + s.normal();
  }
  return X;
}

Matrix gmm_initial_means(const GmmLearnOptions& o, const Matrix& means) {
  const CounterRng rng(o.seed);
  Matrix mu(o.d, o.K);
  for (Index k = 0; k < o.K; ++k) {
    RngStream s = rng.stream(kUseGmmData, static_cast<std::uint64_t>(k), 1);
    Vector g(o.d);
    s.fill_normal(g.data(), o.d);
    if (o.init == "random") {
      mu.col(k) = o.init_scale * g;
    } else {
      mu.col(k) = means.col(k) + o.warm_radius * g / g.norm();
    }
  }
  return mu;
}

namespace {

// Large blocks: a GD step is cheap, and fine-grained parallel regions cost more than they save.
constexpr Index kBlock = 16384;

// Per-sample loss and (optionally) gradient contribution; see the header for the formula.
double sample_term(const Matrix& m, const Vector& x0, const Vector& z, double a, double sigma,
                   Matrix* grad, Vector& xt, Vector& logits, Vector& mbar, Vector& r) {
  const Index K = m.cols();
  xt = a * x0 + sigma * z;
  for (Index i = 0; i < K; ++i) logits(i) = xt.dot(m.col(i)) - 0.5 * m.col(i).squaredNorm();
  const double mx = logits.maxCoeff();
  double sum = 0;
  for (Index i = 0; i < K; ++i) sum += (logits(i) = std::exp(logits(i) - mx));
  logits /= sum;  // now the weights w
  mbar = m * logits;
  r = mbar - xt + z / sigma;
  if (grad) {
    for (Index j = 0; j < K; ++j) {
      const double c = (m.col(j) - mbar).dot(r);
      grad->col(j) += 2.0 * a * logits(j) * (r + c * (xt - m.col(j)));
    }
  }
  return r.squaredNorm();
}

double loss_and_gradient(const Matrix& mu, const Matrix& X0, const Matrix& Z, double t,
                         Matrix* grad) {
  require(X0.rows() == mu.rows() && Z.rows() == X0.rows() && Z.cols() == X0.cols(),
          "gmm dsm: data, noise and means have inconsistent shapes");
  const double a = std::exp(-t);
  const double sigma = std::sqrt(-std::expm1(-2.0 * t));
  const Matrix m = a * mu;
  const Index n = X0.cols();
  const Index blocks = (n + kBlock - 1) / kBlock;
  std::vector<Matrix> grads(static_cast<std::size_t>(blocks));
  std::vector<double> losses(static_cast<std::size_t>(blocks), 0.0);
  parallel_blocks(n, kBlock, [&](Index first, Index count) {
    const auto b = static_cast<std::size_t>(first / kBlock);
    Matrix g = Matrix::Zero(mu.rows(), mu.cols());
    Vector x0(mu.rows()), z(mu.rows()), xt(mu.rows()), logits(mu.cols()), mbar(mu.rows()),
        r(mu.rows());
    double l = 0;
    for (Index j = first; j < first + count; ++j) {
      x0 = X0.col(j);
      z = Z.col(j);
      l += sample_term(m, x0, z, a, sigma, grad ? &g : nullptr, xt, logits, mbar, r);
    }
    grads[b] = std::move(g);
    losses[b] = l;
  });
  double loss = 0;
  if (grad) grad->setZero(mu.rows(), mu.cols());
  for (std::size_t b = 0; b < grads.size(); ++b) {
    loss += losses[b];
    if (grad) *grad += grads[b];
  }
  if (grad) *grad /= static_cast<double>(n);
  return loss / static_cast<double>(n);
}

}  // namespace

double gmm_dsm_loss(const Matrix& mu, const Matrix& X0, const Matrix& Z, double t) {
  return loss_and_gradient(mu, X0, Z, t, nullptr);
}

Matrix gmm_dsm_gradient(const Matrix& mu, const Matrix& X0, const Matrix& Z, double t) {
  Matrix g;
  loss_and_gradient(mu, X0, Z, t, &g);
  return g;
}

Matrix gmm_learn_gd(const Matrix& X0, const Matrix& init, const GmmLearnOptions& o) {
  o.validate();
  const CounterRng rng(o.seed);
  Matrix mu = init;
  Matrix Z(X0.rows(), X0.cols());
  std::uint64_t step = 0;
  const auto stage = [&](double t, int steps, double lr) {
    const double eta = lr * std::exp(2.0 * t);
    for (int k = 0; k < steps; ++k, ++step) {
      rng.fill_normal(Z, kUseGmmNoise, 0, step);  // column j from (seed, use, j, step)
      mu -= eta * gmm_dsm_gradient(mu, X0, Z, t);
    }
  };
  stage(o.stage1_t(), o.steps_large, o.lr_large);
  stage(o.t_small, o.steps_small, o.lr_small);
  return mu;
}

Matrix gmm_learn_em(const Matrix& X0, const Matrix& init, int iterations) {
  Matrix mu = init;
  const Index K = mu.cols(), d = mu.rows();
  Vector logits(K), x(d);
  for (int it = 0; it < iterations; ++it) {
    Matrix num = Matrix::Zero(d, K);
    Vector den = Vector::Zero(K);
    for (Index j = 0; j < X0.cols(); ++j) {
      x = X0.col(j);
      for (Index i = 0; i < K; ++i) logits(i) = x.dot(mu.col(i)) - 0.5 * mu.col(i).squaredNorm();
      const double mx = logits.maxCoeff();
      double sum = 0;
      for (Index i = 0; i < K; ++i) sum += (logits(i) = std::exp(logits(i) - mx));
      for (Index i = 0; i < K; ++i) {
        num.col(i) += (logits(i) / sum) * x;
        den(i) += logits(i) / sum;
      }
    }
    for (Index i = 0; i < K; ++i)
      if (den(i) > 0) mu.col(i) = num.col(i) / den(i);
  }
  return mu;
}

double gmm_mean_error(const Matrix& est, const Matrix& truth) {
  require(est.rows() == truth.rows() && est.cols() == truth.cols() && truth.cols() <= 8,
          "gmm mean error: shapes differ or K > 8");
  std::vector<Index> perm(static_cast<std::size_t>(truth.cols()));
  std::iota(perm.begin(), perm.end(), Index{0});
  double best = INFINITY;
  do {
    double s = 0;
    for (Index i = 0; i < truth.cols(); ++i)
      s += (est.col(perm[static_cast<std::size_t>(i)]) - truth.col(i)).squaredNorm();
    best = std::min(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return std::sqrt(best / static_cast<double>(truth.cols()));
}

nlohmann::json run_gmm_learn_app(const GmmLearnOptions& o) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const Matrix truth = gmm_true_means(o);
  const Matrix X0 = gmm_data(o, truth);
  const Matrix init = gmm_initial_means(o, truth);
  const Matrix gd = gmm_learn_gd(X0, init, o);
  const Matrix em = gmm_learn_em(X0, init, o.em_iterations);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double dd = static_cast<double>(o.d), nn = static_cast<double>(o.n);
  return nlohmann::json{
      {"app", "gmm-learn"},
      {"d", o.d},
      {"k", o.K},
      {"n", o.n},
      {"radius", o.radius},
      {"seed", o.seed},
      {"init", o.init},
      {"stage1", {{"t", o.stage1_t()}, {"steps", o.steps_large}, {"lr", o.lr_large}}},
      {"stage2", {{"t", o.t_small}, {"steps", o.steps_small}, {"lr", o.lr_small}}},
      {"em_iterations", o.em_iterations},
      {"gd_error", gmm_mean_error(gd, truth)},
      {"em_error", gmm_mean_error(em, truth)},
      {"init_error", gmm_mean_error(init, truth)},
      {"gd_em_distance", gmm_mean_error(gd, em)},
      {"sqrt_d_over_n", std::sqrt(dd / nn)},
      {"sqrt_dk_over_n", std::sqrt(dd * static_cast<double>(o.K) / nn)},
      {"wall_seconds", wall}};
}

}  // namespace difflab::apps
