#pragma once
// BoundResult: what every published bound returns, whatever the paper.
//
// Two kinds of result share this shape (field `quantity`):
//   "error_bound"   value bounds the error in `metric` (e.g. TV(p_T, q) <= value);
//   "steps_needed"  value is the number of steps a rate of the form N = O~(...) asks for to
//                   reach `accuracy` in `metric` (papers that give only step counts, with the
//                   O~ constant explicit and the hidden log factors dropped: see the notes).
// For additive bounds the terms are already multiplied by the constant, so they sum to value.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "difflab/schedule/time_grid.hpp"

namespace difflab {

struct BoundResult {
  std::string paper;                     // registry id, e.g. "ccl23"
  std::string reference;                 // e.g. "Chen et al. 2023 (CCL23), Theorem 2"
  std::string quantity = "error_bound";  // or "steps_needed"
  std::string metric;                    // "TV", "KL", "W2"
  std::string direction;  // what exactly is bounded, e.g. "TV(p_T, q)", "KL(q_delta || p_{t_N})"
  double value = 0;
  // Named parts: initialisation, discretisation, score_error, optimisation, early_stopping, ...
  std::map<std::string, double> terms;
  // The overall multiplicative constant (1 when the bound has per-term constants, listed in
  // `constants`), and whether the paper states it (false: a placeholder for "<~", default 1).
  double constant = 1;
  bool constant_is_explicit = false;
  std::map<std::string, double> constants;  // every constant used, name -> value
  // Each assumption the bound needs and whether the inputs satisfy it. A false entry means the
  // bound is not certified for these inputs (the value is still computed).
  std::map<std::string, bool> assumptions;
  std::optional<double> kappa;   // Benton et al.'s step-condition kappa of the grid, if used
  std::optional<TimeGrid> grid;  // the grid the bound was evaluated on, if any
  // Exact quantities computed alongside (e.g. the exact W2 of Bruno's example) and rate
  // factors; they are not terms of the bound.
  std::map<std::string, double> details;
  std::vector<std::string> notes;

  // What the result is: "published_bound" (a theorem's inequality evaluated on the inputs) or
  // "exact_decomposition" (an identity or triangle inequality over exactly computed parts, e.g.
  // Bruno et al.'s Gaussian-mean example; never to be drawn as a paper's bound).
  std::string kind = "published_bound";
  // The samplers (registry ids, sampler/sampler_registry.hpp) the theorem analyses; a report
  // draws the bound only beside runs of these samplers. Empty: none of difflab's samplers is the
  // analysed algorithm.
  std::vector<std::string> samplers;
  // False when the statement itself was not read in the paper (quoted from a secondary
  // source), so the formula may differ from the theorem even with every constant stated.
  bool statement_verified = true;

  bool assumptions_hold() const;
  // An error bound that certifies its value: every assumption holds (an unchecked assumption is
  // recorded as false), every constant is stated by the paper (constant_is_explicit) and the
  // statement was read in the paper. Step counts are never certified.
  bool certified() const;
  // The value is at or above the metric's trivial maximum (TV >= 1) or is not finite, so the
  // bound says nothing. KL and W2 have no trivial maximum; only a non-finite value is vacuous.
  bool vacuous() const;
  // Keys: paper, reference, quantity, metric, direction, value, terms, constant,
  // constant_is_explicit, constants, assumptions, assumptions_hold, kappa (null when unset),
  // grid (null or TimeGrid::to_json), details, notes, kind, samplers, statement_verified,
  // certified, vacuous. Non-finite numbers become null.
  nlohmann::json to_json() const;
};

// A number for notes: shortest round-trip-ish form (%.10g).
std::string format_number(double x);

// True when `result` is an error bound whose assumptions all hold and whose value is <=
// accuracy: the inputs are then certified to reach that accuracy (up to the constants).
bool certifies(const BoundResult& result, double accuracy);

}  // namespace difflab
