#include "difflab/train/preconditioning.hpp"

#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"

namespace difflab {

Standardisation Standardisation::of(const Matrix& X) {
  require(X.cols() >= 1, "standardisation: no data");
  Standardisation s;
  s.mean = X.rowwise().mean();
  const Index n = X.cols();
  s.std = Vector::Ones(X.rows());
  if (n >= 2) {
    const Vector var = (X.colwise() - s.mean).rowwise().squaredNorm() / static_cast<double>(n - 1);
    for (Index k = 0; k < X.rows(); ++k)
      if (var(k) > 0) s.std(k) = std::sqrt(var(k));
  }
  return s;
}

Standardisation Standardisation::identity(Index d) { return {Vector::Zero(d), Vector::Ones(d)}; }

nlohmann::json Standardisation::to_json() const {
  return {{"mean", json_util::to_json(mean)}, {"std", json_util::to_json(std)}};
}

void Preconditioning::input(ConstMatrixRef X, MatrixRef Xin) const {
  Xin = (X.colwise() - shift).array().colwise() * c_in.array();
}

void Preconditioning::score(ConstMatrixRef F, ConstMatrixRef X, MatrixRef S) const {
  S = F.array().colwise() * a.array();
  if (b != 0) {
    S += b * X;
    S.colwise() += c;
  }
}

Preconditioning precondition(const std::string& output, const Standardisation& st,
                             const ForwardProcess& process, double t) {
  const double alpha = process.alpha(t), sigma2 = process.sigma2(t), sigma = std::sqrt(sigma2);
  Preconditioning p;
  p.shift = alpha * st.mean;
  p.c_in = (alpha * alpha * st.std.array().square() + sigma2).rsqrt().matrix();
  const Index d = st.mean.size();
  p.c = Vector::Zero(d);
  if (output == "noise") {
    require(sigma > 0, "mlp score: noise prediction needs t > 0 (sigma(t) = 0 at t = ", t, ")");
    p.a = Vector::Constant(d, -1.0 / sigma);
  } else if (output == "score") {
    p.a = p.c_in;
  } else if (output == "data") {
    require(sigma > 0, "mlp score: data prediction needs t > 0 (sigma(t) = 0 at t = ", t, ")");
    p.a = (alpha / sigma2) * st.std;
    p.b = -1.0 / sigma2;
    p.c = (alpha / sigma2) * st.mean;
  } else {
    fail("mlp score: unknown output parametrisation '", output, "' (valid: noise, score, data)");
  }
  return p;
}

}  // namespace difflab
