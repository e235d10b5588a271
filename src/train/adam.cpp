// Adam (Kingma & Ba, arXiv 1412.6980, Algorithm 1) and AdamW (Loshchilov & Hutter, arXiv
// 1711.05101, Algorithm 2, decoupled weight decay), with eps added to sqrt(v_hat) as in
// Algorithm 1 and PyTorch:
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  t = step + 1,
//   theta <- theta - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
// adam:  weight decay is coupled (g += wd theta, in OptimizerBase::step);
// adamw: theta <- (1 - lr wd) theta before the Adam step (the schedule multiplier eta_t of
//        Algorithm 2 is folded into lr, as in PyTorch's AdamW).
#include <cmath>

#include "train/optimizer_base.hpp"
#include "train/parameter_sweep.hpp"

namespace difflab::detail {

namespace {

class Adam final : public OptimizerBase {
 public:
  Adam(const OptimizerOptions& options, Index n) : OptimizerBase(options, n, 2) {}

 protected:
  void update(Eigen::Ref<Vector> params, const Vector& g, double lr, std::int64_t step) override {
    const double b1 = options_.beta1, b2 = options_.beta2;
    const double t = static_cast<double>(step + 1);
    const double bc1 = 1.0 - std::pow(b1, t);
    const double bc2 = 1.0 - std::pow(b2, t);
    const double decay = options_.kind == "adamw" && options_.weight_decay > 0
                             ? 1.0 - lr * options_.weight_decay
                             : 1.0;
    // One sweep over the parameters (parameter_sweep.hpp) instead of one pass over all of them
    // per line: each coefficient is computed by the same expression, so the bits are the same.
    sweep_blocks(n_, [&](Index begin, Index count) {
      auto m = buffers_[0].segment(begin, count).array();
      auto v = buffers_[1].segment(begin, count).array();
      auto p = params.segment(begin, count).array();
      const auto gb = g.segment(begin, count).array();
      m = b1 * m + (1.0 - b1) * gb;
      v = b2 * v + (1.0 - b2) * (gb * gb);
      if (decay != 1.0) p *= decay;
      p -= lr * (m / bc1) / ((v / bc2).sqrt() + options_.eps);
    });
  }
};

}  // namespace

std::unique_ptr<Optimizer> make_adam(const OptimizerOptions& options, Index n_params) {
  return std::make_unique<Adam>(options, n_params);
}

}  // namespace difflab::detail
