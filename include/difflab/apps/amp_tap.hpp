#pragma once
// Mean of a tilted Ising measure by AMP with Onsager correction, refined by natural-gradient
// descent on the TAP free energy (docs/applications.md (a) "Inner step" and "TAP free energy").
//
// Measure: mu_{J,y}(x) ∝ exp((beta/2) <x, J x> + <y, x>) on {-1, 1}^n, with J = W (SK, sign +beta/2
// as in docs/applications.md section 0 item 1) or J = A (Z2 posterior, section 0 item 2).
//
// AMP (the empirical-Onsager variant of the MW23 code main.py::run_AMP, [V] there; the EAMS22
// variant with the deterministic coefficient beta^2 (1 - q_*) is [R] in the note and not used):
//   m^{-1} = 0; for k = 0..K-1:  m^k = tanh(z^k),  b_k = beta^2 (1/n) sum_i (1 - (m^k_i)^2),
//                                 z^{k+1} = beta J m^k + y - b_k m^{k-1};
//   result m = tanh(z^K) (we return the tanh of the LAST z; MW23 return the one before).
// TAP free energy ([R] form of Celentano-Fan-Mei; EAMS22 use "a related but distinct" functional
// that the note could not verify, so this is the documented, tested variant):
//   F(m) = -(beta/2)<m, J m> - <y, m> - sum_i h(m_i) - (n beta^2/4)(1 - Q(m))^2,  Q = |m|^2/n,
//   grad F(m) = -beta J m - y + arctanh(m) + beta^2 (1 - Q(m)) m.
// With the empirical Onsager term an AMP fixed point satisfies arctanh(m) = beta J m + y -
// beta^2 (1 - Q) m, i.e. it is a stationary point of F ([D]; tested in amp_tap_test.cpp).
// NGD is mirror descent with mirror map u = arctanh(m):
//   u <- u - eta grad F(tanh u) = (1 - eta) u + eta (beta J m + y - beta^2 (1 - Q(m)) m).
#include "difflab/core/types.hpp"

namespace difflab::apps {

struct AmpOptions {
  // K_AMP >= 1. MW23's code uses 20; AMP converges geometrically for beta < 1 (and for Z2 from
  // the spectral start), and 15 keeps n = 2000 runs well under a minute.
  int amp_iterations = 15;
  int ngd_steps = 2;      // K_NGD natural-gradient steps after AMP; 0 disables (EAMS22: O(1))
  double ngd_step = 0.3;  // eta in (0, 1] (the value of the note's numerical check)
  void validate() const;  // throws difflab::Error
};

struct AmpWorkspace {  // reused buffers, so a sampler step allocates nothing
  Vector z, m, m_prev, Jm;
};

// Runs AMP from z^0 = z0 (zero for SK, the spectral start for Z2) and then NGD; writes the
// estimated mean into m (and the final field u = arctanh(m) into ws.z). J must be symmetric n x n.
void amp_tap_mean(const Matrix& J, double beta, const Vector& y, const Vector& z0,
                  const AmpOptions& options, AmpWorkspace& ws, Vector& m);

// grad F_TAP(m) above (m in (-1, 1)^n).
Vector tap_gradient(const Matrix& J, double beta, const Vector& y, const Vector& m);
// F_TAP(m) above.
double tap_free_energy(const Matrix& J, double beta, const Vector& y, const Vector& m);

}  // namespace difflab::apps
