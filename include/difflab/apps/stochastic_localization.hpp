#pragma once
// Algorithmic stochastic localization (SL) for a tilted Ising measure
// mu(x) ∝ exp((beta/2) <x, J x>) on {-1, 1}^n: the sampler of EAMS22 (SK, J = W) and MW23 (Z2
// posterior, J = A). docs/applications.md (a) "Outer loop" ([V] in the structure of the MW23 code):
//   y_0 = 0;  for l = 0..L-1:  m = MeanEstimate(y_l) (AMP + NGD, amp_tap.hpp),
//                              y_{l+1} = y_l + delta m + sqrt(delta) w_l,   w_l ~ N(0, I_n);
//   m = MeanEstimate(y_L);  x_i = +1 with probability (1 + m_i)/2, independently (randomized
//   rounding, as the MW23 code; rounding = "sign" gives sign(m), its commented-out alternative).
// This is the Euler-Maruyama discretisation of dy = m(y, t) dt + dB, whose solution is
// y_t = t x + B_t with x ~ mu (stochastic localization; docs/applications.md section 0).
//
// Samples are independent runs: sample s draws w_l from (seed, kUseSlNoise, s, l) and its
// rounding uniforms from (seed, kUseRounding, s, 0); samples run in parallel, each with
// matrix-vector products on its own aligned vectors, so results are bit-identical for any thread
// count.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/apps/amp_tap.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab::apps {

struct SlOptions {
  double T = 10.0;  // final SL time T = L delta (EAMS22 run of the note: T = 10)
  // SL step. The note's runs used 0.025 and MW23 0.01-0.02; the SL drift m is bounded and
  // smooth in t, and the tests check energy/overlap at 0.1, which keeps n = 2000 runs fast.
  double delta = 0.1;
  AmpOptions amp;                   // inner mean estimate
  std::string rounding = "random";  // "random" (MW23) or "sign"
  Index samples = 8;                // independent samples
  void validate() const;
  int steps() const;  // L = round(T / delta)
  // {T, delta, steps, amp_iterations, ngd_steps, ngd_step, rounding} (samples is reported by
  // each application as it counts them).
  nlohmann::json to_json() const;
};

struct SlResult {
  Matrix X;           // n x samples, entries +-1
  Matrix final_mean;  // n x samples, the mean estimate m(y_L, T) before rounding
  double wall_seconds = 0;
};

// z0 is the AMP start at every SL step (zero vector for SK; spectral start for Z2, MW23).
SlResult sl_sample(const Matrix& J, double beta, const Vector& z0, const SlOptions& options,
                   const CounterRng& rng, std::uint64_t first_sample = 0);

}  // namespace difflab::apps
