// Z2 synchronisation: Lanczos against a dense eigensolver, the spectral limits, and the SL
// posterior sampler against the state-evolution overlap q_*(beta) and the exact Nishimori energy
// beta^2/2 (docs/applications.md (b) "Reference quantities").
//
// Tolerances: 5 standard errors of the mean over independent instances, the SE estimated from
// the instance means themselves (instance-to-instance fluctuations of these O(1/sqrt(n))
// quantities dominate at this n, and samples of one instance are correlated through the
// instance), so no fluctuation constant is assumed.
#include "difflab/apps/z2_synchronization.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "difflab/apps/state_evolution.hpp"
#include "difflab/core/dense_decompositions.hpp"

namespace difflab::apps {
namespace {

struct MeanSe {
  double mean, se;
};
MeanSe mean_se(const std::vector<double>& v) {
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= double(v.size());
  for (double x : v) s += (x - m) * (x - m);
  return {m, std::sqrt(s / double(v.size() - 1) / double(v.size()))};
}

TEST(Z2, LanczosTopEigenpairMatchesDenseSolver) {
  const Z2Instance z = z2_instance(150, 1.3, CounterRng(1), 0);
  const TopEigen top = top_eigenpair(z.A);
  const SymmetricEigen es = symmetric_eigen(z.A);
  ASSERT_TRUE(es.ok);
  EXPECT_NEAR(top.value, es.values(149), 1e-10);
  EXPECT_NEAR(std::abs(top.vector.dot(es.vectors.col(149))), 1.0, 1e-8);
  EXPECT_GE(top.vector.sum(), 0.0);
}

TEST(Z2, SpectralStartIsZeroAtOrBelowTheTransition) {
  const Vector v = Vector::Constant(4, 0.5);
  EXPECT_TRUE(z2_spectral_start(v, 1.0).isZero(0));
  // beta = 2: sqrt(n beta^2 |beta^2 - 1|) = sqrt(4 * 4 * 3) = sqrt(48).
  EXPECT_NEAR(z2_spectral_start(v, 2.0)(0), 0.5 * std::sqrt(48.0), 1e-12);
}

TEST(Z2, PosteriorSamplesMatchStateEvolutionAndNishimoriEnergy) {
  const Index n = 400;
  const int instances = 6;
  for (double beta : {1.5}) {  // one beta keeps the ASan run short
    std::vector<double> energy, overlap, eig, spec;
    SlOptions o;
    o.samples = 2;
    o.T = 4;
    o.delta = 0.1;
    o.amp.amp_iterations = 15;
    const CounterRng rng(31);
    for (int r = 0; r < instances; ++r) {
      const Z2Instance z = z2_instance(n, beta, rng, std::uint64_t(r));
      const TopEigen top = top_eigenpair(z.A);
      eig.push_back(top.value);
      spec.push_back(std::pow(top.vector.dot(z.theta), 2) / double(n));
      const SlResult res =
          sl_sample(z.A, beta, z2_spectral_start(top.vector, beta), o, rng, std::uint64_t(r) * 2);
      double e = 0, q = 0;
      for (Index s = 0; s < res.X.cols(); ++s) {
        const Vector x = res.X.col(s);
        e += beta / (2.0 * n) * x.dot(z.A * x) / double(res.X.cols());
        q += std::abs(x.dot(z.theta)) / double(n) / double(res.X.cols());
      }
      energy.push_back(e);
      overlap.push_back(q);
    }
    const MeanSe E = mean_se(energy), Q = mean_se(overlap), L = mean_se(eig), S = mean_se(spec);
    // Exact posterior samples: E[(beta/(2n)) <x, A x>] = beta^2/2 at every n (Nishimori).
    EXPECT_NEAR(E.mean, beta * beta / 2, 5 * E.se) << beta;
    EXPECT_NEAR(Q.mean, z2_state_evolution_q(beta), 5 * Q.se) << beta;
    // BBP: lambda_max -> beta + 1/beta, <v, theta>^2/n -> 1 - 1/beta^2.
    EXPECT_NEAR(L.mean, beta + 1 / beta, 5 * L.se) << beta;
    EXPECT_NEAR(S.mean, 1 - 1 / (beta * beta), 5 * S.se) << beta;
  }
}

TEST(Z2, AppReportsTheoryBesideMeasurement) {
  Z2AppOptions o;
  o.n = 60;
  o.beta = 1.5;
  o.sl.samples = 2;
  o.sl.T = 1;
  o.sl.delta = 0.25;
  const nlohmann::json j = run_z2_app(o);
  EXPECT_DOUBLE_EQ(j.at("energy_theory").get<double>(), 1.125);
  EXPECT_DOUBLE_EQ(j.at("overlap_theory").get<double>(), z2_state_evolution_q(1.5));
  const double q = j.at("overlap").get<double>();
  EXPECT_TRUE(q >= 0 && q <= 1);
}

}  // namespace
}  // namespace difflab::apps
