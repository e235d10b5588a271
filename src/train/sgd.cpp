// SGD with heavy-ball momentum (Polyak 1964), in the form of PyTorch's torch.optim.SGD
// (dampening 0, no Nesterov): b <- momentum b + g, theta <- theta - lr b, b_0 = 0. With
// momentum 0 this is plain SGD.
#include "train/optimizer_base.hpp"

namespace difflab::detail {

namespace {

class Sgd final : public OptimizerBase {
 public:
  Sgd(const OptimizerOptions& options, Index n) : OptimizerBase(options, n, 1) {}

 protected:
  void update(Eigen::Ref<Vector> params, const Vector& g, double lr, std::int64_t) override {
    Vector& b = buffers_[0];
    b = options_.momentum * b + g;
    params -= lr * b;
  }
};

}  // namespace

std::unique_ptr<Optimizer> make_sgd(const OptimizerOptions& options, Index n_params) {
  return std::make_unique<Sgd>(options, n_params);
}

}  // namespace difflab::detail
