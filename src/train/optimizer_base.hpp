#pragma once
// Private to src/train: the part every Optimizer shares (step counting, gradient checks,
// clipping, the learning-rate schedule, coupled weight decay, the state buffers) and the
// factories of the concrete optimizers (sgd.cpp, adam.cpp, langevin.cpp).
#include <cstdint>
#include <memory>
#include <vector>

#include "difflab/train/optimizer.hpp"

namespace difflab::detail {

class OptimizerBase : public Optimizer {
 public:
  // options must pass validate(); n_params > 0; n_buffers moment buffers of n_params zeros.
  OptimizerBase(const OptimizerOptions& options, Index n_params, int n_buffers);

  // Checks sizes and finiteness, clips, applies coupled weight decay (sgd, adam, sgld: g += wd
  // theta; adamw decays in update(); tusla uses weight_decay as its eta), then update().
  void step(Eigen::Ref<Vector> params, const Vector& grad) final;
  std::int64_t steps_taken() const final { return steps_; }
  double current_lr() const final;
  std::vector<Vector> state_buffers() const final { return buffers_; }
  void load_state(std::int64_t steps_taken, const std::vector<Vector>& buffers) final;
  const OptimizerOptions& options() const final { return options_; }

 protected:
  // One update with the prepared gradient g, learning rate lr of this step and its index.
  virtual void update(Eigen::Ref<Vector> params, const Vector& g, double lr, std::int64_t step) = 0;

  OptimizerOptions options_;
  Index n_;
  std::vector<Vector> buffers_;

 private:
  std::int64_t steps_ = 0;
  Vector g_;  // scratch: the gradient after clipping and weight decay
};

// Parameter-block size for the Langevin noise: block b covers entries [b B, (b + 1) B).
inline constexpr Index kNoiseBlock = 1024;
// Particle index of noise block b within RngUse::kTraining: kNoiseParticleBase + b. The base
// keeps optimizer noise clear of the per-sample indices a trainer uses under the same use.
inline constexpr std::uint64_t kNoiseParticleBase = std::uint64_t{1} << 62;

// params += scale xi, xi ~ N(0, I): block b from RngStream(seed, kTraining,
// kNoiseParticleBase + b, step), so the noise of a step depends only on (seed, step).
void add_langevin_noise(Eigen::Ref<Vector> params, double scale, std::uint64_t seed,
                        std::int64_t step);

std::unique_ptr<Optimizer> make_sgd(const OptimizerOptions& options, Index n_params);
std::unique_ptr<Optimizer> make_adam(const OptimizerOptions& options, Index n_params);
std::unique_ptr<Optimizer> make_sgld(const OptimizerOptions& options, Index n_params);
std::unique_ptr<Optimizer> make_tusla(const OptimizerOptions& options, Index n_params);

}  // namespace difflab::detail
