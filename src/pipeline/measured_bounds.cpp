#include "difflab/pipeline/measured_bounds.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/score/gaussian_mean_score.hpp"
#include "difflab/score/score_error.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {

namespace {

nlohmann::json number_or_null(std::optional<double> x) {
  return x && std::isfinite(*x) ? nlohmann::json(*x) : nlohmann::json();
}

// One bound's JSON: BoundResult::to_json, with kappa taken from the grid when the bound used a
// grid but did not report its kappa (null when infinite, e.g. delta = 0).
nlohmann::json result_json(const BoundResult& r) {
  nlohmann::json j = r.to_json();
  if (!r.kappa && r.grid) j["kappa"] = number_or_null(r.grid->kappa());
  j["skipped"] = false;
  return j;
}

const BoundInfo* find_bound(const std::string& id) {
  static const std::vector<BoundInfo> all = list_bounds();
  for (const auto& b : all)
    if (b.id == id) return &b;
  return nullptr;
}

bool models_em_or_ei(const RunSetup& run) {
  return run.spec.sampler == "em" || run.spec.sampler == "ei";
}

// The run's inputs for bound `id`, with the score error in that bound's form.
// `forms` caches the run's score-error forms across bounds: a measured e2 costs a Monte Carlo
// estimate per grid time, computed once per call of measured_bounds.
BoundInputs inputs_for(const std::string& id, const BoundInputs& base, const RunSetup& run,
                       const MeasuredBoundsOptions& o, std::optional<ScoreErrorForms>& forms) {
  BoundInputs in = base;
  if (o.eps_score_given) return in;
  const ScoreErrorForm form = find_bound(id)->score_error_form;
  // Bruno et al. measure the error along the sampler's own process, and some results have no
  // score-error term: neither is a function of e2 on the grid, so the given value stays.
  if (form == ScoreErrorForm::kSamplerProcess || form == ScoreErrorForm::kNone) return in;
  if (!forms) {
    auto e2 = score_error_squared(run);
    if (!e2) e2 = measured_score_error_squared(run, o.score_error_samples);
    forms = score_error_forms(*e2, *run.grid);
  }
  in.eps_score = std::sqrt(forms->in_form(form));
  return in;
}

std::string form_note(ScoreErrorForm f) {
  switch (f) {
    case ScoreErrorForm::kMaxOverSteps:
      return " as sqrt(max_k E|s - grad log q_{t_k}|^2)";
    case ScoreErrorForm::kTimeIntegral:
      return " as sqrt(sum_k gamma_k E|s - grad log q_{t_k}|^2)";
    case ScoreErrorForm::kTimeAverage:
      return " as sqrt(sum_k gamma_k E|s - grad log q_{t_k}|^2 / (T - delta))";
    case ScoreErrorForm::kStepAverage:
      return " as sqrt((1/N) sum_k E|s - grad log q_{t_k}|^2)";
    case ScoreErrorForm::kSamplerProcess:
    case ScoreErrorForm::kNone:
      return ": not used (the bound measures it along the sampler's process, or has no "
             "score-error term)";
  }
  return "";
}

// The measured part of one bound's row.
void add_measured(nlohmann::json& j, const BoundResult& r, const RunSetup& run,
                  const nlohmann::json* law, const nlohmann::json* law_normal,
                  const nlohmann::json* law_exact, const std::string& no_law) {
  if (run.spec.start != "normal")
    j["notes"].push_back("measured with start " + run.spec.start +
                         ": the run has no initialisation error, while the bound's "
                         "initialisation term assumes the start N(0, I)");
  const MeasuredError m = measured_error(r, law, no_law);
  j["measured"] = number_or_null(m.value);
  j["ratio"] = m.value && r.value > 0 && std::isfinite(r.value) ? nlohmann::json(*m.value / r.value)
                                                                : nlohmann::json();
  if (!m.value) {
    j["measured_reason"] = m.reason;
    return;
  }
  j["measured_against"] = m.against;
  j["measured_key"] = m.key;
  if (law_normal && law_exact) {
    const MeasuredError e_normal = measured_error(r, law_normal, no_law);
    const MeasuredError e_exact = measured_error(r, law_exact, no_law);
    if (e_normal.value && e_exact.value)
      j["measured_terms"] = {{"discretisation", *e_exact.value},
                             {"initialisation", *e_normal.value - *e_exact.value},
                             {"score_error", *m.value - *e_normal.value}};
  }
  if (!m.tv_method.is_null()) j["measured_tv_method"] = m.tv_method;
  if (!m.tv_ci.is_null()) j["measured_ci"] = m.tv_ci;
}

// The run's law, and with start normal the two laws of the exact score that split it.
struct RunLaws {
  std::optional<nlohmann::json> law, exact_normal, exact_exact;
  std::string no_law;
};

RunLaws run_laws(const RunSetup& run, const LawReportOptions& lo) {
  RunLaws out;
  try {
    out.law = law_report(run, lo);
    if (run.spec.start == "normal") {
      RunSpec exact = run.spec;
      exact.score = "exact";
      exact.score_object = nullptr;
      out.exact_normal = law_report(build_run(exact, RunUse::kExactLaw, false), lo);
      exact.start = "exact";
      out.exact_exact = law_report(build_run(exact, RunUse::kExactLaw, false), lo);
    }
  } catch (const Error& e) {
    out.no_law = std::string("no exact output law: ") + e.what();
  }
  return out;
}

}  // namespace

void require_known_bound(const std::string& id) {
  if (find_bound(id) != nullptr) return;
  std::string valid;
  for (const auto& b : list_bounds()) valid += (valid.empty() ? "" : ", ") + b.id;
  fail("unknown bound '", id, "' (valid: ", valid, ")");
}

std::optional<std::function<double(double)>> score_error_squared(const RunSetup& run) {
  const RunSpec& s = run.spec;
  if (s.score_object) return std::nullopt;
  if (s.score == "exact") return [](double) { return 0.0; };
  if (s.score == "perturbed") {
    const double e2 = s.score_error * s.score_error;
    return [e2](double) { return e2; };
  }
  const auto* g = dynamic_cast<const GaussianTarget*>(run.target.get());
  if (s.score == "gaussian-mean" && g != nullptr) {
    // s = -x + a theta, exact score -S_t^{-1}(x - a mu), S_t = a^2 S + s^2 I: the error
    // (S_t^{-1} - I)(x - a mu) + a (theta - mu) has E|.|^2 = tr(S_t^{-1}) - 2d + tr(S_t)
    // + a^2 |theta - mu|^2.
    const Vector theta = Eigen::Map<const Vector>(s.theta.data(), g->dim());
    const Vector mu = g->mean();
    const Matrix S = g->covariance();
    const auto process = run.process;
    return [=](double t) {
      const double a = process->alpha(t);
      const Index d = S.rows();
      const Matrix St = a * a * S + process->sigma2(t) * Matrix::Identity(d, d);
      const Matrix inv = St.llt().solve(Matrix::Identity(d, d));
      return inv.trace() - 2.0 * static_cast<double>(d) + St.trace() +
             a * a * (theta - mu).squaredNorm();
    };
  }
  return std::nullopt;
}

std::function<double(double)> measured_score_error_squared(const RunSetup& run, Index samples) {
  require(samples >= 2, "score_error_samples must be >= 2, got ", samples);
  // Same samples of q_t at every t (one seed): the forms compare times, not sampling noise.
  return [&run, samples](double t) {
    return l2_score_error(*run.score, *run.target, t, samples, run.spec.seed).mean_squared;
  };
}

BoundInputs bound_inputs_from_run(const RunSetup& run, const BoundInputs& given) {
  require(run.spec.process == "ou", "bounds: the published bounds are for the OU process; got '",
          run.spec.process, "'");
  BoundInputs in = from_target(*run.target, given);
  in.grid = *run.grid;
  in.T = run.grid->T();
  in.delta = run.grid->delta();
  in.steps = static_cast<int>(run.grid->steps());
  if (run.spec.score == "gaussian-mean" && !in.theta_hat && !run.spec.theta.empty())
    in.theta_hat =
        Eigen::Map<const Vector>(run.spec.theta.data(), static_cast<Index>(run.spec.theta.size()));
  if (models_em_or_ei(run)) in.sampler = run.spec.sampler;
  in.noise_on_last_step = !run.spec.sampler_options.denoise_last_step;
  return in;
}

MeasuredError measured_error(const BoundResult& r, const nlohmann::json* law,
                             const std::string& no_law) {
  MeasuredError m;
  if (r.quantity != "error_bound") {
    m.reason = "a step-count calculator (" + r.quantity + "), not an error bound";
    return m;
  }
  if (law == nullptr) {
    m.reason = no_law;
    return m;
  }
  const bool q_delta = r.direction.find("q_delta") != std::string::npos;
  const nlohmann::json& ref = q_delta ? law->at("to_q_delta") : *law;
  m.against = q_delta ? "q_delta" : "q";
  if (r.metric == "KL") {
    // KL(q... || p) puts the data law first: the law report's kl_target_output.
    m.key = r.direction.rfind("KL(q", 0) == 0 ? "kl_target_output" : "kl_output_target";
  } else if (r.metric == "TV") {
    m.key = "tv";
  } else if (r.metric == "W2") {
    m.key = "w2";
  } else {
    m.reason = "no measured counterpart of metric " + r.metric;
    return m;
  }
  if (!ref.contains(m.key)) {
    // Product targets report TV only as bounds: compare with the upper bracket, and say so.
    if (m.key == "tv" && ref.contains("tv_bounds") && ref["tv_bounds"].contains("upper")) {
      m.value = ref["tv_bounds"]["upper"].get<double>();
      m.key = "tv_bounds.upper";
      m.tv_method = "upper bracket of the TV (no exact TV for this law)";
      return m;
    }
    m.reason = "the law report has no " + m.key;
    return m;
  }
  const nlohmann::json& v = ref.at(m.key);
  if (v.is_number()) {
    m.value = v.get<double>();
    if (m.key == "tv") {
      m.tv_method = ref.value("tv_method", nlohmann::json());
      m.tv_ci = ref.value("tv_ci", nlohmann::json());
    }
  } else {
    // An infinite distance is null with its reason (json_util::put_extended): say which.
    const auto why = ref.find(m.key + json_util::kReasonSuffix);
    m.reason = "the law report has no finite " + m.key;
    if (why != ref.end() && why->is_string()) m.reason += " (" + why->get<std::string>() + ")";
  }
  return m;
}

namespace {

// One row per bound id from `row`; a bound whose inputs are missing or invalid is a skipped row
// with the reason (an error with strict), and all of them skipped is an error.
nlohmann::json rows_or_skips(const std::vector<std::string>& ids, bool strict,
                             const std::function<nlohmann::json(const BoundInfo&)>& row) {
  for (const auto& id : ids) require_known_bound(id);
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> skipped;
  for (const auto& id : ids) {
    const BoundInfo& info = *find_bound(id);
    try {
      rows.push_back(row(info));
    } catch (const Error& e) {
      require(!strict, e.what());
      skipped.push_back(e.what());
      rows.push_back({{"paper", info.id},
                      {"quantity", info.quantity},
                      {"metric", info.metric},
                      {"direction", info.direction},
                      {"skipped", true},
                      {"reason", e.what()}});
    }
  }
  if (!ids.empty() && skipped.size() == ids.size()) {
    std::string all;
    for (const auto& s : skipped) all += (all.empty() ? "" : "; ") + s;
    fail("no bound could be evaluated: ", all);
  }
  return rows;
}

}  // namespace

nlohmann::json calculator_bounds(const std::vector<std::string>& ids, const BoundInputs& inputs,
                                 bool strict) {
  return rows_or_skips(ids, strict, [&](const BoundInfo& info) {
    return result_json(compute_bound(info.id, inputs));
  });
}

nlohmann::json measured_bounds(const RunSetup& run, const std::vector<std::string>& ids,
                               const MeasuredBoundsOptions& o) {
  for (const auto& id : ids) require_known_bound(id);
  BoundInputs base = bound_inputs_from_run(run, o.given);
  base.validate();
  RunLaws laws;
  if (o.measure) laws = run_laws(run, o.law);
  std::optional<ScoreErrorForms> forms;
  const bool measured_e2 = !o.eps_score_given && !score_error_squared(run).has_value();
  return rows_or_skips(ids, o.strict, [&](const BoundInfo& info) {
    const std::string& id = info.id;
    if (id == "bruno-example" && !models_em_or_ei(run))
      fail("bruno-example models the em or ei sampler; the run uses ", run.spec.sampler);
    const BoundResult r = compute_bound(id, inputs_for(id, base, run, o, forms));
    nlohmann::json j = result_json(r);
    if (!o.eps_score_given)
      j["notes"].push_back(
          "eps_score " +
          (measured_e2 ? "measured against the target's exact score by Monte Carlo (" +
                             std::to_string(o.score_error_samples) + " samples of q_t per time)"
                       : "derived from score " + run.spec.score) +
          form_note(info.score_error_form));
    if (o.measure)
      add_measured(j, r, run, laws.law ? &*laws.law : nullptr,
                   laws.exact_normal ? &*laws.exact_normal : nullptr,
                   laws.exact_exact ? &*laws.exact_exact : nullptr, laws.no_law);
    return j;
  });
}

nlohmann::json bounds_beside_run(const RunSetup& run, const std::vector<std::string>& ids) {
  nlohmann::json out = nlohmann::json::object();
  MeasuredBoundsOptions o;
  o.measure = false;
  nlohmann::json rows;
  try {
    rows = measured_bounds(run, ids, o);
  } catch (const Error& e) {
    for (const auto& id : ids) out[id] = {{"error", e.what()}};
    return out;
  }
  for (const auto& r : rows) {
    nlohmann::json b = r;
    const std::string id = b["paper"];
    if (b.value("skipped", false)) {
      out[id] = {{"error", b["reason"]}};
      continue;
    }
    b.erase("grid");
    b.erase("skipped");
    out[id] = b;
  }
  return out;
}

}  // namespace difflab
