// Parity with k-diffusion: dpm2, lms, dpmpp-3m and dpmpp-3m-sde against a numpy transcription of
// k-diffusion's sample_dpm_2, sample_lms and sample_dpmpp_3m_sde (tests/reference/
// kdiffusion_reference.py) on the same grid, start points and noise, with the exact denoiser of a
// Gaussian target. k-diffusion works in variance-exploding variables: noise levels sigma_VE(t_k)
// = e^{-lambda(t_k)} and states x_VE = x / alpha(t), so our output must equal alpha(t_N) times
// the reference's. The script runs with Debian's /usr/bin/python3 (python3-numpy, -scipy); exit
// code 77 (cannot import them) fails with a message, as in metrics/python_reference_test.cpp.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;
const char* const kPython = "/usr/bin/python3";
constexpr int kMissingModule = 77;

struct ParityCase {
  std::string sampler;    // difflab's name
  std::string reference;  // the script's name for k-diffusion's function
  double eta;             // dpmpp_3m_sde only
};

nlohmann::json rows(const Matrix& X) {  // d x n -> n rows of d
  return json_util::to_json(Matrix(X.transpose()));
}

Matrix from_rows(const nlohmann::json& j, Index d) {
  Matrix out(d, static_cast<Index>(j.size()));
  for (std::size_t c = 0; c < j.size(); ++c)
    for (Index i = 0; i < d; ++i) out(i, static_cast<Index>(c)) = j[c][i].get<double>();
  return out;
}

void check_parity(const ParityCase& c, const TimeGrid& grid, const std::string& label) {
  const auto process = make_process("ou");
  Vector mean(3);
  mean << 0.5, -1.0, 2.0;
  Matrix cov(3, 3);
  cov << 1.2, 0.3, -0.2, 0.3, 0.6, 0.1, -0.2, 0.1, 2.0;
  const ExactScore score(std::make_shared<GaussianTarget>(mean, cov), process);
  const Index d = 3, n = 7;
  Matrix X0(d, n);
  CounterRng(21).fill_normal(X0, RngUse::kInitial, 0, 0);
  const std::uint64_t seed = 99;
  nlohmann::json sigmas = nlohmann::json::array();
  for (const double t : grid.times())
    sigmas.push_back(t == 0.0 ? 0.0 : std::exp(-process->log_snr(t)));
  nlohmann::json noise = nlohmann::json::array();
  const CounterNoise counter(seed);
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    Matrix Z(d, n);
    counter.normal(Z, 0, k, RngUse::kStepNoise);  // the draws the sampler makes at step k
    noise.push_back(rows(Z));
  }
  const fs::path dir = fs::temp_directory_path() /
                       ("difflab_kdiffusion_" + c.sampler + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_json((dir / "in.json").string(), {{"sampler", c.reference},
                                          {"eta", c.eta},
                                          {"sigmas", sigmas},
                                          {"mean", json_util::to_json(mean)},
                                          {"cov", json_util::to_json(cov)},
                                          {"x", rows(X0 / process->alpha(grid.T()))},
                                          {"noise", noise}});
  const std::string cmd = std::string(kPython) + " " + DIFFLAB_SOURCE_DIR +
                          "/tests/reference/kdiffusion_reference.py " + (dir / "in.json").string() +
                          " " + (dir / "out.json").string();
  const int status = std::system(cmd.c_str());
  const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (rc == kMissingModule) {
    fs::remove_all(dir);
    FAIL() << kPython << " cannot import numpy/scipy (scripts/setup installs python3-scipy)";
  }
  ASSERT_EQ(rc, 0) << cmd;
  const Matrix reference =
      process->alpha(grid.delta()) * from_rows(read_json((dir / "out.json").string())["x"], d);
  fs::remove_all(dir);
  Matrix X = X0;
  make_sampler(c.sampler)->sample(score, grid, X, SamplerOptions{}, counter);
  const double scale = std::max(1.0, reference.cwiseAbs().maxCoeff());
  EXPECT_LT((X - reference).cwiseAbs().maxCoeff(), 1e-10 * scale)
      << c.sampler << " on " << label << ":\nours\n"
      << X << "\nk-diffusion\n"
      << reference;
  EXPECT_GT((X - X0).cwiseAbs().maxCoeff(), 0.1) << c.sampler << " did not move the points";
}

class KDiffusionParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(KDiffusionParity, SameOutputOnTheSameGridStartPointsAndNoise) {
  ASSERT_TRUE(fs::exists(kPython)) << kPython << " not found (scripts/setup installs it)";
  const auto process = make_process("ou");
  // Karras and log-SNR grids, to t = 0 (the final Euler / denoising step) and to delta > 0.
  for (const double delta : {0.0, 1e-2}) {
    check_parity(GetParam(), make_grid("karras", *process, 3.0, delta, 11),
                 "karras to " + std::to_string(delta));
    check_parity(GetParam(), make_grid("logsnr", *process, 2.5, delta == 0 ? 1e-3 : delta, 9),
                 "logsnr to " + std::to_string(delta));
  }
}

INSTANTIATE_TEST_SUITE_P(Samplers, KDiffusionParity,
                         ::testing::Values(ParityCase{"dpm2", "dpm_2", 0.0},
                                           ParityCase{"lms", "lms", 0.0},
                                           ParityCase{"dpmpp-3m", "dpmpp_3m_sde", 0.0},
                                           ParityCase{"dpmpp-3m-sde", "dpmpp_3m_sde", 1.0}),
                         [](const ::testing::TestParamInfo<ParityCase>& param_info) {
                           std::string s = param_info.param.sampler;
                           for (char& ch : s)
                             if (ch == '-') ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace difflab
