#include "difflab/apps/amp_tap.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab::apps {

void AmpOptions::validate() const {
  require(amp_iterations >= 1, "amp iterations must be >= 1, got ", amp_iterations);
  require(ngd_steps >= 0, "ngd steps must be >= 0, got ", ngd_steps);
  require(std::isfinite(ngd_step) && ngd_step > 0 && ngd_step <= 1,
          "ngd step must lie in (0, 1], got ", ngd_step);
}

namespace {
// Keeps |m| < 1 so that arctanh stays finite when |z| is huge (tanh rounds to +-1 beyond ~19).
constexpr double kMaxAbsM = 1.0 - 1e-15;
double clamp_m(double v) { return std::max(-kMaxAbsM, std::min(kMaxAbsM, v)); }
}  // namespace

void amp_tap_mean(const Matrix& J, double beta, const Vector& y, const Vector& z0,
                  const AmpOptions& options, AmpWorkspace& ws, Vector& m) {
  const Index n = J.rows();
  const double inv_n = 1.0 / static_cast<double>(n);
  const double b2 = beta * beta;
  ws.z = z0;
  ws.m_prev.setZero(n);
  ws.Jm.resize(n);
  for (int k = 0; k < options.amp_iterations; ++k) {
    ws.m = ws.z.array().tanh();
    // Onsager coefficient b_k = beta^2 (1 - Q(m^k)), empirical (MW23 code).
    const double b = b2 * (1.0 - ws.m.squaredNorm() * inv_n);
    ws.Jm.noalias() = J * ws.m;
    ws.z = beta * ws.Jm + y - b * ws.m_prev;
    ws.m_prev.swap(ws.m);
  }
  m = ws.z.array().tanh();
  // Natural-gradient (mirror) descent on F_TAP from u^0 = z^K.
  const double eta = options.ngd_step;
  for (int k = 0; k < options.ngd_steps; ++k) {
    for (Index i = 0; i < n; ++i) m(i) = clamp_m(m(i));
    const double c = b2 * (1.0 - m.squaredNorm() * inv_n);
    ws.Jm.noalias() = J * m;
    ws.z = (1.0 - eta) * ws.z + eta * (beta * ws.Jm + y - c * m);
    m = ws.z.array().tanh();
  }
}

Vector tap_gradient(const Matrix& J, double beta, const Vector& y, const Vector& m) {
  const double Q = m.squaredNorm() / static_cast<double>(m.size());
  Vector at(m.size());
  for (Index i = 0; i < m.size(); ++i) at(i) = std::atanh(clamp_m(m(i)));
  return -beta * (J * m) - y + at + beta * beta * (1.0 - Q) * m;
}

double tap_free_energy(const Matrix& J, double beta, const Vector& y, const Vector& m) {
  const double n = static_cast<double>(m.size());
  const double Q = m.squaredNorm() / n;
  double entropy = 0;
  for (Index i = 0; i < m.size(); ++i) {
    const double p = 0.5 * (1.0 + m(i)), q = 0.5 * (1.0 - m(i));
    if (p > 0) entropy -= p * std::log(p);
    if (q > 0) entropy -= q * std::log(q);
  }
  return -0.5 * beta * m.dot(J * m) - y.dot(m) - entropy -
         0.25 * n * beta * beta * (1 - Q) * (1 - Q);
}

}  // namespace difflab::apps
