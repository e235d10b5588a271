#include "difflab/bounds/bruno_general.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

BoundResult bound_bruno_general(const BoundInputs& inputs) {
  const std::string paper = "bruno-general";
  inputs.validate();
  const std::vector<std::string> names = {"C1", "C2", "C3", "C4", "alpha", "L_MO"};
  std::string missing;
  for (const auto& name : names)
    if (!inputs.has_constant(paper, name)) missing += (missing.empty() ? "" : ", ") + name;
  require(missing.empty(), paper, " needs the constant(s) ", missing,
          ": the paper's C1..C4, alpha and L_MO were not transcribed (docs/theory.md 4.1, "
          "8), so there is no default; give it as a constant NAME=VALUE");

  const double gamma = inputs.uniform_step(paper);
  const TimeGrid grid = inputs.resolve_grid(paper, "uniform");
  const double T = grid.T();
  const double eps = grid.delta();

  BoundResult r;
  r.paper = paper;
  r.reference =
      "Bruno, Zhang, Lim, Akyildiz, Sabanis, arXiv 2311.13584, general W2 bound (functional form "
      "from a secondary summary; NON-AUTHORITATIVE)";
  r.metric = "W2";
  r.direction = "W2(Law(Y_K), pi_D)";
  r.grid = grid;
  record_constants(r, inputs, names, false);
  r.constant = 1;
  r.constant_is_explicit = false;
  const auto& c = r.constants;
  // docs/theory.md 4.1: W2 <= C1 sqrt(eps) + C2 e^{-2 L_MO (T - eps) - eps} + C3 sqrt(eps_SN)
  //                      + C4 gamma^alpha.
  r.terms["early_stopping"] = c.at("C1") * std::sqrt(eps);
  r.terms["initialisation"] = c.at("C2") * std::exp(-2 * c.at("L_MO") * (T - eps) - eps);
  r.terms["score_error"] = c.at("C3") * inputs.eps_score;
  r.terms["discretisation"] = c.at("C4") * std::pow(gamma, c.at("alpha"));
  r.value = r.terms["early_stopping"] + r.terms["initialisation"] + r.terms["score_error"] +
            r.terms["discretisation"];
  r.details["gamma"] = gamma;
  r.assumptions["strongly_log_concave"] = inputs.strong_log_concavity.has_value();
  r.statement_verified = false;
  r.notes.push_back(
      "NON-AUTHORITATIVE: functional form quoted from an AI-generated TL;DR [S]; the theorem, "
      "C1..C4, alpha and L_MO were not read in the paper (docs/theory.md 4.1, 8)");
  r.notes.push_back(
      "read as: eps = early-stopping time delta, sqrt(eps_SN) = eps_score (eps_SN the squared "
      "L2 error under the optimiser and the auxiliary process), gamma = step size [R]");
  if (!inputs.strong_log_concavity)
    r.notes.push_back(
        "strong log-concavity of the data not verified: pass option 'strong_log_concavity'");
  return r;
}

}  // namespace difflab
