// A results directory accepts one writer at a time and only rows that belong to it: two
// writers would append every row twice and a resume would then fit on the duplicates.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/experiment_spec.hpp"
#include "difflab/experiment/results_table.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ResultsIntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("difflab_integrity_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static json row(std::size_t k, const std::string& hash) {
    return {{"row", k}, {"options_hash", hash}, {"metrics", {{"w2", 0.5}}}};
  }
  void write_rows(const std::string& text) { write_text_atomic(dir_ + "/results.jsonl", text); }
  std::string dir_;
};

TEST_F(ResultsIntegrityTest, SecondWriterOnTheSameDirectoryIsRefusedWithThePid) {
  ResultsTable first(dir_);
  expect_error([&] { ResultsTable second(dir_); },
               "in use by another difflab process (PID " + std::to_string(::getpid()));
}

TEST_F(ResultsIntegrityTest, SecondWriterInAnotherProcessIsRefused) {
  ResultsTable first(dir_);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    try {
      ResultsTable second(dir_);
    } catch (const Error& e) {
      code = std::string(e.what()).find("(PID " + std::to_string(::getppid())) != std::string::npos
                 ? 0
                 : 1;
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(ResultsIntegrityTest, DuplicatedRowIsRejectedNamingBothLines) {
  write_rows(row(0, "a").dump() + "\n" + row(1, "b").dump() + "\n" + row(1, "b").dump() + "\n");
  expect_error([&] { ResultsTable t(dir_); }, "line 3 repeats row 1 of line 2");
}

TEST_F(ResultsIntegrityTest, MalformedRowValuesAreBadInputNotInternalErrors) {
  write_rows(R"({"row": "zero", "options_hash": "a"})"
             "\n");
  expect_error([&] { ResultsTable t(dir_); }, "line 1: \"row\" must be a non-negative integer");
  write_rows(R"({"row": -1, "options_hash": "a"})"
             "\n");
  expect_error([&] { ResultsTable t(dir_); }, "\"row\" must be a non-negative integer");
  write_rows(R"({"row": 0, "options_hash": 7})"
             "\n");
  expect_error([&] { ResultsTable t(dir_); }, "\"options_hash\" must be a string");
  write_rows(R"([1, 2])"
             "\n"
             R"({"row": 0, "options_hash": "a"})"
             "\n");
  expect_error([&] { ResultsTable t(dir_); }, "line 1 is not a complete result row");
  write_rows(R"({"row": 0, "options_hash": "a", "metrics": {"w2": 1e999}})"
             "\n" +
             row(1, "b").dump() + "\n");
  expect_error([&] { ResultsTable t(dir_); }, "line 1 is not a complete result row");
}

TEST_F(ResultsIntegrityTest, RowsThatAreNotRunsOfTheSpecAreOrphans) {
  const json spec = json::parse(R"({"seed": 3, "base": {"target": {"type": "gaussian",
      "mean": [0], "var": 1}, "steps": 10}, "metrics": ["law"],
      "sweep": {"axes": {"steps": [10, 20]}}})");
  write_json(dir_ + "/spec.json", spec);
  const auto runs = expand_runs(parse_experiment_spec(spec));
  ASSERT_EQ(runs.size(), 2u);
  // The spec's own rows load.
  write_rows(row(0, runs[0].hash).dump() + "\n" + row(1, runs[1].hash).dump() + "\n");
  EXPECT_EQ(ResultsTable(dir_).rows().size(), 2u);
  // A row index the spec does not have.
  write_rows(row(0, runs[0].hash).dump() + "\n" + row(2, runs[1].hash).dump() + "\n");
  expect_error([&] { ResultsTable t(dir_); }, "line 2: row 2 does not exist in");
  // A row whose options differ from the spec's run of that index.
  write_rows(row(0, runs[1].hash).dump() + "\n");
  expect_error([&] { ResultsTable t(dir_); }, "line 1: row 0 has options_hash " + runs[1].hash);
}

TEST_F(ResultsIntegrityTest, AppendingAMalformedRowIsRefused) {
  ResultsTable t(dir_);
  expect_error(
      [&] {
        t.append({{"row", "x"}, {"options_hash", "a"}});
      },
      "\"row\" must be a non-negative integer");
  expect_error([&] { t.append({{"row", 0}}); }, "missing \"options_hash\"");
  t.append(row(0, "a"));
  expect_error([&] { t.append(row(0, "a")); }, "row 0 is already stored");
}

}  // namespace
}  // namespace difflab
