#pragma once
// MlpScore: a trained MLP as a ScoreModel, s(t, x) = a (.) F(c_in (.) (x - alpha m), c(t)) + b x +
// c (preconditioning.hpp), so every sampler, `difflab sample` and `difflab eval` can use it. Its
// Lipschitz constant in x (the seeds' approximating class is Lipschitz) is reported two ways:
//   - an upper bound from the layers' spectral norms. F is a composition of W_in (x-columns),
//     residual blocks h -> h + W2 silu(W1 h + b1) + b2, each (1 + L_silu ||W2|| ||W1||)-Lipschitz,
//     and W_out silu(.), which is L_silu ||W_out||-Lipschitz, with L_silu = max silu' =
//     1.0998 (attained at a = 2.3994); so
//       Lip_x s(t, .) <= max|a| * ||W_in,x|| * prod_l (1 + L_silu ||W2_l|| ||W1_l||)
//                        * L_silu ||W_out|| * max c_in + |b|;
//   - an empirical estimate: the largest spectral norm of the Jacobian ds/dx over samples of q_t.
#include <memory>
#include <vector>

#include "difflab/score/score_model.hpp"
#include "difflab/train/mlp.hpp"
#include "difflab/train/preconditioning.hpp"

namespace difflab {

class MlpScore final : public ScoreModel {
 public:
  // The network's dimension must match the standardisation's.
  MlpScore(std::shared_ptr<const MlpNetwork> network, Standardisation standardisation,
           std::shared_ptr<const ForwardProcess> process);

  Index dim() const override { return network_->spec().dim; }
  std::string name() const override { return "mlp"; }
  nlohmann::json to_json() const override;

  const MlpNetwork& network() const { return *network_; }
  const Standardisation& standardisation() const { return standardisation_; }

  // The Jacobian ds/dx (d x d) at x.
  Matrix jacobian(double t, const Vector& x) const;
  // The spectral-norm upper bound above at time t.
  double lipschitz_upper_bound(double t) const;

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override;

 private:
  std::shared_ptr<const MlpNetwork> network_;
  Standardisation standardisation_;
};

// SiLU's Lipschitz constant: silu'(a) = sigmoid(a)(1 + a(1 - sigmoid(a))) peaks at a = 2.3994.
inline constexpr double kSiluLipschitz = 1.09984;

struct LipschitzEstimate {
  double t = 0;
  double upper_bound = 0;
  double empirical = 0;  // max over the samples of ||ds/dx||_2
  Index samples = 0;
  nlohmann::json to_json() const;
};

// At each t: the upper bound and the largest Jacobian norm over `samples` points of q_t, drawn by
// pushing columns of `data` (cycled) through the forward process with noise (seed,
// kMonteCarlo, j).
std::vector<LipschitzEstimate> lipschitz_estimates(const MlpScore& score, const Matrix& data,
                                                   const std::vector<double>& times, Index samples,
                                                   std::uint64_t seed);

}  // namespace difflab
