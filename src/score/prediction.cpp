#include "difflab/score/prediction.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

constexpr const char* kPredictionNames[] = {"score", "noise", "data", "velocity", "flow"};
constexpr const char* kTimeConventionNames[] = {"t", "sigma", "logsnr"};

std::string joined_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// sigma(t) > 0, needed by every conversion that divides by sigma.
double positive_sigma(const ForwardProcess& process, double t, const char* what) {
  const double s = process.sigma(t);
  require(s > 0.0 && std::isfinite(s), what, " needs sigma(t) > 0, but t = ", t,
          " gives sigma = ", s, " (use a grid with delta > 0)");
  return s;
}

}  // namespace

std::vector<std::string> prediction_names() {
  return {std::begin(kPredictionNames), std::end(kPredictionNames)};
}
std::vector<std::string> time_convention_names() {
  return {std::begin(kTimeConventionNames), std::end(kTimeConventionNames)};
}

Prediction parse_prediction(const std::string& name) {
  if (name == "score") return Prediction::kScore;
  if (name == "noise") return Prediction::kNoise;
  if (name == "data") return Prediction::kData;
  if (name == "velocity") return Prediction::kVelocity;
  if (name == "flow") return Prediction::kFlow;
  fail("unknown prediction '", name, "' (valid: ", joined_names(prediction_names()), ")");
}

TimeConvention parse_time_convention(const std::string& name) {
  if (name == "t") return TimeConvention::kT;
  if (name == "sigma") return TimeConvention::kSigma;
  if (name == "logsnr") return TimeConvention::kLogSnr;
  fail("unknown time convention '", name, "' (valid: ", joined_names(time_convention_names()), ")");
}

std::string prediction_name(Prediction p) { return kPredictionNames[static_cast<int>(p)]; }
std::string time_convention_name(TimeConvention c) {
  return kTimeConventionNames[static_cast<int>(c)];
}

double model_time(TimeConvention c, const ForwardProcess& process, double t) {
  switch (c) {
    case TimeConvention::kT:
      return t;
    case TimeConvention::kSigma:
      positive_sigma(process, t, "time convention sigma");
      return std::exp(-process.log_snr(t));
    case TimeConvention::kLogSnr:
      positive_sigma(process, t, "time convention logsnr");
      return process.log_snr(t);
  }
  fail("unknown time convention");
}

double forward_time(TimeConvention c, const ForwardProcess& process, double tau) {
  switch (c) {
    case TimeConvention::kT:
      return tau;
    case TimeConvention::kSigma:
      require(tau > 0.0 && std::isfinite(tau), "time convention sigma: sigma must be > 0, got ",
              tau);
      return process.t_of_log_snr(-std::log(tau));
    case TimeConvention::kLogSnr:
      require(std::isfinite(tau), "time convention logsnr: lambda must be finite, got ", tau);
      return process.t_of_log_snr(tau);
  }
  fail("unknown time convention");
}

PredictionCoefficients prediction_coefficients(Prediction p, const ForwardProcess& process,
                                               double t) {
  switch (p) {
    case Prediction::kScore:
      return {1.0, 0.0};
    case Prediction::kNoise:
      return {-1.0 / positive_sigma(process, t, "a noise prediction"), 0.0};
    case Prediction::kData: {
      positive_sigma(process, t, "a data prediction");
      const double s2 = process.sigma2(t);
      return {process.alpha(t) / s2, -1.0 / s2};
    }
    case Prediction::kVelocity: {
      require(process.variance_preserving(),
              "a velocity prediction (v = alpha eps - sigma x0) is defined for variance-preserving "
              "processes; process '",
              process.name(), "' is not: a flow-matching velocity is prediction 'flow'");
      const double s = positive_sigma(process, t, "a velocity prediction");
      return {-process.alpha(t) / s, -1.0};
    }
    case Prediction::kFlow: {
      // F = f x - (g^2/2) s (probability_flow_velocity.hpp), so s = -(2/g^2) F + (2f/g^2) x.
      const double g2 = process.diffusion_squared(t);
      require(g2 > 0.0 && std::isfinite(g2), "a flow prediction needs g(t)^2 > 0, but t = ", t,
              " gives ", g2, " (use a grid with delta > 0)");
      return {-2.0 / g2, 2.0 * process.drift_coefficient(t) / g2};
    }
  }
  fail("unknown prediction");
}

void prediction_to_score(Prediction p, const ForwardProcess& process, double t, ConstMatrixRef X,
                         MatrixRef F) {
  if (p == Prediction::kScore) return;
  const PredictionCoefficients c = prediction_coefficients(p, process, t);
  if (c.b == 0.0) {
    F *= c.a;
  } else {
    F = c.a * F + c.b * X;
  }
}

void score_to_prediction(Prediction p, const ForwardProcess& process, double t, ConstMatrixRef X,
                         MatrixRef S) {
  if (p == Prediction::kScore) return;
  const PredictionCoefficients c = prediction_coefficients(p, process, t);
  if (c.b == 0.0) {
    S /= c.a;
  } else {
    S = (S - c.b * X) / c.a;
  }
}

}  // namespace difflab
