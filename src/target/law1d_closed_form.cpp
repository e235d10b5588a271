#include "difflab/target/law1d_closed_form.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "law1d_numerics.hpp"

namespace difflab {

using law1d_detail::kLogSqrt2Pi;
using law1d_detail::kNegInf;
constexpr double kInvSqrt2 = 0.70710678118654752440;

// ---------------------------------------------------------------------------------------------
// Gaussian mixture

GaussianMixture1D::GaussianMixture1D(std::vector<double> weights, std::vector<double> means,
                                     std::vector<double> stds, const std::string& where)
    : input_weights_(weights), m_(std::move(means)), s_(std::move(stds)) {
  const std::size_t K = weights.size();
  require(K > 0, where, ": weights is empty");
  require(m_.size() == K, where, ": ", K, " weights but ", m_.size(), " means");
  require(s_.size() == K, where, ": ", K, " weights but ", s_.size(), " stds");
  double total = 0;
  for (std::size_t i = 0; i < K; ++i) {
    require(std::isfinite(weights[i]) && weights[i] >= 0, where, ": weight ", i,
            " must be >= 0, got ", weights[i]);
    require(std::isfinite(m_[i]), where, ": mean ", i, " is not finite");
    require(std::isfinite(s_[i]) && s_[i] > 0, where, ": std ", i, " must be positive, got ",
            s_[i]);
    total += weights[i];
  }
  require(std::abs(total - 1.0) <= 1e-9, where, ": weights sum to ", total,
          ", not 1 (within 1e-9)");
  for (double w : weights) w_.push_back(w / total);
}

GaussianMixture1D GaussianMixture1D::gaussian(double mean, double std, const std::string& where) {
  require(std::isfinite(std) && std > 0, where, ": std must be positive, got ", std);
  GaussianMixture1D g({1.0}, {mean}, {std}, where);
  g.gaussian_ = true;
  return g;
}

nlohmann::json GaussianMixture1D::to_json() const {
  if (gaussian_) return {{"type", "gaussian"}, {"mean", m_[0]}, {"std", s_[0]}};
  return {{"type", "mixture"}, {"weights", input_weights_}, {"means", m_}, {"stds", s_}};
}

double GaussianMixture1D::sample(RngStream& stream) const {
  std::size_t comp = w_.size() - 1;
  if (w_.size() > 1) {
    const double u = stream.uniform();
    double acc = 0;
    for (std::size_t i = 0; i < w_.size(); ++i) {
      acc += w_[i];
      if (u < acc) {
        comp = i;
        break;
      }
    }
  }
  return m_[comp] + s_[comp] * stream.normal();
}

double GaussianMixture1D::mean() const {
  double m = 0;
  for (std::size_t i = 0; i < w_.size(); ++i) m += w_[i] * m_[i];
  return m;
}

double GaussianMixture1D::second_moment() const {
  double m2 = 0;
  for (std::size_t i = 0; i < w_.size(); ++i) m2 += w_[i] * (m_[i] * m_[i] + s_[i] * s_[i]);
  return m2;
}

double GaussianMixture1D::entropy() const {
  if (w_.size() == 1) return 0.5 + kLogSqrt2Pi + std::log(s_[0]);
  // -int p log p by Gauss-Legendre on the union of per-component breakpoints m_i + j s_i,
  // j = -12..12: every interval is at most one standard deviation of the component dominating
  // it, and the mass beyond +-12 standard deviations (< 1e-32) is dropped.
  std::vector<double> br;
  for (std::size_t i = 0; i < w_.size(); ++i)
    for (int j = -12; j <= 12; ++j) br.push_back(m_[i] + j * s_[i]);
  std::sort(br.begin(), br.end());
  br.erase(std::unique(br.begin(), br.end()), br.end());
  const auto& gl = law1d_detail::gauss_legendre20();
  Vector nodes(static_cast<Index>(gl.x.size()));
  Vector logq;
  double h = 0;
  for (std::size_t k = 0; k + 1 < br.size(); ++k) {
    const double c = 0.5 * (br[k] + br[k + 1]), r = 0.5 * (br[k + 1] - br[k]);
    for (std::size_t q = 0; q < gl.x.size(); ++q) nodes(static_cast<Index>(q)) = c + r * gl.x[q];
    noised(1.0, 0.0, nodes, &logq, nullptr);
    for (std::size_t q = 0; q < gl.x.size(); ++q) {
      const double lp = logq(static_cast<Index>(q));
      h -= r * gl.w[q] * std::exp(lp) * lp;
    }
  }
  return h;
}

std::optional<double> GaussianMixture1D::score_lipschitz() const {
  if (w_.size() == 1) return std::max(1.0, 1.0 / (s_[0] * s_[0]));
  // ESTIMATE (see the header): grid search of |(log q_t)''| under OU.
  const std::size_t K = w_.size();
  std::vector<double> times{0.0};
  for (int i = 0; i <= 40; ++i) times.push_back(1e-4 * std::pow(2e5, i / 40.0));
  double best = 1.0;  // the limit t -> infinity (q_t -> N(0, 1))
  std::vector<double> c(K), lw(K), r(K), sc(K);
  for (double t : times) {
    const double a = std::exp(-t), sig2 = -std::expm1(-2 * t);
    double lo = 1e300, hi = -1e300, cmax = 0;
    for (std::size_t i = 0; i < K; ++i) {
      c[i] = a * a * s_[i] * s_[i] + sig2;
      lw[i] = std::log(w_[i]) - 0.5 * std::log(c[i]);
      cmax = std::max(cmax, c[i]);
      lo = std::min(lo, a * m_[i]);
      hi = std::max(hi, a * m_[i]);
    }
    std::vector<double> ys;
    for (int j = 0; j <= 4000; ++j)
      ys.push_back(lo - 8 * std::sqrt(cmax) + (hi - lo + 16 * std::sqrt(cmax)) * j / 4000.0);
    for (std::size_t i = 0; i < K; ++i)
      for (int j = -160; j <= 160; ++j) ys.push_back(a * m_[i] + 0.05 * j * std::sqrt(c[i]));
    for (double y : ys) {
      double mx = kNegInf;
      for (std::size_t i = 0; i < K; ++i) {
        sc[i] = -(y - a * m_[i]) / c[i];
        r[i] = lw[i] - 0.5 * (y - a * m_[i]) * (y - a * m_[i]) / c[i];
        mx = std::max(mx, r[i]);
      }
      double z = 0;
      for (std::size_t i = 0; i < K; ++i) z += (r[i] = std::exp(r[i] - mx));
      double first = 0, second = 0;
      for (std::size_t i = 0; i < K; ++i) {
        r[i] /= z;
        first += r[i] * sc[i];
        second += r[i] * (sc[i] * sc[i] - 1.0 / c[i]);
      }
      best = std::max(best, std::abs(second - first * first));
    }
  }
  return best;
}

namespace {

// The mixture's log density and score at a point so far out that (y - alpha m_i)^2 overflows
// (|y| >~ 1e154). The log-sum-exp weights only need differences of the exponents,
//   l_i - l_k = (lc_i - lc_k) - (u_i - u_k)(u_i + u_k),  u_i = (y - alpha m_i) / sqrt(2 c_i),
// which stay finite; the leading component k is found by pairwise comparison. The score is then
// finite; log q is -inf only where the true value is below -DBL_MAX.
void mixture1d_far_point(double y, const std::vector<double>& lc, const std::vector<double>& am,
                         const std::vector<double>& c, double* log_q, double* score) {
  const std::size_t K = lc.size();
  std::vector<double> u(K);
  for (std::size_t i = 0; i < K; ++i) u[i] = (y - am[i]) / std::sqrt(2 * c[i]);
  const auto exponent_gap = [&](std::size_t i, std::size_t k) {
    return (lc[i] - lc[k]) - (u[i] - u[k]) * (u[i] + u[k]);
  };
  std::size_t lead = 0;
  for (std::size_t i = 1; i < K; ++i)
    if (exponent_gap(i, lead) > 0) lead = i;
  double z = 0, s = 0;
  for (std::size_t i = 0; i < K; ++i) {
    const double e = std::exp(exponent_gap(i, lead));
    z += e;
    s -= e * ((y - am[i]) / c[i]);
  }
  if (log_q) *log_q = lc[lead] - u[lead] * u[lead] + std::log(z);
  if (score) *score = s / z;
}

}  // namespace

void GaussianMixture1D::noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
                               Vector* score) const {
  check_noise(alpha, sigma2);
  const std::size_t K = w_.size();
  std::vector<double> c(K), lc(K), am(K), l(K);
  for (std::size_t i = 0; i < K; ++i) {
    c[i] = alpha * alpha * s_[i] * s_[i] + sigma2;
    lc[i] = std::log(w_[i]) - kLogSqrt2Pi - 0.5 * std::log(c[i]);
    am[i] = alpha * m_[i];
  }
  if (log_q) log_q->resize(y.size());
  if (score) score->resize(y.size());
  for (Index j = 0; j < y.size(); ++j) {
    double mx = kNegInf;
    bool far = false;
    for (std::size_t i = 0; i < K; ++i) {
      const double d = y(j) - am[i];
      l[i] = lc[i] - 0.5 * d * d / c[i];
      mx = std::max(mx, l[i]);
      far = far || !(std::abs(d) < 1e150);  // d * d overflows beyond ~1.3e154
    }
    if (far) {
      mixture1d_far_point(y(j), lc, am, c, log_q ? &(*log_q)(j) : nullptr,
                          score ? &(*score)(j) : nullptr);
      continue;
    }
    double z = 0, s = 0;
    for (std::size_t i = 0; i < K; ++i) {
      const double e = std::exp(l[i] - mx);
      z += e;
      s -= e * (y(j) - am[i]) / c[i];
    }
    if (log_q) (*log_q)(j) = mx + std::log(z);
    if (score) (*score)(j) = s / z;
  }
}

// ---------------------------------------------------------------------------------------------
// Laplace

Laplace1D::Laplace1D(double loc, double scale, const std::string& where) : loc_(loc), b_(scale) {
  require(std::isfinite(loc), where, ": loc is not finite");
  require(std::isfinite(scale) && scale > 0, where, ": scale must be positive, got ", scale);
}

nlohmann::json Laplace1D::to_json() const {
  return {{"type", "laplace"}, {"loc", loc_}, {"scale", b_}};
}

double Laplace1D::sample(RngStream& stream) const {
  // Inverse CDF; 1 - u is exact for u in [1/2, 1) (Sterbenz), so both tails keep full precision.
  const double u = stream.uniform();
  return u < 0.5 ? loc_ + b_ * std::log(2 * u) : loc_ - b_ * std::log(2 * (1 - u));
}

double Laplace1D::entropy() const { return 1.0 + std::log(2 * b_); }

void Laplace1D::noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
                       Vector* score) const {
  check_noise(alpha, sigma2);
  if (log_q) log_q->resize(y.size());
  if (score) score->resize(y.size());
  const double log_alpha = std::log(alpha);
  if (sigma2 == 0) {
    // q(y) = p(y / alpha) / alpha; the score at the kink is taken as 0 (the subgradient midpoint).
    for (Index j = 0; j < y.size(); ++j) {
      const double v = y(j) / alpha - loc_;
      if (log_q) (*log_q)(j) = -std::abs(v) / b_ - std::log(2 * b_) - log_alpha;
      if (score) (*score)(j) = (v > 0 ? -1.0 : v < 0 ? 1.0 : 0.0) / (b_ * alpha);
    }
    return;
  }
  const double k = std::sqrt(sigma2) / alpha;  // kernel width in x-space
  const double log4b = std::log(4 * b_);
  const double kb = k / b_, half_kb2 = 0.5 * kb * kb;
  for (Index j = 0; j < y.size(); ++j) {
    const double v = y(j) / alpha - loc_;
    const double e = -0.5 * (v / k) * (v / k);
    // T1 carries the mass of x > loc, T2 of x < loc; in each, exponent - z^2 = e.
    const double L1 =
        law1d_detail::log_exp_erfc(half_kb2 - v / b_, (kb - v / k) * kInvSqrt2, e) - log4b;
    const double L2 =
        law1d_detail::log_exp_erfc(half_kb2 + v / b_, (kb + v / k) * kInvSqrt2, e) - log4b;
    if (log_q) (*log_q)(j) = law1d_detail::log_add_exp(L1, L2) - log_alpha;
    // g'/g = (T2 - T1) / (b (T1 + T2)) = tanh((L2 - L1)/2) / b; chain rule u = y / alpha.
    if (score) (*score)(j) = std::tanh(0.5 * (L2 - L1)) / (b_ * alpha);
  }
}

}  // namespace difflab
