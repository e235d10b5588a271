#include "difflab/train/mlp_score.hpp"

#include <cmath>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab {

MlpScore::MlpScore(std::shared_ptr<const MlpNetwork> network, Standardisation standardisation,
                   std::shared_ptr<const ForwardProcess> process)
    : ScoreModel(std::move(process)),
      network_(std::move(network)),
      standardisation_(std::move(standardisation)) {
  require(network_ != nullptr, "mlp score: no network");
  require(standardisation_.mean.size() == dim() && standardisation_.std.size() == dim(),
          "mlp score: standardisation has dimension ", standardisation_.mean.size(),
          " but the network has dimension ", dim());
  require((standardisation_.std.array() > 0).all() && standardisation_.std.allFinite() &&
              standardisation_.mean.allFinite(),
          "mlp score: standardisation needs finite means and positive standard deviations");
}

nlohmann::json MlpScore::to_json() const {
  return {{"type", "mlp"},
          {"model", network_->spec().to_json()},
          {"standardisation", standardisation_.to_json()},
          {"process", process().to_json()}};
}

void MlpScore::evaluate(double t, ConstMatrixRef X, MatrixRef out) const {
  require(X.rows() == dim(), "mlp score: points have dimension ", X.rows(),
          " but the model has dimension ", dim());
  const Preconditioning p = precondition(network_->spec().output, standardisation_, process(), t);
  Matrix Xin(X.rows(), X.cols()), F(X.rows(), X.cols());
  p.input(X, Xin);
  const Vector c = Vector::Constant(X.cols(), network_->embedding().time_input(process(), t));
  network_->forward(Xin, c, F);
  p.score(F, X, out);
}

Matrix MlpScore::jacobian(double t, const Vector& x) const {
  const Preconditioning p = precondition(network_->spec().output, standardisation_, process(), t);
  Matrix xin(dim(), 1);
  p.input(x, xin);
  // ds/dx = diag(a) J_F diag(c_in) + b I.
  Matrix J = p.a.asDiagonal() *
             network_->input_jacobian(xin.col(0), network_->embedding().time_input(process(), t)) *
             p.c_in.asDiagonal();
  J.diagonal().array() += p.b;
  return J;
}

double MlpScore::lipschitz_upper_bound(double t) const {
  const Preconditioning p = precondition(network_->spec().output, standardisation_, process(), t);
  const MlpNetwork::LayerNorms n = network_->spectral_norms();
  double lip = n.input;
  for (std::size_t l = 0; l < n.w1.size(); ++l) lip *= 1.0 + kSiluLipschitz * n.w2[l] * n.w1[l];
  lip *= kSiluLipschitz * n.output;
  return p.a.cwiseAbs().maxCoeff() * lip * p.c_in.maxCoeff() + std::abs(p.b);
}

nlohmann::json LipschitzEstimate::to_json() const {
  return {{"t", t}, {"upper_bound", upper_bound}, {"empirical", empirical}, {"samples", samples}};
}

std::vector<LipschitzEstimate> lipschitz_estimates(const MlpScore& score, const Matrix& data,
                                                   const std::vector<double>& times, Index samples,
                                                   std::uint64_t seed) {
  require(data.rows() == score.dim() && data.cols() >= 1, "lipschitz: data has dimension ",
          data.rows(), ", the model ", score.dim());
  require(samples >= 1, "lipschitz: need at least one sample");
  Matrix X0(data.rows(), samples);
  for (Index j = 0; j < samples; ++j) X0.col(j) = data.col(j % data.cols());
  const CounterRng rng(seed);
  std::vector<LipschitzEstimate> out;
  for (const double t : times) {
    const Matrix Xt = score.process().sample_marginal(X0, t, rng);
    Vector norms(samples);
    parallel_blocks(samples, 16, [&](Index begin, Index count) {
      for (Index j = begin; j < begin + count; ++j)
        norms(j) = largest_singular_value(score.jacobian(t, Xt.col(j)));
    });
    LipschitzEstimate e;
    e.t = t;
    e.samples = samples;
    e.upper_bound = score.lipschitz_upper_bound(t);
    e.empirical = norms.maxCoeff();
    out.push_back(e);
  }
  return out;
}

}  // namespace difflab
