#pragma once
// How a score network's raw output F becomes a score of the *original* data variable, for every
// time t, consistently in training and in sampling.
//
// Standardisation: the data's per-coordinate mean m and standard deviation sd are recorded with
// the model. Under X_t = alpha X_0 + sigma Z the coordinate k of X_t has mean alpha m_k and
// variance v_k = alpha^2 sd_k^2 + sigma^2 (exact for independent coordinates), so the network
// sees x_in = c_in (x - alpha m) with c_in,k = 1/sqrt(v_k) (EDM's input scaling, Karras et al.
// 2022 Table 1): O(1) inputs at every t. Note that standardising X_0 and then running the
// forward process on the standardised variable would NOT give the score of the original X_t
// (the noise would be scaled by 1/sd too); scaling the noised input keeps the model an
// approximation of grad log q_t of the original variable, which every sampler needs.
//
// Output parametrisation, s = a (.) F + b x + c (per coordinate):
//   noise: F predicts Z, s = -F / sigma                       (a = -1/sigma,       b = c = 0)
//   score: F is the score in units of 1/sqrt(v), s = c_in F   (a = c_in,           b = c = 0)
//   data:  F predicts (X_0 - m)/sd (Tweedie, docs/theory.md 1.2: E[X_0|x] = (x + sigma^2 s)/alpha),
//          s = (alpha (m + sd F) - x) / sigma^2             (a = alpha sd/sigma^2, b = -1/sigma^2,
//                                                            c = alpha m / sigma^2)
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"

namespace difflab {

struct Standardisation {
  Vector mean, std;  // per coordinate; std > 0
  // Sample mean and standard deviation of the columns of X (a constant coordinate gets sd 1).
  static Standardisation of(const Matrix& X);
  static Standardisation identity(Index d);
  nlohmann::json to_json() const;
};

struct Preconditioning {
  Vector c_in;   // x_in = c_in (.) (x - shift)
  Vector shift;  // alpha m
  Vector a;      // s = a (.) F + b x + c
  double b = 0;
  Vector c;
  // x_in for the columns of X.
  void input(ConstMatrixRef X, MatrixRef Xin) const;
  // s from F and x for the columns.
  void score(ConstMatrixRef F, ConstMatrixRef X, MatrixRef S) const;
};

// output: noise | score | data. t must be > 0 for noise and data (sigma > 0).
Preconditioning precondition(const std::string& output, const Standardisation& standardisation,
                             const ForwardProcess& process, double t);

}  // namespace difflab
