#pragma once
// ExactScore: the target's exact grad log q_t under the given forward process.
#include "difflab/score/score_model.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

class ExactScore final : public ScoreModel {
 public:
  ExactScore(std::shared_ptr<const Target> target, std::shared_ptr<const ForwardProcess> process)
      : ScoreModel(std::move(process)), target_(std::move(target)) {}
  Index dim() const override { return target_->dim(); }
  std::string name() const override { return "exact"; }
  nlohmann::json to_json() const override { return {{"type", "exact"}}; }
  bool has_log_density() const override { return true; }
  void log_density(double t, ConstMatrixRef X, Eigen::Ref<Vector> out) const override {
    target_->noised_log_density(process().alpha(t), process().sigma2(t), X, out);
  }
  const Target& target() const { return *target_; }
  std::shared_ptr<const Target> target_ptr() const { return target_; }

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override {
    target_->noised_score(process().alpha(t), process().sigma2(t), X, out);
  }

 private:
  std::shared_ptr<const Target> target_;
};

}  // namespace difflab
