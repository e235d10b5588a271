// Tests of the probability-flow ODE samplers (ode-ei, ddim, heun, dpmpp-2m, rk45) against
// analytic truth: the exact PF-ODE flow map of a Gaussian target, DDIM / DPM-Solver formulas
// written out independently here, and literal transcriptions of k-diffusion's sample_heun and
// sample_dpmpp_2m in VE variables.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/ddim.hpp"
#include "difflab/sampler/dormand_prince.hpp"
#include "difflab/sampler/dpm_solver_pp_2m.hpp"
#include "difflab/sampler/heun.hpp"
#include "difflab/sampler/probability_flow_ei.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// A non-diagonal 3-d Gaussian target: Sigma = R diag(0.3, 1, 2.5) R^T with a fixed rotation R,
// mean mu = (0.5, -1, 2).
struct GaussianProblem {
  Vector mu;
  Matrix cov;
  std::shared_ptr<const GaussianTarget> target;
  explicit GaussianProblem() {
    mu = Vector(3);
    mu << 0.5, -1.0, 2.0;
    Matrix R = Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, -1).normalized()).toRotationMatrix();
    Vector lambda(3);
    lambda << 0.3, 1.0, 2.5;
    cov = R * lambda.asDiagonal() * R.transpose();
    target = std::make_shared<GaussianTarget>(mu, cov);
  }
};

// Exact flow map of the PF-ODE from t = T to t = delta for the Gaussian target.
// Derivation: in the eigenbasis of Sigma (eigenvalue lambda, mean coordinate mu) q_t has mean
// m_t = alpha_t mu and variance c_t = alpha_t^2 lambda + sigma_t^2, and the exact score is
// -(x - m_t)/c_t. With dalpha/dt = -(1/2) beta alpha and d(sigma^2)/dt = beta alpha^2:
//   dm/dt = -(1/2) beta m,   dc/dt = -beta alpha^2 lambda + beta alpha^2 = beta (1 - c),
// and the ODE dx/dt = -(1/2) beta (x + s) gives
//   d(x - m)/dt = -(1/2) beta (x - m) + (1/2) beta (x - m)/c = (1/2) beta (x - m)(1 - c)/c
//               = (x - m) d(log sqrt(c))/dt.
// So (x_t - m_t)/sqrt(c_t) is constant along the flow: x_delta = m_delta + sqrt(c_delta/c_T)
// (x_T - m_T). This is affine, so it maps the Gaussian q_T onto the Gaussian q_delta (same mean
// m_delta, variance c_T * c_delta/c_T = c_delta): the ODE transports the marginals, as it must.
// The eigen-decomposition is computed here, independently of GaussianTarget's.
Matrix exact_flow(const GaussianProblem& p, const ForwardProcess& process, double T, double delta,
                  const Matrix& XT) {
  const SymmetricEigen eig = symmetric_eigen(p.cov);
  const Matrix& U = eig.vectors;
  const Vector& lambda = eig.values;
  const double aT = process.alpha(T), ad = process.alpha(delta);
  const double s2T = process.sigma2(T), s2d = process.sigma2(delta);
  Matrix Y = U.transpose() * (XT.colwise() - aT * p.mu);
  for (Index i = 0; i < Y.rows(); ++i) {
    const double cT = aT * aT * lambda(i) + s2T;
    const double cd = ad * ad * lambda(i) + s2d;
    Y.row(i) *= std::sqrt(cd / cT);
  }
  return (U * Y).colwise() + ad * p.mu;
}

// E[X_0 | X_t = x] for X_t = alpha X_0 + sigma Z, X_0 ~ N(mu, Sigma) (Gaussian conditioning),
// written without the score: mu + alpha Sigma (alpha^2 Sigma + sigma^2 I)^{-1} (x - alpha mu).
Matrix posterior_mean(const GaussianProblem& p, double alpha, double sigma2, const Matrix& X) {
  const Index d = p.mu.size();
  const Matrix Ct = alpha * alpha * p.cov + sigma2 * Matrix::Identity(d, d);
  return (alpha * p.cov * Ct.llt().solve(X.colwise() - alpha * p.mu)).colwise() + p.mu;
}

// EDM's denoiser in VE variables: D(x; s) = E[X_0 | X_0 + s Z = x].
Matrix ve_denoiser(const GaussianProblem& p, double s, const Matrix& X) {
  return posterior_mean(p, 1.0, s * s, X);
}

// Deterministic starting points: n draws of N(0, I), scaled by 1.5 to leave the bulk.
Matrix starting_points(Index d, Index n, std::uint64_t seed) {
  Matrix X(d, n);
  CounterRng(seed).fill_normal(X, RngUse::kInitial, 0, 0);
  return 1.5 * X;
}

class NoNoise final : public NoiseSource {
 public:
  void normal(MatrixRef, std::uint64_t, std::uint64_t, RngUse) const override {
    fail("an ODE sampler drew Gaussian noise");
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    fail("an ODE sampler drew a uniform");
  }
};

Matrix run(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid, Matrix X,
           SamplerOptions options = {}, SamplerSummary* summary = nullptr) {
  const SamplerSummary s = sampler.sample(score, grid, X, options, NoNoise());
  if (summary) *summary = s;
  return X;
}

double max_abs(const Matrix& A) { return A.cwiseAbs().maxCoeff(); }

// The deterministic diffusion samplers of the registry, with their traits.
std::vector<SamplerInfo> ode_samplers() {
  std::vector<SamplerInfo> out;
  for (const SamplerInfo& info : list_samplers())
    if (!info.traits.stochastic && info.traits.family == SamplerTraits::Family::kDiffusion)
      out.push_back(info);
  return out;
}

struct ProcessCase {
  std::string name;
  double T;
};
const std::vector<ProcessCase> kProcesses = {{"ou", 3.0}, {"vp-linear", 1.0}, {"vp-cosine", 0.9}};

// Convergence order against the exact flow map: error(N) / error(2N) ~ 2^p for N = 20, 40, 80.
struct OrderCase {
  std::string sampler;
  double order;
  bool one_step;
};
// Every fixed-grid ODE sampler (order > 0; rk45 controls its error by tolerance instead).
std::vector<OrderCase> order_cases() {
  std::vector<OrderCase> out;
  for (const SamplerInfo& info : ode_samplers())
    if (info.traits.order > 0) out.push_back({info.name, info.traits.order, info.traits.one_step});
  return out;
}
// Grids and early-stopping times: log-SNR steps (the natural grid of DDIM and DPM-Solver) down to
// delta = 1e-3, and uniform steps in t down to delta = 0.1. (A uniform-in-t grid down to
// 1e-2 makes the last log-SNR steps very unequal, e.g. lambda 1.15 -> 1.96 on the last OU step
// even at N = 80, which keeps the multistep dpmpp-2m in its pre-asymptotic regime at these N.)
const std::vector<std::pair<std::string, double>> kGrids = {{"logsnr", 1e-3}, {"uniform", 0.1}};

class ConvergenceOrder : public ::testing::TestWithParam<OrderCase> {};

TEST_P(ConvergenceOrder, MatchesTheoryOnUniformAndLogSnrGrids) {
  const OrderCase c = GetParam();
  const GaussianProblem p;
  const auto sampler = make_sampler(c.sampler);
  for (const ProcessCase& pc : kProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(p.target, process);
    const Matrix X0 = starting_points(3, 16, 11);
    for (const auto& [grid_name, delta] : kGrids) {
      // Multistep samplers extrapolate in log-SNR: on the uniform-in-t grid the last steps'
      // ratios (see above) keep them pre-asymptotic at these N, so they run on the log-SNR grid.
      if (!c.one_step && grid_name != "logsnr") continue;
      const Matrix exact = exact_flow(p, *process, pc.T, delta, X0);
      std::vector<double> err;
      for (int N : {40, 80, 160}) {
        const TimeGrid grid = make_grid(grid_name, *process, pc.T, delta, N);
        err.push_back(max_abs(run(*sampler, score, grid, X0) - exact));
      }
      for (std::size_t i = 0; i + 1 < err.size(); ++i) {
        const double observed = std::log2(err[i] / err[i + 1]);
        // Multistep samplers: the declared order is asymptotic and counts the start-up steps
        // (SamplerTraits::order); before that regime they converge faster, never slower.
        if (c.one_step) {
          EXPECT_NEAR(observed, c.order, 0.3)
              << c.sampler << " on " << pc.name << " with a " << grid_name << " grid to " << delta
              << ": errors " << err[i] << " -> " << err[i + 1];
          continue;
        }
        EXPECT_GT(observed, c.order - 0.3)
            << c.sampler << " on " << pc.name << " with a " << grid_name << " grid to " << delta
            << ": errors " << err[i] << " -> " << err[i + 1];
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OdeSamplers, ConvergenceOrder, ::testing::ValuesIn(order_cases()),
                         [](const ::testing::TestParamInfo<OrderCase>& param_info) {
                           std::string n = param_info.param.sampler;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// rk45 meets its tolerance at every grid time (the grid's times are output times it must hit
// exactly), and tighter tolerances cost more evaluations.
TEST(DormandPrince45, ReachesRequestedToleranceAtEveryGridTime) {
  const GaussianProblem p;
  const DormandPrince45 sampler;
  for (const ProcessCase& pc : kProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(p.target, process);
    const Matrix X0 = starting_points(3, 8, 5);
    const TimeGrid grid = uniform_grid(pc.T, 0.0, 5);  // the Gaussian score is regular at 0
    double previous_nfe = 0;
    for (double tol : {1e-4, 1e-7, 1e-10}) {
      SamplerOptions options;
      options.rtol = tol;
      options.atol = tol;
      std::mutex m;
      double worst = 0;
      std::size_t reports = 0;
      options.on_step = [&](const StepInfo& info, Index first, ConstMatrixRef block) {
        const Matrix exact =
            exact_flow(p, *process, pc.T, info.t_to, X0.middleCols(first, block.cols()));
        std::lock_guard<std::mutex> lock(m);
        EXPECT_EQ(info.t_to, grid.t(info.step + 1));
        // Error in units of the tolerance the controller works with, atol + rtol |x|.
        const Matrix scale = (tol * (1.0 + exact.array().abs())).matrix();
        worst = std::max(worst, (block - exact).cwiseQuotient(scale).cwiseAbs().maxCoeff());
        ++reports;
      };
      SamplerSummary summary;
      run(sampler, score, grid, X0, options, &summary);
      EXPECT_EQ(reports, grid.steps());
      // The global error of this well-conditioned problem stays within a small multiple of the
      // tolerance the controller enforces per step (observed: at most ~1.4 tolerances).
      EXPECT_LT(worst, 5.0) << pc.name << " tol " << tol;
      EXPECT_GT(summary.nfe, previous_nfe) << pc.name << " tol " << tol;
      previous_nfe = summary.nfe;
    }
  }
}

// A score that is infinite at t = 0 (as for point masses): with a grid to delta = 0 rk45's last
// stage evaluates it there, which must be reported, not silently turned into a result.
class SingularAtZeroScore final : public ScoreModel {
 public:
  explicit SingularAtZeroScore(const ExactScore& inner)
      : ScoreModel(inner.process_ptr()), inner_(inner) {}
  Index dim() const override { return inner_.dim(); }
  std::string name() const override { return "singular"; }
  nlohmann::json to_json() const override { return {}; }

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override {
    inner_.score(t, X, out);
    if (t == 0.0) out.setConstant(std::numeric_limits<double>::infinity());
  }

 private:
  const ExactScore& inner_;
};

TEST(DormandPrince45, NonFiniteScoreIsAnError) {
  const GaussianProblem p;
  const auto process = make_process(std::string("ou"));
  const ExactScore exact(p.target, process);
  const SingularAtZeroScore singular(exact);
  const Matrix X0 = starting_points(3, 2, 1);
  try {
    run(DormandPrince45(), singular, uniform_grid(1.0, 0.0, 2), X0);
    ADD_FAILURE() << "no error for a score that is infinite at t = 0";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not finite at t=0"), std::string::npos) << e.what();
  }
  // Stopping at delta > 0, as the grid says, never touches t = 0.
  const Matrix out = run(DormandPrince45(), singular, uniform_grid(1.0, 1e-3, 2), X0);
  EXPECT_LT(max_abs(out - exact_flow(p, *process, 1.0, 1e-3, X0)), 1e-4);
}

// DDIM on OU equals DPM-Solver-1 / DDIM eq. (12) with sigma = 0 written here from scratch:
// alpha = e^{-t}, sigma = sqrt(1 - e^{-2t}), x0 the Gaussian posterior mean,
// x_{k+1} = alpha_{k+1} x0 + sigma_{k+1} (x_k - alpha_k x0) / sigma_k; a step to 0 returns x0.
TEST(Ddim, EqualsDdimEquation12OnOu) {
  const GaussianProblem p;
  const auto process = make_process(std::string("ou"));
  const ExactScore score(p.target, process);
  const Matrix X0 = starting_points(3, 10, 3);
  for (double delta : {0.0, 0.02}) {
    const TimeGrid grid = make_grid("karras", *process, 2.5, delta, 12);
    Matrix X = X0;
    for (std::size_t k = 0; k < grid.steps(); ++k) {
      const double t = grid.t(k), t_next = grid.t(k + 1);
      const double a = std::exp(-t), s = std::sqrt(1 - std::exp(-2 * t));
      const double a_next = std::exp(-t_next), s_next = std::sqrt(1 - std::exp(-2 * t_next));
      const Matrix x0 = posterior_mean(p, a, s * s, X);
      X = a_next * x0 + s_next * (X - a * x0) / s;
    }
    const Matrix ours = run(Ddim(), score, grid, X0);
    EXPECT_LT(max_abs(ours - X), 1e-12 * max_abs(X)) << "delta " << delta;
  }
}

// Records the points at which the score is evaluated (single-threaded use).
class RecordingScore final : public ScoreModel {
 public:
  explicit RecordingScore(const ExactScore& inner)
      : ScoreModel(inner.process_ptr()), inner_(inner) {}
  Index dim() const override { return inner_.dim(); }
  std::string name() const override { return "recording"; }
  nlohmann::json to_json() const override { return {}; }
  mutable std::vector<std::pair<double, Matrix>> calls;

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override {
    calls.emplace_back(t, X);
    inner_.score(t, X, out);
  }

 private:
  const ExactScore& inner_;
};

// Heun's Euler predictor is the Euler step of the VE ODE, which equals DDIM's step:
// x_VE + (s_{k+1} - s_k)(x_VE - D)/s_k = (s_{k+1}/s_k) x_VE + (1 - s_{k+1}/s_k) D, and
// e^{-h} = s_{k+1}/s_k since lambda = -log(sigma_VE). Heun evaluates its second score at
// alpha_{k+1} times the predictor, which must therefore be DDIM's output.
TEST(HeunEdm, EulerPredictorEqualsDdimStep) {
  const GaussianProblem p;
  for (const ProcessCase& pc : kProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore exact(p.target, process);
    const RecordingScore recording(exact);
    const Matrix X0 = starting_points(3, 10, 9);
    const TimeGrid grid({pc.T, 0.6 * pc.T}, "one step");
    run(HeunEdm(), recording, grid, X0);
    ASSERT_EQ(recording.calls.size(), 2u);
    EXPECT_EQ(recording.calls[1].first, grid.t(1));
    const Matrix ddim = run(Ddim(), exact, grid, X0);
    EXPECT_LT(max_abs(recording.calls[1].second - ddim), 1e-13 * max_abs(ddim)) << pc.name;
  }
}

// DPM-Solver++(2M)'s first step is first order: DDIM's step.
TEST(DpmSolverPP2M, FirstStepEqualsDdim) {
  const GaussianProblem p;
  for (const ProcessCase& pc : kProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(p.target, process);
    const Matrix X0 = starting_points(3, 10, 4);
    const TimeGrid grid = make_grid("logsnr", *process, pc.T, 1e-3, 10);
    Matrix first_step;
    SamplerOptions options;
    options.on_step = [&](const StepInfo& info, Index, ConstMatrixRef block) {
      if (info.step == 0) first_step = block;
    };
    run(DpmSolverPP2M(), score, grid, X0, options);
    const Matrix ddim = run(Ddim(), score, TimeGrid({grid.t(0), grid.t(1)}, "first"), X0);
    EXPECT_LT(max_abs(first_step - ddim), 1e-13 * max_abs(ddim)) << pc.name;
  }
}

// k-diffusion's sample_dpmpp_2m (crowsonkb/k-diffusion, k_diffusion/sampling.py), transcribed
// literally: VE state x, sigmas array, denoiser D, t_fn = -log sigma, sigma_fn = exp(-t).
Matrix kdiffusion_dpmpp_2m(const GaussianProblem& p, Matrix x, const std::vector<double>& sigmas) {
  auto sigma_fn = [](double t) { return std::exp(-t); };
  auto t_fn = [](double sigma) { return -std::log(sigma); };
  Matrix old_denoised;
  for (std::size_t i = 0; i + 1 < sigmas.size(); ++i) {
    const Matrix denoised = ve_denoiser(p, sigmas[i], x);
    const double t = t_fn(sigmas[i]), t_next = t_fn(sigmas[i + 1]);
    const double h = t_next - t;
    if (old_denoised.size() == 0 || sigmas[i + 1] == 0) {
      x = (sigma_fn(t_next) / sigma_fn(t)) * x - std::expm1(-h) * denoised;
    } else {
      const double h_last = t - t_fn(sigmas[i - 1]);
      const double r = h_last / h;
      const Matrix denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised;
      x = (sigma_fn(t_next) / sigma_fn(t)) * x - std::expm1(-h) * denoised_d;
    }
    old_denoised = denoised;
  }
  return x;
}

// k-diffusion's sample_heun with s_churn = 0 (gamma = 0, sigma_hat = sigmas[i]), literally.
Matrix kdiffusion_heun(const GaussianProblem& p, Matrix x, const std::vector<double>& sigmas) {
  auto to_d = [](const Matrix& xx, double sigma, const Matrix& denoised) {
    return Matrix((xx - denoised) / sigma);
  };
  for (std::size_t i = 0; i + 1 < sigmas.size(); ++i) {
    const double sigma_hat = sigmas[i];
    const Matrix denoised = ve_denoiser(p, sigma_hat, x);
    const Matrix d = to_d(x, sigma_hat, denoised);
    const double dt = sigmas[i + 1] - sigma_hat;
    if (sigmas[i + 1] == 0) {
      x = x + d * dt;
    } else {
      const Matrix x_2 = x + d * dt;
      const Matrix denoised_2 = ve_denoiser(p, sigmas[i + 1], x_2);
      const Matrix d_2 = to_d(x_2, sigmas[i + 1], denoised_2);
      const Matrix d_prime = (d + d_2) / 2;
      x = x + d_prime * dt;
    }
  }
  return x;
}

// Our samplers agree with k-diffusion's to rounding on the same grid and starting points:
// the reference runs in VE variables, x_VE = x / alpha, sigmas = sigma(t_k)/alpha(t_k) (0 at
// t = 0), with the exact Gaussian denoiser; its output is mapped back by alpha(delta).
TEST(AgreementWithKDiffusion, HeunAndDpmpp2m) {
  const GaussianProblem p;
  for (const ProcessCase& pc : kProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(p.target, process);
    const Matrix X0 = starting_points(3, 12, 6);
    for (const std::string grid_name : {"karras", "logsnr", "uniform"}) {
      for (double delta : {0.0, 1e-3}) {
        const TimeGrid grid = make_grid(grid_name, *process, pc.T, delta, 15);
        std::vector<double> sigmas;
        for (double t : grid.times())
          sigmas.push_back(t == 0.0 ? 0.0 : process->sigma(t) / process->alpha(t));
        const Matrix x_ve = X0 / process->alpha(grid.T());
        const double a_end = process->alpha(grid.delta());
        const Matrix ref_dpm = a_end * kdiffusion_dpmpp_2m(p, x_ve, sigmas);
        const Matrix ref_heun = a_end * kdiffusion_heun(p, x_ve, sigmas);
        const Matrix ours_dpm = run(DpmSolverPP2M(), score, grid, X0);
        const Matrix ours_heun = run(HeunEdm(), score, grid, X0);
        EXPECT_LT(max_abs(ours_dpm - ref_dpm), 1e-12 * max_abs(ref_dpm))
            << pc.name << " " << grid_name << " delta " << delta;
        EXPECT_LT(max_abs(ours_heun - ref_heun), 1e-12 * max_abs(ref_heun))
            << pc.name << " " << grid_name << " delta " << delta;
      }
    }
  }
}

// NFE per particle: traits().nfe_per_step per step; a final step to t = 0 may take fewer (Heun
// and DPM-Solver-2 take one Euler evaluation there), never fewer than one.
TEST(OdeSamplers, ReportNfeAndAreDeterministic) {
  const GaussianProblem p;
  const auto process = make_process(std::string("ou"));
  const ExactScore score(p.target, process);
  const Matrix X0 = starting_points(3, 5, 1);
  for (double delta : {0.0, 0.01}) {
    const TimeGrid grid = make_grid("karras", *process, 2.0, delta, 7);
    for (const SamplerInfo& info : ode_samplers()) {
      const auto sampler = make_sampler(info.name);
      EXPECT_FALSE(sampler->stochastic());
      SamplerSummary summary;
      run(*sampler, score, grid, X0, {}, &summary);  // NoNoise: drawing noise fails
      EXPECT_EQ(summary.sampler, info.name);
      const double per_step = info.traits.nfe_per_step;
      if (per_step == 0) continue;  // adaptive: varies
      const double full = per_step * 7;
      if (delta > 0) {
        EXPECT_EQ(summary.nfe, full) << info.name;
      } else {
        EXPECT_LE(summary.nfe, full) << info.name;
        EXPECT_GE(summary.nfe, full - per_step + 1) << info.name;
      }
    }
  }
}

// The exponential integrator step, written independently for OU (docs/theory.md 1.1):
// y <- e^h y + (e^h - 1) s(t_k, y) with h = t_k - t_{k+1}.
TEST(ProbabilityFlowEI, EqualsTheoryStepOnOu) {
  const GaussianProblem p;
  const auto process = make_process(std::string("ou"));
  const ExactScore score(p.target, process);
  const Matrix X0 = starting_points(3, 6, 2);
  const TimeGrid grid = uniform_grid(2.0, 0.0, 9);
  Matrix Y = X0;
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double h = grid.t(k) - grid.t(k + 1);
    // Exact Gaussian score -(alpha^2 Sigma + sigma^2 I)^{-1} (y - alpha mu).
    const double a = std::exp(-grid.t(k));
    const Matrix Ct = a * a * p.cov + (1 - a * a) * Matrix::Identity(3, 3);
    const Matrix s = -Ct.llt().solve(Y.colwise() - a * p.mu);
    Y = std::exp(h) * Y + std::expm1(h) * s;
  }
  const Matrix ours = run(ProbabilityFlowEI(), score, grid, X0);
  EXPECT_LT(max_abs(ours - Y), 1e-12 * max_abs(Y));
}

// Same output bits for 1 and 2 threads and block sizes 1, 7, 256.
TEST(OdeSamplers, BitIdenticalAcrossThreadsAndBlocks) {
  const auto process = make_process(std::string("vp-linear"));
  Vector variances(3);
  variances << 0.3, 1.0, 2.5;
  const auto target = std::make_shared<GaussianTarget>(
      GaussianTarget::diagonal(Vector::LinSpaced(3, -1.0, 1.0), variances));
  const ExactScore score(target, process);
  const Matrix X0 = starting_points(3, 300, 8);
  const TimeGrid grid = make_grid("karras", *process, 1.0, 1e-3, 8);
  const int threads_before = thread_count();
  for (const SamplerInfo& info : ode_samplers()) {
    const std::string& name = info.name;
    const auto sampler = make_sampler(name);
    Matrix reference;
    for (int threads : {1, 2}) {
      set_threads(threads);
      for (Index block : {1, 7, 256}) {
        SamplerOptions options;
        options.block_size = block;
        options.rtol = 1e-5;
        options.atol = 1e-7;
        const Matrix out = run(*sampler, score, grid, X0, options);
        if (reference.size() == 0) {
          reference = out;
        } else {
          EXPECT_TRUE(out == reference) << name << " threads " << threads << " block " << block;
        }
      }
    }
  }
  set_threads(threads_before);
}

}  // namespace
}  // namespace difflab
