#include "difflab/schedule/grid_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class GridFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("difflab_grid_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    write_text_atomic(path, text);
    return path;
  }
  // Expects grid_from_file(path) to fail with a message holding the path and `needle`.
  void expect_rejected(const std::string& text, const std::string& needle) {
    const std::string path = write("bad.txt", text);
    try {
      grid_from_file(path);
      ADD_FAILURE() << "accepted: '" << text << "'";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(path + ": "), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << "'" << msg << "' lacks '" << needle << "'";
    }
  }
  fs::path dir_;
};

TEST_F(GridFileTest, RoundTripsExactly) {
  const OrnsteinUhlenbeck ou;
  for (const TimeGrid& g : {benton_grid(6, 1e-3, 200), karras_grid(ou, 6, 0.0, 17),
                            quadratic_grid(2.5, 1e-7, 9), logsnr_grid(ou, 1.0 / 3, 1e-9, 13)}) {
    const std::string path = write("grid.txt", format_grid_text(g));
    const TimeGrid back = grid_from_file(path);
    EXPECT_EQ(back.times(), g.times()) << g.name();  // bit-exact
    EXPECT_EQ(back.name(), "file");
    EXPECT_EQ(make_grid("file", ou, 0, 0, 0, path).times(), g.times());
  }
}

TEST_F(GridFileTest, SkipsBlankLinesCommentsAndSpaces) {
  const std::string path =
      write("grid.txt", "# my grid\n\n  3.0  \r\n\t2\n# the end is zero\n1e-1\n0\n\n");
  EXPECT_EQ(grid_from_file(path).times(), (std::vector<double>{3.0, 2.0, 0.1, 0.0}));
  // No trailing newline is fine too.
  EXPECT_EQ(grid_from_file(write("g2.txt", "1\n0.5")).times(), (std::vector<double>{1.0, 0.5}));
}

TEST_F(GridFileTest, RejectsBadFiles) {
  expect_rejected("3\nabc\n1\n", "line 2: not a number: 'abc'");
  expect_rejected("3\n2 1\n", "line 2: not a number: '2 1'");
  expect_rejected("3\n2,1\n", "line 2: not a number: '2,1'");
  expect_rejected("3\nnan\n1\n", "line 2: time is not finite");
  expect_rejected("inf\n1\n", "line 1: time is not finite");
  expect_rejected("3\n1\n-0.5\n", "line 3: time -0.5 is negative");
  expect_rejected("3\n# c\n2\n2\n", "line 4: time 2 is not below the previous time 2");
  expect_rejected("1\n2\n", "line 2: time 2 is not below the previous time 1");
  expect_rejected("3\n", "needs at least two times (T and delta), got 1");
  expect_rejected("", "needs at least two times (T and delta), got 0");
  expect_rejected("# only a comment\n\n", "got 0");
}

TEST_F(GridFileTest, MissingFileAndHorizonBeyondProcess) {
  const std::string missing = (dir_ / "missing.txt").string();
  try {
    grid_from_file(missing);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string path = write("grid.txt", "2\n1\n0\n");
  try {
    make_grid("file", LinearVP(), 0, 0, 0, path);  // vp-linear has t_max = 1
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": first time T = 2 is beyond the vp-linear"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace difflab
