// The flow samplers on the linear path x_t = (1 - t) x_0 + t z against the steps of diffusers'
// FlowMatchEuler/FlowMatchHeun schedulers written out with the velocity v = E[z - x_0 | x_t]
// of a mixture computed independently of difflab's score (each component's Gaussian posterior,
// weighted by its responsibility); and the variance-preserving samplers' refusal of the path.
// Their convergence orders on the linear path are measured by exact_law_order_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/expect_error.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace difflab {
namespace {

struct FlowComponent {
  double weight;
  std::vector<double> mean, var;  // diagonal covariance
};
const std::vector<FlowComponent> kFlowMixture = {{0.4, {-1.5, 0.5}, {0.3, 0.2}},
                                                 {0.6, {1.0, -0.8}, {0.6, 0.4}}};

std::shared_ptr<GaussianMixtureTarget> flow_mixture() {
  std::vector<double> w;
  std::vector<GaussianMixtureTarget::Component> cs;
  for (const auto& c : kFlowMixture) {
    GaussianMixtureTarget::Component k;
    k.mean = Eigen::Map<const Vector>(c.mean.data(), 2);
    k.variances = Eigen::Map<const Vector>(c.var.data(), 2);
    w.push_back(c.weight);
    cs.push_back(k);
  }
  return std::make_shared<GaussianMixtureTarget>(w, cs);
}

// E[z - x_0 | x_t = x] on the linear path, a = 1 - t: per component, x_0 | x is Gaussian with
// mean m + a V (x - a m) / (a^2 V + t^2) and z | x has mean t (x - a m) / (a^2 V + t^2).
Vector mixture_velocity(double t, const Vector& x) {
  const double a = 1 - t;
  std::vector<double> log_r;
  std::vector<Vector> v;
  for (const auto& c : kFlowMixture) {
    double lr = std::log(c.weight);
    Vector vk(2);
    for (int i = 0; i < 2; ++i) {
      const double var = a * a * c.var[i] + t * t, r = x(i) - a * c.mean[i];
      lr += -0.5 * std::log(2 * M_PI * var) - 0.5 * r * r / var;
      vk(i) = t * r / var - (c.mean[i] + a * c.var[i] * r / var);
    }
    log_r.push_back(lr);
    v.push_back(vk);
  }
  const double top = std::max(log_r[0], log_r[1]);
  const double r0 = std::exp(log_r[0] - top), r1 = std::exp(log_r[1] - top);
  return (r0 * v[0] + r1 * v[1]) / (r0 + r1);
}

Matrix flow_start(Index n) {
  Matrix X(2, n);
  CounterRng(17).fill_normal(X, RngUse::kInitial, 0, 0);
  return X;
}

TEST(FlowSamplers, EulerIsFlowMatchEulerOnTheLinearPath) {
  const auto process = make_process("linear");
  const ExactScore score(flow_mixture(), process);
  const TimeGrid grid = make_grid("uniform", *process, 0.999, 1e-2, 8);
  Matrix X = flow_start(5);
  Matrix Y = X;
  make_sampler("flow-euler")->sample(score, grid, X, {}, CounterNoise(1));
  for (std::size_t k = 0; k < grid.steps(); ++k)
    for (Index j = 0; j < Y.cols(); ++j)  // prev = x + (sigma_next - sigma) v, sigma = t
      Y.col(j) += (grid.t(k + 1) - grid.t(k)) * mixture_velocity(grid.t(k), Y.col(j));
  EXPECT_LT((X - Y).cwiseAbs().maxCoeff(), 1e-11 * (1 + Y.cwiseAbs().maxCoeff()));
}

TEST(FlowSamplers, HeunIsFlowMatchHeunWithEulerToZero) {
  const auto process = make_process("linear");
  const ExactScore score(flow_mixture(), process);
  const TimeGrid grid = make_grid("uniform", *process, 0.999, 0.0, 6);
  Matrix X = flow_start(5);
  Matrix Y = X;
  make_sampler("flow-heun")->sample(score, grid, X, {}, CounterNoise(1));
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t = grid.t(k), t_next = grid.t(k + 1), dt = t_next - t;
    for (Index j = 0; j < Y.cols(); ++j) {
      const Vector v = mixture_velocity(t, Y.col(j));
      if (t_next == 0.0) {
        Y.col(j) += dt * v;
      } else {
        const Vector w = mixture_velocity(t_next, Y.col(j) + dt * v);
        Y.col(j) += 0.5 * dt * (v + w);
      }
    }
  }
  EXPECT_LT((X - Y).cwiseAbs().maxCoeff(), 1e-11 * (1 + Y.cwiseAbs().maxCoeff()));
}

// On the linear path DDIM is Euler's method on the flow ODE: with eps = (x - x0 (1 - t))/t,
// DDIM's x0 + t_next eps equals x + (t_next - t) v, v = eps - x0 (the known identity between DDIM
// and the rectified-flow Euler sampler). Two samplers written independently agree.
TEST(FlowSamplers, EulerIsDdimOnTheLinearPath) {
  const auto process = make_process("linear");
  const ExactScore score(flow_mixture(), process);
  const TimeGrid grid = make_grid("logsnr", *process, 0.999, 1e-2, 7);
  Matrix X = flow_start(6), Y = X;
  make_sampler("flow-euler")->sample(score, grid, X, {}, CounterNoise(1));
  make_sampler("ddim")->sample(score, grid, Y, {}, CounterNoise(1));
  EXPECT_LT((X - Y).cwiseAbs().maxCoeff(), 1e-11 * (1 + Y.cwiseAbs().maxCoeff()));
}

// A sampler derived with sigma^2 = 1 - alpha^2 refuses the linear path and names the samplers
// that take it; the registry's traits decide, so every refusal is checked.
TEST(FlowSamplers, VariancePreservingSamplersRefuseTheLinearPath) {
  const auto process = make_process("linear");
  const ExactScore score(flow_mixture(), process);
  const TimeGrid grid = make_grid("uniform", *process, 0.9, 1e-2, 4);
  int refused = 0;
  for (const SamplerInfo& info : list_samplers()) {
    if (info.traits.any_path) continue;
    Matrix X = flow_start(3);
    expect_error([&] { make_sampler(info.name)->sample(score, grid, X, {}, CounterNoise(1)); },
                 "assumes a variance-preserving process");
    ++refused;
  }
  EXPECT_GE(refused, 5);  // ei, em, ddpm, pc, ode-ei at least
  const auto names = samplers_for_any_path();
  EXPECT_NE(std::find(names.begin(), names.end(), "flow-euler"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "ei"), names.end());
}

}  // namespace
}  // namespace difflab
