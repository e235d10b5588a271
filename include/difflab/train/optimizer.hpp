#pragma once
// Stochastic optimizers over one flat vector of parameters (double master copy; a model that
// computes in float converts per step). One interface for SGD with momentum, Adam, AdamW,
// SGLD and TUSLA, with learning-rate warm-up/decay, gradient clipping and the optimizer state
// that a checkpoint must carry for a bit-identical resume.
//
// Randomness (SGLD/TUSLA noise) comes from the counter-based generator keyed by (seed,
// RngUse::kTraining, parameter block, step), so a resumed run draws the same noise as an
// uninterrupted one. (Implementation note: noise block b of Index 1024 entries uses particle index
// 2^62 + b within RngUse::kTraining, stream step = the optimizer step; trainers should keep their
// own kTraining particle indices below 2^62.) The learning-rate schedule and gradient clipping
// are also available as free functions: learning_rate_schedule.hpp, gradient_clipping.hpp.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/types.hpp"

namespace difflab {

struct OptimizerOptions {
  std::string kind = "adam";         // sgd | adam | adamw | sgld | tusla
  double lr = 1e-3;                  // base learning rate (step size lambda for SGLD/TUSLA), > 0
  double momentum = 0.0;             // sgd: heavy-ball momentum in [0, 1)
  double beta1 = 0.9;                // adam/adamw: first-moment decay in [0, 1)
  double beta2 = 0.999;              // adam/adamw: second-moment decay in [0, 1)
  double eps = 1e-8;                 // adam/adamw: denominator guard, > 0
  double weight_decay = 0.0;         // sgd/adam: L2 added to the gradient; adamw: decoupled; >= 0
                                     // (sgld: L2 added to the gradient; tusla: the eta of the
                                     // regulariser eta theta |theta|^{2r}, see langevin.cpp)
  double inverse_temperature = 1e8;  // sgld/tusla: beta of the Langevin noise sqrt(2 lr/beta)
  double tusla_r = 0.5;              // tusla: taming exponent r of |theta|^{2r}, >= 0
  std::int64_t warmup_steps = 0;     // linear warm-up from 0 to lr over this many steps
  std::string decay = "none";        // none | cosine | exponential (after warm-up)
  std::int64_t decay_steps = 0;      // horizon of the decay (cosine) / e-folding steps (exp.)
  double final_lr_fraction = 0.0;    // cosine: lr floor as a fraction of lr, in [0, 1]
  double clip_norm = 0.0;            // clip the gradient's 2-norm to this; 0 = off
  std::uint64_t seed = 0;            // noise of sgld/tusla

  // Throws difflab::Error naming the first invalid field.
  void validate() const;
  nlohmann::json to_json() const;
  static OptimizerOptions from_json(const nlohmann::json& j);
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of params from the gradient grad (same size) taken at params. Applies
  // clipping, the learning-rate schedule and weight decay as the options say.
  virtual void step(Eigen::Ref<Vector> params, const Vector& grad) = 0;
  // Steps taken so far (the next step's index).
  virtual std::int64_t steps_taken() const = 0;
  // The learning rate the next step will use.
  virtual double current_lr() const = 0;
  // Everything needed to continue bit-identically: the step count and the moment buffers.
  virtual std::vector<Vector> state_buffers() const = 0;
  virtual void load_state(std::int64_t steps_taken, const std::vector<Vector>& buffers) = 0;
  virtual const OptimizerOptions& options() const = 0;
};

// Validates the options; n_params > 0.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options, Index n_params);

// Exponential moving average of the parameters: ema <- decay ema + (1 - decay) params.
class ExponentialMovingAverage {
 public:
  // decay in [0, 1).
  ExponentialMovingAverage(double decay, const Vector& initial);
  void update(const Vector& params);
  // The same with this step's decay in place of decay() (a trainer's warm-up), in place.
  void update(double decay, const Vector& params);
  const Vector& value() const { return value_; }
  double decay() const { return decay_; }
  void set_value(const Vector& value);

 private:
  double decay_;
  Vector value_;
};

}  // namespace difflab
