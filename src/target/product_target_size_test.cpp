// A product target's "dim" repeats one factor d times: an absurd d is refused with the memory
// estimate (core/memory_budget.hpp) instead of allocating d factor pointers.
#include <gtest/gtest.h>

#include "core/expect_error.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/target/target.hpp"

namespace difflab {
namespace {

TEST(ProductTargetSize, AbsurdDimensionIsRefusedWithTheEstimate) {
  const nlohmann::json factor = {{"type", "laplace"}};
  set_memory_limit(1ull << 30);
  expect_error(
      [&] {
        make_target({{"type", "product"}, {"dim", 10000000000LL}, {"factor", factor}}, "t");
      },
      "t: a product of dimension 10000000000 needs about");
  // A dimension whose byte count overflows 64 bits is refused as well, not wrapped.
  expect_error(
      [&] {
        make_target({{"type", "product"}, {"dim", 4000000000000000000LL}, {"factor", factor}}, "t");
      },
      "t: dim: size");
  EXPECT_EQ(make_target({{"type", "product"}, {"dim", 1000}, {"factor", factor}}, "t")->dim(),
            1000);
  set_memory_limit(0);
}

}  // namespace
}  // namespace difflab
