#include "difflab/experiment/run_seed.hpp"

#include <gtest/gtest.h>

#include <set>

#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

TEST(RunSeed, IsCounterRngDeriveOfTheSpecSeed) {
  for (std::size_t k : {0u, 1u, 17u}) EXPECT_EQ(run_seed(42, k), CounterRng(42).derive(k));
}

TEST(RunSeed, DistinctAcrossRunsAndSpecSeedsAndReproducible) {
  std::set<std::uint64_t> seen;
  for (std::uint64_t spec : {0u, 1u, 2u})
    for (std::size_t k = 0; k < 1000; ++k) {
      const std::uint64_t s = run_seed(spec, k);
      EXPECT_EQ(s, run_seed(spec, k));
      seen.insert(s);
    }
  // 3000 draws of 64 bits: a collision has probability ~ 3000^2 / 2^65, i.e. never.
  EXPECT_EQ(seen.size(), 3000u);
  // A run's seed is not its index or the spec seed itself (the streams are mixed).
  EXPECT_NE(run_seed(0, 0), 0u);
  EXPECT_NE(run_seed(5, 0), 5u);
}

}  // namespace
}  // namespace difflab
