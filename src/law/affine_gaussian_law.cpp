#include "difflab/law/affine_gaussian_law.hpp"

#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// A noise draw of a sampler: (step, use, row count). Samplers draw Z with noise.normal(Z, first,
// step, use); for one particle each call is one "slot".
using Slot = std::pair<std::uint64_t, std::uint64_t>;  // (step, use)

// Records the slots a sampler draws (run with a single particle), returning zeros.
class RecordingNoise final : public NoiseSource {
 public:
  void normal(MatrixRef Z, std::uint64_t, std::uint64_t step, RngUse use) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    const Slot s{step, static_cast<std::uint64_t>(use)};
    auto [it, inserted] = rows_.emplace(s, Z.rows());
    require(inserted || it->second == Z.rows(),
            "exact law: sampler draws noise of varying size at one step");
    Z.setZero();
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    fail(
        "exact law: the sampler draws uniforms (an accept/reject step), so its output law is not "
        "Gaussian");
  }
  std::vector<std::pair<Slot, Index>> slots() const { return {rows_.begin(), rows_.end()}; }

 private:
  mutable std::mutex mutex_;
  mutable std::map<Slot, Index> rows_;
};

// Particle p < offset: zero noise. Particle offset + s * d + i: unit vector e_i in slot s only.
// A final group of particles (after the probes) receives the given Gaussian vectors (the
// superposition check).
class AffineProbeNoise final : public NoiseSource {
 public:
  AffineProbeNoise(std::vector<std::pair<Slot, Index>> slots, Index offset, Index dim,
                   Index check_first, const Matrix* check_noise)
      : slots_(std::move(slots)),
        offset_(offset),
        dim_(dim),
        check_first_(check_first),
        check_noise_(check_noise) {
    for (std::size_t s = 0; s < slots_.size(); ++s) index_[slots_[s].first] = s;
  }
  void normal(MatrixRef Z, std::uint64_t first, std::uint64_t step, RngUse use) const override {
    Z.setZero();
    const auto it = index_.find(Slot{step, static_cast<std::uint64_t>(use)});
    require(it != index_.end(),
            "exact law: the sampler's noise draws depend on its state (not affine)");
    const Index s = static_cast<Index>(it->second);
    const Index rows = slots_[static_cast<std::size_t>(s)].second;
    for (Index j = 0; j < Z.cols(); ++j) {
      const Index p = static_cast<Index>(first) + j;
      if (p >= check_first_) {
        // Offset of slot s inside the check particle's concatenated noise vector.
        Index start = 0;
        for (Index q = 0; q < s; ++q) start += slots_[static_cast<std::size_t>(q)].second;
        Z.col(j) = check_noise_->col(p - check_first_).segment(start, rows);
      } else if (p >= offset_) {
        const Index q = p - offset_;
        if (q / dim_ == s && q % dim_ < rows) Z(q % dim_, j) = 1.0;
      }
    }
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    fail(
        "exact law: the sampler draws uniforms (an accept/reject step), so its output law is not "
        "Gaussian");
  }

 private:
  std::vector<std::pair<Slot, Index>> slots_;
  std::map<Slot, std::size_t> index_;
  Index offset_, dim_, check_first_;
  const Matrix* check_noise_;
};

}  // namespace

GaussianLaw affine_gaussian_law(const Sampler& sampler, const ScoreModel& score,
                                const TimeGrid& grid, const SamplerOptions& options_in,
                                const GaussianLaw& initial, const AffineLawOptions& law_options,
                                double* nfe) {
  const Index d = score.dim();
  require(initial.mean.size() == d && initial.cov.rows() == d && initial.cov.cols() == d,
          "exact law: the initial law has the wrong dimension (", initial.mean.size(), " vs ", d,
          ")");
  SamplerOptions options = options_in;
  options.on_step = nullptr;

  // 1. Which noise draws does the sampler make?
  RecordingNoise recorder;
  {
    Matrix x = initial.mean;
    const SamplerSummary summary = sampler.sample(score, grid, x, options, recorder);
    if (nfe) *nfe = summary.nfe;
  }
  const auto slots = recorder.slots();
  Index noise_dim = 0;
  for (const auto& s : slots) noise_dim += s.second;

  // 2. A square root of the initial covariance (eigendecomposition: P0 may be singular).
  const SymmetricEigen eig = symmetric_eigen(0.5 * (initial.cov + initial.cov.transpose()));
  require(eig.ok && eig.values.minCoeff() >= -1e-12 * std::max(1.0, eig.values.maxCoeff()),
          "exact law: the initial covariance is not positive semi-definite");
  const Matrix root = eig.vectors * eig.values.cwiseMax(0.0).cwiseSqrt().asDiagonal();

  // 3. One batch: [mean | mean + root columns | noise probes | check particles].
  const Index n_probe = static_cast<Index>(slots.size()) * d;
  const Index checks = 3;
  const Index offset = 1 + d;
  const Index check_first = offset + n_probe;
  Matrix X(d, check_first + checks);
  X.col(0) = initial.mean;
  for (Index i = 0; i < d; ++i) X.col(1 + i) = initial.mean + root.col(i);
  X.middleCols(offset, n_probe).colwise() = initial.mean;
  // Check particles: random initial offsets u and random noise.
  CounterRng rng(law_options.check_seed);
  Matrix u(d, checks), check_noise(std::max<Index>(noise_dim, 1), checks);
  rng.fill_normal(u, RngUse::kMonteCarlo, 0, 0);
  rng.fill_normal(check_noise, RngUse::kMonteCarlo, 0, 1);
  for (Index c = 0; c < checks; ++c) X.col(check_first + c) = initial.mean + root * u.col(c);
  const AffineProbeNoise probe(slots, offset, d, check_first, &check_noise);
  sampler.sample(score, grid, X, options, probe);

  GaussianLaw out;
  out.mean = X.col(0);
  const Matrix AL = X.middleCols(1, d).colwise() - out.mean;
  // Each noise probe's response minus the zero-noise response of the same start is one column
  // of some C_s (padded with zero columns where a slot has fewer rows than d).
  const Matrix Cs = X.middleCols(offset, n_probe).colwise() - out.mean;
  out.cov = AL * AL.transpose() + Cs * Cs.transpose();
  out.cov = 0.5 * (out.cov + out.cov.transpose());

  // 4. Superposition check: response(u, xi) = mean + AL u + sum of the slot columns times xi.
  for (Index c = 0; c < checks; ++c) {
    Vector predicted = out.mean + AL * u.col(c);
    Index start = 0;
    for (std::size_t s = 0; s < slots.size(); ++s) {
      const Index rows = slots[s].second;
      predicted +=
          Cs.middleCols(static_cast<Index>(s) * d, rows) * check_noise.col(c).segment(start, rows);
      start += rows;
    }
    const Vector actual = X.col(check_first + c);
    const double scale = std::max(1.0, actual.cwiseAbs().maxCoeff());
    require((actual - predicted).cwiseAbs().maxCoeff() <= law_options.affinity_tolerance * scale,
            "exact law: sampler '", sampler.name(), "' with score '", score.name(),
            "' is not affine in its initial point and noise, so its output law has no Gaussian "
            "closed form");
  }
  return out;
}

}  // namespace difflab
