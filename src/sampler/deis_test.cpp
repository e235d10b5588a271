// tAB-DEIS: its weights against eq. (15) of Zhang & Chen (2023) integrated in t by composite
// Simpson (an independent quadrature of the original integrand), its first-order form against
// DDIM, and the observed orders of the second- and third-order forms on the exact law.
#include "difflab/sampler/deis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "difflab/core/error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/unipc.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// eq. (15) in our orientation: int_{t_k}^{t_{k+1}} (alpha_{k+1}/alpha_tau) beta/(2 sigma_tau)
// l_j(tau) dtau, by composite Simpson with m intervals.
double weight_by_simpson(const ForwardProcess& p, const TimeGrid& grid, std::size_t k, int order,
                         int j, int m) {
  const int pk = std::min<int>(static_cast<int>(k) + 1, order);
  const auto f = [&](double tau) {
    double basis = 1.0;
    for (int q = 0; q < pk; ++q) {
      if (q == j) continue;
      const double tq = grid.t(k - static_cast<std::size_t>(q));
      basis *= (tau - tq) / (grid.t(k - static_cast<std::size_t>(j)) - tq);
    }
    return p.alpha(grid.t(k + 1)) / p.alpha(tau) * p.beta(tau) / (2 * p.sigma(tau)) * basis;
  };
  const double a = grid.t(k), b = grid.t(k + 1), h = (b - a) / m;
  double sum = f(a) + f(b);
  for (int i = 1; i < m; ++i) sum += (i % 2 == 1 ? 4.0 : 2.0) * f(a + i * h);
  return sum * h / 3;
}

TEST(Deis, WeightsEqualEquation15) {
  for (const std::string name : {"ou", "vp-linear", "vp-cosine"}) {
    const auto process = make_process(name);
    const TimeGrid grid = make_grid("uniform", *process, name == "ou" ? 3.0 : 0.9, 1e-2, 12);
    for (int order : {1, 2, 3}) {
      const Matrix c = Deis(order).coefficients(*process, grid);
      for (std::size_t k = 0; k < grid.steps(); ++k)
        for (int j = 0; j < std::min<int>(static_cast<int>(k) + 1, order); ++j) {
          const double ref = weight_by_simpson(*process, grid, k, order, j, 4000);
          EXPECT_NEAR(c(static_cast<Index>(k), j), ref, 1e-9 * std::max(1.0, std::abs(ref)))
              << name << " order " << order << " step " << k << " j " << j;
        }
    }
  }
}

TEST(Deis, FirstOrderIsDdim) {
  const auto target = std::make_shared<GaussianTarget>(
      GaussianTarget::diagonal(Eigen::Vector2d(0.5, -1), Eigen::Vector2d(0.3, 2.0)));
  Matrix X0(2, 5);
  CounterRng(3).fill_normal(X0, RngUse::kInitial, 0, 0);
  for (const std::string name : {"ou", "vp-cosine"}) {
    const auto process = make_process(name);
    const ExactScore score(target, process);
    for (const double delta : {0.0, 1e-2}) {
      const TimeGrid grid = make_grid("karras", *process, name == "ou" ? 3.0 : 0.9, delta, 10);
      Matrix a = X0, b = X0;
      Deis(1).sample(score, grid, a, {}, CounterNoise(1));
      make_sampler("ddim")->sample(score, grid, b, {}, CounterNoise(1));
      EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-10) << name << " delta " << delta;
    }
  }
}

// W2 of the exact output law to q_delta, started from the exact q_T, on log-SNR grids.
TEST(Deis, ObservedOrdersOfTheSecondAndThirdOrderForms) {
  const auto process = make_process("ou");
  Vector mu(2);
  mu << 0.7, -0.4;
  Matrix cov(2, 2);
  cov << 0.5, 0.2, 0.2, 1.6;
  const auto target = std::make_shared<GaussianTarget>(mu, cov);
  const ExactScore score(target, process);
  const auto q = [&](double t) {
    const double a = process->alpha(t);
    return GaussianLaw{a * mu, a * a * cov + process->sigma2(t) * Matrix::Identity(2, 2)};
  };
  const double T = 6.0, delta = 1e-2;
  for (int order : {2, 3}) {
    std::vector<double> err;
    for (int N : {80, 160, 320}) {
      const TimeGrid grid = make_grid("logsnr", *process, T, delta, N);
      const GaussianLaw law = affine_gaussian_law(Deis(order), score, grid, {}, q(T));
      const GaussianLaw exact = q(delta);
      err.push_back(gaussian_w2(law.mean, law.cov, exact.mean, exact.cov));
    }
    for (std::size_t i = 0; i + 1 < err.size(); ++i)
      EXPECT_NEAR(std::log2(err[i] / err[i + 1]), order, 0.35)
          << "order " << order << ": " << err[i] << " -> " << err[i + 1];
  }
}

}  // namespace
}  // namespace difflab

namespace difflab {
namespace {

// The construction options reach the samplers the registry builds (run option deis_order,
// unipc_order, unipc_variant): the same bits as the classes built directly, and traits that
// state the order run (deis of order 1 is one-step; UniPC-p + UniC has order p + 1).
TEST(SamplerConstructionOptions, RegistryBuildsTheRequestedOrderAndVariant) {
  const auto process = make_process("ou");
  Vector mu(2);
  mu << 0.7, -0.4;
  const auto target = std::make_shared<GaussianTarget>(mu, Matrix::Identity(2, 2) * 0.6);
  const ExactScore score(target, process);
  const TimeGrid grid = make_grid("logsnr", *process, 4.0, 1e-2, 9);
  Matrix X0(2, 5);
  CounterRng(3).fill_normal(X0, RngUse::kInitial, 0, 0);
  for (int order : {1, 2, 3}) {
    SamplerOptions o;
    o.deis_order = order;
    const auto deis = make_sampler("deis", o);
    EXPECT_EQ(deis->traits().one_step, order == 1);
    Matrix a = X0, b = X0;
    deis->sample(score, grid, a, o, CounterNoise(1));
    Deis(order).sample(score, grid, b, o, CounterNoise(1));
    EXPECT_EQ(a, b) << "deis order " << order;
    for (const std::string variant : {"bh1", "bh2"}) {
      o.unipc_order = order;
      o.unipc_variant = variant;
      const auto unipc = make_sampler("unipc", o);
      EXPECT_EQ(unipc->traits().order, order + 1);
      EXPECT_NE(unipc->description().find(variant), std::string::npos);
      Matrix c = X0, e = X0;
      unipc->sample(score, grid, c, o, CounterNoise(1));
      UniPC(order, variant == "bh1" ? UniPC::Variant::kBh1 : UniPC::Variant::kBh2)
          .sample(score, grid, e, o, CounterNoise(1));
      EXPECT_EQ(c, e) << "unipc order " << order << " " << variant;
    }
  }
  SamplerOptions bad;
  bad.unipc_variant = "bh3";
  EXPECT_THROW(bad.validate(), Error);
}

}  // namespace
}  // namespace difflab
