#include "difflab/sampler/trajectory_recorder.hpp"

#include <algorithm>
#include <cstdio>

namespace difflab {

void TrajectoryRecorder::record_initial(const Matrix& X, double T) {
  const std::lock_guard<std::mutex> lock(mutex_);
  particles_ = std::min<Index>(particles_, X.cols());
  if (data_.empty()) {
    data_.emplace_back();
    times_.push_back(T);
  }
  data_[0] = X.leftCols(particles_);
  times_[0] = T;
}

void TrajectoryRecorder::on_step(const StepInfo& info, Index first, ConstMatrixRef block) {
  if (first >= particles_) return;
  const Index count = std::min<Index>(block.cols(), particles_ - first);
  const std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t s = info.step + 1;
  if (data_.size() <= s) {
    data_.resize(s + 1, Matrix::Zero(dim_, particles_));
    times_.resize(s + 1, 0.0);
  }
  data_[s].middleCols(first, count) = block.leftCols(count);
  times_[s] = info.t_to;
}

std::string TrajectoryRecorder::csv() const {
  std::string out = "step,t,particle";
  for (Index k = 0; k < dim_; ++k) out += ",x" + std::to_string(k + 1);
  out += "\n";
  char buf[96];
  for (std::size_t s = 0; s < data_.size(); ++s)
    for (Index j = 0; j < particles_; ++j) {
      std::snprintf(buf, sizeof buf, "%zu,%.17g,%ld", s, times_[s], static_cast<long>(j));
      out += buf;
      for (Index k = 0; k < dim_; ++k) {
        std::snprintf(buf, sizeof buf, ",%.17g", data_[s](k, j));
        out += buf;
      }
      out += "\n";
    }
  return out;
}

}  // namespace difflab
