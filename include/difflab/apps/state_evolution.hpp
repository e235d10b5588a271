#pragma once
// State-evolution fixed points of Bayes-AMP for a Rademacher signal (docs/applications.md (a)
// "State evolution along the SL path" and (b) "Reference quantities"; [D] there, checked against
// the tables of that note in state_evolution_test.cpp).
//
// With the scalar channel z = gamma x0 + sqrt(gamma) G, x0 uniform on {-1, 1}, G ~ N(0, 1):
//   SK along the SL path:  q = E tanh(gamma + sqrt(gamma) G),  gamma = beta^2 q + t;
//   Z2 synchronisation:    the same with t = 0 (gamma = beta^2 q).
// The Bayes-optimal q_* is the LARGEST fixed point in [0, 1] (MW23 iterate from a positive start;
// for t = 0 and beta <= 1 it is 0). We find it by scanning F(q) = E tanh(...) - q downward from
// q = 1 (F(1) < 0) for the first sign change and bisecting there, which is robust near the
// transition beta -> 1+ where plain fixed-point iteration slows down critically.
namespace difflab::apps {

// E tanh(gamma + sqrt(gamma) G), G ~ N(0, 1), by the trapezoid rule on [-12, 12] (spectrally
// accurate for this smooth, Gaussian-weighted integrand; error far below 1e-12).
double rademacher_channel_overlap(double gamma);

// q_*(beta, t) for SK along the SL path (t >= 0); q_*(beta, 0) = 0 for beta < 1.
double sk_state_evolution_q(double beta, double t);

// q_*(beta) for Z2 synchronisation (= sk_state_evolution_q(beta, 0)): the asymptotic overlap
// <x, theta>/n of a posterior sample with the truth.
double z2_state_evolution_q(double beta);

}  // namespace difflab::apps
