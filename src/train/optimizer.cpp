// OptimizerOptions (validation, JSON), the shared OptimizerBase, the factory and the EMA.
#include "difflab/train/optimizer.hpp"

#include <cmath>
#include <set>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/train/gradient_clipping.hpp"
#include "difflab/train/learning_rate_schedule.hpp"
#include "train/optimizer_base.hpp"
#include "train/parameter_sweep.hpp"

namespace difflab {

namespace {

const char* const kValidKinds = "sgd, adam, adamw, sgld, tusla";
const char* const kValidDecays = "none, cosine, exponential";

bool is_kind(const std::string& k) {
  return k == "sgd" || k == "adam" || k == "adamw" || k == "sgld" || k == "tusla";
}

void require_unit_interval(double v, const char* field) {
  require(v >= 0 && v < 1, "optimizer.", field, " must be in [0, 1), got ", v);
}

}  // namespace

void OptimizerOptions::validate() const {
  require(is_kind(kind), "optimizer.kind: unknown optimizer '", kind, "' (valid: ", kValidKinds,
          ")");
  require(std::isfinite(lr) && lr > 0, "optimizer.lr must be > 0 and finite, got ", lr);
  require_unit_interval(momentum, "momentum");
  require_unit_interval(beta1, "beta1");
  require_unit_interval(beta2, "beta2");
  require(std::isfinite(eps) && eps > 0, "optimizer.eps must be > 0 and finite, got ", eps);
  require(std::isfinite(weight_decay) && weight_decay >= 0,
          "optimizer.weight_decay must be >= 0 and finite, got ", weight_decay);
  require(std::isfinite(inverse_temperature) && inverse_temperature > 0,
          "optimizer.inverse_temperature must be > 0 and finite, got ", inverse_temperature);
  require(std::isfinite(tusla_r) && tusla_r >= 0, "optimizer.tusla_r must be >= 0 and finite, got ",
          tusla_r);
  require(warmup_steps >= 0, "optimizer.warmup_steps must be >= 0, got ", warmup_steps);
  require(decay == "none" || decay == "cosine" || decay == "exponential",
          "optimizer.decay: unknown decay '", decay, "' (valid: ", kValidDecays, ")");
  require(decay_steps >= 0, "optimizer.decay_steps must be >= 0, got ", decay_steps);
  require(decay == "none" || decay_steps > 0, "optimizer.decay_steps must be > 0 for decay '",
          decay, "', got ", decay_steps);
  require(final_lr_fraction >= 0 && final_lr_fraction <= 1,
          "optimizer.final_lr_fraction must be in [0, 1], got ", final_lr_fraction);
  require(std::isfinite(clip_norm) && clip_norm >= 0,
          "optimizer.clip_norm must be >= 0 and finite (0 = off), got ", clip_norm);
}

nlohmann::json OptimizerOptions::to_json() const {
  return {{"kind", kind},
          {"lr", lr},
          {"momentum", momentum},
          {"beta1", beta1},
          {"beta2", beta2},
          {"eps", eps},
          {"weight_decay", weight_decay},
          {"inverse_temperature", inverse_temperature},
          {"tusla_r", tusla_r},
          {"warmup_steps", warmup_steps},
          {"decay", decay},
          {"decay_steps", decay_steps},
          {"final_lr_fraction", final_lr_fraction},
          {"clip_norm", clip_norm},
          {"seed", seed}};
}

OptimizerOptions OptimizerOptions::from_json(const nlohmann::json& j) {
  namespace ju = json_util;
  const std::string where = "optimizer";
  require(j.is_object(), where, ": expected a JSON object");
  ju::only_keys(
      j,
      {"kind", "lr", "momentum", "beta1", "beta2", "eps", "weight_decay", "inverse_temperature",
       "tusla_r", "warmup_steps", "decay", "decay_steps", "final_lr_fraction", "clip_norm", "seed"},
      where);
  OptimizerOptions o;
  if (j.contains("kind")) o.kind = ju::string(j["kind"], where + ".kind");
  require(is_kind(o.kind), "optimizer.kind: unknown optimizer '", o.kind, "' (valid: ", kValidKinds,
          ")");
  o.lr = ju::number_or(j, "lr", o.lr, where);
  o.momentum = ju::number_or(j, "momentum", o.momentum, where);
  o.beta1 = ju::number_or(j, "beta1", o.beta1, where);
  o.beta2 = ju::number_or(j, "beta2", o.beta2, where);
  o.eps = ju::number_or(j, "eps", o.eps, where);
  o.weight_decay = ju::number_or(j, "weight_decay", o.weight_decay, where);
  o.inverse_temperature = ju::number_or(j, "inverse_temperature", o.inverse_temperature, where);
  o.tusla_r = ju::number_or(j, "tusla_r", o.tusla_r, where);
  if (j.contains("warmup_steps"))
    o.warmup_steps = ju::integer(j["warmup_steps"], where + ".warmup_steps");
  if (j.contains("decay")) o.decay = ju::string(j["decay"], where + ".decay");
  if (j.contains("decay_steps"))
    o.decay_steps = ju::integer(j["decay_steps"], where + ".decay_steps");
  o.final_lr_fraction = ju::number_or(j, "final_lr_fraction", o.final_lr_fraction, where);
  o.clip_norm = ju::number_or(j, "clip_norm", o.clip_norm, where);
  if (j.contains("seed")) {
    const auto& s = j["seed"];
    require(s.is_number_unsigned() || (s.is_number_integer() && s.get<std::int64_t>() >= 0), where,
            ".seed: expected a non-negative integer, got ", s.dump());
    o.seed = s.get<std::uint64_t>();
  }
  o.validate();
  return o;
}

namespace detail {

OptimizerBase::OptimizerBase(const OptimizerOptions& options, Index n_params, int n_buffers)
    : options_(options), n_(n_params), buffers_(n_buffers, Vector::Zero(n_params)), g_(n_params) {}

double OptimizerBase::current_lr() const { return scheduled_learning_rate(options_, steps_); }

void OptimizerBase::step(Eigen::Ref<Vector> params, const Vector& grad) {
  require(params.size() == n_, "optimizer: parameter vector has ", params.size(),
          " entries, expected ", n_);
  require(grad.size() == n_, "optimizer: gradient has ", grad.size(), " entries, expected ", n_);
  require(all_finite(grad), "optimizer: gradient has a non-finite entry at step ", steps_);
  const bool coupled_decay =
      options_.kind == "sgd" || options_.kind == "adam" || options_.kind == "sgld";
  const bool clip = options_.clip_norm > 0, decay = coupled_decay && options_.weight_decay > 0;
  // The gradient is copied only when clipping or weight decay change it: a copy is a pass over
  // every parameter, a few percent of a training step.
  if (clip || decay) {
    g_ = grad;
    if (clip) clip_gradient_norm(g_, options_.clip_norm);
    if (decay) g_ += options_.weight_decay * params;
  }
  update(params, clip || decay ? g_ : grad, scheduled_learning_rate(options_, steps_), steps_);
  ++steps_;
}

void OptimizerBase::load_state(std::int64_t steps_taken, const std::vector<Vector>& buffers) {
  require(steps_taken >= 0, "optimizer state: steps_taken must be >= 0, got ", steps_taken);
  require(buffers.size() == buffers_.size(), "optimizer state: ", options_.kind, " expects ",
          buffers_.size(), " buffers, got ", buffers.size());
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    require(buffers[i].size() == n_, "optimizer state: buffer ", i, " has ", buffers[i].size(),
            " entries, expected ", n_);
    require(buffers[i].allFinite(), "optimizer state: buffer ", i, " has a non-finite entry");
  }
  buffers_ = buffers;
  steps_ = steps_taken;
}

}  // namespace detail

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options, Index n_params) {
  options.validate();
  require(n_params > 0, "optimizer: number of parameters must be > 0, got ", n_params);
  if (options.kind == "sgd") return detail::make_sgd(options, n_params);
  if (options.kind == "adam" || options.kind == "adamw")
    return detail::make_adam(options, n_params);
  if (options.kind == "sgld") return detail::make_sgld(options, n_params);
  return detail::make_tusla(options, n_params);
}

ExponentialMovingAverage::ExponentialMovingAverage(double decay, const Vector& initial)
    : decay_(decay), value_(initial) {
  require(decay >= 0 && decay < 1, "ema: decay must be in [0, 1), got ", decay);
  require(initial.allFinite(), "ema: initial value has a non-finite entry");
}

void ExponentialMovingAverage::update(const Vector& params) { update(decay_, params); }

void ExponentialMovingAverage::update(double decay, const Vector& params) {
  require(decay >= 0 && decay < 1, "ema: decay must be in [0, 1), got ", decay);
  require(params.size() == value_.size(), "ema: parameter vector has ", params.size(),
          " entries, expected ", value_.size());
  // In place, one sweep (parameter_sweep.hpp): no temporary, the same bits as whole vectors.
  detail::sweep_blocks(value_.size(), [&](Index begin, Index count) {
    auto v = value_.segment(begin, count);
    v = decay * v + (1.0 - decay) * params.segment(begin, count);
  });
}

void ExponentialMovingAverage::set_value(const Vector& value) {
  require(value.size() == value_.size(), "ema: value has ", value.size(), " entries, expected ",
          value_.size());
  value_ = value;
}

}  // namespace difflab
