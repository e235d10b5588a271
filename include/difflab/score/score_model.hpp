#pragma once
// ScoreModel: an approximation s(t, x) of grad log q_t(x), batched over the columns of X.
// A score model belongs to a forward process (its q_t are that process's marginals), reads and
// writes nothing global, and counts its evaluations so samplers can report NFE.
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"

namespace difflab {

class ScoreModel {
 public:
  explicit ScoreModel(std::shared_ptr<const ForwardProcess> process)
      : process_(std::move(process)) {}
  virtual ~ScoreModel() = default;
  ScoreModel(const ScoreModel&) = delete;
  ScoreModel& operator=(const ScoreModel&) = delete;

  virtual Index dim() const = 0;
  virtual std::string name() const = 0;
  virtual nlohmann::json to_json() const = 0;

  // out = s(t, X). Thread-safe: may be called concurrently on disjoint blocks.
  void score(double t, ConstMatrixRef X, MatrixRef out) const {
    evaluations_.fetch_add(static_cast<std::uint64_t>(X.cols()), std::memory_order_relaxed);
    evaluate(t, X, out);
  }
  Matrix score(double t, const Matrix& X) const {
    Matrix out(X.rows(), X.cols());
    score(t, X, out);
    return out;
  }

  // The relative rounding of evaluate's output when it is coarser than double precision (a
  // float32 network: about 1.2e-7), else 0. An optimised BLAS need not round a particle the
  // same way in batches of different sizes, so checks that compare evaluations of one point in
  // different batches (the exact laws' probe of a sampler's steps) allow this much.
  virtual double relative_precision() const { return 0; }

  // Models that also know log q_t (the exact score) expose it; MALA needs it.
  virtual bool has_log_density() const { return false; }
  virtual void log_density(double t, ConstMatrixRef X, Eigen::Ref<Vector> out) const;

  const ForwardProcess& process() const { return *process_; }
  std::shared_ptr<const ForwardProcess> process_ptr() const { return process_; }

  // Total particle-evaluations so far; NFE of a run = evaluations / particles.
  std::uint64_t evaluations() const { return evaluations_.load(std::memory_order_relaxed); }
  void reset_evaluations() const { evaluations_.store(0, std::memory_order_relaxed); }

 protected:
  virtual void evaluate(double t, ConstMatrixRef X, MatrixRef out) const = 0;

 private:
  std::shared_ptr<const ForwardProcess> process_;
  mutable std::atomic<std::uint64_t> evaluations_{0};
};

}  // namespace difflab
