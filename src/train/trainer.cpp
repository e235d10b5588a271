#include "difflab/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/memory_budget.hpp"
#include "train/parameter_sweep.hpp"

namespace difflab {

namespace {
// Fixed "steps" of the kTraining streams that are not optimizer steps (far above any run).
constexpr std::uint64_t kSplitStep = 1ull << 62;
constexpr std::uint64_t kValidationStep = (1ull << 62) + 1;

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

// ---------------------------------------------------------------- options

void TrainOptions::validate(const ForwardProcess& process) const {
  require(batch >= 1, "train: batch must be >= 1, got ", batch);
  require(iterations >= 0, "train: iters must be >= 0, got ", iterations);
  require(
      std::isfinite(validation_fraction) && validation_fraction >= 0 && validation_fraction <= 0.5,
      "train: validation_fraction must be in [0, 0.5], got ", validation_fraction);
  require(validation_samples >= 1, "train: validation_samples must be >= 1, got ",
          validation_samples);
  require(log_every >= 1, "train: validate_every (log_every) must be >= 1, got ", log_every);
  require(std::isfinite(ema_decay) && ema_decay >= 0 && ema_decay < 1,
          "train: ema must be in [0, 1), got ", ema_decay);
  require(error_samples >= 2, "train: error_samples must be >= 2, got ", error_samples);
  for (const double t : error_times)
    require(std::isfinite(t) && t > 0, "score-error time ", t, " must be finite and > 0");
  dsm.validate(process);
  optimizer.validate();
  MlpSpec m = model;
  if (m.dim == 0) m.dim = 1;  // dimension comes from the data
  m.validate();
}

nlohmann::json TrainOptions::to_json() const {
  return {{"model", model.to_json()},
          {"optimizer", optimizer.to_json()},
          {"dsm", dsm.to_json()},
          {"batch", batch},
          {"iterations", iterations},
          {"validation_fraction", validation_fraction},
          {"validation_samples", validation_samples},
          {"log_every", log_every},
          {"ema_decay", ema_decay},
          {"standardize", standardize},
          {"error_times", error_times},
          {"error_samples", error_samples},
          {"seed", seed}};
}

TrainOptions TrainOptions::from_json(const nlohmann::json& j, const std::string& where) {
  using namespace json_util;
  only_keys(j,
            {"model", "optimizer", "dsm", "batch", "iterations", "validation_fraction",
             "validation_samples", "log_every", "ema_decay", "standardize", "error_times",
             "error_samples", "seed"},
            where);
  TrainOptions o;
  o.model = MlpSpec::from_json(member(j, "model", where), where + ": model");
  o.optimizer = OptimizerOptions::from_json(member(j, "optimizer", where));
  o.dsm = DsmOptions::from_json(member(j, "dsm", where), where + ": dsm");
  o.batch = integer(member(j, "batch", where), where + ": batch");
  o.iterations = integer(member(j, "iterations", where), where + ": iterations");
  o.validation_fraction = number(member(j, "validation_fraction", where), where);
  o.validation_samples = integer(member(j, "validation_samples", where), where);
  o.log_every = integer(member(j, "log_every", where), where + ": log_every");
  o.ema_decay = number(member(j, "ema_decay", where), where + ": ema_decay");
  const auto& st = member(j, "standardize", where);
  require(st.is_boolean(), where, ": standardize must be true or false");
  o.standardize = st.get<bool>();
  o.error_times.clear();
  for (const auto& t : member(j, "error_times", where))
    o.error_times.push_back(number(t, where + ": error_times"));
  o.error_samples = integer(member(j, "error_samples", where), where + ": error_samples");
  const auto& seed = member(j, "seed", where);
  require(seed.is_number_integer(), where, ": seed must be an integer");
  o.seed = seed.get<std::uint64_t>();
  return o;
}

nlohmann::json TrainLogEntry::to_json() const {
  nlohmann::json j = {{"step", step},
                      {"lr", lr},
                      {"train_loss", train_loss},
                      {"validation_loss", nullptr},
                      {"seconds", seconds}};
  if (validation_loss) j["validation_loss"] = *validation_loss;
  if (!score_errors.empty()) {
    j["score_error"] = nlohmann::json::array();
    for (const auto& e : score_errors) j["score_error"].push_back(e.to_json());
  }
  return j;
}

nlohmann::json TrainSummary::to_json() const {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : log) entries.push_back(e.to_json());
  return {{"start_step", start_step},
          {"final_step", final_step},
          {"parameters", parameters},
          {"train_points", train_points},
          {"validation_points", validation_points},
          {"wall_seconds", wall_seconds},
          {"steps_per_second", steps_per_second},
          {"log", entries}};
}

std::uint64_t data_fingerprint(const Matrix& data) {
  const std::int64_t dims[2] = {static_cast<std::int64_t>(data.rows()),
                                static_cast<std::int64_t>(data.cols())};
  const std::uint64_t h = fnv1a64(reinterpret_cast<const char*>(dims), sizeof dims);
  return fnv1a64(reinterpret_cast<const char*>(data.data()),
                 sizeof(double) * static_cast<std::size_t>(data.size()), h);
}

// ---------------------------------------------------------------- trainer

void Trainer::setup(const Matrix& data) {
  require(data.rows() >= 1 && data.cols() >= 1, "training data is empty");
  require(data.allFinite(), "training data has a non-finite value");
  fingerprint_ = data_fingerprint(data);
  // Split: point i is held out if its uniform from the stream (seed, kTraining, i, kSplitStep)
  // is below the fraction (independent of the thread count and of the data order elsewhere).
  std::vector<Index> train, held;
  for (Index i = 0; i < data.cols(); ++i) {
    RngStream s(options_.seed, RngUse::kTraining, static_cast<std::uint64_t>(i), kSplitStep);
    (s.uniform() < options_.validation_fraction ? held : train).push_back(i);
  }
  require(!train.empty(), "training data: no point left for training after the validation split (",
          data.cols(), " points, validation_fraction ", options_.validation_fraction, ")");
  train_.resize(data.rows(), static_cast<Index>(train.size()));
  for (std::size_t k = 0; k < train.size(); ++k)
    train_.col(static_cast<Index>(k)) = data.col(train[k]);
  const Index nv = std::min<Index>(static_cast<Index>(held.size()), options_.validation_samples);
  validation_.resize(data.rows(), nv);
  for (Index k = 0; k < nv; ++k) validation_.col(k) = data.col(held[static_cast<std::size_t>(k)]);
}

namespace {

// The training state beside the data: the parameters' copies (weights, float weights, gradient,
// two Adam moments, the EMA) and one gradient buffer per chunk (at most 16, mlp.cpp), plus a
// batch's points, times, noise and targets. Checked before anything is allocated (--width 1e5).
void require_training_memory(const TrainOptions& o, Index dim) {
  constexpr std::uint64_t kParameterCopies = 6 + 16;
  const std::string what = "training state";
  const std::uint64_t params =
      checked_mul(bytes_of_doubles(o.model.parameter_count(), what), kParameterCopies, what);
  const std::uint64_t batch =
      bytes_of_doubles(checked_mul(static_cast<std::uint64_t>(o.batch),
                                   4 * static_cast<std::uint64_t>(dim) + 1, what),
                       what);
  require_memory(checked_add(params, batch, what),
                 "training an MLP of width " + std::to_string(o.model.width) + ", depth " +
                     std::to_string(o.model.depth) + " with batches of " + std::to_string(o.batch));
}

}  // namespace

Trainer::Trainer(const TrainOptions& options, const Matrix& data,
                 std::shared_ptr<const ForwardProcess> process,
                 std::shared_ptr<const Target> target)
    : options_(options), process_(std::move(process)), target_(std::move(target)) {
  require(process_ != nullptr, "trainer: no forward process");
  options_.model.dim = data.rows();
  options_.optimizer.seed = CounterRng(options_.seed).derive(1);
  options_.validate(*process_);
  require(!target_ || target_->dim() == data.rows(), "training data has dimension ", data.rows(),
          " but the target has dimension ", target_ ? target_->dim() : 0);
  require_training_memory(options_, data.rows());
  setup(data);
  standardisation_ =
      options_.standardize ? Standardisation::of(train_) : Standardisation::identity(data.rows());
  network_ = std::make_shared<MlpNetwork>(options_.model);
  optimizer_ = make_optimizer(options_.optimizer, network_->parameter_count());
  ema_ = std::make_unique<ExponentialMovingAverage>(options_.ema_decay, network_->parameters());
}

Trainer::Trainer(const Checkpoint& c, const Matrix& data, std::shared_ptr<const Target> target,
                 const std::string& name)
    : target_(std::move(target)) {
  const nlohmann::json& h = c.header;
  require(h.is_object() && h.contains("train") && h.contains("process") && h.contains("data") &&
              h.contains("step") && h.contains("optimizer_steps"),
          name, ": checkpoint header is incomplete");
  options_ = TrainOptions::from_json(h["train"], name + ": train");
  process_ = make_process(h["process"]);
  const Index dim = json_util::integer(h["data"]["dim"], name + ": data: dim");
  require(data.rows() == dim, "training data has dimension ", data.rows(), " but the model in ",
          name, " was trained on dimension ", dim);
  setup(data);
  require(hex(fingerprint_) == h["data"].value("fingerprint", ""),
          "training data differs from the data ", name,
          " was trained on (fingerprint mismatch): resume with the same options data or target, "
          "samples and seed");
  standardisation_ = Standardisation{c.mean, c.std};
  network_ = std::make_shared<MlpNetwork>(options_.model, c.frequencies, c.parameters);
  optimizer_ = make_optimizer(options_.optimizer, network_->parameter_count());
  optimizer_->load_state(h["optimizer_steps"].get<std::int64_t>(), c.optimizer_state);
  ema_ = std::make_unique<ExponentialMovingAverage>(options_.ema_decay, c.ema);
  step_ = h["step"].get<std::int64_t>();
}

Trainer::~Trainer() = default;

std::shared_ptr<MlpScore> Trainer::score() const {
  auto net = std::make_shared<MlpNetwork>(options_.model, network_->embedding().frequencies(),
                                          ema_->value());
  return std::make_shared<MlpScore>(std::move(net), standardisation_, process_);
}

std::optional<double> Trainer::validation_loss(const MlpNetwork& network) const {
  if (validation_.cols() == 0) return std::nullopt;
  // Fixed noise and times (stream step kValidationStep), every held-out point once.
  DsmBatch b = draw_dsm_batch(validation_, validation_.cols(), options_.dsm, *process_,
                              options_.seed, kValidationStep);
  b.X0 = validation_;
  return dsm_loss(network, standardisation_, *process_, b, nullptr);
}

TrainLogEntry Trainer::make_log_entry(double train_loss) const {
  TrainLogEntry e;
  e.step = step_;
  e.lr = optimizer_->current_lr();
  e.train_loss = train_loss;
  const auto model = score();
  e.validation_loss = validation_loss(model->network());
  if (target_) {
    const std::uint64_t seed = CounterRng(options_.seed).derive(3);
    for (const double t : options_.error_times)
      if (t >= options_.dsm.delta && t <= options_.dsm.T)
        e.score_errors.push_back(l2_score_error(*model, *target_, t, options_.error_samples, seed));
  }
  return e;
}

Checkpoint Trainer::checkpoint() const {
  Checkpoint c;
  c.header = {
      {"format", "difflab-mlp-checkpoint"},
      {"model", options_.model.to_json()},
      {"process", process_->to_json()},
      {"train", options_.to_json()},
      {"data",
       {{"dim", train_.rows()}, {"count", train_.cols()}, {"fingerprint", hex(fingerprint_)}}},
      {"step", step_},
      {"optimizer_steps", optimizer_->steps_taken()}};
  c.frequencies = network_->embedding().frequencies();
  c.parameters = network_->parameters();
  c.ema = ema_->value();
  c.mean = standardisation_.mean;
  c.std = standardisation_.std;
  c.optimizer_state = optimizer_->state_buffers();
  return c;
}

TrainSummary Trainer::run(std::int64_t until,
                          const std::function<void(const TrainLogEntry&)>& on_log,
                          const std::function<void(std::int64_t, double)>& on_step) {
  require(until >= step_, "cannot train to step ", until, ": the model is already at step ", step_);
  // The run's total is where it is trained to, so a run resumed to N steps records the same
  // options as one trained to N in one go.
  options_.iterations = until;
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  TrainSummary summary;
  summary.start_step = step_;
  summary.parameters = network_->parameter_count();
  summary.train_points = train_.cols();
  summary.validation_points = validation_.cols();
  Vector grad;
  double loss_sum = 0;
  std::int64_t loss_count = 0;
  while (step_ < until) {
    const DsmBatch batch = draw_dsm_batch(train_, options_.batch, options_.dsm, *process_,
                                          options_.seed, static_cast<std::uint64_t>(step_));
    const double loss =
        dsm_loss(*network_, standardisation_, *process_, batch, &grad, reduction_.get());
    require(std::isfinite(loss) && detail::all_finite(grad), "training diverged at step ", step_,
            " (loss ", loss, "): lower the option 'lr' or set 'clip'");
    network_->update_parameters([&](Eigen::Ref<Vector> p) { optimizer_->step(p, grad); });
    const Vector& params = network_->parameters();
    // EMA with the warm-up of tf.train.ExponentialMovingAverage(num_updates): decay
    // min(ema_decay, (1 + k)/(10 + k)) at step k, so short runs are not dominated by the random
    // initial weights (with 0.999 they would keep 67% of their weight after 400 steps).
    const double k = static_cast<double>(step_);
    const double decay = std::min(options_.ema_decay, (1.0 + k) / (10.0 + k));
    ema_->update(decay, params);
    ++step_;
    loss_sum += loss;
    ++loss_count;
    if (on_step) on_step(step_, loss);
    if (step_ % options_.log_every == 0 || step_ == until) {
      TrainLogEntry e = make_log_entry(loss_sum / static_cast<double>(loss_count));
      e.seconds = seconds();
      loss_sum = 0;
      loss_count = 0;
      if (on_log) on_log(e);
      summary.log.push_back(std::move(e));
    }
  }
  summary.final_step = step_;
  summary.wall_seconds = seconds();
  summary.steps_per_second =
      summary.wall_seconds > 0
          ? static_cast<double>(step_ - summary.start_step) / summary.wall_seconds
          : 0.0;
  return summary;
}

}  // namespace difflab
