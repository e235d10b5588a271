#include "difflab/train/dsm_loss.hpp"

#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"

namespace difflab {

void DsmOptions::validate(const ForwardProcess& process) const {
  require(weighting == "sigma2" || weighting == "likelihood" || weighting == "uniform",
          "unknown weighting '", weighting, "' (valid: sigma2, likelihood, uniform)");
  require(time_sampling == "uniform" || time_sampling == "importance", "unknown time sampling '",
          time_sampling, "' (valid: uniform, importance)");
  require(std::isfinite(delta) && delta > 0, "training delta must be > 0, got ", delta);
  require(std::isfinite(T) && T > delta, "training T (", T, ") must be larger than delta (", delta,
          ")");
  require(T <= process.t_max(), "training T (", T, ") exceeds the largest time of process ",
          process.name(), " (", process.t_max(), ")");
}

nlohmann::json DsmOptions::to_json() const {
  return {{"weighting", weighting}, {"time_sampling", time_sampling}, {"delta", delta}, {"T", T}};
}

DsmOptions DsmOptions::from_json(const nlohmann::json& j, const std::string& where) {
  json_util::only_keys(j, {"weighting", "time_sampling", "delta", "T"}, where);
  DsmOptions o;
  o.weighting = json_util::string(json_util::member(j, "weighting", where), where + ": weighting");
  o.time_sampling =
      json_util::string(json_util::member(j, "time_sampling", where), where + ": time_sampling");
  o.delta = json_util::number(json_util::member(j, "delta", where), where + ": delta");
  o.T = json_util::number(json_util::member(j, "T", where), where + ": T");
  return o;
}

DsmBatch draw_dsm_batch(const Matrix& data, Index batch, const DsmOptions& options,
                        const ForwardProcess& process, std::uint64_t seed, std::uint64_t step) {
  const Index d = data.rows(), n = data.cols();
  require(n >= 1 && batch >= 1, "dsm: need data and a batch size >= 1");
  DsmBatch b{Matrix(d, batch), Matrix(d, batch), Vector(batch), Vector(batch)};
  const bool importance = options.time_sampling == "importance";
  const double lambda_T = process.log_snr(options.T), lambda_delta = process.log_snr(options.delta);
  for (Index j = 0; j < batch; ++j) {
    RngStream stream(seed, RngUse::kTraining, static_cast<std::uint64_t>(j), step);
    const Index i =
        std::min<Index>(n - 1, static_cast<Index>(stream.uniform() * static_cast<double>(n)));
    b.X0.col(j) = data.col(i);
    const double u = stream.uniform();
    double t, w = 1.0;
    if (importance) {
      t = process.t_of_log_snr(lambda_T + (lambda_delta - lambda_T) * u);
      t = std::min(options.T, std::max(options.delta, t));
      // |d lambda/dt| = g^2 / (2 sigma^2) (beta/(2 sigma^2) for a variance-preserving process).
      const double density =
          process.diffusion_squared(t) / (2.0 * process.sigma2(t)) / (lambda_delta - lambda_T);
      w = 1.0 / ((options.T - options.delta) * density);
    } else {
      t = options.delta + (options.T - options.delta) * u;
    }
    stream.fill_normal(b.Z.col(j).data(), d);
    const double lambda = options.weighting == "sigma2"       ? process.sigma2(t)
                          : options.weighting == "likelihood" ? process.diffusion_squared(t)
                                                              : 1.0;
    b.t(j) = t;
    b.weight(j) = lambda * w;
  }
  return b;
}

double dsm_loss(const MlpNetwork& network, const Standardisation& st, const ForwardProcess& process,
                const DsmBatch& batch, Vector* grad, const ChunkReduction* reduction) {
  const Index d = batch.X0.rows(), B = batch.X0.cols();
  const std::string& output = network.spec().output;
  std::vector<Preconditioning> pre;
  pre.reserve(static_cast<std::size_t>(B));
  Matrix Xt(d, B), Xin(d, B);
  Vector c(B), inv_sigma(B);
  for (Index j = 0; j < B; ++j) {
    const double t = batch.t(j);
    pre.push_back(precondition(output, st, process, t));
    inv_sigma(j) = 1.0 / process.sigma(t);
    Xt.col(j) = process.alpha(t) * batch.X0.col(j) + process.sigma(t) * batch.Z.col(j);
    pre.back().input(Xt.col(j), Xin.col(j));
    c(j) = network.embedding().time_input(process, t);
  }
  const double scale = 1.0 / static_cast<double>(B);
  // Per sample: r = s + Z/sigma, loss = weight ||r||^2 / B, dLoss/dF = 2 weight r (.) a / B.
  const auto tile_loss = [&](Index begin, const Matrix& F, Matrix& dF) {
    double sum = 0;
    Vector s(d);
    for (Index k = 0; k < F.cols(); ++k) {
      const Index j = begin + k;
      const Preconditioning& p = pre[static_cast<std::size_t>(j)];
      p.score(F.col(k), Xt.col(j), s);
      const Vector r = s + inv_sigma(j) * batch.Z.col(j);
      sum += batch.weight(j) * r.squaredNorm() * scale;
      dF.col(k) = (2.0 * batch.weight(j) * scale) * r.cwiseProduct(p.a);
    }
    return sum;
  };
  if (grad) return network.loss_and_gradient(Xin, c, tile_loss, *grad, reduction);
  Matrix F(d, B), dF(d, B);
  network.forward(Xin, c, F);
  return tile_loss(0, F, dF);
}

}  // namespace difflab
