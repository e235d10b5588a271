// The Langevin optimizers: SGLD and TUSLA, and their Gaussian noise.
//
// SGLD (Welling & Teh, ICML 2011, eq. (4) with step lr = epsilon/2, and the inverse temperature
// beta of the Bruno et al. code, docs/theory.md 4.3):
//   theta <- theta - lr g + sqrt(2 lr / beta) xi.
// TUSLA (Lovas, Lytras, Rasonyi, Sabanis, "Taming neural networks with TUSLA", arXiv
// 2006.14514; analysed further by Lim, Neufeld, Sabanis, Zhang, arXiv 2107.08649). The paper's
// own equation was not available to us: the form below is that of a public PyTorch TUSLA
// optimizer, and it has the taming factor 1 + sqrt(lr) |theta|^{2r} and the regularisation term
// that our task brief names. Verify against the paper before quoting it:
//   theta <- theta - lr H_lr(theta, g) + sqrt(2 lr / beta) xi,
//   H_lr(theta, g) = (g + eta theta |theta|^{2r}) / (1 + sqrt(lr) |theta|^{2r}),
// where eta theta |theta|^{2r} is the gradient of the regulariser eta |theta|^{2r+2} / (2r+2)
// that makes the tamed objective dissipative, |.| is the Euclidean norm of the whole parameter
// vector, r = tusla_r and eta = weight_decay. The taming factor is evaluated at theta before
// the step.
#include <algorithm>
#include <cmath>

#include "difflab/core/rng.hpp"
#include "train/optimizer_base.hpp"

namespace difflab::detail {

void add_langevin_noise(Eigen::Ref<Vector> params, double scale, std::uint64_t seed,
                        std::int64_t step) {
  if (scale == 0) return;
  const Index n = params.size();
  Vector xi(std::min(n, kNoiseBlock));
  for (Index begin = 0, b = 0; begin < n; begin += kNoiseBlock, ++b) {
    const Index count = std::min(kNoiseBlock, n - begin);
    RngStream stream(seed, RngUse::kTraining, kNoiseParticleBase + static_cast<std::uint64_t>(b),
                     static_cast<std::uint64_t>(step));
    stream.fill_normal(xi.data(), count);
    params.segment(begin, count) += scale * xi.head(count);
  }
}

namespace {

class Sgld final : public OptimizerBase {
 public:
  Sgld(const OptimizerOptions& options, Index n) : OptimizerBase(options, n, 0) {}

 protected:
  void update(Eigen::Ref<Vector> params, const Vector& g, double lr, std::int64_t step) override {
    params -= lr * g;
    add_langevin_noise(params, std::sqrt(2.0 * lr / options_.inverse_temperature), options_.seed,
                       step);
  }
};

class Tusla final : public OptimizerBase {
 public:
  Tusla(const OptimizerOptions& options, Index n) : OptimizerBase(options, n, 0) {}

 protected:
  void update(Eigen::Ref<Vector> params, const Vector& g, double lr, std::int64_t step) override {
    const double norm_2r = std::pow(params.norm(), 2.0 * options_.tusla_r);
    const double taming = 1.0 + std::sqrt(lr) * norm_2r;
    params -= (lr / taming) * (g + (options_.weight_decay * norm_2r) * params);
    add_langevin_noise(params, std::sqrt(2.0 * lr / options_.inverse_temperature), options_.seed,
                       step);
  }
};

}  // namespace

std::unique_ptr<Optimizer> make_sgld(const OptimizerOptions& options, Index n_params) {
  return std::make_unique<Sgld>(options, n_params);
}

std::unique_ptr<Optimizer> make_tusla(const OptimizerOptions& options, Index n_params) {
  return std::make_unique<Tusla>(options, n_params);
}

}  // namespace difflab::detail
