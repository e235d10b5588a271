// Bad input to the readers and writers is a difflab::Error (exit 2 with one line in the CLI),
// never another exception: overflowing JSON numbers, a directory where a file is expected,
// unwritable output paths, an .npy shape whose byte count overflows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/memory_budget.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

class FileIoBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("difflab_badio_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FileIoBadInputTest, JsonNumberOverflowNamesTheFileAndByte) {
  difflab::expect_error([] { parse_json("{\"var\": 1e999}", "t.json"); },
                        "t.json: invalid JSON: at byte 9: ");
  difflab::expect_error([] { parse_json("[1, \"1e999\", -2e400]", "s.json"); }, "at byte 14");
  const std::string p = dir_ + "/t.json";
  write_text_atomic(p, "{\"mean\": [0, 1e309]}");
  difflab::expect_error([&] { read_json(p); }, p + ": invalid JSON");
}

TEST_F(FileIoBadInputTest, JsonIntegerAboveInt64IsRefused) {
  const auto j = parse_json("{\"n\": 18446744073709551615}", "spec");
  difflab::expect_error([&] { json_util::integer(j["n"], "spec: n"); }, "spec: n: integer");
}

TEST_F(FileIoBadInputTest, DirectoryGivenAsAFileIsNamedAsSuch) {
  difflab::expect_error([&] { read_json(dir_); }, dir_ + ": is a directory, not a file");
  fs::create_directories(dir_ + "/x.csv");
  difflab::expect_error([&] { read_samples(dir_ + "/x.csv"); }, "x.csv: is a directory");
  difflab::expect_error([&] { write_text_atomic(dir_ + "/x.csv", "1\n"); },
                        "x.csv: is a directory, not a file");
}

TEST_F(FileIoBadInputTest, UnwritableOutputPathsAreBadInput) {
  // A file where a directory is needed.
  write_text_atomic(dir_ + "/plain", "x");
  difflab::expect_error([&] { write_text_atomic(dir_ + "/plain/out.json", "{}"); },
                        "out.json: cannot create directory");
  // A directory nobody can create (procfs refuses mkdir even for root).
  difflab::expect_error([] { write_text_atomic("/proc/x/y", "{}"); }, "/proc/x/y: ");
  difflab::expect_error([] { write_text_atomic("/proc/version", "x"); }, "/proc/version: ");
  difflab::expect_error([&] { ensure_directory(dir_ + "/plain"); }, "plain: ");
  difflab::expect_error([&] { ensure_directory(dir_ + "/plain/sub"); }, "plain/sub: cannot create");
  difflab::expect_error([] { ensure_directory("/proc/x/y"); }, "/proc/x/y: cannot create");
  ensure_directory(dir_ + "/a/b");
  EXPECT_TRUE(fs::is_directory(dir_ + "/a/b"));
}

// The same paths refused up front (before a long run), leaving nothing behind for a good one.
TEST_F(FileIoBadInputTest, WritableFileCheckRefusesWhatAWriteWouldFail) {
  write_text_atomic(dir_ + "/plain", "x");
  difflab::expect_error([&] { require_writable_file(dir_ + "/plain/out.json"); },
                        "out.json: cannot be written");
  difflab::expect_error([] { require_writable_file("/proc/x/y"); }, "/proc/x/y: cannot be written");
  difflab::expect_error([&] { require_writable_file(dir_); }, "is a directory, not a file");
  difflab::expect_error([] { require_writable_file(""); }, "output path is empty");
  require_writable_file(dir_ + "/new/sub/model.dlm");
  EXPECT_TRUE(fs::is_directory(dir_ + "/new/sub"));
  EXPECT_TRUE(fs::is_empty(dir_ + "/new/sub"));  // the probe is gone
  EXPECT_FALSE(fs::exists(dir_ + "/new/sub/model.dlm"));
}

TEST_F(FileIoBadInputTest, NpyShapeWhoseByteCountOverflowsIsRefused) {
  // 2^61 x 4 doubles = 2^66 bytes: wraps to 0 in 64-bit arithmetic, which matched an empty
  // data section before the size computation was checked.
  std::string header =
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952, 4), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header.push_back('\n');
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  difflab::expect_error([&] { parse_npy_samples(bytes, "big.npy"); }, "big.npy");
  // A shape entry that is not a plain integer is not read as its numeric prefix.
  std::string h2 = "{'descr': '<f8', 'fortran_order': False, 'shape': (1e5, 1), }";
  std::string b2("\x93NUMPY\x01\x00", 8);
  b2.push_back(static_cast<char>(h2.size()));
  b2.push_back('\0');
  b2 += h2;
  b2.append(8, '\0');
  difflab::expect_error([&] { parse_npy_samples(b2, "e.npy"); },
                        "malformed .npy shape entry '1e5'");
}

TEST_F(FileIoBadInputTest, ReadersRefuseSamplesBeyondTheMemoryBudget) {
  std::string csv;
  for (int i = 0; i < 100; ++i) csv += "1,2,3\n";
  set_memory_limit(1024);  // 100 x 3 doubles, twice, is 4800 bytes
  difflab::expect_error([&] { parse_csv_samples(csv, "big.csv"); },
                        "big.csv: 101 x 3 samples needs about 4.7 KiB of memory but 1.0 KiB");
  const std::string npy = format_npy_samples(Matrix::Ones(3, 100));
  difflab::expect_error([&] { parse_npy_samples(npy, "big.npy"); },
                        "big.npy: 100 x 3 samples needs about");
  set_memory_limit(0);
  EXPECT_EQ(parse_csv_samples(csv, "big.csv").cols(), 100);
  EXPECT_EQ(parse_npy_samples(npy, "big.npy").cols(), 100);
}

}  // namespace
}  // namespace difflab
