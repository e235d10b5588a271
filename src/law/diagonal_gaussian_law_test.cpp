// The O(d N) diagonal law against the general linear-response law (affine_gaussian_law, itself
// tested against docs/theory.md 5.2's recursions), and its refusals.
#include "difflab/law/diagonal_gaussian_law.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/gaussian_mean_score.hpp"
#include "difflab/score/perturbed_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

std::shared_ptr<GaussianTarget> diagonal_target(Index d) {
  return std::make_shared<GaussianTarget>(
      GaussianTarget::diagonal(Vector::LinSpaced(d, -1.0, 2.0), Vector::LinSpaced(d, 0.2, 3.0)));
}

void expect_same_law(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                     const SamplerOptions& options) {
  const Index d = score.dim();
  DiagonalGaussianLaw start{Vector::Zero(d), Vector::Ones(d)};
  const DiagonalGaussianLaw diag = diagonal_gaussian_law(sampler, score, grid, options, start);
  const GaussianLaw full = affine_gaussian_law(sampler, score, grid, options,
                                               GaussianLaw{start.mean, Matrix::Identity(d, d)});
  EXPECT_LT((diag.mean - full.mean).cwiseAbs().maxCoeff(), 1e-10) << sampler.name();
  EXPECT_LT((Matrix(diag.var.asDiagonal()) - full.cov).cwiseAbs().maxCoeff(), 1e-10)
      << sampler.name();
}

TEST(DiagonalGaussianLaw, EqualsTheLinearResponseLawForEveryOneStepSampler) {
  const auto process = make_process("ou");
  const auto target = diagonal_target(6);
  const ExactScore exact(target, process);
  const PerturbedScore shifted(target, process, 0.3, Vector::LinSpaced(6, 1.0, -0.5));
  const GaussianMeanScore mean_family(Vector::LinSpaced(6, 0.5, 1.5), process);
  const TimeGrid grid = benton_grid(5.0, 1e-2, 12);
  for (const std::string name : {"ei", "em", "ddpm", "ode-ei", "ddim", "heun"}) {
    const auto sampler = make_sampler(name);
    for (const ScoreModel* score :
         {static_cast<const ScoreModel*>(&exact), static_cast<const ScoreModel*>(&shifted),
          static_cast<const ScoreModel*>(&mean_family)}) {
      SamplerOptions options;
      expect_same_law(*sampler, *score, grid, options);
      options.denoise_last_step = true;
      expect_same_law(*sampler, *score, grid, options);
    }
  }
}

TEST(DiagonalGaussianLaw, HighDimensionIsLinearInD) {
  // A constant number of d-dimensional particles per step: d = 50,000 is cheap.
  const Index d = 50000;
  const auto process = make_process("ou");
  const ExactScore score(diagonal_target(d), process);
  const TimeGrid grid = uniform_grid(4.0, 1e-3, 20);
  const DiagonalGaussianLaw law = diagonal_gaussian_law(*make_sampler("ei"), score, grid, {},
                                                        {Vector::Zero(d), Vector::Ones(d)});
  ASSERT_EQ(law.var.size(), d);
  EXPECT_TRUE(law.mean.allFinite() && law.var.allFinite());
  // Coordinate i only depends on coordinate i's target: the same (mean, variance) pair at the
  // same position of a small problem.
  const Index small = 5;
  const ExactScore small_score(
      std::make_shared<GaussianTarget>(GaussianTarget::diagonal(
          Vector::LinSpaced(d, -1.0, 2.0).head(small), Vector::LinSpaced(d, 0.2, 3.0).head(small))),
      process);
  const DiagonalGaussianLaw small_law = diagonal_gaussian_law(
      *make_sampler("ei"), small_score, grid, {}, {Vector::Zero(small), Vector::Ones(small)});
  EXPECT_LT((law.mean.head(small) - small_law.mean).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((law.var.head(small) - small_law.var).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(DiagonalGaussianLaw, RefusesWhatItCannotRepresent) {
  const auto process = make_process("ou");
  const TimeGrid grid = uniform_grid(3.0, 1e-2, 8);
  const DiagonalGaussianLaw start{Vector::Zero(2), Vector::Ones(2)};
  const ExactScore diag_score(diagonal_target(2), process);
  // Multistep, adaptive and Langevin samplers: a step is not a map of x_k alone.
  for (const SamplerInfo& info : list_samplers()) {
    if (info.traits.one_step) continue;
    expect_error(
        [&] { diagonal_gaussian_law(*make_sampler(info.name), diag_score, grid, {}, start); },
        "not a one-step method");
  }
  // A full covariance couples the coordinates.
  Matrix cov(2, 2);
  cov << 1.0, 0.5, 0.5, 1.0;
  const ExactScore coupled(std::make_shared<GaussianTarget>(Vector::Zero(2), cov), process);
  expect_error([&] { diagonal_gaussian_law(*make_sampler("ei"), coupled, grid, {}, start); },
               "not a coordinate-wise affine map");
  expect_error(
      [&] {
        diagonal_gaussian_law(*make_sampler("ei"), diag_score, grid, {},
                              {Vector::Zero(3), Vector::Ones(3)});
      },
      "dimension");
}

}  // namespace
}  // namespace difflab
