#include "difflab/pipeline/law_report.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/law/continuous_reverse_law.hpp"
#include "difflab/law/diagonal_gaussian_law.hpp"
#include "difflab/law/grid_distances.hpp"
#include "difflab/law/grid_law.hpp"
#include "difflab/law/grid_law_2d.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/product_target.hpp"

namespace difflab {

namespace {

// The distances a KL can make infinite (laws that do not share their support), written as
// json_util::put_extended does: null with "<key>_reason": "infinite" rather than a bare null.
void put_distances(nlohmann::json& j, double kl_target_output, double kl_output_target,
                   double hellinger) {
  json_util::put_extended(j, "kl_target_output", kl_target_output);
  json_util::put_extended(j, "kl_output_target", kl_output_target);
  json_util::put_extended(j, "hellinger", hellinger);
}

// The report's distance block, KL directions named (q the reference, p the output law).
nlohmann::json distances_json(double kl_target_output, double kl_output_target, double w2,
                              double hellinger, const GaussianTv& tv) {
  nlohmann::json j{
      {"tv", tv.tv.value}, {"tv_method", tv.tv.method}, {"tv_bounds", tv.bounds.to_json()}};
  put_distances(j, kl_target_output, kl_output_target, hellinger);
  json_util::put_extended(j, "w2", w2);
  if (!tv.tv.is_exact()) j["tv_ci"] = {tv.tv.ci_lo, tv.tv.ci_hi};
  return j;
}

}  // namespace

const OptionSchema<LawReportOptions>& law_report_schema() {
  using L = LawReportOptions;
  static const OptionSchema<L> schema =
      OptionSchema<L>()
          .integer("tv_samples", &L::tv_samples, 2, 1e10,
                   "Monte Carlo samples for TV when no closed form applies")
          .integer("grid_nodes", &L::grid_nodes, 0, 400001,
                   "Grid laws (1-D, product and 2-D targets): nodes per axis (0 = default: 2001 "
                   "in 1-D, 161 in 2-D); grid_error compares with about half as many")
          .number("grid_tol", &L::grid_tol, 0, 1,
                  "Grid laws: the accepted grid error relative to each distance; above it the "
                  "grid is refined (up to 8x the nodes), then the law refused (0 = no check)");
  return schema;
}

nlohmann::json gaussian_distances_report(const GaussianLaw& p, const Vector& qm, const Matrix& qc,
                                         const LawReportOptions& options) {
  GaussianTvOptions tv_options;
  tv_options.samples = options.tv_samples;
  tv_options.seed = options.seed;
  return distances_json(gaussian_kl(qm, qc, p.mean, p.cov), gaussian_kl(p.mean, p.cov, qm, qc),
                        gaussian_w2(p.mean, p.cov, qm, qc),
                        gaussian_hellinger(p.mean, p.cov, qm, qc),
                        gaussian_tv(p.mean, p.cov, qm, qc, tv_options));
}

namespace {

// From this dimension on, a diagonal target with a one-step sampler gets the O(d N) law
// (law/diagonal_gaussian_law.hpp) instead of the linear response on d (1 + draws) particles.
constexpr Index kDiagonalLawMinDim = 64;

// The O(d N) law composes one-step Gaussian kernels: one-step, affine diffusion samplers only
// (their traits, sampler/sampler.hpp).
bool has_diagonal_law(const Sampler& sampler) {
  const SamplerTraits t = sampler.traits();
  return t.one_step && t.affine && t.family == SamplerTraits::Family::kDiffusion;
}

// gaussian_distances_report for laws diagonal in the same basis: O(d) (TV by Monte Carlo at
// O(d) per draw, with at most ~2e8 coordinate evaluations).
nlohmann::json diagonal_distances_report(const DiagonalGaussianLaw& p, const Vector& qm,
                                         const Vector& qv, const LawReportOptions& options) {
  GaussianTvOptions tv_options;
  const Index d = p.mean.size();
  tv_options.samples = std::max<Index>(1000, std::min<Index>(options.tv_samples, 200000000 / d));
  tv_options.seed = options.seed;
  return distances_json(diagonal_gaussian_kl(qm, qv, p.mean, p.var),
                        diagonal_gaussian_kl(p.mean, p.var, qm, qv),
                        diagonal_gaussian_w2(p.mean, p.var, qm, qv),
                        diagonal_gaussian_hellinger(p.mean, p.var, qm, qv),
                        diagonal_gaussian_tv(p.mean, p.var, qm, qv, tv_options));
}

nlohmann::json diagonal_law_report(const GaussianTarget& target, const RunSetup& run,
                                   const LawReportOptions& report_options) {
  const Index d = target.dim();
  const double T = run.grid->T();
  const Vector& lambda = target.eigenvalues();  // the variances, in coordinate order
  DiagonalGaussianLaw initial{Vector::Zero(d), Vector::Ones(d)};
  if (run.spec.start != "normal") {
    const double a = run.process->alpha(T);
    initial = {a * target.mean(), target.noised_eigenvalues(a, run.process->sigma2(T))};
  }
  const DiagonalGaussianLaw law =
      diagonal_gaussian_law(*run.sampler, *run.score, *run.grid, run.spec.sampler_options, initial);
  nlohmann::json j{{"method", "per-step linear response, diagonal (exact Gaussian law, O(d N))"},
                   {"mean", json_util::to_json(law.mean)},
                   {"var", json_util::to_json(law.var)},
                   {"nfe", static_cast<double>(run.grid->steps())}};
  j.update(diagonal_distances_report(law, target.mean(), lambda, report_options));
  const double delta = run.grid->delta();
  const double ad = run.process->alpha(delta);
  j["to_q_delta"] = diagonal_distances_report(
      law, ad * target.mean(), target.noised_eigenvalues(ad, run.process->sigma2(delta)),
      report_options);
  return j;
}

nlohmann::json grid_distances_json(const GridDistances& g) {
  nlohmann::json j = nlohmann::json::object();
  put_distances(j, g.kl_target_output, g.kl_output_target,
                std::sqrt(std::max(0.0, 1 - g.bhattacharyya)));
  json_util::put_extended(j, "w2", g.w2);
  if (g.tv) {
    j["tv"] = *g.tv;
    j["tv_method"] = "grid quadrature (exact up to the grid error)";
  } else {
    j["tv_method"] =
        "bounds only: 1 - BC <= TV <= min(sqrt(1 - BC^2), Pinsker, Bretagnolle-Huber), BC the "
        "product of the coordinates' Bhattacharyya coefficients";
  }
  j["tv_bounds"] = {{"lower", g.tv_lower}, {"upper", g.tv_upper}};
  return j;
}

// Why a grid law of a target without a density reports no distances to the target.
constexpr const char* kNoTargetDensity =
    "the target (an empirical measure) has no density: the output law is compared with q_delta "
    "= Law(alpha_delta X + sigma_delta Z) only, the law the sampler aims at when it stops at delta "
    "(to_q_delta)";

constexpr const char* kGridErrorKeys[] = {"kl_target_output", "kl_output_target", "w2", "hellinger",
                                          "tv"};

// |a - b| for each number of two distance blocks: the grid-convergence estimate (0 where both
// are the same infinity, as a KL can be).
nlohmann::json grid_error_json(const nlohmann::json& fine, const nlohmann::json& coarse) {
  nlohmann::json err = nlohmann::json::object();
  for (const char* key : kGridErrorKeys)
    if (fine.contains(key) && coarse.contains(key)) {
      const double a = json_util::get_extended(fine, key, "law"),
                   b = json_util::get_extended(coarse, key, "law");
      json_util::put_extended(err, key, a == b ? 0.0 : std::abs(a - b));
    }
  return err;
}

// The distances whose grid error exceeds tol times their value (1e-9 absolute near 0), named
// with both values; empty when the law has converged. An infinite distance on both grids agrees.
// A law without distances to the target (a target without a density) is checked on its
// distances to q_delta.
std::string unconverged_distances(const nlohmann::json& fine_law, const nlohmann::json& coarse_law,
                                  double tol) {
  const bool to_q0 = fine_law.contains("tv") || fine_law.contains("kl_target_output");
  const nlohmann::json& fine = to_q0 ? fine_law : fine_law.at("to_q_delta");
  const nlohmann::json& coarse = to_q0 ? coarse_law : coarse_law.at("to_q_delta");
  std::ostringstream out;
  out << std::setprecision(3);
  const nlohmann::json err = grid_error_json(fine, coarse);
  for (const char* key : kGridErrorKeys) {
    if (!err.contains(key)) continue;
    const double e = json_util::get_extended(err, key, "grid error"),
                 v = json_util::get_extended(fine, key, "law");
    if (e <= tol * std::abs(v) + 1e-9) continue;
    out << (out.tellp() > 0 ? ", " : "") << key << " " << v << " ("
        << json_util::get_extended(coarse, key, "law") << " on the coarser grid)";
  }
  return out.str();
}

// A grid law's report at `nodes` checked against the same law at about half the nodes
// (law_at(n) gives the report on n nodes with "nodes", those it used), refined while a distance
// differs by more than grid_tol, up to kGridRefinements times, then refused; sets grid_error
// and grid_refinements. The finest law is reported.
template <class LawAt>
nlohmann::json converged_grid_law(Index nodes, const LawReportOptions& o, const std::string& name,
                                  LawAt&& law_at) {
  nlohmann::json coarse = law_at((nodes + 1) / 2);
  nlohmann::json fine = law_at(nodes);
  int refinements = 0;
  for (;; ++refinements) {
    const std::string off = o.grid_tol > 0 ? unconverged_distances(fine, coarse, o.grid_tol) : "";
    if (off.empty()) break;
    const Index used = fine["nodes"].get<Index>();
    require(refinements < kGridRefinements, name, ": not converged at ", used,
            " nodes per axis after ", refinements, " refinements: ", off, " differ by more than ",
            o.grid_tol,
            " of their value (grid_tol); its numbers would not be exact (a flow that folds near a "
            "separatrix? fewer, larger steps or a larger grid_tol)");
    if (o.on_refine)
      o.on_refine(name + ": " + off + " at " + std::to_string(used) +
                  " nodes per axis: refining to " + std::to_string(2 * used - 1));
    coarse = std::move(fine);
    fine = law_at(2 * used - 1);
  }
  fine["grid_error"] = grid_error_json(fine, coarse);
  if (fine.contains("to_q_delta") && coarse.contains("to_q_delta"))
    fine["to_q_delta"]["grid_error"] = grid_error_json(fine["to_q_delta"], coarse["to_q_delta"]);
  fine["grid_refinements"] = refinements;
  return fine;
}

// Product targets and one-dimensional targets: the density of each coordinate propagated on a
// grid (law/grid_law.hpp), on 2n - 1 nodes checked against n (converged_grid_law).
nlohmann::json grid_law_report(const RunSetup& run, const LawReportOptions& report_options) {
  const double delta = run.grid->delta();
  const double ad = run.process->alpha(delta), sd2 = run.process->sigma2(delta);
  const auto law_at = [&](Index nodes) {
    GridLawOptions o;
    o.nodes = nodes;
    o.max_nodes = std::max(o.max_nodes, nodes);
    o.start_from_q_T = run.spec.start == "exact";
    const GridLaw law = grid_output_law(*run.sampler, *run.score, *run.grid,
                                        run.spec.sampler_options, *run.target, o);
    nlohmann::json j{{"method", "grid law (" + law.method + ")"},
                     {"nodes", law.coordinates.front().nodes()},
                     {"nfe", law.nfe},
                     {"mass_lost", law.mass_lost}};
    // The law's mean and variance per coordinate (trapezoidal moments).
    Vector mean(static_cast<Index>(law.coordinates.size())), var(mean.size());
    for (std::size_t i = 0; i < law.coordinates.size(); ++i) {
      const GridDensity& g = law.coordinates[i];
      Vector y(g.nodes());
      for (Index m = 0; m < g.nodes(); ++m) y(m) = g.node(m);
      const double mass = g.mass();
      const auto moment = [&](const Vector& f) { return GridDensity{g.lo, g.h, f}.mass() / mass; };
      const auto k = static_cast<Index>(i);
      mean(k) = moment(g.density.cwiseProduct(y));
      var(k) = moment(g.density.cwiseProduct(y.cwiseAbs2())) - mean(k) * mean(k);
    }
    j["mean"] = json_util::to_json(mean);
    j["var"] = json_util::to_json(var);
    if (run.target->has_density())
      j.update(grid_distances_json(grid_law_distances(law, *run.target, 1.0, 0.0)));
    else
      j["to_target_reason"] = kNoTargetDensity;
    j["to_q_delta"] = grid_distances_json(grid_law_distances(law, *run.target, ad, sd2));
    return j;
  };
  const Index requested = report_options.grid_nodes > 0 ? report_options.grid_nodes : 2001;
  nlohmann::json j = converged_grid_law(2 * requested - 1, report_options, "grid law", law_at);
  j["grid_error_method"] = "|value(n nodes) - value(n/2 nodes)|, n = nodes";
  return j;
}

nlohmann::json distances_2d_json(const GridDistances2D& g) {
  nlohmann::json j{{"tv", g.tv},
                   {"tv_method", "grid quadrature (exact up to the grid error)"},
                   {"target_mass_missed", g.target_mass_missed}};
  put_distances(j, g.kl_target_output, g.kl_output_target,
                std::sqrt(std::max(0.0, 1 - g.bhattacharyya)));
  return j;
}

// The flow-map law's local refinement (law/grid_law_2d.hpp), for the report.
nlohmann::json refinement_json(const GridLaw2D::Refinement& r) {
  return {{"base_cells_refined", r.base_cells},
          {"cells", r.cells},
          {"sampler_runs", r.runs},
          {"depth", r.depth},
          {"unresolved_mass", r.unresolved_mass}};
}

// The cells a flow-map law's local refinement left unresolved can hide at most their start-law
// mass u from the TV (docs/theory.md 14.3): u is added to the TV's grid error, which the
// node-halving difference alone would not show, both laws leaving alike little unresolved.
void add_unresolved_to_tv_error(nlohmann::json& j) {
  const double u = j["local_refinement"]["unresolved_mass"].get<double>();
  if (u <= 0) return;
  for (nlohmann::json* block : {&j, &j["to_q_delta"]})
    if (block->contains("grid_error") &&
        (*block)["grid_error"].value("tv", nlohmann::json()).is_number())
      (*block)["grid_error"]["tv"] = (*block)["grid_error"]["tv"].get<double>() + u;
  j["grid_error_method"] =
      "|value(n nodes per axis) - value(n/2 nodes per axis)|, and for tv "
      "plus the start-law mass the local refinement left unresolved";
}

// Two-dimensional targets of any kind (law/grid_law_2d.hpp), at n nodes per axis checked
// against about n/2 (converged_grid_law).
nlohmann::json grid_law_2d_report(const RunSetup& run, const LawReportOptions& report_options) {
  const auto law_at = [&](Index nodes) {
    GridLaw2DOptions o;
    o.nodes = std::min<Index>(nodes, 4001);
    o.start_from_q_T = run.spec.start == "exact";
    const GridLaw2D law = grid_output_law_2d(*run.sampler, *run.score, *run.grid,
                                             run.spec.sampler_options, *run.target, o);
    nlohmann::json j{{"method", "2-D grid law (" + law.method + ")"},
                     {"nodes", law.nodes},
                     {"nfe", law.nfe},
                     {"mass_lost", law.mass_lost},
                     {"mean", json_util::to_json(law.mean)},
                     {"cov", json_util::to_json(law.cov)},
                     {"w2_method", "not computed in 2-D (use the metric w2 of eval on samples)"}};
    if (law.method == "flow-map") j["local_refinement"] = refinement_json(law.refinement);
    if (law.has_target_distances)
      j.update(distances_2d_json(law.to_target));
    else
      j["to_target_reason"] = kNoTargetDensity;
    j["to_q_delta"] = distances_2d_json(law.to_q_delta);
    return j;
  };
  const Index requested = report_options.grid_nodes > 0 ? report_options.grid_nodes : 161;
  nlohmann::json j = converged_grid_law(requested, report_options, "2-D grid law", law_at);
  j["grid_error_method"] = "|value(n nodes per axis) - value(n/2 nodes per axis)|";
  if (j.contains("local_refinement")) add_unresolved_to_tv_error(j);
  return j;
}

}  // namespace

nlohmann::json law_report(const RunSetup& run, const LawReportOptions& report_options) {
  require(run.spec.init.empty(),
          "init: an exact law needs a Gaussian initial law; use start normal or exact");
  const auto* gaussian = dynamic_cast<const GaussianTarget*>(run.target.get());
  if (gaussian == nullptr &&
      (run.target->dim() == 1 || dynamic_cast<const ProductTarget*>(run.target.get()) != nullptr))
    return grid_law_report(run, report_options);
  if (gaussian == nullptr && run.target->dim() == 2) return grid_law_2d_report(run, report_options);
  require(
      gaussian != nullptr,
      "difflab law: exact output laws are available for Gaussian targets (with the exact, "
      "perturbed or gaussian-mean score and the samplers ei, em, ddpm, dpmpp-2m-sde, ode-ei, "
      "ddim, heun, dpmpp-2m, ula, annealed-langevin), and on a grid for one-dimensional and "
      "product targets (with a coordinate-wise score) and two-dimensional targets (the samplers "
      "ei, em, ddpm, and any deterministic one); target type '",
      run.target->type(), "' of dimension ", run.target->dim(), " has none yet");
  const Index d = gaussian->dim();
  if (gaussian->is_diagonal() && d >= kDiagonalLawMinDim && has_diagonal_law(*run.sampler))
    return diagonal_law_report(*gaussian, run, report_options);
  const double T = run.grid->T();
  GaussianLaw initial;
  if (run.spec.start == "normal") {
    initial = {Vector::Zero(d), Matrix::Identity(d, d)};
  } else {
    const double a = run.process->alpha(T);
    initial = {a * gaussian->mean(),
               a * a * gaussian->covariance() + run.process->sigma2(T) * Matrix::Identity(d, d)};
  }
  double nfe = 0;
  const GaussianLaw law = affine_gaussian_law(*run.sampler, *run.score, *run.grid,
                                              run.spec.sampler_options, initial, {}, &nfe);
  const Matrix target_cov = gaussian->covariance();
  nlohmann::json j{{"method", "affine linear response (exact Gaussian law)"},
                   {"mean", json_util::to_json(law.mean)},
                   {"cov", json_util::to_json(law.cov)},
                   {"nfe", nfe}};
  j.update(gaussian_distances_report(law, gaussian->mean(), target_cov, report_options));
  // Against the early-stopped target q_delta (the reference of Benton et al.).
  const double delta = run.grid->delta();
  const double ad = run.process->alpha(delta);
  j["to_q_delta"] = gaussian_distances_report(
      law, ad * gaussian->mean(),
      ad * ad * target_cov + run.process->sigma2(delta) * Matrix::Identity(d, d), report_options);
  if (run.process->name() == "ou") {
    // The continuous-time reverse SDE from the same start isolates the initialisation error.
    const GaussianLaw cont =
        run.spec.start == "normal"
            ? continuous_reverse_sde_law(*gaussian, T, delta)
            : GaussianLaw{ad * gaussian->mean(), ad * ad * target_cov + run.process->sigma2(delta) *
                                                                            Matrix::Identity(d, d)};
    j["continuous_reverse_sde"] =
        gaussian_distances_report(cont, gaussian->mean(), target_cov, report_options);
  }
  return j;
}

}  // namespace difflab
