// Cross-checks against independent implementations in Python: scipy (Bures W2 via
// scipy.linalg.sqrtm), numpy (KL closed form) and POT (ot.emd2, exact OT). The scripts live in
// tests/reference/ and run with Debian's /usr/bin/python3 (python3-scipy, python3-pot); a
// missing interpreter, or a script exiting with 77 because it cannot import its modules, skips
// the test with a message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/empirical_w2.hpp"
#include "difflab/metrics/gaussian_distances.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;
const char* const kPython = "/usr/bin/python3";
constexpr int kMissingModule = 77;

fs::path temp_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("difflab_metrics_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// Runs tests/reference/<script> with the arguments; returns its exit code (-1 if it did not
// exit normally).
int run_script(const std::string& script, const std::string& args) {
  const std::string cmd =
      std::string(kPython) + " " + DIFFLAB_SOURCE_DIR + "/tests/reference/" + script + " " + args;
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PythonReference, GaussianKlAndBuresW2AgainstNumpyScipy) {
  ASSERT_TRUE(fs::exists(kPython)) << kPython << " not found (scripts/setup installs it)";
  const fs::path dir = temp_dir("gauss");
  Matrix A(3, 3), B(3, 3);
  A << 2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 0.7;
  B << 0.5, -0.1, 0.0, -0.1, 1.8, 0.6, 0.0, 0.6, 1.1;
  Vector m0(3), m1(3);
  m0 << 0.1, -0.2, 0.3;
  m1 << -0.5, 0.4, 1.0;
  write_json((dir / "in.json").string(), {{"m0", json_util::to_json(m0)},
                                          {"S0", json_util::to_json(A)},
                                          {"m1", json_util::to_json(m1)},
                                          {"S1", json_util::to_json(B)}});
  const int rc = run_script("gaussian_reference.py",
                            (dir / "in.json").string() + " " + (dir / "out.json").string());
  if (rc == kMissingModule) {
    fs::remove_all(dir);
    FAIL() << kPython << " cannot import numpy/scipy (scripts/setup installs python3-scipy)";
  }
  ASSERT_EQ(rc, 0);
  const nlohmann::json ref = read_json((dir / "out.json").string());
  EXPECT_NEAR(gaussian_kl(m0, A, m1, B), ref["kl01"].get<double>(), 1e-10);
  EXPECT_NEAR(gaussian_kl(m1, B, m0, A), ref["kl10"].get<double>(), 1e-10);
  EXPECT_NEAR(gaussian_w2(m0, A, m1, B), ref["w2"].get<double>(), 1e-10);
  fs::remove_all(dir);
}

TEST(PythonReference, ExactOtCostAgainstPotEmd2) {
  ASSERT_TRUE(fs::exists(kPython)) << kPython << " not found (scripts/setup installs it)";
  const fs::path dir = temp_dir("ot");
  const CounterRng rng(17);
  const std::pair<Index, Index> sizes[] = {{150, 150}, {300, 200}, {40, 97}};
  std::string args = (dir / "out.json").string();
  std::vector<double> ours;
  for (std::size_t c = 0; c < std::size(sizes); ++c) {
    const auto [n, m] = sizes[c];
    Matrix X(3, n), Y(3, m);
    rng.fill_normal(X, RngUse::kUser, 0, 2 * c);
    rng.fill_normal(Y, RngUse::kUser, 0, 2 * c + 1);
    Y.row(0).array() += 0.7;
    Y.row(2) *= 1.5;
    std::ostringstream xf, yf;
    xf << (dir / "X").string() << c << ".csv";
    yf << (dir / "Y").string() << c << ".csv";
    write_samples(xf.str(), X);
    write_samples(yf.str(), Y);
    args.append(" ").append(xf.str()).append(" ").append(yf.str());
    const double w2 = empirical_w2(X, Y).value;
    ours.push_back(w2 * w2);
  }
  const int rc = run_script("ot_reference.py", args);
  if (rc == kMissingModule) {
    fs::remove_all(dir);
    FAIL() << kPython << " cannot import numpy/ot (scripts/setup installs python3-pot)";
  }
  ASSERT_EQ(rc, 0);
  const nlohmann::json ref = read_json((dir / "out.json").string())["w2_squared"];
  ASSERT_EQ(ref.size(), ours.size());
  for (std::size_t c = 0; c < ours.size(); ++c)
    EXPECT_NEAR(ours[c], ref[c].get<double>(), 1e-10 * ref[c].get<double>())
        << "n = " << sizes[c].first << ", m = " << sizes[c].second;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace difflab
