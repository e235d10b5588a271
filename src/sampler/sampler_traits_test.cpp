// Every registered sampler's traits against its behaviour: `stochastic` iff it draws noise,
// `nfe_per_step` against the counted score evaluations, `one_step` against the composition of
// one-step runs, and the JSON form. No list of names: the registry is iterated.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// Zero Gaussian noise and uniforms of 1/2, counting the draws.
class CountingNoise final : public NoiseSource {
 public:
  void normal(MatrixRef Z, std::uint64_t, std::uint64_t, RngUse) const override {
    Z.setZero();
    ++draws;
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    ++draws;
    return 0.5;
  }
  void increment(MatrixRef Z, std::uint64_t, std::uint64_t, RngUse,
                 const BrownianInterval& interval) const override {
    Z.setZero();
    ++draws;
    if (interval.lo < interval.hi) ++increments;
  }
  double brownian_resolution() const override { return paths ? 1e-12 : 0.0; }
  bool paths = false;  // act as a source of Brownian paths (as BrownianNoise)
  mutable std::atomic<int> draws{0};
  mutable std::atomic<int> increments{0};
};

struct Problem {
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  ExactScore score{std::make_shared<GaussianTarget>(
                       GaussianTarget::diagonal(Eigen::Vector2d(0.5, -1), Eigen::Vector2d(0.3, 2))),
                   process};
  TimeGrid grid = make_grid("logsnr", *process, 3.0, 5e-2, 6);
  Matrix X0 = Matrix::Constant(2, 3, 0.7);
  SamplerOptions options;
  Problem() { options.langevin_steps = 3; }
};

TEST(SamplerTraits, StochasticIffTheSamplerDrawsNoise) {
  const Problem p;
  for (const SamplerInfo& info : list_samplers()) {
    const CountingNoise noise;
    Matrix X = p.X0;
    make_sampler(info.name)->sample(p.score, p.grid, X, p.options, noise);
    EXPECT_EQ(noise.draws > 0, info.traits.stochastic) << info.name;
  }
}

// `brownian` iff the sampler draws its noise as Brownian increments over non-empty intervals
// (noise "brownian" then couples its runs on nested grids).
TEST(SamplerTraits, BrownianIffTheSamplerDrawsIncrements) {
  const Problem p;
  for (const SamplerInfo& info : list_samplers()) {
    CountingNoise noise;
    noise.paths = true;
    Matrix X = p.X0;
    const auto sampler = make_sampler(info.name);
    if (info.traits.stochastic && !info.traits.brownian) {
      EXPECT_THROW(sampler->sample(p.score, p.grid, X, p.options, noise), Error) << info.name;
      continue;
    }
    sampler->sample(p.score, p.grid, X, p.options, noise);
    EXPECT_EQ(noise.increments > 0, info.traits.brownian) << info.name;
    EXPECT_TRUE(!info.traits.brownian || info.traits.stochastic) << info.name;
  }
}

TEST(SamplerTraits, NfePerStepMatchesTheCountedEvaluations) {
  const Problem p;
  for (const SamplerInfo& info : list_samplers()) {
    if (info.traits.nfe_per_step == 0) continue;  // not a constant per step
    const auto sampler = make_sampler(info.name);
    Matrix X = p.X0;
    const SamplerSummary s = sampler->sample(p.score, p.grid, X, p.options, CountingNoise());
    // MALA also evaluates the score at the starting points (mala.hpp).
    const double extra = info.name == "mala" ? 1.0 : 0.0;
    EXPECT_DOUBLE_EQ(s.nfe, info.traits.nfe_per_step * static_cast<double>(s.steps) + extra)
        << info.name;
  }
}

// A one-step sampler's run on the grid equals the chain of its runs on the one-step grids
// (t_k, t_{k+1}) (with zero noise; the law code's probes check the same with noise).
TEST(SamplerTraits, OneStepSamplersComposeFromOneStepRuns) {
  const Problem p;
  for (const SamplerInfo& info : list_samplers()) {
    if (!info.traits.one_step) continue;
    const auto sampler = make_sampler(info.name);
    Matrix full = p.X0;
    sampler->sample(p.score, p.grid, full, p.options, CountingNoise());
    Matrix chained = p.X0;
    for (std::size_t k = 0; k < p.grid.steps(); ++k) {
      const TimeGrid step(std::vector<double>{p.grid.t(k), p.grid.t(k + 1)}, "step");
      sampler->sample(p.score, step, chained, p.options, CountingNoise());
    }
    EXPECT_LT((full - chained).cwiseAbs().maxCoeff(), 1e-12) << info.name;
  }
}

TEST(SamplerTraits, JsonCarriesEveryTrait) {
  for (const SamplerInfo& info : list_samplers()) {
    const nlohmann::json j = info.to_json();
    EXPECT_EQ(j["name"], info.name);
    const nlohmann::json& t = j["traits"];
    EXPECT_EQ(t["one_step"], info.traits.one_step) << info.name;
    EXPECT_EQ(t["affine"], info.traits.affine) << info.name;
    EXPECT_EQ(t["stochastic"], info.traits.stochastic) << info.name;
    EXPECT_EQ(t["order"], info.traits.order) << info.name;
    EXPECT_EQ(t["nfe_per_step"], info.traits.nfe_per_step) << info.name;
    EXPECT_EQ(t["family"],
              info.traits.family == SamplerTraits::Family::kLangevin ? "langevin" : "diffusion")
        << info.name;
  }
}

}  // namespace
}  // namespace difflab
