#include "difflab/pipeline/distributed_sampling.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/thread_rank_communicator.hpp"
#include "difflab/pipeline/run_spec.hpp"

namespace difflab {
namespace {

TEST(DistributedSampling, SlicesCoverTheParticlesOnceInRankOrder) {
  for (Index n : {1, 7, 1001}) {
    for (int size : {1, 2, 3, 7}) {
      Index next = 0;
      for (int r = 0; r < size; ++r) {
        const ParticleSlice s = particle_slice(n, r, size);
        EXPECT_EQ(s.begin, next);
        EXPECT_LE(s.count, n / size + 1);
        EXPECT_GE(s.count, n / size);
        next += s.count;
      }
      EXPECT_EQ(next, n);
    }
  }
}

// Each rank builds its own run (as each MPI process does) and samples its slice.
TEST(DistributedSampling, RanksAsThreadsGiveTheOneProcessSamplesAndNfe) {
  RunSpec spec;
  spec.target_json = {{"type", "gmm"},
                      {"weights", {0.4, 0.6}},
                      {"means", {{-1.0, 0.0}, {1.0, 1.0}}},
                      {"vars", {0.5, 1.2}}};
  spec.sampler = "dpmpp-2m-sde";
  spec.steps = 26;
  spec.n = 203;
  spec.seed = 5;
  const RunSetup serial = build_run(spec);
  Matrix expected = serial.initial;
  const SamplerSummary one = serial.sampler->sample(
      *serial.score, *serial.grid, expected, serial.spec.sampler_options, CounterNoise(spec.seed));
  for (int ranks : {2, 3}) {
    FarmMailboxes m(ranks);
    Matrix got;
    SamplerSummary summary;
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r)
      threads.emplace_back([&, r] {
        ThreadRankCommunicator c(m, r);
        const RunSetup run = build_run(spec);
        Matrix X = run.initial;
        const SamplerSummary s =
            sample_across_ranks(*run.sampler, *run.score, *run.grid, X, run.spec.sampler_options,
                                CounterNoise(spec.seed), c);
        if (r == 0) {
          got = X;
          summary = s;
        }
      });
    for (auto& t : threads) t.join();
    ASSERT_EQ(got.cols(), expected.cols());
    EXPECT_TRUE((got.array() == expected.array()).all()) << ranks << " ranks";
    EXPECT_EQ(summary.nfe, one.nfe);
    EXPECT_EQ(summary.particles, 203);
  }
}

}  // namespace
}  // namespace difflab
