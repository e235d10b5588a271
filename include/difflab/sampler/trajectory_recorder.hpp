#pragma once
// Trajectories of the first K particles of a sampler run, recorded through SamplerOptions::on_step
// (`difflab sample --trajectory`, `difflab report`, Python's sample(trajectory=K)).
//
// The number of callbacks is not known in advance: a reverse-time sampler calls once per grid
// step, a Langevin sampler once per iteration (and annealed Langevin once per iteration of every
// level), so the store grows on demand. Callbacks of different blocks may run concurrently; only
// blocks that hold recorded particles touch the store, under a mutex.
#include <mutex>
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class TrajectoryRecorder {
 public:
  TrajectoryRecorder(Index particles, Index dim) : particles_(particles), dim_(dim) {}
  // The initial points (their first `particles` columns) at forward time T.
  void record_initial(const Matrix& X, double T);
  void on_step(const StepInfo& info, Index first, ConstMatrixRef block);

  // Recorded states: 1 + the number of steps seen.
  std::size_t states() const { return data_.size(); }
  double time(std::size_t s) const { return times_[s]; }
  const Matrix& state(std::size_t s) const { return data_[s]; }  // dim x particles
  // CSV: one row per (state, particle): step,t,particle,x1..xd.
  std::string csv() const;

 private:
  Index particles_, dim_;
  std::vector<Matrix> data_;
  std::vector<double> times_;
  std::mutex mutex_;
};

}  // namespace difflab
