// Tests of the reverse-SDE samplers (ei, em, ddpm, dpmpp-2m-sde, pc) against analytic truth.
//
// With a Gaussian target and its exact score every sampler except pc is affine in its initial
// point and its noise, so its output law is Gaussian with a mean and covariance given by a
// recursion (docs/theory.md 5.2). The recursions are written here, independently of the sampler
// code (different algebraic routes: the DDPM posterior in Ho et al.'s unsimplified form,
// DPM-Solver++ in k-diffusion's VE variables), and checked three ways: against the published test
// vectors (docs/theory.md 5.6), against the samplers' deterministic output under a constant
// "noise", and against the samplers' Monte Carlo mean and covariance within 5 standard errors. pc
// is checked against a literal per-particle transcription of score_sde's LangevinCorrector.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/ddpm_ancestral.hpp"
#include "difflab/sampler/dpm_solver_pp_2m_sde.hpp"
#include "difflab/sampler/euler_maruyama.hpp"
#include "difflab/sampler/exponential_integrator.hpp"
#include "difflab/sampler/predictor_corrector.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// The samplers whose steps are written out independently in this file (exact_steps_1d and the
// denoise test); the properties shared by all samplers iterate the registry instead.
const std::vector<std::string> kWrittenOutSamplers = {"ei", "em", "ddpm", "dpmpp-2m-sde", "pc"};
const std::vector<std::string> kWrittenOutAffineSamplers = {"ei", "em", "ddpm", "dpmpp-2m-sde"};

// The stochastic diffusion samplers of the registry.
std::vector<SamplerInfo> sde_samplers() {
  std::vector<SamplerInfo> out;
  for (const SamplerInfo& info : list_samplers())
    if (info.traits.stochastic && info.traits.family == SamplerTraits::Family::kDiffusion)
      out.push_back(info);
  return out;
}

// Every Gaussian draw equals `value` (0: the samplers' conditional means).
class ConstantNoise final : public NoiseSource {
 public:
  explicit ConstantNoise(double value) : value_(value) {}
  void normal(MatrixRef Z, std::uint64_t, std::uint64_t, RngUse) const override {
    Z.setConstant(value_);
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override {
    fail("an SDE sampler drew a uniform");
  }

 private:
  double value_;
};

// n draws of N(0, I): the samplers' initial law (m_0 = 0, P_0 = I).
Matrix initial_points(Index d, Index n, std::uint64_t seed) {
  Matrix X(d, n);
  CounterRng(seed).fill_normal(X, RngUse::kInitial, 0, 0);
  return X;
}

Matrix run_sde(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid, Matrix X,
               const NoiseSource& noise, SamplerOptions options = {},
               SamplerSummary* summary = nullptr) {
  const SamplerSummary s = sampler.sample(score, grid, X, options, noise);
  if (summary) *summary = s;
  return X;
}

struct Law {
  Vector mean;
  Matrix cov;
};

// Checks the sample mean and covariance of the columns of X against N(m, P) within z standard
// errors: SE(mean_i) = sqrt(P_ii/n), SE(cov_ij) = sqrt((P_ii P_jj + P_ij^2)/n) (Gaussian
// fourth moments).
void expect_gaussian_moments(const Matrix& X, const Law& law, double z, const std::string& what) {
  const double n = static_cast<double>(X.cols());
  const Vector mean = X.rowwise().mean();
  const Matrix centred = X.colwise() - mean;
  const Matrix cov = centred * centred.transpose() / (n - 1);
  for (Index i = 0; i < X.rows(); ++i) {
    EXPECT_NEAR(mean(i), law.mean(i), z * std::sqrt(law.cov(i, i) / n))
        << what << ": mean coordinate " << i;
    for (Index j = 0; j <= i; ++j) {
      const double se =
          std::sqrt((law.cov(i, i) * law.cov(j, j) + law.cov(i, j) * law.cov(i, j)) / n);
      EXPECT_NEAR(cov(i, j), law.cov(i, j), z * se)
          << what << ": covariance (" << i << ", " << j << ")";
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Exact laws, written independently of the samplers.
//
// Exact score of N(mu, Sigma) under a VP process at time t (docs/theory.md 5.1 with alpha, sigma):
// q_t = N(alpha mu, C_t), C_t = alpha^2 Sigma + sigma^2 I, s(t, x) = -C_t^{-1} (x - alpha mu).
//
// EI and EM, d dimensions (docs/theory.md 5.2, for a general VP process). Both steps have the form
// x' = g x + w s(t_k, x) + sqrt(q) xi, hence x' = A x + b + sqrt(q) xi with
//   A = g I - w C^{-1},  b = w C^{-1} alpha_k mu,  m' = A m + b,  P' = A P A^T + q I.
//   EI: g = alpha_{k+1}/alpha_k (= e^{rho/2}; e^h for OU), w = 2 (g - 1), q = g^2 - 1.
//   EM: g = 1 + h beta(t_k)/2, w = h beta(t_k), q = h beta(t_k) (OU: 1 + h, 2h, 2h).
// ---------------------------------------------------------------------------------------------
struct ScalarStep {
  double g, w, q;
};
ScalarStep ei_em_step(const std::string& sampler, const ForwardProcess& p, double t_from,
                      double t_to) {
  if (sampler == "ei") {
    // g - 1 and g^2 - 1 by expm1 (docs/theory.md 1.1's advice: the steps can be tiny).
    const double log_g = p.log_alpha(t_to) - p.log_alpha(t_from);
    return {std::exp(log_g), 2 * std::expm1(log_g), std::expm1(2 * log_g)};
  }
  const double h = t_from - t_to;
  const double beta = p.beta(t_from);
  return {1 + 0.5 * h * beta, h * beta, h * beta};
}

Law exact_law_ei_em(const std::string& sampler, const ForwardProcess& p, const TimeGrid& grid,
                    const Vector& mu, const Matrix& Sigma, bool denoise = false) {
  const Index d = mu.size();
  const Matrix I = Matrix::Identity(d, d);
  Law law{Vector::Zero(d), I};
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t = grid.t(k);
    const double alpha = p.alpha(t);
    const Matrix Cinv = (alpha * alpha * Sigma + p.sigma2(t) * I).inverse();
    const ScalarStep c = ei_em_step(sampler, p, t, grid.t(k + 1));
    const Matrix A = c.g * I - c.w * Cinv;
    const Vector b = c.w * Cinv * (alpha * mu);
    const double q = (denoise && k + 1 == grid.steps()) ? 0.0 : c.q;
    law.mean = A * law.mean + b;
    law.cov = A * law.cov * A.transpose() + q * I;
  }
  return law;
}

// One-dimensional target N(mu, lam): every affine sampler's step written as
//   x_{k+1} = A1 x_k + A0 x_{k-1} + B + sqrt(noise_var) xi_k
// (A0 != 0 only for the multistep dpmpp-2m-sde). With s(t, x) = sa x + sb, sa = -1/C,
// sb = alpha mu / C, the data prediction x0_hat = (x + sigma^2 s)/alpha is G x + F with
// G = (1 + sigma^2 sa)/alpha = alpha lam / C and F = sigma^2 sb / alpha = sigma^2 mu / C.
struct Step1D {
  double A1, A0, B, noise_var;
};
struct Target1D {
  double mu, lam;
};

std::vector<Step1D> exact_steps_1d(const std::string& sampler, const ForwardProcess& p,
                                   const TimeGrid& grid, Target1D q, bool denoise = false) {
  std::vector<Step1D> steps;
  double G_prev = 0, F_prev = 0, h_last = 0;
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t = grid.t(k), t2 = grid.t(k + 1);
    const double al = p.alpha(t), al2 = p.alpha(t2);
    const double s2 = p.sigma2(t), s22 = p.sigma2(t2);
    const double C = al * al * q.lam + s2;
    const double sa = -1 / C, sb = al * q.mu / C;
    const double G = al * q.lam / C, F = s2 * q.mu / C;
    Step1D st{};
    if (sampler == "ei" || sampler == "em") {
      const ScalarStep c = ei_em_step(sampler, p, t, t2);
      st = {c.g + c.w * sa, 0, c.w * sb, c.q};
    } else if (sampler == "ddpm") {
      // Ho et al. 2020 eqs. (6)-(7) for the chain x_t = a x_{t2} + sqrt(b) eps between the grid
      // times, a = alpha_k/alpha_{k+1}, b = 1 - a^2, with x_0 replaced by x0_hat:
      //   mean = alpha_{k+1} b / sigma_k^2 x0_hat + a sigma_{k+1}^2 / sigma_k^2 x,
      //   var = b sigma_{k+1}^2 / sigma_k^2.
      const double log_a = p.log_alpha(t) - p.log_alpha(t2);
      const double a = std::exp(log_a), b = -std::expm1(2 * log_a);  // no cancellation
      st = {al2 * b / s2 * G + a * s22 / s2, 0, al2 * b / s2 * F, b * s22 / s2};
    } else if (sampler == "dpmpp-2m-sde") {
      if (t2 == 0.0) {
        st = {G, 0, F, 0};  // k-diffusion: x = denoised
      } else {
        // k-diffusion's sample_dpmpp_2m_sde (eta = 1, midpoint) in VE variables
        // x_VE = x/alpha, sigma_VE = sigma/alpha, t_kd = -log sigma_VE, then x = alpha x_VE.
        const double sve = std::sqrt(s2) / al, sve2 = std::sqrt(s22) / al2;
        const double h = -std::log(sve2) + std::log(sve);
        const double E = -std::expm1(-2 * h);  // (-h - eta_h).expm1().neg() with eta_h = h
        const double keep_ve = sve2 / sve * std::exp(-h);
        double A1 = al2 * (keep_ve / al + E * G), A0 = 0, B = al2 * E * F;
        if (k > 0) {
          const double half_over_r = 0.5 * h / h_last;  // 0.5 * (1/r), r = h_last/h
          A1 += al2 * E * half_over_r * G;
          A0 = -al2 * E * half_over_r * G_prev;
          B += al2 * E * half_over_r * (F - F_prev);
        }
        st = {A1, A0, B, al2 * al2 * sve2 * sve2 * E};
        h_last = h;
      }
    } else {
      fail("no exact law for sampler ", sampler);
    }
    if (denoise && k + 1 == grid.steps()) st.noise_var = 0;
    steps.push_back(st);
    G_prev = G;
    F_prev = F;
  }
  return steps;
}

// Law of x_N from x_0 ~ N(0, 1): mean and covariance of the pair (x_k, x_{k-1}).
Law law_1d(const std::vector<Step1D>& steps) {
  double m = 0, m_prev = 0, Pxx = 1, Pxp = 0, Ppp = 0;
  for (const Step1D& s : steps) {
    const double m_new = s.A1 * m + s.A0 * m_prev + s.B;
    const double Pxx_new =
        s.A1 * s.A1 * Pxx + 2 * s.A1 * s.A0 * Pxp + s.A0 * s.A0 * Ppp + s.noise_var;
    const double Pxp_new = s.A1 * Pxx + s.A0 * Pxp;
    m_prev = m;
    m = m_new;
    Ppp = Pxx;
    Pxx = Pxx_new;
    Pxp = Pxp_new;
  }
  return {Vector::Constant(1, m), Matrix::Constant(1, 1, Pxx)};
}

// The trajectory of one particle from x0 with every noise draw equal to c.
double trajectory_1d(const std::vector<Step1D>& steps, double x0, double c) {
  double x = x0, x_prev = 0;
  for (const Step1D& s : steps) {
    const double x_new = s.A1 * x + s.A0 * x_prev + s.B + std::sqrt(s.noise_var) * c;
    x_prev = x;
    x = x_new;
  }
  return x;
}

// A non-diagonal 3-d Gaussian: Sigma = R diag(0.3, 1, 2.5) R^T, mu = (0.5, -1, 2).
struct SdeGaussianProblem {
  Vector mu;
  Matrix cov;
  std::shared_ptr<const GaussianTarget> target;
  SdeGaussianProblem() {
    mu = Vector(3);
    mu << 0.5, -1.0, 2.0;
    const Matrix R =
        Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, -1).normalized()).toRotationMatrix();
    const Vector lambda = Eigen::Vector3d(0.3, 1.0, 2.5);
    cov = R * lambda.asDiagonal() * R.transpose();
    target = std::make_shared<GaussianTarget>(mu, cov);
  }
};

std::shared_ptr<const GaussianTarget> target_1d(Target1D q) {
  return std::make_shared<GaussianTarget>(Vector::Constant(1, q.mu), Matrix::Constant(1, 1, q.lam));
}

struct SdeProcessCase {
  std::string name;
  double T;
};
const std::vector<SdeProcessCase> kSdeProcesses = {
    {"ou", 3.0}, {"vp-linear", 1.0}, {"vp-cosine", 0.9}};

// ---------------------------------------------------------------------------------------------
// Test vectors (docs/theory.md 5.6).
// ---------------------------------------------------------------------------------------------

// Vector A: 1-D N(1, 2), exact score, OU, T = 3, uniform N = 30, no early stop.
TEST(SdeTestVectors, VectorARecursionsReproduceTheTable) {
  const auto ou = make_process(std::string("ou"));
  const TimeGrid grid = uniform_grid(3.0, 0.0, 30);
  const Vector mu = Vector::Constant(1, 1.0);
  const Matrix Sigma = Matrix::Constant(1, 1, 2.0);
  struct Row {
    std::string sampler;
    double m, P;
  };
  for (const Row& r :
       {Row{"ei", 0.9963081228, 2.1083083967}, Row{"em", 0.9620373696, 1.9650762467}}) {
    const double P_expected = r.P;
    const Law matrix_law = exact_law_ei_em(r.sampler, *ou, grid, mu, Sigma);
    EXPECT_NEAR(matrix_law.mean(0), r.m, 1e-9) << r.sampler;
    EXPECT_NEAR(matrix_law.cov(0, 0), P_expected, 1e-9) << r.sampler;
    const Law scalar_law = law_1d(exact_steps_1d(r.sampler, *ou, grid, {1.0, 2.0}));
    EXPECT_NEAR(scalar_law.mean(0), r.m, 1e-9) << r.sampler;
    EXPECT_NEAR(scalar_law.cov(0, 0), P_expected, 1e-9) << r.sampler;
  }
  // The continuous-time reverse SDE from N(0, 1) (docs/theory.md 5.3 with delta = 0), used as the
  // reference of the weak-order test: mean mu (1 - lam/(e^{2T} + lam - 1)),
  // variance lam + (1 - lam) lam^2 / (e^{2T} + lam - 1)^2.
  const double D = std::exp(6.0) + 2.0 - 1.0;
  EXPECT_NEAR(1.0 * (1 - 2.0 / D), 0.9950547537, 1e-9);
  EXPECT_NEAR(2.0 + (1 - 2.0) * 4.0 / (D * D), 1.9999755445, 1e-9);
}

// Vector B (Bruno et al.'s example): d = 2, N(mu, I), exact score, OU, T = 2, uniform K steps,
// full noise on the last step; W2 between N(m_K, v_K I) and N(mu, I).
TEST(SdeTestVectors, VectorBRecursionReproducesTheTable) {
  const auto ou = make_process(std::string("ou"));
  const Vector mu = Eigen::Vector2d(-1.23486883, -0.89244735);
  struct Row {
    int K;
    double em_w2, em_v, ei_w2, ei_v;
  };
  for (const Row& r : {Row{10, 0.12411081, 1.10983009, 0.16607353, 1.24729459},
                       Row{100, 0.03553564, 1.00992335, 0.03028122, 1.02006299},
                       Row{1000, 0.02860635, 1.00098274, 0.02782889, 1.00196760}}) {
    const TimeGrid grid = uniform_grid(2.0, 0.0, r.K);
    for (const std::string s : {"em", "ei"}) {
      const Law law = exact_law_ei_em(s, *ou, grid, mu, Matrix::Identity(2, 2));
      const double v = law.cov(0, 0);
      EXPECT_NEAR(law.cov(1, 1), v, 1e-14);
      EXPECT_NEAR(law.cov(0, 1), 0.0, 1e-14);
      const double w2 =
          std::sqrt((law.mean - mu).squaredNorm() + 2 * std::pow(std::sqrt(v) - 1, 2));
      EXPECT_NEAR(v, s == "em" ? r.em_v : r.ei_v, 1e-8) << s << " K=" << r.K;
      EXPECT_NEAR(w2, s == "em" ? r.em_w2 : r.ei_w2, 1e-8) << s << " K=" << r.K;
    }
  }
}

// The samplers reproduce vector A in law (Monte Carlo, 5 standard errors).
TEST(SdeTestVectors, VectorASamplersMatchInLaw) {
  const auto ou = make_process(std::string("ou"));
  const Target1D q{1.0, 2.0};
  const ExactScore score(target_1d(q), ou);
  const TimeGrid grid = uniform_grid(3.0, 0.0, 30);
  const Index n = 30000;
  for (const std::string s : {"ei", "em"}) {
    Law truth = law_1d(exact_steps_1d(s, *ou, grid, q));
    const Matrix X =
        run_sde(*make_sampler(s), score, grid, initial_points(1, n, 1), CounterNoise(101));
    expect_gaussian_moments(X, truth, 5.0, s + " on vector A");
  }
}

// Vector B, EM with K = 10, by simulation.
TEST(SdeTestVectors, VectorBSamplerMatchesInLaw) {
  const auto ou = make_process(std::string("ou"));
  const Vector mu = Eigen::Vector2d(-1.23486883, -0.89244735);
  const ExactScore score(std::make_shared<GaussianTarget>(mu, Matrix::Identity(2, 2)), ou);
  const TimeGrid grid = uniform_grid(2.0, 0.0, 10);
  for (const std::string s : {"em", "ei"}) {
    const Law truth = exact_law_ei_em(s, *ou, grid, mu, Matrix::Identity(2, 2));
    const Matrix X =
        run_sde(*make_sampler(s), score, grid, initial_points(2, 20000, 2), CounterNoise(202));
    expect_gaussian_moments(X, truth, 5.0, s + " on vector B");
  }
}

// ---------------------------------------------------------------------------------------------
// Exact laws in d = 3 (EI, EM) and d = 1 (all affine samplers), several processes and grids.
// ---------------------------------------------------------------------------------------------

TEST(SdeExactLaw, EiAndEmMatchTheRecursionForANonDiagonalGaussian) {
  const SdeGaussianProblem p;
  const Index n = 20000;
  for (const SdeProcessCase& pc : kSdeProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(p.target, process);
    const TimeGrid grid = make_grid("quadratic", *process, pc.T, 1e-3, 25);
    for (const std::string s : {"ei", "em"}) {
      const Law truth = exact_law_ei_em(s, *process, grid, p.mu, p.cov);
      const Matrix X =
          run_sde(*make_sampler(s), score, grid, initial_points(3, n, 3), CounterNoise(303));
      expect_gaussian_moments(X, truth, 5.0, s + " on " + pc.name);
    }
  }
}

TEST(SdeExactLaw, DdpmAndDpmSolverSdeMatchTheirRecursions) {
  const Target1D q{-0.7, 0.4};
  const Index n = 20000;
  for (const SdeProcessCase& pc : kSdeProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(target_1d(q), process);
    for (const double delta : {0.0, 1e-2}) {
      const TimeGrid grid = make_grid("logsnr", *process, pc.T, delta, 12);
      for (const std::string s : {"ddpm", "dpmpp-2m-sde"}) {
        const Law truth = law_1d(exact_steps_1d(s, *process, grid, q));
        const Matrix X =
            run_sde(*make_sampler(s), score, grid, initial_points(1, n, 4), CounterNoise(404));
        expect_gaussian_moments(X, truth, 5.0,
                                s + " on " + pc.name + " delta=" + std::to_string(delta));
      }
    }
  }
}

// With every noise draw set to a constant, each affine sampler's output is a deterministic
// function of its start; it must equal the test's step formulas to rounding (1-D, all
// processes, grids to delta = 0 and delta > 0, with and without denoise_last_step).
TEST(SdeExactLaw, DeterministicTrajectoriesMatchTheStepFormulas) {
  const Target1D q{0.8, 1.7};
  const Matrix X0 = 1.3 * initial_points(1, 5, 5);
  for (const SdeProcessCase& pc : kSdeProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(target_1d(q), process);
    for (const std::string grid_name : {"uniform", "karras"}) {
      for (const double delta : {0.0, 2e-2}) {
        const TimeGrid grid = make_grid(grid_name, *process, pc.T, delta, 9);
        for (const std::string& s : kWrittenOutAffineSamplers) {
          for (const bool denoise : {false, true}) {
            SamplerOptions options;
            options.denoise_last_step = denoise;
            const double c = 0.37;
            const Matrix X = run_sde(*make_sampler(s), score, grid, X0, ConstantNoise(c), options);
            const auto steps = exact_steps_1d(s, *process, grid, q, denoise);
            for (Index j = 0; j < X0.cols(); ++j) {
              const double expected = trajectory_1d(steps, X0(0, j), c);
              EXPECT_NEAR(X(0, j), expected, 1e-11 * std::max(1.0, std::abs(expected)))
                  << s << " on " << pc.name << ", " << grid_name << " grid, delta=" << delta
                  << ", denoise=" << denoise;
            }
          }
        }
      }
    }
  }
}

// Exactness: for N(mu, I) the exact score vanishes at the mean alpha_k mu of q_{t_k}, so one
// noiseless EI step maps it to e^{rho/2} alpha_k mu = alpha_{k+1} mu, the mean of q_{t_{k+1}}
// (recursion: A m + b with m = alpha_k mu).
TEST(SdeExactLaw, OneNoiselessEiStepMapsTheMeanOfQtToTheNextMean) {
  const Vector mu = Eigen::Vector3d(1.5, -0.4, 0.9);
  const Matrix I = Matrix::Identity(3, 3);
  for (const SdeProcessCase& pc : kSdeProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(std::make_shared<GaussianTarget>(mu, I), process);
    for (const double frac : {0.9, 0.5, 0.1}) {
      const double t_from = frac * pc.T;
      const double t_to = 0.7 * t_from;
      const TimeGrid one_step({t_from, t_to}, "one step");
      Matrix X = process->alpha(t_from) * mu;
      X = run_sde(ExponentialIntegrator(), score, one_step, X, ConstantNoise(0.0));
      const Law by_recursion = [&] {
        const ScalarStep c = ei_em_step("ei", *process, t_from, t_to);
        const double al = process->alpha(t_from);
        const Matrix A = c.g * I - c.w * I;  // C = I for Sigma = I
        return Law{A * (al * mu) + c.w * (al * mu), I};
      }();
      for (Index i = 0; i < 3; ++i) {
        EXPECT_NEAR(X(i, 0), process->alpha(t_to) * mu(i), 1e-12) << pc.name;
        EXPECT_NEAR(X(i, 0), by_recursion.mean(i), 1e-12) << pc.name;
      }
    }
  }
}

// Weak order one: the output-variance error of EI and EM (exact, by the recursion) against the
// continuous-time reverse SDE from N(0, 1) (docs/theory.md 5.3) halves when N doubles.
TEST(SdeExactLaw, EiAndEmHaveWeakOrderOneInTheVariance) {
  const auto ou = make_process(std::string("ou"));
  const double T = 2.0, lam = 2.0;
  const double D = std::exp(2 * T) + lam - 1;
  const double continuous_var = lam + (1 - lam) * lam * lam / (D * D);
  for (const std::string s : {"ei", "em"}) {
    std::vector<double> err;
    for (int N : {25, 50, 100, 200}) {
      const Law law = law_1d(exact_steps_1d(s, *ou, uniform_grid(T, 0.0, N), {0.5, lam}));
      err.push_back(std::abs(law.cov(0, 0) - continuous_var));
    }
    for (std::size_t i = 0; i + 1 < err.size(); ++i) {
      const double ratio = err[i] / err[i + 1];
      EXPECT_GT(ratio, 1.7) << s << ": errors " << err[i] << " -> " << err[i + 1];
      EXPECT_LT(ratio, 2.3) << s << ": errors " << err[i] << " -> " << err[i + 1];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Predictor-corrector.
// ---------------------------------------------------------------------------------------------

// A literal per-particle transcription of score_sde's LangevinCorrector (VP) followed by an EI
// predictor step, in score_sde's order (corrector at t_k, then predictor t_k -> t_{k+1}):
//   step = (snr ||z|| / ||g||)^2 * 2 * alpha_i,  x_mean = x + step g,  x = x_mean + sqrt(2 step) z,
// with alpha_i = (alpha_k / alpha_{k+1})^2 and norms per particle. Corrector iteration j at step
// k draws (kCorrector, k * 2^32 + j).
void reference_corrector(const ScoreModel& score, double t, double t_next, MatrixRef X, int M,
                         double snr, const NoiseSource& noise, std::size_t k) {
  const double ratio = score.process().alpha(t) / score.process().alpha(t_next);
  const double alpha_i = ratio * ratio;
  Matrix z(X.rows(), 1), g(X.rows(), 1);
  for (int j = 0; j < M; ++j) {
    for (Index p = 0; p < X.cols(); ++p) {
      g = score.score(t, Matrix(X.col(p)));
      noise.normal(z, static_cast<std::uint64_t>(p), (static_cast<std::uint64_t>(k) << 32) + j,
                   RngUse::kCorrector);
      const double step = std::pow(snr * z.norm() / g.norm(), 2) * 2 * alpha_i;
      X.col(p) = X.col(p) + step * g + std::sqrt(step * 2) * z;
    }
  }
}

Matrix reference_pc(const ScoreModel& score, const TimeGrid& grid, Matrix X, int M, double snr,
                    const NoiseSource& noise) {
  Matrix z(X.rows(), X.cols());
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t = grid.t(k), t2 = grid.t(k + 1);
    reference_corrector(score, t, t2, X, M, snr, noise, k);
    const double g = score.process().alpha(t2) / score.process().alpha(t);
    const Matrix s = score.score(t, X);
    noise.normal(z, 0, k, RngUse::kStepNoise);
    X = g * X + 2 * (g - 1) * s + std::sqrt(g * g - 1) * z;
  }
  return X;
}

TEST(PredictorCorrector, MatchesATranscriptionOfScoreSdeLangevinCorrector) {
  const Index d = 10;
  Vector lam(d), mu(d);
  for (Index i = 0; i < d; ++i) {
    lam(i) = 0.2 + 0.3 * static_cast<double>(i);
    mu(i) = std::sin(static_cast<double>(i));
  }
  const auto target = std::make_shared<GaussianTarget>(GaussianTarget::diagonal(mu, lam));
  for (const SdeProcessCase& pc : kSdeProcesses) {
    const auto process = make_process(pc.name);
    const ExactScore score(target, process);
    const TimeGrid grid = make_grid("uniform", *process, pc.T, 1e-2, 5);
    const Matrix X0 = initial_points(d, 9, 6);
    const CounterNoise noise(606);
    SamplerOptions options;
    options.corrector_steps = 3;
    options.snr = 0.2;
    options.block_size = 4;
    SamplerSummary summary;
    const Matrix X = run_sde(PredictorCorrector(), score, grid, X0, noise, options, &summary);
    const Matrix expected = reference_pc(score, grid, X0, 3, 0.2, noise);
    EXPECT_LT((X - expected).cwiseAbs().maxCoeff(), 1e-10 * expected.cwiseAbs().maxCoeff())
        << pc.name;
    EXPECT_DOUBLE_EQ(summary.nfe, 4.0 * 5);  // (M + 1) evaluations per step
  }
}

TEST(PredictorCorrector, WithoutCorrectorStepsIsExactlyEi) {
  const SdeGaussianProblem p;
  const ExactScore score(p.target, make_process(std::string("vp-linear")));
  const TimeGrid grid = uniform_grid(1.0, 1e-3, 20);
  SamplerOptions options;
  options.corrector_steps = 0;
  const Matrix X0 = initial_points(3, 50, 7);
  const Matrix pc = run_sde(PredictorCorrector(), score, grid, X0, CounterNoise(7), options);
  const Matrix ei = run_sde(ExponentialIntegrator(), score, grid, X0, CounterNoise(7), options);
  EXPECT_TRUE(pc == ei);
}

// The corrector pulls the law towards q_t: on a coarse grid the predictor alone (EI, exact law by
// the recursion) has a large variance error; with 20 corrector steps per time the sampled
// variance is far closer to the target's. d = 50 (the per-particle step-size rule is meant for
// moderate d, see predictor_corrector.hpp), isotropic N(mu, lam I), pooled variance.
TEST(PredictorCorrector, CorrectorStepsBringTheOutputCloserToTheTarget) {
  const Index d = 50, n = 2000;
  const double lam = 0.25;
  const Vector mu = Vector::LinSpaced(d, -1.0, 1.0);
  const auto target =
      std::make_shared<GaussianTarget>(GaussianTarget::diagonal(mu, Vector::Constant(d, lam)));
  const auto ou = make_process(std::string("ou"));
  const ExactScore score(target, ou);
  const TimeGrid grid = benton_grid(3.0, 1e-2, 12);
  const Law ei = law_1d(exact_steps_1d("ei", *ou, grid, {0.0, lam}));
  const double ei_error = std::abs(ei.cov(0, 0) - lam);

  SamplerOptions options;
  options.corrector_steps = 20;
  const Matrix X = run_sde(PredictorCorrector(), score, grid, initial_points(d, n, 8),
                           CounterNoise(808), options);
  const Matrix centred = X.colwise() - X.rowwise().mean();
  const double pooled_var =
      centred.squaredNorm() / (static_cast<double>(d) * static_cast<double>(n - 1));
  const double pc_error = std::abs(pooled_var - lam);
  const double se = lam * std::sqrt(2.0 / static_cast<double>(d * n));
  EXPECT_LT(pc_error + 5 * se, 0.5 * ei_error)
      << "EI variance error " << ei_error << ", PC variance error " << pc_error << " (SE " << se
      << ")";
}

// With target N(0, I) every q_t is N(0, I) and the score is -x, so a correct corrector keeps
// N(0, I) up to its biases. One tiny predictor step (its bias ~ 2 h^2 = 2e-6) and M = 5 corrector
// steps with snr = 0.05 in d = 100: the per-particle step-size bias of the variance, to leading
// order M 16 snr^2 / (d - 2) ~ 2e-3 (predictor_corrector.hpp), and the ULA bias M eps^2 ~ 1e-4
// stay below the standard error 3.2e-3. A wrong noise scale (sqrt(eps) for sqrt(2 eps)) would
// give 1 - M eps ~ 0.975, a wrong drift sign ~ 1.1: both far outside 5 standard errors.
TEST(PredictorCorrector, CorrectorKeepsTheStandardGaussianStationary) {
  const Index d = 100, n = 2000;
  const auto target =
      std::make_shared<GaussianTarget>(GaussianTarget::diagonal(Vector::Zero(d), Vector::Ones(d)));
  const ExactScore score(target, make_process(std::string("ou")));
  const TimeGrid grid({1.0, 0.999}, "one tiny step");
  SamplerOptions options;
  options.corrector_steps = 5;
  options.snr = 0.05;
  const Matrix X = run_sde(PredictorCorrector(), score, grid, initial_points(d, n, 9),
                           CounterNoise(909), options);
  const double nd = static_cast<double>(d * n);
  const Vector mean = X.rowwise().mean();
  for (Index i = 0; i < d; ++i) {
    EXPECT_NEAR(mean(i), 0.0, 5 / std::sqrt(static_cast<double>(n))) << "coordinate " << i;
  }
  EXPECT_NEAR(X.squaredNorm() / nd, 1.0, 5 * std::sqrt(2.0 / nd));
  // The Langevin steps did move the particles (the test would pass trivially otherwise).
  EXPECT_GT((X - initial_points(d, n, 9)).norm() / std::sqrt(nd), 0.1);
}

// ---------------------------------------------------------------------------------------------
// Properties shared by all samplers.
// ---------------------------------------------------------------------------------------------

TEST(SdeSamplers, BitIdenticalForAnyThreadCountAndBlockSize) {
  // A small diagonal target under a VP process; batch_invariance_test.cpp covers every sampler
  // with a full-covariance mixture in d = 13.
  const auto target = std::make_shared<GaussianTarget>(
      GaussianTarget::diagonal(Eigen::Vector3d(0.5, -1, 2), Eigen::Vector3d(0.3, 1, 2.5)));
  const ExactScore score(target, make_process(std::string("vp-cosine")));
  const TimeGrid grid = make_grid("logsnr", score.process(), 0.9, 1e-3, 6);
  const Matrix X0 = initial_points(3, 300, 10);
  const int threads_before = thread_count();
  for (const SamplerInfo& info : sde_samplers()) {
    const std::string& s = info.name;
    const auto sampler = make_sampler(s);
    set_threads(1);
    SamplerSummary summary;
    const Matrix reference = run_sde(*sampler, score, grid, X0, CounterNoise(1010), {}, &summary);
    if (info.traits.nfe_per_step > 0) {  // 0: not a constant per step
      EXPECT_DOUBLE_EQ(summary.nfe, info.traits.nfe_per_step * 6) << s;
    }
    EXPECT_EQ(summary.sampler, s);
    EXPECT_TRUE(sampler->stochastic());
    for (const int threads : {1, 2}) {
      set_threads(threads);
      for (const Index block : {1, 7, 256}) {
        SamplerOptions options;
        options.block_size = block;
        const Matrix X = run_sde(*sampler, score, grid, X0, CounterNoise(1010), options);
        EXPECT_TRUE(X == reference) << s << " with " << threads << " threads, block " << block;
      }
    }
  }
  set_threads(threads_before);
}

// denoise_last_step changes only the final step: the states after the earlier steps are
// bit-identical with and without it, and the output equals a run on the grid without its last
// time followed by one noiseless step written out here.
TEST(SdeSamplers, DenoiseLastStepDropsOnlyTheFinalNoise) {
  const SdeGaussianProblem p;
  const Index n = 20;
  const Matrix X0 = initial_points(3, n, 11);
  const CounterNoise noise(1111);
  for (const std::string pname : {"ou", "vp-linear"}) {
    const auto process = make_process(pname);
    const ExactScore score(p.target, process);
    const TimeGrid grid = make_grid("quadratic", *process, pname == "ou" ? 2.0 : 1.0, 5e-2, 7);
    const std::size_t N = grid.steps();
    std::vector<double> times = grid.times();
    times.pop_back();
    const TimeGrid shorter(times, "without the last time");
    times.pop_back();
    const TimeGrid shorter2(times, "without the last two times");
    const double t0 = grid.t(N - 1), t1 = grid.t(N);
    for (const std::string& s : kWrittenOutSamplers) {
      const auto sampler = make_sampler(s);
      SamplerOptions options;
      options.corrector_steps = 2;
      // States after step N - 2 with and without denoising (one block: no concurrency).
      Matrix before_plain(3, n), before_denoised(3, n);
      Matrix* sink = &before_plain;
      options.on_step = [&](const StepInfo& info, Index first, ConstMatrixRef block) {
        if (info.step == N - 2) sink->middleCols(first, block.cols()) = block;
      };
      run_sde(*sampler, score, grid, X0, noise, options);
      sink = &before_denoised;
      options.denoise_last_step = true;
      const Matrix denoised = run_sde(*sampler, score, grid, X0, noise, options);
      EXPECT_TRUE(before_plain == before_denoised) << s;

      options.on_step = nullptr;
      options.denoise_last_step = false;
      Matrix x = run_sde(*sampler, score, shorter, X0, noise, options);
      const double a0 = process->alpha(t0), a1 = process->alpha(t1);
      const double v0 = process->sigma2(t0), v1 = process->sigma2(t1);
      Matrix expected;
      if (s == "ei") {
        const double g = a1 / a0;
        expected = g * x + 2 * (g - 1) * score.score(t0, x);
      } else if (s == "em") {
        const double h = t0 - t1, beta = process->beta(t0);
        expected = x + h * (0.5 * beta * x + beta * score.score(t0, x));
      } else if (s == "ddpm") {
        const double a = a0 / a1, b = 1 - a * a;
        const Matrix x0_hat = (x + v0 * score.score(t0, x)) / a0;
        expected = (a1 * b / v0) * x0_hat + (a * v1 / v0) * x;
      } else if (s == "dpmpp-2m-sde") {
        const Matrix x_prev = run_sde(*sampler, score, shorter2, X0, noise, options);
        const double tp = grid.t(N - 2);
        const double ap = process->alpha(tp), vp = process->sigma2(tp);
        const Matrix D = (x + v0 * score.score(t0, x)) / a0;
        const Matrix D_old = (x_prev + vp * score.score(tp, x_prev)) / ap;
        const double lam_p = std::log(ap / std::sqrt(vp)), lam0 = std::log(a0 / std::sqrt(v0)),
                     lam1 = std::log(a1 / std::sqrt(v1));
        const double h = lam1 - lam0, r = (lam0 - lam_p) / h, E = 1 - std::exp(-2 * h);
        // VE step (k-diffusion) times alpha_{k+1}, noise dropped.
        const double sve0 = std::sqrt(v0) / a0, sve1 = std::sqrt(v1) / a1;
        expected = a1 * ((sve1 / sve0) * std::exp(-h) * (x / a0) + E * D +
                         0.5 * E * (1 / r) * (D - D_old));
      } else {
        reference_corrector(score, t0, t1, x, options.corrector_steps, options.snr, noise, N - 1);
        const double g = a1 / a0;
        expected = g * x + 2 * (g - 1) * score.score(t0, x);
      }
      EXPECT_LT((denoised - expected).cwiseAbs().maxCoeff(), 1e-11) << s << " on " << pname;
    }
  }
}

TEST(SdeSamplers, BadInputIsRejected) {
  const SdeGaussianProblem p;
  const ExactScore score(p.target, make_process(std::string("ou")));
  const TimeGrid grid = uniform_grid(2.0, 1e-2, 4);
  for (const SamplerInfo& info : list_samplers()) {
    const std::string& s = info.name;
    Matrix wrong_dim = Matrix::Zero(2, 3);
    EXPECT_THROW(make_sampler(s)->sample(score, grid, wrong_dim, {}, CounterNoise(1)), Error) << s;
    SamplerOptions bad;
    bad.block_size = 0;
    Matrix X = Matrix::Zero(3, 3);
    EXPECT_THROW(make_sampler(s)->sample(score, grid, X, bad, CounterNoise(1)), Error) << s;
  }
}

}  // namespace
}  // namespace difflab
