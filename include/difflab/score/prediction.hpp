#pragma once
// Score models from outside predict one of five quantities and read time in one of three
// conventions. These conversions turn any of them into the score grad log q_t(x) at forward time t
// of difflab's process, once per call, as DPM-Solver's model_wrapper does (Lu et al. 2022,
// "DPM-Solver", section 3 and the model_wrapper of its code). Under X_t = alpha X_0 + sigma Z and
// Tweedie's formula (docs/theory.md 1.2), for the prediction F of a model at (t, x):
//
//   score     F ~ grad log q_t(x)                       s = F
//   noise     F ~ E[Z | X_t = x]                        s = -F / sigma
//   data      F ~ E[X_0 | X_t = x]                      s = (alpha F - x) / sigma^2
//   velocity  F ~ E[alpha Z - sigma X_0 | X_t = x]      s = -x - (alpha / sigma) F
//   flow      F ~ E[dX_t/dt | X_t = x]                  s = (2 f x - 2 F) / g^2
//
// (velocity: Salimans & Ho 2022, "Progressive distillation", v = alpha eps - sigma x_0, for the
// variance-preserving processes only, where E[Z | x] = sigma x + alpha F. flow: the velocity
// alpha' X_0 + sigma' Z that flow matching and rectified flow learn, in the process's own time;
// it equals the probability-flow velocity f x - (g^2/2) s (docs/theory.md 1.3), so on the linear
// path s = -(x + (1 - t) F)/t.) Each is s = a F + b x with the scalars of
// prediction_coefficients; docs/theory.md 11.4 derives them.
//
// The model's time argument tau, for forward time t:
//   t        tau = t
//   sigma    tau = sigma(t) / alpha(t) = e^{-lambda(t)}  (the noise level of a variance-exploding
//            model: Karras et al. 2022 "EDM", k-diffusion's sigma)
//   logsnr   tau = lambda(t) = log(alpha(t) / sigma(t))  (Lu et al. 2022, eq. (3.2) notation)
// The model still sees the state x of difflab's process; only the scalar time argument changes.
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"

namespace difflab {

enum class Prediction { kScore, kNoise, kData, kVelocity, kFlow };
enum class TimeConvention { kT, kSigma, kLogSnr };

// Names as users write them ("score", "noise", "data", "velocity", "flow"; "t", "sigma",
// "logsnr"); an
// unknown name is a difflab::Error listing the valid ones.
Prediction parse_prediction(const std::string& name);
TimeConvention parse_time_convention(const std::string& name);
std::string prediction_name(Prediction p);
std::string time_convention_name(TimeConvention c);
std::vector<std::string> prediction_names();
std::vector<std::string> time_convention_names();

// The model's time argument at forward time t, and back. Noise and data predictions, and the
// sigma and logsnr conventions, need sigma(t) > 0: t = 0 is refused with the reason.
double model_time(TimeConvention c, const ForwardProcess& process, double t);
double forward_time(TimeConvention c, const ForwardProcess& process, double tau);

// s = a F + b x at forward time t.
struct PredictionCoefficients {
  double a = 1.0;
  double b = 0.0;
};
PredictionCoefficients prediction_coefficients(Prediction p, const ForwardProcess& process,
                                               double t);

// In place: F (the prediction at the columns of X) becomes the score. For kScore nothing is
// computed, so a score passed through is bit for bit the score given.
void prediction_to_score(Prediction p, const ForwardProcess& process, double t, ConstMatrixRef X,
                         MatrixRef F);
// The inverse: a score S at the columns of X becomes the prediction F = (S - b x) / a.
void score_to_prediction(Prediction p, const ForwardProcess& process, double t, ConstMatrixRef X,
                         MatrixRef S);

}  // namespace difflab
