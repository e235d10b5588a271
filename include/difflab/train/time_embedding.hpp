#pragma once
// Random Fourier features of the time input of a score network (Tancik et al. 2020, "Fourier
// features let networks learn high frequency functions"; the Gaussian Fourier projection of
// score_sde's NCSN++): for a scalar c (the log-SNR lambda(t) or t itself),
//   phi(c) = [sin(w_1 c), ..., sin(w_F c), cos(w_1 c), ..., cos(w_F c)],  w_k ~ N(0, scale^2).
// The frequencies are drawn once from the model's seed and stored with the model, so a saved
// model evaluates identically after loading. Using the log-SNR (DPM-Solver's lambda) rather than
// t makes the input independent of the process's time parametrisation and spreads the small-t
// end, where the score changes fastest, over a longer interval.
#include <cmath>
#include <cstdint>
#include <string>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"

namespace difflab {

class TimeEmbedding {
 public:
  // input: "logsnr" or "t"; frequencies w_k ~ N(0, scale^2), k = 1..features, from the stream
  // (seed, kPerturbation, k).
  TimeEmbedding(std::string input, Index features, double scale, std::uint64_t seed);
  // Restores stored frequencies.
  TimeEmbedding(std::string input, Vector frequencies);

  const std::string& input() const { return input_; }
  const Vector& frequencies() const { return frequencies_; }
  // Number of outputs (2 F).
  Index size() const { return 2 * frequencies_.size(); }
  // The scalar fed to the features at time t: log_snr(t) or t. The log-SNR is clamped to
  // [-30, 30] (it is +inf at t = 0, where a sampler with delta = 0 may still evaluate).
  double time_input(const ForwardProcess& process, double t) const;
  // out[0..2F) = phi(c).
  template <class Scalar>
  void features(double c, Scalar* out) const {
    const Index F = frequencies_.size();
    for (Index k = 0; k < F; ++k) {
      const double phase = frequencies_(k) * c;
      out[k] = static_cast<Scalar>(std::sin(phase));
      out[F + k] = static_cast<Scalar>(std::cos(phase));
    }
  }

 private:
  std::string input_;
  Vector frequencies_;
};

}  // namespace difflab
