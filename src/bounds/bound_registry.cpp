#include "difflab/bounds/bound_registry.hpp"

#include <algorithm>
#include <functional>

#include "difflab/bounds/benton24.hpp"
#include "difflab/bounds/bruno_example.hpp"
#include "difflab/bounds/bruno_general.hpp"
#include "difflab/bounds/ccl23.hpp"
#include "difflab/bounds/chen_lee_lu23.hpp"
#include "difflab/bounds/conforti23.hpp"
#include "difflab/bounds/li_wei_chen_chi24.hpp"
#include "difflab/bounds/li_yan24.hpp"
#include "difflab/bounds/pf_ode_corrector.hpp"
#include "difflab/bounds/strasman24.hpp"
#include "difflab/core/error.hpp"

namespace difflab {

namespace {

struct BoundEntry {
  BoundInfo info;
  std::function<BoundResult(const BoundInputs&)> compute;
};

using F = ScoreErrorForm;

const std::vector<BoundEntry>& entries() {
  static const std::vector<BoundEntry> table = {
      {{"ccl23",
        "error_bound",
        "TV",
        "TV(p_T, q)",
        "Chen et al. 2023 (CCL23) Theorem 2: uniform step, no early stopping",
        F::kMaxOverSteps,
        {"ei"}},
       bound_ccl23},
      {{"ccl23-path",
        "error_bound",
        "KL",
        "KL(q || p_T)",
        "CCL23 Theorem 9 (path-space KL) + OU contraction of the initialisation",
        F::kMaxOverSteps,
        {"ei"}},
       bound_ccl23_path},
      {{"benton24",
        "error_bound",
        "KL",
        "KL(q_delta || p_{t_N})",
        "Benton et al. 2024 Theorem 1: kappa of the grid, early stopping, Cov = I, mean 0",
        F::kTimeIntegral,
        {"ei"}},
       bound_benton24},
      {{"conforti23",
        "error_bound",
        "KL",
        "KL(q || p_{t_N})",
        "Conforti, Durmus, Gentiloni Silveri 2023: C (eps^2 + h (d + I(q|N(0,I)))) + e^{-2T} KL, "
        "no early stopping, no Lipschitz score; statement not read, uncertified",
        F::kTimeIntegral,
        {"ei"}},
       bound_conforti23},
      {{"strasman24",
        "error_bound",
        "W2",
        "W2(Law(Y_N), q)",
        "Strasman et al. 2025 W2 bound, explicit constants, Gaussian data only (from the "
        "authors' code; theorem text not read)",
        F::kMaxOverSteps,
        {"ei"}},
       bound_strasman24},
      {{"bruno-example",
        "error_bound",
        "W2",
        "W2(Law(Y_K), N(mu, I_d))",
        "Bruno et al. Gaussian-mean example: exact W2 split by the triangle inequality (EM or EI); "
        "not a published bound",
        F::kNone,
        {"em", "ei"},
        "exact_decomposition"},
       bound_bruno_example},
      {{"bruno-general",
        "error_bound",
        "W2",
        "W2(Law(Y_K), pi_D)",
        "Bruno et al. general W2 form with caller-supplied constants (non-authoritative)",
        F::kSamplerProcess,
        {"em"}},
       bound_bruno_general},
      {{"chen-lee-lu23",
        "steps_needed",
        "KL",
        "KL(q_delta || p)",
        "Chen, Lee, Lu 2023 early-stopping step count O~(d^2 log^2(1/delta)/eps^2)",
        F::kTimeAverage,
        {"ei"}},
       bound_chen_lee_lu23},
      {{"li-yan24",
        "error_bound",
        "TV",
        "TV(q_delta, p)",
        "Li, Yan 2024: C (d log^3 N / N + eps_score sqrt(log N)), against q_delta",
        F::kStepAverage,
        {"ddpm"}},
       bound_li_yan24},
      {{"li-wei-chen-chi24",
        "error_bound",
        "TV",
        "TV(q_delta, p)",
        "Li, Wei, Chi, Chen 2024 (PF-ODE): C d / N, exact score; abstract only, uncertified",
        F::kStepAverage,
        {"ode-ei", "ddim", "heun", "dpmpp-2m"}},
       bound_li_wei_chen_chi24},
      {{"pf-ode-dpum",
        "steps_needed",
        "TV",
        "TV(p, q)",
        "PF-ODE + underdamped corrector (NeurIPS 2023): O~(L^2 sqrt(d)/eps) steps",
        F::kMaxOverSteps,
        {}},
       bound_pf_ode_dpum},
      {{"pf-ode-dpom",
        "steps_needed",
        "TV",
        "TV(p, q)",
        "PF-ODE + overdamped corrector (NeurIPS 2023): O~(L^3 d/eps^2) steps",
        F::kMaxOverSteps,
        {}},
       bound_pf_ode_dpom},
  };
  return table;
}

}  // namespace

std::vector<BoundInfo> list_bounds() {
  std::vector<BoundInfo> out;
  for (const auto& e : entries()) out.push_back(e.info);
  return out;
}

std::vector<BoundInfo> select_bounds(const std::vector<std::string>& ids) {
  const std::vector<BoundInfo> all = list_bounds();
  if (ids.empty()) return all;
  std::vector<std::string> valid;
  for (const auto& b : all) valid.push_back(b.id);
  std::vector<BoundInfo> out;
  for (const auto& id : ids) {
    require(!id.empty(), "bounds: empty bound id");
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const BoundInfo& b) { return b.id == id; });
    require(it != all.end(), "bounds: unknown bound '", id, "'; valid bounds: ", comma_list(valid));
    for (const auto& b : out) require(b.id != id, "bounds: '", id, "' listed twice");
    out.push_back(*it);
  }
  return out;
}

BoundResult compute_bound(const std::string& id, const BoundInputs& inputs) {
  std::string valid;
  for (const auto& e : entries()) {
    if (e.info.id == id) {
      BoundResult r = e.compute(inputs);
      r.samplers = e.info.samplers;
      r.kind = e.info.kind;
      return r;
    }
    valid += (valid.empty() ? "" : ", ") + e.info.id;
  }
  fail("unknown bound '", id, "'; valid bounds: ", valid);
}

}  // namespace difflab
