#include "difflab/experiment/results_table.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ResultsTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("difflab_results_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static json row(int k, double v) {
    return {{"row", k}, {"options_hash", "h" + std::to_string(k)}, {"metrics", {{"w2", v}}}};
  }
  std::string dir_;
};

TEST_F(ResultsTableTest, RowsSurviveReopening) {
  {
    ResultsTable t(dir_);
    EXPECT_TRUE(t.rows().empty());
    t.append(row(0, 0.5));
    t.append(row(1, 0.25));
  }
  const ResultsTable t(dir_);
  ASSERT_EQ(t.rows().size(), 2u);
  EXPECT_EQ(t.rows()[1], row(1, 0.25));
  EXPECT_NE(t.find(1, "h1"), nullptr);
  EXPECT_EQ(t.find(1, "h0"), nullptr);  // index and hash must both match
  EXPECT_EQ(t.find(2, "h2"), nullptr);
  EXPECT_EQ(read_text(t.csv_path()), "row,options_hash,metrics.w2\n0,h0,0.5\n1,h1,0.25\n");
}

TEST_F(ResultsTableTest, TornLastLineIsDroppedAndTheFileRepaired) {
  {
    ResultsTable t(dir_);
    t.append(row(0, 0.5));
    t.append(row(1, 0.25));
  }
  // A writer killed in the middle of row 2.
  const std::string path = dir_ + "/results.jsonl";
  std::string text = read_text(path);
  const std::string partial = row(2, 0.125).dump();
  write_text_atomic(path, text + partial.substr(0, partial.size() / 2));
  ResultsTable t(dir_);
  ASSERT_EQ(t.rows().size(), 2u);
  EXPECT_EQ(read_text(path), text);
  t.append(row(2, 0.125));
  EXPECT_EQ(read_text(path), text + partial + "\n");
}

TEST_F(ResultsTableTest, CorruptMiddleLineIsAnError) {
  fs::create_directories(dir_);
  write_text_atomic(dir_ + "/results.jsonl",
                    row(0, 1).dump() + "\n{\"row\": 1,\n" + row(2, 1).dump() + "\n");
  expect_error([&] { ResultsTable t(dir_); }, "line 2 is not a complete result row");
}

TEST_F(ResultsTableTest, CsvHasTheUnionOfColumnsInRunOrderWithQuoting) {
  ResultsTable t(dir_);
  t.append({{"row", 1}, {"options_hash", "b"}, {"note", "a,\"b\""}, {"ci", {1.5, 2}}});
  t.append({{"row", 0}, {"options_hash", "a"}, {"x", nullptr}, {"ok", true}});
  // row and options_hash lead; the other columns in first-seen order (nlohmann::json objects
  // iterate keys alphabetically); rows are listed by "row".
  EXPECT_EQ(read_text(t.csv_path()),
            "row,options_hash,ok,x,ci.0,ci.1,note\n"
            "0,a,true,,,,\n"
            "1,b,,,1.5,2,\"a,\"\"b\"\"\"\n");
}

TEST(FlattenJson, DottedNames) {
  std::vector<std::pair<std::string, json>> out;
  flatten_json(json::parse(R"({"a": {"b": 1, "c": [2, {"d": 3}]}})"), "", out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].first, "a.b");
  EXPECT_EQ(out[1].first, "a.c.0");
  EXPECT_EQ(out[2].first, "a.c.1.d");
  EXPECT_EQ(out[2].second, 3);
}

}  // namespace
}  // namespace difflab
