#include "difflab/sampler/initialization.hpp"

#include "difflab/core/error.hpp"

namespace difflab {

InitialLaw parse_initial_law(const std::string& name) {
  if (name == "normal") return InitialLaw::kStandardNormal;
  if (name == "exact") return InitialLaw::kExactMarginal;
  fail("unknown initial law '", name, "' (valid: normal = N(0, I), exact = the exact q_T)");
}

Matrix standard_normal_points(Index dim, Index n, const CounterRng& rng) {
  require(dim >= 1 && n >= 1, "initial points: need dimension >= 1 and n >= 1, got ", dim, " and ",
          n);
  Matrix X(dim, n);
  rng.fill_normal(X, RngUse::kInitial, 0, 0);
  return X;
}

Matrix exact_marginal_points(const Target& target, const ForwardProcess& process, double T, Index n,
                             const CounterRng& rng) {
  require(n >= 1, "initial points: need n >= 1, got ", n);
  return process.sample_marginal(target.sample(n, rng), T, rng);
}

Matrix initial_points(InitialLaw law, const Target& target, const ForwardProcess& process, double T,
                      Index n, const CounterRng& rng) {
  return law == InitialLaw::kStandardNormal ? standard_normal_points(target.dim(), n, rng)
                                            : exact_marginal_points(target, process, T, n, rng);
}

}  // namespace difflab
