// The Gaussian-mean example end to end: options, evaluation after training, report.
#include "difflab/train/gaussian_mean_example.hpp"

#include <chrono>
#include <cmath>
#include <memory>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/euler_maruyama.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/gaussian_mean_score.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/train/learning_rate_schedule.hpp"

namespace difflab {

namespace {

const std::string kWhere = "gaussian-mean example";

nlohmann::json law_json(const IsotropicGaussianLaw& law) {
  return {{"mean", json_util::to_json(law.mean)}, {"variance", law.variance}};
}

nlohmann::json terms_json(const BoundResult& b) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : b.terms) j[name] = value;
  return j;
}

struct AuxError {
  double mean = 0, se = 0;
};

// Monte Carlo of sum_{k<N} h_k ||grad log q_{t_k}(Y_k) - s_theta(t_k, Y_k)||^2 over the EM
// iterates Y_0 ~ N(0, I), Y_1, ..., Y_{N-1}: Y_0 from the initial points, Y_{k+1} from the
// sampler's per-step callback (called after step k with the block's Y_{k+1}).
AuxError aux_error_monte_carlo(const GaussianMeanExampleOptions& o, const Vector& mu,
                               const Vector& theta, const TimeGrid& grid) {
  auto process = make_process("ou");
  const GaussianMeanScore model(theta, process);
  const ExactScore truth(std::make_shared<GaussianTarget>(mu, Matrix::Identity(o.d, o.d)), process);
  const std::vector<double> h = grid.step_sizes();
  const std::size_t N = grid.steps();
  const Index n = o.aux_particles;
  Vector acc = Vector::Zero(n);  // per particle; blocks write disjoint segments
  auto add_term = [&](std::size_t k, Index first, ConstMatrixRef Y) {
    Matrix a(Y.rows(), Y.cols()), b(Y.rows(), Y.cols());
    truth.score(grid.t(k), Y, a);
    model.score(grid.t(k), Y, b);
    acc.segment(first, Y.cols()) += h[k] * (a - b).colwise().squaredNorm().transpose();
  };
  const CounterRng rng(o.seed);
  Matrix X(o.d, n);
  rng.fill_normal(X, RngUse::kInitial, 0, 0);
  add_term(0, 0, X);
  SamplerOptions so;
  so.denoise_last_step = !o.noise_on_last_step;
  so.on_step = [&](const StepInfo& info, Index first, ConstMatrixRef block) {
    if (info.step + 1 < N) add_term(info.step + 1, first, block);
  };
  EulerMaruyama().sample(model, grid, X, so, CounterNoise(o.seed));
  AuxError e;
  e.mean = acc.mean();
  const double var = (acc.array() - e.mean).square().sum() / static_cast<double>(n - 1);
  e.se = std::sqrt(var / static_cast<double>(n));
  return e;
}

}  // namespace

std::vector<Vector> gaussian_mean_expected_theta(const GaussianMeanExampleOptions& o) {
  o.validate();
  const OptimizerOptions& oo = o.optimizer;
  const bool linear = (oo.kind == "sgld" || (oo.kind == "sgd" && oo.momentum == 0)) &&
                      oo.weight_decay == 0 && oo.clip_norm == 0;
  std::vector<Vector> out;
  if (!linear) return out;
  const Vector mu = o.resolved_mu();
  const double c = bruno_loss_curvature(o.T, o.eps);
  const Index steps_per_epoch = (o.samples + o.batch - 1) / o.batch;
  // docs/theory.md 4.3: E theta_{n+1} = E theta_n - lr_n grad U(E theta_n), grad U = 2 c (theta -
  // mu).
  Vector m = Vector::Zero(mu.size());
  std::int64_t n = 0;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    for (Index s = 0; s < steps_per_epoch; ++s, ++n)
      m -= (2 * c * scheduled_learning_rate(oo, n)) * (m - mu);
    out.push_back(m);
  }
  return out;
}

Vector bruno_authors_mu() {
  Vector mu(2);
  mu << -1.23486883, -0.89244735;
  return mu;
}

OptimizerOptions gaussian_mean_optimizer_preset(const std::string& name) {
  OptimizerOptions o;
  if (name == "sgld") {
    o.kind = "sgld";
    o.lr = 1e-4;
    o.inverse_temperature = 1e14;
  } else if (name == "adam") {
    o.kind = "adam";
    o.lr = 5e-5;
  } else if (name == "tusla") {
    o.kind = "tusla";
    o.lr = 1e-4;
    o.inverse_temperature = 1e14;
    o.tusla_r = 0.5;
    o.weight_decay = 0;
  } else {
    fail(kWhere, ": unknown optimizer preset '", name, "' (valid: sgld, adam, tusla)");
  }
  return o;
}

void GaussianMeanExampleOptions::validate() const {
  require(d >= 1, kWhere, ": d must be >= 1, got ", d);
  require(mu.size() == 0 || mu.size() == d, kWhere, ": mu has ", mu.size(), " entries but d = ", d);
  require(mu.allFinite(), kWhere, ": mu has a non-finite entry");
  require(samples >= 1, kWhere, ": samples must be >= 1, got ", samples);
  require(batch >= 1 && batch <= samples, kWhere, ": batch must be in [1, samples = ", samples,
          "], got ", batch);
  require(epochs >= 1, kWhere, ": epochs must be >= 1, got ", epochs);
  optimizer.validate();
  require(std::isfinite(T) && T > 0, kWhere, ": T must be > 0 and finite, got ", T);
  require(std::isfinite(eps) && eps >= 0 && eps < T, kWhere, ": eps must be in [0, T = ", T,
          "), got ", eps);
  require(sampler_points >= 2, kWhere, ": sampler_points must be >= 2, got ", sampler_points);
  require(aux_particles >= 2, kWhere, ": aux_particles must be >= 2, got ", aux_particles);
}

Vector GaussianMeanExampleOptions::resolved_mu() const {
  if (mu.size() > 0) return mu;
  const Vector authors = bruno_authors_mu();
  Vector m(d);
  for (Index i = 0; i < d; ++i) m(i) = authors(i % 2);
  return m;
}

nlohmann::json GaussianMeanExampleOptions::to_json() const {
  return {{"d", d},
          {"mu", json_util::to_json(resolved_mu())},
          {"samples", samples},
          {"batch", batch},
          {"epochs", epochs},
          {"optimizer", optimizer.to_json()},
          {"T", T},
          {"eps", eps},
          {"sampler_points", sampler_points},
          {"noise_on_last_step", noise_on_last_step},
          {"aux_particles", aux_particles},
          {"seed", seed}};
}

GaussianMeanExampleOptions GaussianMeanExampleOptions::from_json(const nlohmann::json& j) {
  namespace ju = json_util;
  require(j.is_object(), kWhere, ": expected a JSON object");
  ju::only_keys(j,
                {"d", "mu", "samples", "batch", "epochs", "optimizer", "T", "eps", "sampler_points",
                 "noise_on_last_step", "aux_particles", "seed"},
                kWhere);
  GaussianMeanExampleOptions o;
  if (j.contains("mu")) o.mu = ju::vector(j["mu"], kWhere + ": mu");
  if (j.contains("d"))
    o.d = ju::integer(j["d"], kWhere + ": d");
  else if (o.mu.size() > 0)
    o.d = o.mu.size();
  if (j.contains("samples")) o.samples = ju::integer(j["samples"], kWhere + ": samples");
  if (j.contains("batch")) o.batch = ju::integer(j["batch"], kWhere + ": batch");
  if (j.contains("epochs")) {
    const Index e = ju::integer(j["epochs"], kWhere + ": epochs");
    require(e >= 1 && e <= 100000000, kWhere, ": epochs must be in [1, 1e8], got ", e);
    o.epochs = static_cast<int>(e);
  }
  if (j.contains("optimizer")) {
    const auto& oj = j["optimizer"];
    o.optimizer = oj.is_string() ? gaussian_mean_optimizer_preset(oj.get<std::string>())
                                 : OptimizerOptions::from_json(oj);
  }
  o.T = ju::number_or(j, "T", o.T, kWhere);
  o.eps = ju::number_or(j, "eps", o.eps, kWhere);
  if (j.contains("sampler_points")) {
    const Index k = ju::integer(j["sampler_points"], kWhere + ": sampler_points");
    require(k >= 2 && k <= 100000000, kWhere, ": sampler_points must be in [2, 1e8], got ", k);
    o.sampler_points = static_cast<int>(k);
  }
  if (j.contains("noise_on_last_step")) {
    require(j["noise_on_last_step"].is_boolean(), kWhere,
            ": noise_on_last_step: expected true or false");
    o.noise_on_last_step = j["noise_on_last_step"].get<bool>();
  }
  if (j.contains("aux_particles"))
    o.aux_particles = ju::integer(j["aux_particles"], kWhere + ": aux_particles");
  if (j.contains("seed")) {
    const auto& s = j["seed"];
    require(s.is_number_unsigned() || (s.is_number_integer() && s.get<std::int64_t>() >= 0), kWhere,
            ": seed: expected a non-negative integer, got ", s.dump());
    o.seed = s.get<std::uint64_t>();
  }
  o.validate();
  return o;
}

nlohmann::json GaussianMeanExampleReport::to_json() const {
  nlohmann::json th = nlohmann::json::array(), eth = nlohmann::json::array();
  for (const Vector& v : theta_history) th.push_back(json_util::to_json(v));
  for (const Vector& v : expected_theta_history) eth.push_back(json_util::to_json(v));
  return {{"options", options.to_json()},
          {"mu", json_util::to_json(mu)},
          {"theta", json_util::to_json(theta)},
          {"theta_history", th},
          {"loss_history", loss_history},
          {"expected_theta_history", eth},
          {"steps_per_epoch", steps_per_epoch},
          {"loss_curvature", loss_curvature},
          {"loss_minimum", loss_minimum},
          {"final_population_loss", final_population_loss},
          {"law_em", law_json(law_em)},
          {"law_ei", law_json(law_ei)},
          {"w2_em", w2_em},
          {"w2_ei", w2_ei},
          {"bound_em", bound_em.to_json()},
          {"bound_ei", bound_ei.to_json()},
          {"bound_terms", {{"em", terms_json(bound_em)}, {"ei", terms_json(bound_ei)}}},
          {"aux_score_error",
           {{"closed_form", aux_score_error_closed_form},
            {"monte_carlo", aux_score_error_monte_carlo},
            {"monte_carlo_se", aux_score_error_monte_carlo_se},
            {"particles", options.aux_particles},
            {"method",
             "EM iterates from the EulerMaruyama sampler's on_step callback; closed form "
             "sum_k gamma_k e^{-2 tau_k} ||mu - theta||^2"}}},
          {"train_seconds", train_seconds}};
}

nlohmann::json GaussianMeanExampleReport::headline() const {
  const nlohmann::json full = to_json();
  return {{"example", "gaussian-mean"},
          {"mu", full["mu"]},
          {"theta", full["theta"]},
          {"w2_em", w2_em},
          {"w2_ei", w2_ei},
          {"bound_terms", full["bound_terms"]},
          {"aux_score_error", full["aux_score_error"]},
          {"train_seconds", train_seconds}};
}

GaussianMeanExampleReport run_gaussian_mean_example(const GaussianMeanExampleOptions& options) {
  options.validate();
  GaussianMeanExampleReport rep;
  rep.options = options;
  rep.mu = options.resolved_mu();
  rep.options.mu = rep.mu;

  const auto start = std::chrono::steady_clock::now();
  GaussianMeanTraining tr = train_gaussian_mean(options);
  rep.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rep.theta_history = std::move(tr.theta_history);
  rep.loss_history = std::move(tr.loss_history);
  rep.steps_per_epoch = tr.steps_per_epoch;
  rep.theta = rep.theta_history.back();

  rep.loss_curvature = bruno_loss_curvature(options.T, options.eps);
  rep.loss_minimum = bruno_loss_minimum(options.d, options.T, options.eps);
  rep.final_population_loss = bruno_loss(rep.theta, rep.mu, options.T, options.eps);
  rep.expected_theta_history = gaussian_mean_expected_theta(options);

  // The authors' grid linspace(T, 0, K): K - 1 uniform steps.
  const TimeGrid grid = uniform_grid(options.T, 0, options.sampler_points - 1);
  rep.law_em = bruno_example_law(rep.theta, grid, "em", options.noise_on_last_step);
  rep.law_ei = bruno_example_law(rep.theta, grid, "ei", options.noise_on_last_step);
  rep.w2_em = bruno_example_w2(rep.law_em, rep.mu);
  rep.w2_ei = bruno_example_w2(rep.law_ei, rep.mu);
  BoundInputs in;
  in.d = options.d;
  in.grid = grid;
  in.mu = rep.mu;
  in.theta_hat = rep.theta;
  in.identity_covariance = true;
  in.noise_on_last_step = options.noise_on_last_step;
  in.sampler = "em";
  rep.bound_em = bound_bruno_example(in);
  in.sampler = "ei";
  rep.bound_ei = bound_bruno_example(in);

  // Score error along the EM iterates: the difference is e^{-tau}(mu - theta) for every x.
  const std::vector<double> h = grid.step_sizes();
  const double dist2 = (rep.mu - rep.theta).squaredNorm();
  double closed = 0;
  for (std::size_t k = 0; k < grid.steps(); ++k) closed += h[k] * std::exp(-2 * grid.t(k)) * dist2;
  rep.aux_score_error_closed_form = closed;
  const AuxError mc = aux_error_monte_carlo(options, rep.mu, rep.theta, grid);
  rep.aux_score_error_monte_carlo = mc.mean;
  rep.aux_score_error_monte_carlo_se = mc.se;
  return rep;
}

}  // namespace difflab
