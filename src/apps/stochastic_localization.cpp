#include "difflab/apps/stochastic_localization.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include "difflab/apps/goe.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab::apps {

void SlOptions::validate() const {
  require(std::isfinite(T) && T >= 0, "sl: T must be >= 0, got ", T);
  require(std::isfinite(delta) && delta > 0, "sl: delta must be > 0, got ", delta);
  require(T / delta <= 1e7, "sl: T / delta too large (", T / delta, " steps)");
  require(rounding == "random" || rounding == "sign",
          "sl: rounding must be 'random' or 'sign', got '", rounding, "'");
  require(samples >= 1, "sl: samples must be >= 1, got ", samples);
  amp.validate();
}

int SlOptions::steps() const { return static_cast<int>(std::lround(T / delta)); }

SlResult sl_sample(const Matrix& J, double beta, const Vector& z0, const SlOptions& options,
                   const CounterRng& rng, std::uint64_t first_sample) {
  options.validate();
  const Index n = J.rows();
  require(J.cols() == n && n >= 2, "sl: coupling matrix must be square with n >= 2, got ", J.rows(),
          " x ", J.cols());
  require(z0.size() == n, "sl: AMP start has size ", z0.size(), ", expected ", n);
  require(std::isfinite(beta) && beta >= 0, "sl: beta must be >= 0, got ", beta);
  const auto start = std::chrono::steady_clock::now();
  const int L = options.steps();
  const double sqrt_delta = std::sqrt(options.delta);
  // The samples and their final means, n x samples each, refused with the estimate before
  // they are allocated (samples 4294967306).
  require_matrix_memory(n, options.samples, 2,
                        "stochastic localization: " + std::to_string(options.samples) +
                            " samples of size " + std::to_string(n));
  SlResult result;
  result.X.resize(n, options.samples);
  result.final_mean.resize(n, options.samples);
  parallel_blocks(options.samples, 1, [&](Index first, Index count) {
    AmpWorkspace ws;
    Vector y(n), m(n), w(n);
    for (Index s = first; s < first + count; ++s) {
      const std::uint64_t id = first_sample + static_cast<std::uint64_t>(s);
      y.setZero();
      for (int l = 0; l < L; ++l) {
        amp_tap_mean(J, beta, y, z0, options.amp, ws, m);
        RngStream noise = rng.stream(kUseSlNoise, id, static_cast<std::uint64_t>(l));
        noise.fill_normal(w.data(), n);
        y += options.delta * m + sqrt_delta * w;
      }
      amp_tap_mean(J, beta, y, z0, options.amp, ws, m);
      result.final_mean.col(s) = m;
      RngStream round = rng.stream(kUseRounding, id, 0);
      for (Index i = 0; i < n; ++i) {
        if (options.rounding == "sign") {
          result.X(i, s) = m(i) >= 0 ? 1.0 : -1.0;
        } else {
          result.X(i, s) = round.uniform() < 0.5 * (1.0 + m(i)) ? 1.0 : -1.0;
        }
      }
    }
  });
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

nlohmann::json SlOptions::to_json() const {
  return {{"T", T},
          {"delta", delta},
          {"steps", steps()},
          {"amp_iterations", amp.amp_iterations},
          {"ngd_steps", amp.ngd_steps},
          {"ngd_step", amp.ngd_step},
          {"rounding", rounding}};
}

}  // namespace difflab::apps
