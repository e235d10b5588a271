#include "difflab/core/memory_budget.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include "core/expect_error.hpp"

namespace difflab {
namespace {

// Each test leaves the process-wide limit and the variable as it found them (unset).
class MemoryBudgetTest : public ::testing::Test {
 protected:
  void TearDown() override {
    set_memory_limit(0);
    ::unsetenv("DIFFLAB_MAX_MEMORY");
  }
};

TEST_F(MemoryBudgetTest, CheckedArithmeticRefusesOverflow) {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() / 2 + 1;  // 2^63
  EXPECT_EQ(checked_mul(1ull << 31, 1ull << 32, "x"), 1ull << 63);
  difflab::expect_error([&] { checked_mul(big, 2, "shape"); }, "shape: size");
  difflab::expect_error([&] { checked_add(big, big, "sum"); }, "overflows 64 bits");
  EXPECT_EQ(bytes_of_doubles(1000, "x"), 8000u);
  difflab::expect_error([] { bytes_of_doubles(1ull << 61, "npy"); }, "overflows 64 bits");
}

TEST_F(MemoryBudgetTest, ParsesSizesWithBinarySuffixes) {
  EXPECT_EQ(parse_memory_size("4096", "m"), 4096u);
  EXPECT_EQ(parse_memory_size("512M", "m"), 512ull << 20);
  EXPECT_EQ(parse_memory_size("2g", "m"), 2ull << 30);
  EXPECT_EQ(parse_memory_size("3GiB", "m"), 3ull << 30);
  EXPECT_EQ(parse_memory_size("1T", "m"), 1ull << 40);
  difflab::expect_error([] { parse_memory_size("lots", "--max-memory"); },
                        "--max-memory: not a memory");
  difflab::expect_error([] { parse_memory_size("4X", "--max-memory"); }, "not a memory size");
  difflab::expect_error([] { parse_memory_size("0", "--max-memory"); }, "must be positive");
  difflab::expect_error([] { parse_memory_size("99999999999999T", "--max-memory"); }, "overflows");
}

TEST_F(MemoryBudgetTest, FormatsBytes) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3ull << 30), "3.0 GiB");
}

TEST_F(MemoryBudgetTest, LimitRefusesWithTheEstimate) {
  set_memory_limit(1ull << 20);
  EXPECT_EQ(memory_budget(), 1ull << 20);
  EXPECT_NO_THROW(require_memory(1ull << 20, "samples"));
  difflab::expect_error([] { require_memory(3ull << 20, "sampling 3 x 131072"); },
                        "sampling 3 x 131072 needs about 3.0 MiB of memory but 1.0 MiB is allowed");
}

// Matrices: rows x cols x copies doubles, with the overflow and the sign checked first.
TEST_F(MemoryBudgetTest, MatrixRequestsAreCheckedForOverflowSignAndBudget) {
  set_memory_limit(1ull << 20);
  EXPECT_NO_THROW(require_matrix_memory(2, 32768, 2, "draws"));  // exactly 1 MiB
  difflab::expect_error([] { require_matrix_memory(2, 32769, 2, "draws"); },
                        "draws needs about 1.0 MiB of memory but 1.0 MiB is allowed");
  difflab::expect_error([] { require_matrix_memory(2, 4294967306, 2, "draws"); }, "draws needs");
  difflab::expect_error([] { require_matrix_memory(1ll << 40, 1ll << 40, 1, "draws"); },
                        "overflow");
  difflab::expect_error([] { require_matrix_memory(2, -5, 1, "draws"); }, "negative size");
}

TEST_F(MemoryBudgetTest, EnvironmentVariableSetsTheBudgetUnlessTheSetterDid) {
  ::setenv("DIFFLAB_MAX_MEMORY", "2M", 1);
  EXPECT_EQ(memory_budget(), 2ull << 20);
  set_memory_limit(5ull << 20);
  EXPECT_EQ(memory_budget(), 5ull << 20);
  ::setenv("DIFFLAB_MAX_MEMORY", "junk", 1);
  set_memory_limit(0);
  difflab::expect_error([] { memory_budget(); }, "DIFFLAB_MAX_MEMORY: not a memory size");
}

TEST_F(MemoryBudgetTest, DefaultBudgetIsTheMachinesAvailableMemory) {
  // MemAvailable is positive on any Linux machine and below 2^60 bytes; an exabyte request is
  // refused by it, a kilobyte is not.
  const std::uint64_t budget = memory_budget();
  ASSERT_GT(budget, 0u);
  EXPECT_LT(budget, 1ull << 60);
  EXPECT_NO_THROW(require_memory(1024, "tiny"));
  difflab::expect_error([] { require_memory(1ull << 60, "huge"); }, "is available (MemAvailable");
}

}  // namespace
}  // namespace difflab
