#include "difflab/pipeline/sweep_shard.hpp"

#include <gtest/gtest.h>

#include "core/expect_error.hpp"

namespace difflab {
namespace {

TEST(SweepShard, ParsesIOverNAndEveryRowBelongsToExactlyOneShard) {
  const SweepShard s = parse_sweep_shard("2/5");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.label(), "2/5");
  for (std::size_t row = 0; row < 40; ++row) {
    int owners = 0;
    for (std::size_t i = 0; i < 5; ++i)
      owners += parse_sweep_shard(std::to_string(i) + "/5").holds(row);
    EXPECT_EQ(owners, 1) << row;
  }
  EXPECT_TRUE(parse_sweep_shard("0/1").whole());
}

TEST(SweepShard, RefusesMalformedShards) {
  for (const char* bad : {"3/3", "1/0", "-1/3", "1/-3", " 1/3", "1/3 ", "1", "a/b", "1/3/4", "/3"})
    expect_error([&] { parse_sweep_shard(bad); }, "option 'shard' must be i/n");
  expect_error([] { parse_sweep_shard("1/99999999999999999999999"); },
               "option 'shard' must be i/n");
}

}  // namespace
}  // namespace difflab
