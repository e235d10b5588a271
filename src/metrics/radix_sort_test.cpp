#include "difflab/metrics/radix_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

TEST(RadixSort, AgreesWithStdSort) {
  std::vector<std::uint64_t> scratch;
  for (const Index n : {Index{0}, Index{1}, Index{2}, Index{17}, Index{1000}, Index{100000}}) {
    Matrix z(1, n);
    CounterRng(static_cast<std::uint64_t>(n)).fill_normal(z, RngUse::kMonteCarlo, 0, 0);
    std::vector<double> v(z.data(), z.data() + n);
    // Mixed magnitudes, signed zeros, infinities, denormals and repeated values.
    if (n >= 17) {
      v[0] = 0.0;
      v[1] = -0.0;
      v[2] = std::numeric_limits<double>::infinity();
      v[3] = -std::numeric_limits<double>::infinity();
      v[4] = std::numeric_limits<double>::denorm_min();
      v[5] = -std::numeric_limits<double>::denorm_min();
      v[6] = 1e300;
      v[7] = -1e-300;
      v[8] = v[9] = v[10] = 3.25;
    }
    std::vector<double> expected = v;
    std::sort(expected.begin(), expected.end());
    radix_sort(v, scratch);
    ASSERT_EQ(v.size(), expected.size());
    for (std::size_t i = 0; i < v.size(); ++i)
      ASSERT_EQ(v[i], expected[i]) << "n = " << n << ", index " << i;
  }
}

TEST(RadixSort, AllEqualAndAlreadySorted) {
  std::vector<std::uint64_t> scratch;
  std::vector<double> same(1000, -2.5);
  radix_sort(same, scratch);
  EXPECT_TRUE(std::all_of(same.begin(), same.end(), [](double x) { return x == -2.5; }));
  std::vector<double> sorted(1000);
  for (std::size_t i = 0; i < sorted.size(); ++i) sorted[i] = static_cast<double>(i) - 500.0;
  std::vector<double> copy = sorted;
  radix_sort(copy, scratch);
  EXPECT_EQ(copy, sorted);
}

}  // namespace
}  // namespace difflab
