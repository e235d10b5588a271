#include "one_step_probe.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "difflab/core/error.hpp"

namespace difflab::law_detail {

namespace {

[[noreturn]] void no_uniforms(const std::string& law_name) {
  fail(law_name,
       ": the sampler draws uniforms (an accept/reject step), so its steps have no Gaussian "
       "kernel");
}

// Records the draws of a run (returning zeros).
class SlotRecorder final : public NoiseSource {
 public:
  void normal(MatrixRef Z, std::uint64_t, std::uint64_t step, RngUse use) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_.emplace(NoiseSlot{step, static_cast<std::uint64_t>(use)}, Z.rows());
    Z.setZero();
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override { no_uniforms("exact law"); }
  std::vector<NoiseSlot> slots() const {
    std::vector<NoiseSlot> out;
    for (const auto& entry : slots_) out.push_back(entry.first);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::map<NoiseSlot, Index> slots_;
};

// What particle p of a probe run receives: zero noise, ones in one slot, or check noise.
struct ProbeLayout {
  Index unit_first = 0;  // particles unit_first + s: ones in slot s
  Index check = 0;       // the particle with random check noise
  std::uint64_t k = 0;   // the step probed (for the check noise's step index)
};

class ProbeNoise final : public NoiseSource {
 public:
  ProbeNoise(const std::vector<NoiseSlot>& slots, const ProbeLayout& layout, const CounterRng& rng,
             const std::string& law_name)
      : slots_(slots), layout_(layout), rng_(rng), law_name_(law_name) {}
  void normal(MatrixRef Z, std::uint64_t first, std::uint64_t step, RngUse use) const override {
    const NoiseSlot slot{step, static_cast<std::uint64_t>(use)};
    const auto it = std::find(slots_.begin(), slots_.end(), slot);
    require(it != slots_.end(), law_name_,
            ": the sampler's noise draws depend on its state, so its steps have no fixed "
            "Gaussian kernel");
    const auto s = static_cast<Index>(it - slots_.begin());
    for (Index j = 0; j < Z.cols(); ++j) {
      const auto p = static_cast<Index>(first) + j;
      if (p == layout_.check) {
        check_noise(rng_, 0, layout_.k + step, slot.second, Z.col(j));
      } else {
        Z.col(j).setConstant(p == layout_.unit_first + s ? 1.0 : 0.0);
      }
    }
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override { no_uniforms(law_name_); }

 private:
  const std::vector<NoiseSlot>& slots_;
  ProbeLayout layout_;
  const CounterRng& rng_;
  const std::string& law_name_;
};

void require_close(const Vector& actual, const Vector& predicted, const ProbeChecks& checks,
                   const Sampler& sampler, const ScoreModel& score, const std::string& what) {
  const double scale = std::max(1.0, actual.cwiseAbs().maxCoeff());
  require(
      actual.allFinite() && (actual - predicted).cwiseAbs().maxCoeff() <= checks.tolerance * scale,
      checks.law_name, ": sampler '", sampler.name(), "' with score '", score.name(), "' ", what);
}

}  // namespace

void check_noise(const CounterRng& rng, std::uint64_t particle, std::uint64_t step,
                 std::uint64_t use, MatrixRef z) {
  Matrix tmp(z.rows(), 1);
  rng.fill_normal(tmp, static_cast<RngUse>(static_cast<std::uint64_t>(RngUse::kUser) + use),
                  particle, step);
  z = tmp;
}

void CheckRunNoise::normal(MatrixRef Z, std::uint64_t first, std::uint64_t step, RngUse use) const {
  for (Index j = 0; j < Z.cols(); ++j)
    check_noise(rng_, first_check_ + first + static_cast<std::uint64_t>(j), step_offset_ + step,
                static_cast<std::uint64_t>(use), Z.col(j));
}

double CheckRunNoise::uniform(std::uint64_t, std::uint64_t, RngUse) const {
  no_uniforms("exact law");
}

std::vector<NoiseSlot> record_noise_slots(const Sampler& sampler, const ScoreModel& score,
                                          const TimeGrid& step_grid,
                                          const SamplerOptions& options) {
  SlotRecorder recorder;
  Matrix x = Matrix::Zero(score.dim(), 1);
  sampler.sample(score, step_grid, x, options, recorder);
  return recorder.slots();
}

Vector OneStepProbe::noise_variance() const {
  Vector v = Vector::Zero(image.rows());
  for (const Vector& c : coefficient) v += c.cwiseAbs2();
  return v;
}

SamplerOptions one_step_options(const SamplerOptions& options, const TimeGrid& grid,
                                std::size_t k) {
  SamplerOptions out = options;
  out.on_step = nullptr;
  out.denoise_last_step = options.denoise_last_step && k + 1 == grid.steps();
  return out;
}

OneStepProbe probe_one_step(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                            std::size_t k, const SamplerOptions& options_in, ConstMatrixRef points,
                            const CounterRng& rng, const ProbeChecks& checks) {
  const Index d = score.dim();
  require(points.rows() == d, checks.law_name, ": probe points of dimension ", points.rows(),
          " for a score of dimension ", d);
  const TimeGrid step_grid({grid.t(k), grid.t(k + 1)}, grid.name());
  const SamplerOptions options = one_step_options(options_in, grid, k);
  OneStepProbe probe;
  probe.slots = record_noise_slots(sampler, score, step_grid, options);
  const Index S = static_cast<Index>(probe.slots.size());
  const Index m = points.cols();

  // Columns: [points | r0 | r0 + ones in slot s (S of them) | r (check noise) | r (no noise) |
  //           r with a random subset changed | r with the complement changed].
  Matrix random(d, 4);
  rng.fill_normal(random, RngUse::kMonteCarlo, 0, k);
  const Vector r0 = random.col(0), r = random.col(1);
  Vector mask(d);  // 1 on a random subset of the coordinates
  for (Index i = 0; i < d; ++i) mask(i) = random(i, 2) > 0 ? 1.0 : 0.0;
  const Vector other = random.col(3);
  Matrix X(d, m + S + 5);
  X.leftCols(m) = points;
  X.col(m) = r0;
  for (Index s = 0; s < S; ++s) X.col(m + 1 + s) = r0;
  const Index check = m + 1 + S;
  X.col(check) = r;
  X.col(check + 1) = r;
  X.col(check + 2) = r + mask.cwiseProduct(other - r);
  X.col(check + 3) = other + mask.cwiseProduct(r - other);
  const ProbeLayout layout{m + 1, check, k};
  sampler.sample(score, step_grid, X, options,
                 ProbeNoise(probe.slots, layout, rng, checks.law_name));

  probe.image = X.leftCols(m);
  for (Index s = 0; s < S; ++s) probe.coefficient.push_back(X.col(m + 1 + s) - X.col(m));
  Vector predicted = X.col(check + 1);
  Vector xi(d);
  for (Index s = 0; s < S; ++s) {
    check_noise(rng, 0, k + probe.slots[static_cast<std::size_t>(s)].first,
                probe.slots[static_cast<std::size_t>(s)].second, xi);
    predicted += probe.coefficient[static_cast<std::size_t>(s)].cwiseProduct(xi);
  }
  require_close(X.col(check), predicted, checks, sampler, score,
                "does not add its noise with state-independent coordinate-wise scales at step " +
                    std::to_string(k) + ", so its steps have no fixed Gaussian kernel");
  if (checks.coordinatewise && d > 1) {
    // F_k acts coordinate-wise iff changing some coordinates leaves the others' images alone.
    const Vector keep = Vector::Ones(d) - mask;
    const Vector base = X.col(check + 1);
    require_close(keep.cwiseProduct(X.col(check + 2)), keep.cwiseProduct(base), checks, sampler,
                  score,
                  "does not act coordinate by coordinate at step " + std::to_string(k) +
                      " (a score that couples coordinates?), so the per-coordinate law does not "
                      "apply");
    // Column check + 3 shares the masked coordinates with r.
    require_close(mask.cwiseProduct(X.col(check + 3)), mask.cwiseProduct(base), checks, sampler,
                  score,
                  "does not act coordinate by coordinate at step " + std::to_string(k) +
                      " (a score that couples coordinates?), so the per-coordinate law does not "
                      "apply");
  }
  return probe;
}

void check_one_step_composition(const Sampler& sampler, const ScoreModel& score,
                                const TimeGrid& grid, const SamplerOptions& options_in,
                                int checks_count, const CounterRng& rng,
                                const ProbeChecks& checks) {
  const Index d = score.dim();
  SamplerOptions options = options_in;
  options.on_step = nullptr;
  Matrix X0(d, checks_count);
  rng.fill_normal(X0, RngUse::kMonteCarlo, 1, 0);
  Matrix full = X0;
  sampler.sample(score, grid, full, options, CheckRunNoise(rng, 1));
  Matrix chained = X0;
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const TimeGrid step_grid({grid.t(k), grid.t(k + 1)}, grid.name());
    sampler.sample(score, step_grid, chained, one_step_options(options_in, grid, k),
                   CheckRunNoise(rng, 1, k));
  }
  for (Index j = 0; j < checks_count; ++j)
    require_close(full.col(j), chained.col(j), checks, sampler, score,
                  "does not compose from independent one-step maps (a multistep, adaptive or "
                  "Langevin sampler), so this law does not apply");
}

}  // namespace difflab::law_detail
