// Training of the Gaussian-mean example (docs/theory.md 4.3): theta of s_theta(t, x) = -x + e^{-t}
// theta by minibatch DSM with any Optimizer.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/train/gaussian_mean_example.hpp"

namespace difflab {

GaussianMeanTraining train_gaussian_mean(const GaussianMeanExampleOptions& options) {
  options.validate();
  const Vector mu = options.resolved_mu();
  const Index d = options.d, M = options.samples, B = options.batch;
  const double T = options.T, eps = options.eps;
  const std::uint64_t seed = options.seed;

  // Data X_0 ~ N(mu, I): column j is sample j, drawn by index (kTargetSample).
  const CounterRng rng(seed);
  Matrix X0(d, M);
  rng.fill_normal(X0, RngUse::kTargetSample, 0, 0);
  X0.colwise() += mu;

  OptimizerOptions oo = options.optimizer;
  oo.seed = seed;  // optimizer noise: kTraining, particles >= 2^62 (optimizer.hpp)
  auto optimizer = make_optimizer(oo, d);

  GaussianMeanTraining out;
  out.steps_per_epoch = (M + B - 1) / B;
  out.theta_history.reserve(static_cast<std::size_t>(options.epochs));
  out.loss_history.reserve(static_cast<std::size_t>(options.epochs));

  Vector theta = Vector::Zero(d);  // the authors' initial value
  std::vector<Index> perm(static_cast<std::size_t>(M));
  std::vector<std::uint64_t> key(static_cast<std::size_t>(M));
  Vector grad(d), z(d), r(d);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    // A fresh random permutation per epoch (the authors' shuffling DataLoader): sort the indices
    // by Philox bits keyed (seed, kTraining, sample j, epoch), ties broken by index.
    for (Index j = 0; j < M; ++j)
      key[static_cast<std::size_t>(j)] =
          RngStream(seed, RngUse::kTraining, static_cast<std::uint64_t>(j),
                    static_cast<std::uint64_t>(epoch))
              .bits();
    std::iota(perm.begin(), perm.end(), Index{0});
    std::sort(perm.begin(), perm.end(), [&](Index a, Index b) {
      const auto ka = key[static_cast<std::size_t>(a)], kb = key[static_cast<std::size_t>(b)];
      return ka != kb ? ka < kb : a < b;
    });

    double loss_sum = 0;
    for (Index begin = 0; begin < M; begin += B) {
      const Index count = std::min(B, M - begin);
      grad.setZero();
      for (Index i = 0; i < count; ++i) {
        const Index j = perm[static_cast<std::size_t>(begin + i)];
        // tau ~ Unif[eps, T] and Z ~ N(0, I) of sample j in this epoch (kForwardNoise).
        RngStream s(seed, RngUse::kForwardNoise, static_cast<std::uint64_t>(j),
                    static_cast<std::uint64_t>(epoch));
        const double tau = eps + (T - eps) * s.uniform();
        for (Index k = 0; k < d; ++k) z(k) = s.normal();
        const double e = std::exp(-tau);
        const double sigma = std::sqrt(-std::expm1(-2 * tau));
        // docs/theory.md 4.3: with X_tau = e^{-tau} X_0 + sigma Z, the per-sample residual
        // Z + sigma s_theta(tau, X_tau) = e^{-2tau} Z + sigma e^{-tau} (theta - X_0), its loss
        // ||r||^2 and its gradient in theta 2 sigma e^{-tau} r.
        r = (e * e) * z + (sigma * e) * (theta - X0.col(j));
        loss_sum += r.squaredNorm();
        grad += (2 * sigma * e) * r;
      }
      grad /= static_cast<double>(count);
      optimizer->step(theta, grad);
    }
    out.theta_history.push_back(theta);
    out.loss_history.push_back(loss_sum / static_cast<double>(M));
  }
  return out;
}

}  // namespace difflab
