#include "difflab/pipeline/distributed_sampling.hpp"

#include <chrono>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

constexpr int kSliceTag = 201;
constexpr int kSliceCountsTag = 202;

// The noise of a slice: its column j is the global particle begin + j.
class SliceOffsetNoise final : public NoiseSource {
 public:
  SliceOffsetNoise(const NoiseSource& base, std::uint64_t offset) : base_(base), offset_(offset) {}
  void normal(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step,
              RngUse use) const override {
    base_.normal(Z, first_particle + offset_, step, use);
  }
  double uniform(std::uint64_t particle, std::uint64_t step, RngUse use) const override {
    return base_.uniform(particle + offset_, step, use);
  }
  void increment(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step, RngUse use,
                 const BrownianInterval& interval) const override {
    base_.increment(Z, first_particle + offset_, step, use, interval);
  }
  double brownian_resolution() const override { return base_.brownian_resolution(); }

 private:
  const NoiseSource& base_;
  std::uint64_t offset_;
};

}  // namespace

ParticleSlice particle_slice(Index n, int rank, int size) {
  const Index begin = n * rank / size;
  return {begin, n * (rank + 1) / size - begin};
}

SamplerSummary sample_across_ranks(const Sampler& sampler, const ScoreModel& score,
                                   const TimeGrid& grid, Matrix& X, const SamplerOptions& options,
                                   const NoiseSource& noise, Communicator& comm) {
  if (comm.size() == 1) return sampler.sample(score, grid, X, options, noise);
  const auto start = std::chrono::steady_clock::now();
  const Index n = X.cols();
  const ParticleSlice mine = particle_slice(n, comm.rank(), comm.size());
  require(mine.count >= 1, "sampling ", n, " particles on ", comm.size(), " ranks leaves rank ",
          comm.rank(), " without particles; use fewer ranks");
  Matrix slice = X.middleCols(mine.begin, mine.count);
  const std::uint64_t evals_before = score.evaluations();
  SamplerSummary summary = sampler.sample(
      score, grid, slice, options, SliceOffsetNoise(noise, static_cast<std::uint64_t>(mine.begin)));
  // Evaluation counts are integers below 2^53: exact as doubles, so the NFE is the serial one.
  const double counts[2] = {static_cast<double>(score.evaluations() - evals_before),
                            summary.acceptance_rate * static_cast<double>(mine.count)};
  if (comm.rank() != 0) {
    comm.send_doubles(0, kSliceCountsTag, counts, 2);
    comm.send_doubles(0, kSliceTag, slice.data(), static_cast<std::size_t>(slice.size()));
    X = std::move(slice);
    return summary;
  }
  X.middleCols(mine.begin, mine.count) = slice;
  double evaluations = counts[0], accepted = counts[1];
  for (int r = 1; r < comm.size(); ++r) {  // rank order: a fixed order of the sums
    const ParticleSlice theirs = particle_slice(n, r, comm.size());
    double c[2];
    comm.recv_doubles(r, kSliceCountsTag, c, 2);
    evaluations += c[0];
    accepted += c[1];
    comm.recv_doubles(r, kSliceTag, X.middleCols(theirs.begin, theirs.count).data(),
                      static_cast<std::size_t>(X.rows() * theirs.count));
  }
  summary.particles = n;
  summary.nfe = evaluations / static_cast<double>(n);
  if (summary.acceptance_rate >= 0) summary.acceptance_rate = accepted / static_cast<double>(n);
  summary.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace difflab
