#include "difflab/pipeline/task_farm.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "core/expect_error.hpp"
#include "core/thread_rank_communicator.hpp"

namespace difflab {
namespace {

// Runs `ranks` ranks: rank 0 calls `boss`, the others serve tasks computed by `work`.
void run_farm(int ranks, const std::function<void(Communicator&)>& boss,
              const std::function<std::string(int rank, std::size_t task)>& work) {
  FarmMailboxes m(ranks);
  std::vector<std::thread> workers;
  for (int r = 1; r < ranks; ++r)
    workers.emplace_back([&m, r, &work] {
      ThreadRankCommunicator c(m, r);
      serve_tasks(c, [&](const nlohmann::json& setup) -> TaskFunction {
        const int offset = setup["offset"].get<int>();
        return [&work, r, offset](std::size_t i) { return work(r, i + offset); };
      });
    });
  ThreadRankCommunicator c0(m, 0);
  try {
    boss(c0);
  } catch (...) {
    for (auto& w : workers) w.join();
    throw;
  }
  for (auto& w : workers) w.join();
}

TEST(TaskFarm, DeliversEveryResultOnceInTaskOrderWhateverTheRankCount) {
  for (int ranks : {2, 3, 5}) {
    std::vector<std::string> got;
    run_farm(
        ranks,
        [&](Communicator& c) {
          farm_out_tasks(c, {{"offset", 100}}, 23, [&](std::size_t i, const std::string& r) {
            EXPECT_EQ(i, got.size());
            got.push_back(r);
          });
        },
        [](int rank, std::size_t task) {
          // Uneven tasks, so results arrive out of order.
          std::this_thread::sleep_for(std::chrono::microseconds((task * 37 + rank * 101) % 500));
          return std::to_string(task);
        });
    ASSERT_EQ(got.size(), 23u) << ranks;
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], std::to_string(i + 100));
  }
}

TEST(TaskFarm, AFailedTaskStopsTheFarmAndKeepsItsKind) {
  std::size_t delivered = 0;
  expect_error(
      [&] {
        run_farm(
            3,
            [&](Communicator& c) {
              farm_out_tasks(c, {{"offset", 0}}, 40,
                             [&](std::size_t, const std::string&) { ++delivered; });
            },
            [](int, std::size_t task) -> std::string {
              if (task == 5) throw Error("row 5: bad steps");
              return "ok";
            });
      },
      "row 5: bad steps");
  EXPECT_LE(delivered, 5u);
  EXPECT_THROW(run_farm(
                   2,
                   [&](Communicator& c) {
                     farm_out_tasks(c, {{"offset", 0}}, 3, [&](std::size_t, const std::string&) {});
                   },
                   [](int, std::size_t) -> std::string { throw std::runtime_error("broken"); }),
               std::runtime_error);
}

TEST(TaskFarm, AFailingDeliveryAndADismissalReleaseTheWorkers) {
  // The test finishes only if every worker returns.
  expect_error(
      [&] {
        run_farm(
            3,
            [&](Communicator& c) {
              farm_out_tasks(c, {{"offset", 0}}, 10, [&](std::size_t i, const std::string&) {
                if (i == 2) fail("disk full");
              });
            },
            [](int, std::size_t) { return std::string("r"); });
      },
      "disk full");
  run_farm(
      4, [](Communicator& c) { dismiss_workers(c); },
      [](int, std::size_t) -> std::string { throw std::logic_error("no task expected"); });
}

}  // namespace
}  // namespace difflab
