#include "difflab/law/diagonal_gaussian_law.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {

namespace {

// A noise draw of a sampler within one run: (step index, use).
using Slot = std::pair<std::uint64_t, std::uint64_t>;

// Reproducible random noise for the checks: the draw (step, use) of check particle `particle`.
// The same function feeds the one-step checks (step = k + the step index inside the one-step
// run) and the full runs (step = the sampler's own step index), so both see the same noise.
void check_noise(const CounterRng& rng, std::uint64_t particle, std::uint64_t step,
                 std::uint64_t use, MatrixRef z) {
  Matrix tmp(z.rows(), 1);
  rng.fill_normal(tmp, static_cast<RngUse>(static_cast<std::uint64_t>(RngUse::kUser) + use),
                  particle, step);
  z = tmp;
}

// Records the draws of a run with one particle (returning zeros).
class SlotRecorder final : public NoiseSource {
 public:
  void normal(MatrixRef Z, std::uint64_t, std::uint64_t step, RngUse use) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_.emplace(Slot{step, static_cast<std::uint64_t>(use)}, Z.rows());
    Z.setZero();
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    fail(
        "exact law: the sampler draws uniforms (an accept/reject step), so its output law is "
        "not Gaussian");
  }
  std::vector<Slot> slots() const {
    std::vector<Slot> out;
    for (const auto& [s, rows] : slots_) out.push_back(s);
    return out;
  }
  Index rows(const Slot& s) const { return slots_.at(s); }

 private:
  mutable std::mutex mutex_;
  mutable std::map<Slot, Index> slots_;
};

// One-step probes. Particles 0 and 1: zero noise. Particle 2 + s: ones in slot s, zero elsewhere.
// Last particle: the check noise of step k.
class StepProbeNoise final : public NoiseSource {
 public:
  StepProbeNoise(const std::vector<Slot>& slots, std::uint64_t k, const CounterRng& rng)
      : slots_(slots), k_(k), rng_(rng) {}
  void normal(MatrixRef Z, std::uint64_t first, std::uint64_t step, RngUse use) const override {
    const Slot slot{step, static_cast<std::uint64_t>(use)};
    const auto it = std::find(slots_.begin(), slots_.end(), slot);
    require(it != slots_.end(),
            "exact law: the sampler's noise draws depend on its state (not affine)");
    const auto s = static_cast<std::uint64_t>(it - slots_.begin());
    const std::uint64_t check = 2 + slots_.size();
    for (Index j = 0; j < Z.cols(); ++j) {
      const std::uint64_t p = first + static_cast<std::uint64_t>(j);
      if (p == check) {
        check_noise(rng_, 0, k_ + step, slot.second, Z.col(j));
      } else {
        Z.col(j).setConstant(p == 2 + s ? 1.0 : 0.0);
      }
    }
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    fail(
        "exact law: the sampler draws uniforms (an accept/reject step), so its output law is "
        "not Gaussian");
  }

 private:
  const std::vector<Slot>& slots_;
  std::uint64_t k_;
  const CounterRng& rng_;
};

// Full-run check noise: particle j of the run is check particle 1 + j.
class FullRunNoise final : public NoiseSource {
 public:
  explicit FullRunNoise(const CounterRng& rng) : rng_(rng) {}
  void normal(MatrixRef Z, std::uint64_t first, std::uint64_t step, RngUse use) const override {
    for (Index j = 0; j < Z.cols(); ++j)
      check_noise(rng_, 1 + first + static_cast<std::uint64_t>(j), step,
                  static_cast<std::uint64_t>(use), Z.col(j));
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    fail(
        "exact law: the sampler draws uniforms (an accept/reject step), so its output law is "
        "not Gaussian");
  }

 private:
  const CounterRng& rng_;
};

void require_close(const Vector& actual, const Vector& predicted, double tolerance,
                   const Sampler& sampler, const ScoreModel& score, const std::string& what) {
  const double scale = std::max(1.0, actual.cwiseAbs().maxCoeff());
  require(actual.allFinite() && (actual - predicted).cwiseAbs().maxCoeff() <= tolerance * scale,
          "exact diagonal law: sampler '", sampler.name(), "' with score '", score.name(), "' ",
          what);
}

// One step's map x -> a x + b + sum_s c_s xi_s, each coefficient a d-vector.
struct StepMap {
  Vector a, b;
  std::vector<Slot> slots;
  std::vector<Vector> c;
};

}  // namespace

void DiagonalLawOptions::validate() const {
  require(std::isfinite(tolerance) && tolerance > 0, "exact diagonal law: tolerance must be > 0");
  require(full_run_checks >= 1, "exact diagonal law: at least one full-run check is needed");
}

DiagonalGaussianLaw diagonal_gaussian_law(const Sampler& sampler, const ScoreModel& score,
                                          const TimeGrid& grid, const SamplerOptions& options_in,
                                          const DiagonalGaussianLaw& initial,
                                          const DiagonalLawOptions& law_options) {
  law_options.validate();
  const Index d = score.dim();
  require(initial.mean.size() == d && initial.var.size() == d,
          "exact diagonal law: the initial law has dimension ", initial.mean.size(),
          " but the "
          "score has dimension ",
          d);
  require(initial.var.allFinite() && initial.var.minCoeff() >= 0,
          "exact diagonal law: the initial variances must be finite and >= 0");
  SamplerOptions options = options_in;
  options.on_step = nullptr;
  const CounterRng rng(law_options.check_seed);

  DiagonalGaussianLaw law = initial;
  std::vector<StepMap> maps;
  maps.reserve(grid.steps());
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const TimeGrid step_grid({grid.t(k), grid.t(k + 1)}, grid.name());
    options.denoise_last_step = options_in.denoise_last_step && k + 1 == grid.steps();
    // Which draws does this step make?
    SlotRecorder recorder;
    {
      Matrix x = Matrix::Zero(d, 1);
      sampler.sample(score, step_grid, x, options, recorder);
    }
    StepMap map;
    map.slots = recorder.slots();
    for (const Slot& s : map.slots)
      require(recorder.rows(s) == d, "exact diagonal law: a noise draw of sampler '",
              sampler.name(), "' does not have the state's dimension");
    const Index S = static_cast<Index>(map.slots.size());
    // [0 | 1 | 0 (one per slot) | random check particle].
    Matrix X = Matrix::Zero(d, 3 + S);
    X.col(1).setOnes();
    Matrix r(d, 1);
    rng.fill_normal(r, RngUse::kMonteCarlo, 0, k);
    X.col(2 + S) = r;
    const StepProbeNoise probe(map.slots, k, rng);
    sampler.sample(score, step_grid, X, options, probe);
    map.b = X.col(0);
    map.a = X.col(1) - map.b;
    Vector predicted = map.a.cwiseProduct(r.col(0)) + map.b;
    Vector xi(d);
    for (Index s = 0; s < S; ++s) {
      map.c.push_back(X.col(2 + s) - map.b);
      check_noise(rng, 0, k + map.slots[static_cast<std::size_t>(s)].first,
                  map.slots[static_cast<std::size_t>(s)].second, xi);
      predicted += map.c.back().cwiseProduct(xi);
    }
    require_close(X.col(2 + S), predicted, law_options.tolerance, sampler, score,
                  "is not a coordinate-wise affine map of the state and the noise at step " +
                      std::to_string(k) + ", so this law does not apply");
    // N(m, diag v) -> N(a m + b, diag(a^2 v + sum_s c_s^2)).
    law.mean = map.a.cwiseProduct(law.mean) + map.b;
    law.var = map.a.cwiseAbs2().cwiseProduct(law.var);
    for (const Vector& c : map.c) law.var += c.cwiseAbs2();
    maps.push_back(std::move(map));
  }

  // Full runs against the composed per-step maps (multistep and adaptive samplers fail here).
  options.denoise_last_step = options_in.denoise_last_step;
  const Index checks = law_options.full_run_checks;
  Matrix X0(d, checks);
  rng.fill_normal(X0, RngUse::kMonteCarlo, 1, 0);
  Matrix X = X0;
  sampler.sample(score, grid, X, options, FullRunNoise(rng));
  Vector xi(d);
  for (Index j = 0; j < checks; ++j) {
    Vector x = X0.col(j);
    for (std::size_t k = 0; k < maps.size(); ++k) {
      Vector next = maps[k].a.cwiseProduct(x) + maps[k].b;
      for (std::size_t s = 0; s < maps[k].slots.size(); ++s) {
        check_noise(rng, 1 + static_cast<std::uint64_t>(j), k + maps[k].slots[s].first,
                    maps[k].slots[s].second, xi);
        next += maps[k].c[s].cwiseProduct(xi);
      }
      x = next;
    }
    require_close(X.col(j), x, law_options.tolerance, sampler, score,
                  "does not compose from independent one-step maps (a multistep, adaptive or "
                  "Langevin sampler), so the O(d N) diagonal law does not apply");
  }
  return law;
}

}  // namespace difflab
