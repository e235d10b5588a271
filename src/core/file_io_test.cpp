#include "difflab/core/file_io.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>

#include "difflab/core/error.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0;
}

// Expects a difflab::Error whose message contains every needle.
void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& needle : needles)
      EXPECT_NE(msg.find(needle), std::string::npos) << "'" << msg << "' lacks '" << needle << "'";
  }
}

// Matrices that stress exact round trips: extreme magnitudes, signed zero, subnormals.
std::vector<Matrix> awkward_matrices() {
  Matrix big(3, 4);
  big << 1.0 / 3, -2.0 / 7, 1e300, -1e-300, std::numeric_limits<double>::max(),
      std::numeric_limits<double>::denorm_min(), -0.0, 0.1, 123456789.123456789,
      std::numeric_limits<double>::min(), -std::numeric_limits<double>::epsilon(), 6.02214076e23;
  Matrix row(1, 5);  // one coordinate, five particles (file: 5 x 1)
  row << 0.1, 0.2, 0.3, -1e-17, 2.5;
  Matrix col(4, 1);  // one particle in four dimensions (file: 1 x 4)
  col << 1e-310, -1e200, 3.141592653589793, 2.718281828459045;
  Matrix random = Matrix::Random(6, 50) * 1e3;
  return {big, row, col, random};
}

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("difflab_file_io_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(FileIoTest, CsvAndNpyRoundTripsAreBitExact) {
  for (const Matrix& X : awkward_matrices()) {
    for (const char* ext : {".csv", ".npy"}) {
      const std::string p = path(std::string("x") + ext);
      write_samples(p, X);
      const Matrix back = read_samples(p, X.rows());
      EXPECT_TRUE(same_bits(back, X)) << ext << " " << X.rows() << " x " << X.cols();
    }
  }
}

TEST_F(FileIoTest, CsvLayoutIsOneParticlePerRow) {
  const Matrix X = parse_csv_samples("1,2,3\n4,5,6\n", "t.csv");
  ASSERT_EQ(X.rows(), 3);  // dimension
  ASSERT_EQ(X.cols(), 2);  // particles
  EXPECT_EQ(X(2, 0), 3.0);
  EXPECT_EQ(X(0, 1), 4.0);
  // Spaces, '+', CRLF and blank lines are tolerated.
  EXPECT_EQ(parse_csv_samples(" +1 , 2\r\n\n3,\t4\n\n", "t.csv"),
            parse_csv_samples("1,2\n3,4", "t.csv"));
}

TEST_F(FileIoTest, CsvRejectsBadInputNamingTheLine) {
  expect_error([] { parse_csv_samples("1,2\nnan,3\n", "a.csv"); },
               {"a.csv: ", "row 2, column 1", "not finite"});
  expect_error([] { parse_csv_samples("1,2\n3,inf\n", "a.csv"); },
               {"a.csv: ", "row 2, column 2", "not finite"});
  expect_error([] { parse_csv_samples("1,2\n3\n", "a.csv"); },
               {"a.csv: line 2 has 1 values but earlier lines have 2 (ragged rows)"});
  expect_error([] { parse_csv_samples("1,2\n3,4,5\n", "a.csv"); }, {"a.csv: line 2 has 3 values"});
  expect_error([] { parse_csv_samples("1,2\n3,abc\n", "a.csv"); },
               {"a.csv: line 2, field 2: not a number: 'abc'"});
  expect_error([] { parse_csv_samples("x,y\n1,2\n", "a.csv"); },
               {"a.csv: line 1, field 1: not a number: 'x'"});  // a header is not allowed
  expect_error([] { parse_csv_samples("1,,2\n", "a.csv"); },
               {"a.csv: line 1, field 2: not a number: ''"});
  expect_error([] { parse_csv_samples("1e999\n", "a.csv"); }, {"a.csv: line 1, field 1"});
  expect_error([] { parse_csv_samples("", "a.csv"); }, {"a.csv: no samples (empty file)"});
  expect_error([] { parse_csv_samples("\n \n", "a.csv"); }, {"a.csv: no samples (empty file)"});
}

TEST_F(FileIoTest, ReadSamplesChecksDimensionAndFormat) {
  const std::string p = path("x.csv");
  write_samples(p, Matrix::Ones(3, 4));
  EXPECT_EQ(read_samples(p, 3).cols(), 4);
  EXPECT_EQ(read_samples(p).rows(), 3);
  expect_error([&] { read_samples(p, 2); }, {p + ": samples have dimension 3 but 2 is expected"});
  expect_error([&] { write_samples(path("x.txt"), Matrix::Ones(1, 1)); },
               {"unknown sample file format '.txt'"});
  expect_error([&] { read_samples(path("x.bin")); }, {"unknown sample file format '.bin'"});
  expect_error([&] { read_samples(path("missing.csv")); }, {"missing.csv: cannot open"});
  // The upper-case extension is recognised.
  write_samples(path("y.NPY"), Matrix::Ones(2, 2));
  EXPECT_EQ(read_samples(path("y.NPY")), Matrix::Ones(2, 2));
}

// An .npy file with the given header dict and data bytes (format 1.0).
std::string npy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

std::string doubles(std::initializer_list<double> v) {
  return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * sizeof(double));
}

TEST_F(FileIoTest, NpyParsesHandWrittenFiles) {
  // Shape (2, 3): two particles in three dimensions, C order.
  const Matrix X =
      parse_npy_samples(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                            doubles({1, 2, 3, 4, 5, 6})),
                        "a.npy");
  ASSERT_EQ(X.rows(), 3);
  ASSERT_EQ(X.cols(), 2);
  EXPECT_EQ(X(2, 0), 3.0);
  EXPECT_EQ(X(0, 1), 4.0);
  // A 1-D array is n particles in one dimension.
  const Matrix v = parse_npy_samples(
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", doubles({7, 8, 9})),
      "v.npy");
  EXPECT_EQ(v.rows(), 1);
  EXPECT_EQ(v.cols(), 3);
}

TEST_F(FileIoTest, NpyRejectsWhatItCannotRepresent) {
  const std::string good_dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
  const std::string data = doubles({1, 2, 3, 4});
  EXPECT_NO_THROW(parse_npy_samples(npy(good_dict, data), "a.npy"));
  std::string bad_magic = npy(good_dict, data);
  bad_magic[1] = 'X';
  expect_error([&] { parse_npy_samples(bad_magic, "a.npy"); },
               {"a.npy: not an .npy file (bad magic)"});
  expect_error([&] { parse_npy_samples("\x93NUM", "a.npy"); }, {"a.npy: not an .npy file"});
  expect_error(
      [&] {
        parse_npy_samples(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                              std::string(16, '\0')),
                          "a.npy");
      },
      {"a.npy: .npy dtype must be little-endian float64 ('<f8')"});
  expect_error(
      [&] {
        parse_npy_samples(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", data),
                          "a.npy");
      },
      {"dtype must be little-endian float64"});
  expect_error(
      [&] {
        parse_npy_samples(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", data),
                          "a.npy");
      },
      {"a.npy: .npy must be in C order (fortran_order False)"});
  expect_error([&] { parse_npy_samples(npy(good_dict, data.substr(0, 24)), "a.npy"); },
               {"a.npy: truncated .npy data (24 bytes, shape needs 32)"});
  expect_error([&] { parse_npy_samples(npy(good_dict, data + "x"), "a.npy"); },
               {"a.npy: .npy file has trailing bytes after the data"});
  expect_error(
      [&] {
        parse_npy_samples(
            npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }", data), "a.npy");
      },
      {"a.npy: .npy array must be 2-D (n x d), got 3 dimensions"});
  expect_error(
      [&] {
        parse_npy_samples(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), }", ""),
                          "a.npy");
      },
      {"a.npy: .npy array is empty"});
  expect_error(
      [&] {
        parse_npy_samples(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                              doubles({1, std::numeric_limits<double>::quiet_NaN(), 3, 4})),
                          "a.npy");
      },
      {"a.npy: row 1, column 2: value is not finite"});
  // A header longer than the file.
  expect_error([&] { parse_npy_samples(npy(good_dict, data).substr(0, 40), "a.npy"); },
               {"a.npy: truncated .npy header"});
}

TEST_F(FileIoTest, WritesAreAtomic) {
  const std::string p = path("out.csv");
  write_text_atomic(p, "old contents that are longer than the new ones\n");
  write_samples(p, Matrix::Constant(2, 1, 0.5));
  EXPECT_EQ(read_text(p), "0.5,0.5\n");  // replaced, not appended or partially overwritten
  write_json(path("sub/dir/r.json"), nlohmann::json{{"a", 1}});  // creates parent directories
  EXPECT_EQ(read_json(path("sub/dir/r.json")), (nlohmann::json{{"a", 1}}));
  for (const auto& entry : fs::recursive_directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "left behind: " << entry.path();
  // A directory in the way: the write fails with the path in the message and leaves no file.
  fs::create_directories(path("blocked.csv"));
  expect_error([&] { write_samples(path("blocked.csv"), Matrix::Ones(1, 1)); },
               {path("blocked.csv") + ": "});
  for (const auto& entry : fs::recursive_directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "left behind: " << entry.path();
}

TEST_F(FileIoTest, JsonErrorsNameTheFile) {
  expect_error([] { parse_json("{\"a\": 1,", "spec.json"); }, {"spec.json: invalid JSON at byte"});
  expect_error([&] { read_json(path("none.json")); }, {"none.json: cannot open for reading"});
}

// numpy interoperability with Debian's /usr/bin/python3 and python3-numpy (scripts/setup). One
// interpreter run (numpy's import dominates the test's time) both writes an .npy for us to read and
// checks that numpy reads ours; it exits with 77 when numpy is missing.
TEST_F(FileIoTest, NumpyInterop) {
  ASSERT_TRUE(fs::exists("/usr/bin/python3"))
      << "/usr/bin/python3 not found (scripts/setup installs it)";
  const auto matrices = awkward_matrices();
  for (std::size_t m = 0; m < matrices.size(); ++m) {
    // Our .npy, and the same values as CSV (whose round trip is checked bit-exact above).
    write_samples(path("ours" + std::to_string(m) + ".npy"), matrices[m]);
    write_samples(path("ours" + std::to_string(m) + ".csv"), matrices[m]);
  }
  const std::string cmd =
      "cd '" + dir_.string() +
      "' && /usr/bin/python3 -c \"import sys\n"
      "try:\n"
      "  import numpy as np\n"
      "except ImportError:\n"
      "  sys.exit(77)\n"
      // x[i, k] = (i + 1) / 3 + k * 1e-300 - k, recomputed below with the same operations.
      "i = np.arange(5)[:, None]\n"
      "k = np.arange(3)[None, :]\n"
      "np.save('theirs.npy', (i + 1) / 3 + k * 1e-300 - k)\n"
      // numpy loads each of ours and compares it bit for bit with the CSV parsed by float().
      "for m in range(" +
      std::to_string(matrices.size()) +
      "):\n"
      "  a = np.load('ours%d.npy' % m)\n"
      "  b = np.array([[float(v) for v in l.split(',')] for l in open('ours%d.csv' % m)])\n"
      "  ok = a.dtype == np.float64 and a.shape == b.shape and a.tobytes() == b.tobytes()\n"
      "  if not ok: sys.exit(1)\n"
      "\"";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), 77)
      << "numpy not available (scripts/setup installs python3-numpy)";
  ASSERT_EQ(WEXITSTATUS(status), 0) << "numpy could not read one of our files";
  const Matrix X = read_samples(path("theirs.npy"), 3);
  ASSERT_EQ(X.cols(), 5);
  for (Index i = 0; i < 5; ++i)
    for (Index k = 0; k < 3; ++k)
      EXPECT_EQ(X(k, i), (i + 1) / 3.0 + static_cast<double>(k) * 1e-300 - static_cast<double>(k));
}

}  // namespace
}  // namespace difflab
