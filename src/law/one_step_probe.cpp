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
};

class ProbeNoise final : public NoiseSource {
 public:
  // check_noise[s]: the check particle's noise in slot s.
  ProbeNoise(const std::vector<NoiseSlot>& slots, const ProbeLayout& layout,
             const std::vector<const Vector*>& check_noise, const std::string& law_name)
      : slots_(slots), layout_(layout), check_noise_(check_noise), law_name_(law_name) {}
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
        Z.col(j) = *check_noise_[static_cast<std::size_t>(s)];
      } else {
        Z.col(j).setConstant(p == layout_.unit_first + s ? 1.0 : 0.0);
      }
    }
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override { no_uniforms(law_name_); }

 private:
  const std::vector<NoiseSlot>& slots_;
  ProbeLayout layout_;
  const std::vector<const Vector*>& check_noise_;
  const std::string& law_name_;
};

void require_close(const Vector& actual, const Vector& predicted, const ProbeChecks& checks,
                   const Sampler& sampler, const ScoreModel& score, const std::string& what) {
  const double scale = std::max(1.0, actual.cwiseAbs().maxCoeff());
  // A score rounded coarser than double (ScoreModel::relative_precision) may round one point
  // differently in batches of different sizes; allow 2^10 times its rounding, still far below
  // what a state-dependent noise scale or a coupled coordinate would show.
  const double tolerance = std::max(checks.tolerance, 1024 * score.relative_precision());
  require(actual.allFinite() && (actual - predicted).cwiseAbs().maxCoeff() <= tolerance * scale,
          checks.law_name, ": sampler '", sampler.name(), "' with score '", score.name(), "' ",
          what);
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

void NoNoise::normal(MatrixRef, std::uint64_t, std::uint64_t, RngUse) const {
  fail(law_name_, ": a deterministic sampler drew noise");
}

double NoNoise::uniform(std::uint64_t, std::uint64_t, RngUse) const {
  fail(law_name_, ": a deterministic sampler drew a uniform");
}

std::vector<NoiseSlot> record_noise_slots(const Sampler& sampler, const ScoreModel& score,
                                          const TimeGrid& step_grid,
                                          const SamplerOptions& options) {
  SlotRecorder recorder;
  Matrix x = Matrix::Zero(score.dim(), 1);
  sampler.sample(score, step_grid, x, options, recorder);
  return recorder.slots();
}

std::vector<Vector> coordinate_masks(Index d) {
  std::vector<Vector> masks;
  for (Index bit = 0; (Index{1} << bit) < d; ++bit) {
    Vector mask(d);
    for (Index i = 0; i < d; ++i) mask(i) = ((i >> bit) & 1) ? 1.0 : 0.0;
    masks.push_back(std::move(mask));
  }
  return masks;
}

ProbeRandomness::ProbeRandomness(const CounterRng& rng, Index d) : rng_(rng), points_(d, 4) {
  rng.fill_normal(points_, RngUse::kMonteCarlo, 0, 0);
}

const Vector& ProbeRandomness::noise(const NoiseSlot& slot) {
  auto it = noise_.find(slot);
  if (it == noise_.end()) {
    Vector z(points_.rows());
    check_noise(rng_, 0, slot.first, slot.second, z);
    it = noise_.emplace(slot, std::move(z)).first;
  }
  return it->second;
}

Vector OneStepProbe::noise_variance() const {
  Vector v = Vector::Zero(image.rows());
  for (const Vector& c : coefficient) v += c.cwiseAbs2();
  return v;
}

void require_one_step_sampler(const Sampler& sampler, const std::string& law_name) {
  const SamplerTraits traits = sampler.traits();
  if (traits.one_step) return;
  fail(law_name, ": sampler '", sampler.name(), "' is not a one-step method (",
       traits.family == SamplerTraits::Family::kLangevin ? "a Langevin chain"
                                                         : "multistep or adaptive",
       "), so its steps are not one-step maps and this law does not apply");
}

void require_additive_noise(const Sampler& sampler, const std::string& law_name) {
  require(sampler.traits().additive_noise, law_name, ": sampler '", sampler.name(),
          "' reads the score at a noised point, so for a non-linear score its steps are not "
          "Gaussian kernels and this law does not apply (on Gaussian targets its law is exact "
          "and Gaussian)");
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
                            ProbeRandomness& randomness, const ProbeChecks& checks) {
  const Index d = score.dim();
  require(points.rows() == d, checks.law_name, ": probe points of dimension ", points.rows(),
          " for a score of dimension ", d);
  const TimeGrid step_grid({grid.t(k), grid.t(k + 1)}, grid.name());
  const SamplerOptions options = one_step_options(options_in, grid, k);
  OneStepProbe probe;
  probe.slots = record_noise_slots(sampler, score, step_grid, options);
  const Index S = static_cast<Index>(probe.slots.size());
  const Index m = points.cols();

  // Coordinate-wise check: for each bit b of the coordinate index, the set of coordinates with
  // that bit set. Any two coordinates differ in some bit, so changing one set and watching the
  // other (both ways round) exposes any pairwise coupling.
  const std::vector<Vector> masks =
      checks.coordinatewise ? coordinate_masks(d) : std::vector<Vector>{};
  const Index M = static_cast<Index>(masks.size());
  // Columns: [points | r0 | r0 + ones in slot s (S of them) | r (check noise) | r (no noise) |
  //           per mask: r with the mask's coordinates changed, r with the others changed].
  const Matrix& random = randomness.points();
  const Vector r0 = random.col(0), r = random.col(1), other = random.col(3);
  Matrix X(d, m + S + 3 + 2 * M);
  X.leftCols(m) = points;
  X.col(m) = r0;
  for (Index s = 0; s < S; ++s) X.col(m + 1 + s) = r0;
  const Index check = m + 1 + S;
  X.col(check) = r;
  X.col(check + 1) = r;
  for (Index b = 0; b < M; ++b) {
    const Vector& mask = masks[static_cast<std::size_t>(b)];
    X.col(check + 2 + 2 * b) = r + mask.cwiseProduct(other - r);
    X.col(check + 3 + 2 * b) = other + mask.cwiseProduct(r - other);
  }
  const ProbeLayout layout{m + 1, check};
  std::vector<const Vector*> check_noise_of_slot;
  for (const NoiseSlot& slot : probe.slots) check_noise_of_slot.push_back(&randomness.noise(slot));
  sampler.sample(score, step_grid, X, options,
                 ProbeNoise(probe.slots, layout, check_noise_of_slot, checks.law_name));

  probe.image = X.leftCols(m);
  for (Index s = 0; s < S; ++s) probe.coefficient.push_back(X.col(m + 1 + s) - X.col(m));
  Vector predicted = X.col(check + 1);
  for (Index s = 0; s < S; ++s)
    predicted += probe.coefficient[static_cast<std::size_t>(s)].cwiseProduct(
        *check_noise_of_slot[static_cast<std::size_t>(s)]);
  require_close(X.col(check), predicted, checks, sampler, score,
                "does not add its noise with state-independent coordinate-wise scales at step " +
                    std::to_string(k) + ", so its steps have no fixed Gaussian kernel");
  // F_k acts coordinate-wise iff changing some coordinates leaves the others' images alone.
  const Vector base = X.col(check + 1);
  for (Index b = 0; b < M; ++b) {
    const Vector& mask = masks[static_cast<std::size_t>(b)];
    const Vector keep = Vector::Ones(d) - mask;
    const std::string what = "does not act coordinate by coordinate at step " + std::to_string(k) +
                             " (a score that couples coordinates?), so the per-coordinate law "
                             "does not apply";
    require_close(keep.cwiseProduct(X.col(check + 2 + 2 * b)), keep.cwiseProduct(base), checks,
                  sampler, score, what);
    require_close(mask.cwiseProduct(X.col(check + 3 + 2 * b)), mask.cwiseProduct(base), checks,
                  sampler, score, what);
  }
  return probe;
}

namespace {

// The composition check on the sub-grid t_first..t_last of `grid` (steps first..last-1).
void check_composition_range(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                             const SamplerOptions& options_in, int checks_count,
                             const CounterRng& rng, const ProbeChecks& checks, std::size_t first,
                             std::size_t last) {
  const Index d = score.dim();
  const std::vector<double> times(grid.times().begin() + static_cast<std::ptrdiff_t>(first),
                                  grid.times().begin() + static_cast<std::ptrdiff_t>(last) + 1);
  const TimeGrid sub(times, grid.name());
  // The final step's denoising belongs to the last step of the whole grid only.
  SamplerOptions options = options_in;
  options.on_step = nullptr;
  options.denoise_last_step = options_in.denoise_last_step && last == grid.steps();
  Matrix X0(d, checks_count);
  rng.fill_normal(X0, RngUse::kMonteCarlo, 1, first);
  Matrix full = X0;
  sampler.sample(score, sub, full, options, CheckRunNoise(rng, 1));
  Matrix chained = X0;
  for (std::size_t k = 0; k < sub.steps(); ++k) {
    const TimeGrid step_grid({sub.t(k), sub.t(k + 1)}, grid.name());
    sampler.sample(score, step_grid, chained, one_step_options(options, sub, k),
                   CheckRunNoise(rng, 1, k));
  }
  for (Index j = 0; j < checks_count; ++j)
    require_close(full.col(j), chained.col(j), checks, sampler, score,
                  "does not compose from independent one-step maps (a multistep, adaptive or "
                  "Langevin sampler), so this law does not apply");
}

}  // namespace

void check_one_step_composition(const Sampler& sampler, const ScoreModel& score,
                                const TimeGrid& grid, const SamplerOptions& options,
                                int checks_count, const CounterRng& rng, const ProbeChecks& checks,
                                std::size_t max_steps) {
  const std::size_t N = grid.steps();
  if (max_steps == 0 || max_steps >= N) {
    check_composition_range(sampler, score, grid, options, checks_count, rng, checks, 0, N);
    return;
  }
  check_composition_range(sampler, score, grid, options, checks_count, rng, checks, 0, max_steps);
  check_composition_range(sampler, score, grid, options, checks_count, rng, checks,
                          N - std::min<std::size_t>(N, 2), N);
}

}  // namespace difflab::law_detail
