// The sampler registry: CLI names -> samplers. Names are part of the CLI contract (README
// "Sampling").
#include <functional>

#include "difflab/core/error.hpp"
#include "difflab/sampler/accelerated_ddpm.hpp"
#include "difflab/sampler/accelerated_ode.hpp"
#include "difflab/sampler/annealed_langevin.hpp"
#include "difflab/sampler/ddim.hpp"
#include "difflab/sampler/ddpm_ancestral.hpp"
#include "difflab/sampler/deis.hpp"
#include "difflab/sampler/dormand_prince.hpp"
#include "difflab/sampler/dpm_solver_2.hpp"
#include "difflab/sampler/dpm_solver_pp_2m.hpp"
#include "difflab/sampler/dpm_solver_pp_2m_sde.hpp"
#include "difflab/sampler/dpm_solver_pp_3m.hpp"
#include "difflab/sampler/euler_maruyama.hpp"
#include "difflab/sampler/exponential_integrator.hpp"
#include "difflab/sampler/flow_euler.hpp"
#include "difflab/sampler/flow_heun.hpp"
#include "difflab/sampler/heun.hpp"
#include "difflab/sampler/linear_multistep.hpp"
#include "difflab/sampler/mala.hpp"
#include "difflab/sampler/predictor_corrector.hpp"
#include "difflab/sampler/probability_flow_ei.hpp"
#include "difflab/sampler/randomized_midpoint.hpp"
#include "difflab/sampler/restart.hpp"
#include "difflab/sampler/sa_solver.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/sampler/unadjusted_langevin.hpp"
#include "difflab/sampler/unipc.hpp"

namespace difflab {

namespace {
struct SamplerEntry {
  const char* name;
  std::function<std::unique_ptr<Sampler>(const SamplerOptions&)> make;
};

const std::vector<SamplerEntry>& registry() {
  static const std::vector<SamplerEntry> entries = {
      {"ei", [](const SamplerOptions&) { return std::make_unique<ExponentialIntegrator>(); }},
      {"em", [](const SamplerOptions&) { return std::make_unique<EulerMaruyama>(); }},
      {"ddpm", [](const SamplerOptions&) { return std::make_unique<DdpmAncestral>(); }},
      {"dpmpp-2m-sde", [](const SamplerOptions&) { return std::make_unique<DpmSolverPP2MSde>(); }},
      {"pc", [](const SamplerOptions&) { return std::make_unique<PredictorCorrector>(); }},
      {"ode-ei", [](const SamplerOptions&) { return std::make_unique<ProbabilityFlowEI>(); }},
      {"ddim", [](const SamplerOptions&) { return std::make_unique<Ddim>(); }},
      {"heun", [](const SamplerOptions&) { return std::make_unique<HeunEdm>(); }},
      {"dpmpp-2m", [](const SamplerOptions&) { return std::make_unique<DpmSolverPP2M>(); }},
      {"rk45", [](const SamplerOptions&) { return std::make_unique<DormandPrince45>(); }},
      {"ula", [](const SamplerOptions&) { return std::make_unique<UnadjustedLangevin>(); }},
      {"mala", [](const SamplerOptions&) { return std::make_unique<Mala>(); }},
      {"annealed-langevin",
       [](const SamplerOptions&) { return std::make_unique<AnnealedLangevin>(); }},
      {"dpm2", [](const SamplerOptions&) { return std::make_unique<DpmSolver2>(); }},
      {"lms", [](const SamplerOptions&) { return std::make_unique<LinearMultistep>(); }},
      {"dpmpp-3m", [](const SamplerOptions&) { return std::make_unique<DpmSolverPP3M>(0.0); }},
      {"dpmpp-3m-sde", [](const SamplerOptions&) { return std::make_unique<DpmSolverPP3M>(1.0); }},
      {"deis", [](const SamplerOptions& o) { return std::make_unique<Deis>(o.deis_order); }},
      {"restart", [](const SamplerOptions&) { return std::make_unique<Restart>(2); }},
      {"unipc",
       [](const SamplerOptions& o) {
         return std::make_unique<UniPC>(
             o.unipc_order, o.unipc_variant == "bh1" ? UniPC::Variant::kBh1 : UniPC::Variant::kBh2);
       }},
      {"rmp", [](const SamplerOptions&) { return std::make_unique<RandomizedMidpoint>(); }},
      {"sa-solver", [](const SamplerOptions&) { return std::make_unique<SaSolver>(); }},
      {"accel-ddpm", [](const SamplerOptions&) { return std::make_unique<AcceleratedDdpm>(); }},
      {"accel-ode", [](const SamplerOptions&) { return std::make_unique<AcceleratedOde>(); }},
      {"flow-euler", [](const SamplerOptions&) { return std::make_unique<FlowEuler>(); }},
      {"flow-heun", [](const SamplerOptions&) { return std::make_unique<FlowHeun>(); }},
  };
  return entries;
}
}  // namespace

std::unique_ptr<Sampler> make_sampler(const std::string& name, const SamplerOptions& options) {
  for (const SamplerEntry& e : registry())
    if (name == e.name) return e.make(options);
  std::string valid;
  for (const SamplerEntry& e : registry())
    valid += (valid.empty() ? "" : ", ") + std::string(e.name);
  fail("unknown sampler '", name, "' (valid: ", valid, ")");
}

std::vector<SamplerInfo> list_samplers() {
  std::vector<SamplerInfo> out;
  for (const SamplerEntry& e : registry()) {
    const auto sampler = e.make(SamplerOptions{});
    out.push_back({e.name, sampler->description(), sampler->traits()});
  }
  return out;
}

nlohmann::json SamplerInfo::to_json() const {
  return {{"name", name}, {"description", description}, {"traits", traits.to_json()}};
}

std::vector<std::string> samplers_for_any_path() {
  std::vector<std::string> out;
  for (const SamplerInfo& info : list_samplers())
    if (info.traits.any_path) out.push_back(info.name);
  return out;
}

}  // namespace difflab
