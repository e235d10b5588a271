#include "difflab/sampler/dormand_prince.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// Dormand & Prince (1980), RK5(4)7M: nodes c, stage matrix a (lower triangle), 5th-order weights
// b (= the last row of a: FSAL) and the error weights e = b - b_hat of the embedded 4th-order
// solution.
constexpr int kStages = 7;
constexpr double kC[kStages] = {0.0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1.0, 1.0};
constexpr double kA[kStages][kStages - 1] = {
    {},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0.0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
constexpr double kE[kStages] = {71.0 / 57600,      0.0,        -71.0 / 16695, 71.0 / 1920,
                                -17253.0 / 339200, 22.0 / 525, -1.0 / 40};

// Step-size control constants (Hairer et al. II.4; scipy's RK45).
constexpr double kSafety = 0.9;
constexpr double kMinFactor = 0.2;
constexpr double kMaxFactor = 10.0;
constexpr double kErrorExponent = -1.0 / 5.0;  // -1/(q + 1), q = 4 the embedded order

// The PF-ODE right-hand side for one column: out = f(t) y - (g(t)^2/2) s(t, y), which is
// -(1/2) beta(t) (y + s(t, y)) for a variance-preserving process (g^2 = beta), computed so.
class PfOdeRhs {
 public:
  explicit PfOdeRhs(const ScoreModel& score) : score_(score), process_(score.process()) {}
  void operator()(double t, ConstMatrixRef y, MatrixRef out) const {
    score_.score(t, y, out);
    if (process_.variance_preserving()) {
      out = (-0.5 * process_.beta(t)) * (y + out);
    } else {
      out = process_.drift_coefficient(t) * y - (0.5 * process_.diffusion_squared(t)) * out;
    }
    require(out.allFinite(),
            "rk45: the probability-flow ODE's right-hand side is not finite at t=", t,
            " (a score singular at t = 0 needs a grid with delta > 0)");
  }

 private:
  const ScoreModel& score_;
  const ForwardProcess& process_;
};

// RMS norm of v / (atol + rtol |w|) (Hairer et al. II.4 eq. (4.11)).
double scaled_rms(ConstMatrixRef v, ConstMatrixRef w, double atol, double rtol) {
  double sum = 0;
  for (Index i = 0; i < v.rows(); ++i) {
    const double q = v(i, 0) / (atol + rtol * std::abs(w(i, 0)));
    sum += q * q;
  }
  return std::sqrt(sum / static_cast<double>(v.rows()));
}

// Per-column scratch, allocated once per block.
struct Workspace {
  Workspace(Index d) : K(d, kStages), stage(d, 1), y_new(d, 1), scale(d, 1) {}
  Matrix K;      // stage derivatives
  Matrix stage;  // stage argument
  Matrix y_new;
  Matrix scale;  // max(|y|, |y_new|), or |y| for the starting step
};

// Hairer et al. II.4's starting step size (scipy's select_initial_step) for the column y with
// derivative f0 at t, integrating downwards over `span`. One evaluation.
double initial_step(const PfOdeRhs& rhs, double t, ConstMatrixRef y, ConstMatrixRef f0, double span,
                    const SamplerOptions& options, Workspace& w) {
  w.scale = y.cwiseAbs();
  const double d0 = scaled_rms(y, w.scale, options.atol, options.rtol);
  const double d1 = scaled_rms(f0, w.scale, options.atol, options.rtol);
  double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  h0 = std::min(h0, span);
  w.stage = y - h0 * f0;
  rhs(t - h0, w.stage, w.K.col(1));
  w.y_new = w.K.col(1) - f0;  // f1 - f0
  const double d2 = scaled_rms(w.y_new, w.scale, options.atol, options.rtol) / h0;
  const double h1 = (d1 <= 1e-15 && d2 <= 1e-15) ? std::max(1e-6, 1e-3 * h0)
                                                 : std::pow(0.01 / std::max(d1, d2), 1.0 / 5.0);
  return std::min({100.0 * h0, h1, span});
}

// Integrates column y (derivative f at t_from on entry, at t_to on exit) from t_from down to
// t_to exactly, starting with step size h_abs (updated for the next call).
void integrate_column(const PfOdeRhs& rhs, double t_from, double t_to, MatrixRef y, MatrixRef f,
                      double& h_abs, const SamplerOptions& options, Workspace& w) {
  double t = t_from;
  while (t > t_to) {
    // Smallest step that still changes t (scipy's 10 ulp).
    const double min_step =
        10.0 * (t - std::nextafter(t, -std::numeric_limits<double>::infinity()));
    bool rejected = false;
    for (;;) {
      require(h_abs >= min_step, "rk45: step size underflow at t=", t, " (step ", h_abs,
              "); the tolerances rtol=", options.rtol, ", atol=", options.atol,
              " cannot be met in double precision");
      const double t_new = (t - h_abs <= t_to) ? t_to : t - h_abs;  // land on the grid time
      const double h = t_new - t;                                   // < 0
      w.K.col(0) = f;
      for (int i = 1; i < kStages; ++i) {
        w.stage = y;
        for (int m = 0; m < i; ++m) {
          if (kA[i][m] != 0.0) w.stage += (h * kA[i][m]) * w.K.col(m);
        }
        // The last stage's argument is the 5th-order solution (FSAL); its node is t_new exactly.
        const double t_stage = (i == kStages - 1) ? t_new : t + kC[i] * h;
        if (i == kStages - 1) w.y_new = w.stage;
        rhs(t_stage, w.stage, w.K.col(i));
      }
      // Local error estimate h sum_i e_i K_i, scaled by atol + rtol max(|y|, |y_new|).
      w.stage.setZero();
      for (int i = 0; i < kStages; ++i) {
        if (kE[i] != 0.0) w.stage += (h * kE[i]) * w.K.col(i);
      }
      w.scale = y.cwiseAbs().cwiseMax(w.y_new.cwiseAbs());
      const double err = scaled_rms(w.stage, w.scale, options.atol, options.rtol);
      if (err <= 1.0) {
        double factor =
            err == 0.0 ? kMaxFactor : std::min(kMaxFactor, kSafety * std::pow(err, kErrorExponent));
        if (rejected) factor = std::min(1.0, factor);
        h_abs = std::abs(h) * factor;
        t = t_new;
        y = w.y_new;
        f = w.K.col(kStages - 1);
        break;
      }
      h_abs = std::abs(h) * std::max(kMinFactor, kSafety * std::pow(err, kErrorExponent));
      rejected = true;
    }
  }
}

}  // namespace

Sampler::BlockStats DormandPrince45::run_block(const ScoreModel& score, const TimeGrid& grid,
                                               MatrixRef X, std::uint64_t first_particle,
                                               const SamplerOptions& options,
                                               const NoiseSource& /*noise*/) const {
  const PfOdeRhs rhs(score);
  const Index d = X.rows();
  const Index n = X.cols();
  Workspace w(d);
  Matrix F(d, n);   // FSAL: each column's derivative at its current time
  Vector h_abs(n);  // each column's next step size
  const double T = grid.T();
  for (Index j = 0; j < n; ++j) {
    rhs(T, X.col(j), F.col(j));
    h_abs(j) = initial_step(rhs, T, X.col(j), F.col(j), T - grid.delta(), options, w);
  }
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    for (Index j = 0; j < n; ++j) {
      integrate_column(rhs, grid.t(k), grid.t(k + 1), X.col(j), F.col(j), h_abs(j), options, w);
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
