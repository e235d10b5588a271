#include "difflab/core/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab {
namespace {

class ThreadGuard {
 public:
  ThreadGuard() : saved_(thread_count()) {}
  ~ThreadGuard() { set_threads(saved_); }

 private:
  int saved_;
};

TEST(Parallel, SetThreadsIsReportedByThreadCount) {
  ThreadGuard guard;
  EXPECT_EQ(set_threads(2), 2);
  EXPECT_EQ(thread_count(), 2);
  EXPECT_EQ(set_threads(1), 1);
  EXPECT_EQ(thread_count(), 1);
  EXPECT_GE(set_threads(0), 1);  // 0 = all cores
}

TEST(Parallel, AThreadCountOutsideTheRangeIsRefused) {
  ThreadGuard guard;
  EXPECT_THROW(set_threads(-1), Error);
  EXPECT_THROW(set_threads(kMaxThreads + 1), Error);
  EXPECT_EQ(set_threads(kMaxThreads), kMaxThreads);  // accepted; no parallel region runs here
}

TEST(Parallel, BlocksCoverTheRangeExactlyOnce) {
  ThreadGuard guard;
  for (int threads : {1, 2}) {
    set_threads(threads);
    for (Index n : {1, 2, 7, 256, 257, 1000}) {
      for (Index block : {1, 3, 256, 5000}) {
        std::vector<int> hits(static_cast<std::size_t>(n), 0);
        std::mutex m;
        std::vector<std::pair<Index, Index>> calls;
        parallel_blocks(n, block, [&](Index begin, Index count) {
          // Each block writes only its own entries: no race on `hits`.
          for (Index i = begin; i < begin + count; ++i) ++hits[static_cast<std::size_t>(i)];
          std::lock_guard<std::mutex> lock(m);
          calls.emplace_back(begin, count);
        });
        for (Index i = 0; i < n; ++i)
          ASSERT_EQ(hits[static_cast<std::size_t>(i)], 1)
              << "threads " << threads << " n " << n << " block " << block << " i " << i;
        // Blocks start at multiples of `block` and only the last one is short.
        EXPECT_EQ(static_cast<Index>(calls.size()), (n + block - 1) / block);
        for (const auto& [begin, count] : calls) {
          EXPECT_EQ(begin % block, 0);
          EXPECT_EQ(count, std::min(block, n - begin));
        }
      }
    }
  }
}

TEST(Parallel, EmptyRangeAndNonPositiveBlock) {
  int calls = 0;
  parallel_blocks(0, 10, [&](Index, Index) { ++calls; });
  parallel_blocks(-5, 10, [&](Index, Index) { ++calls; });
  EXPECT_EQ(calls, 0);
  // block <= 0 is treated as 1.
  std::atomic<Index> total{0};
  std::atomic<int> n_calls{0};
  parallel_blocks(9, 0, [&](Index, Index count) {
    total += count;
    ++n_calls;
  });
  EXPECT_EQ(total.load(), 9);
  EXPECT_EQ(n_calls.load(), 9);
}

TEST(Parallel, RethrowsWorkerExceptions) {
  ThreadGuard guard;
  for (int threads : {1, 2}) {
    set_threads(threads);
    // A difflab::Error from one block reaches the caller with its type and message.
    try {
      parallel_blocks(1000, 10, [](Index begin, Index) {
        if (begin == 500) fail("block at ", begin, " failed");
      });
      ADD_FAILURE() << "no exception with " << threads << " threads";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "block at 500 failed");
    }
    // Other exception types as well; every block may throw.
    EXPECT_THROW(parallel_blocks(100, 1, [](Index, Index) { throw std::logic_error("x"); }),
                 std::logic_error);
  }
}

}  // namespace
}  // namespace difflab
