#include "difflab/target/product_target.hpp"

#include <algorithm>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/target/target_quantities.hpp"

namespace difflab {

namespace ju = json_util;

ProductTarget::ProductTarget(std::vector<std::shared_ptr<const Law1D>> factors,
                             const std::string& where)
    : factors_(std::move(factors)) {
  require(!factors_.empty(), where, ": a product needs at least one factor");
  for (std::size_t i = 0; i < factors_.size(); ++i)
    require(factors_[i] != nullptr, where, ": factor ", i, " is null");
}

nlohmann::json ProductTarget::to_json() const {
  nlohmann::json factors = nlohmann::json::array();
  for (const auto& f : factors_) factors.push_back(f->to_json());
  return {{"type", "product"}, {"factors", factors}};
}

TargetSummary ProductTarget::summary() const {
  // E||X||^2 and KL(q || N(0, I)) are additive over independent coordinates.
  TargetSummary s;
  double kl = 0, lip = 0;
  bool lip_known = true;
  for (const auto& f : factors_) {
    s.second_moment += f->second_moment();
    kl += f->kl_to_standard_normal();
    const std::optional<double> l = f->score_lipschitz();
    if (l)
      lip = std::max(lip, *l);
    else
      lip_known = false;
  }
  s.kl_to_standard_normal = kl;
  if (lip_known) s.score_lipschitz = lip;
  add_monte_carlo_fisher_information(*this, s);
  return s;
}

Matrix ProductTarget::sample(Index n, const CounterRng& rng, std::uint64_t first_particle) const {
  require_matrix_memory(dim(), n, 2, "drawing " + std::to_string(n) + " samples");
  Matrix X(dim(), n);
  parallel_blocks(n, kDefaultBlock, [&](Index begin, Index count) {
    for (Index j = begin; j < begin + count; ++j) {
      RngStream s =
          rng.stream(RngUse::kTargetSample, first_particle + static_cast<std::uint64_t>(j));
      for (Index i = 0; i < dim(); ++i) X(i, j) = factor(i).sample(s);
    }
  });
  return X;
}

void ProductTarget::noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                                       Eigen::Ref<Vector> out) const {
  check_dim(X, "input");
  require(out.size() == X.cols(), "product target: output has ", out.size(), " entries for ",
          X.cols(), " points");
  parallel_blocks(X.cols(), kDefaultBlock, [&](Index begin, Index count) {
    Vector row, lq;
    out.segment(begin, count).setZero();
    for (Index i = 0; i < dim(); ++i) {
      row = X.row(i).segment(begin, count).transpose();
      factor(i).noised(alpha, sigma2, row, &lq, nullptr);
      out.segment(begin, count) += lq;
    }
  });
  refuse_non_finite(X, out.transpose(), "log density");
}

void ProductTarget::noised_score(double alpha, double sigma2, ConstMatrixRef X,
                                 MatrixRef out) const {
  check_dim(X, "input");
  require(out.rows() == X.rows() && out.cols() == X.cols(), "product target: output is ",
          out.rows(), " x ", out.cols(), " for input ", X.rows(), " x ", X.cols());
  parallel_blocks(X.cols(), kDefaultBlock, [&](Index begin, Index count) {
    Vector row, sc;
    for (Index i = 0; i < dim(); ++i) {
      row = X.row(i).segment(begin, count).transpose();
      factor(i).noised(alpha, sigma2, row, nullptr, &sc);
      out.row(i).segment(begin, count) = sc.transpose();
    }
  });
  refuse_non_finite(X, out, "score");
}

void ProductTarget::refuse_non_finite(ConstMatrixRef X, ConstMatrixRef values,
                                      const char* what) const {
  // Finite input, non-finite result: a point beyond the range in which a factor's arithmetic
  // is representable (e.g. log q below -DBL_MAX, or a quadrature far outside its support). A
  // clear error instead of a NaN in an output file.
  // A non-finite input (a diverged sampler) is the caller's to report.
  for (Index j = 0; j < values.cols(); ++j) {
    if (values.col(j).allFinite() || !X.col(j).allFinite()) continue;
    Index worst = 0;
    X.col(j).cwiseAbs().maxCoeff(&worst);
    fail("product target: the ", what, " at point ", j + 1, " is not representable in double ",
         "precision (coordinate ", worst + 1, " = ", X(worst, j),
         "); the point is too far out for this target");
  }
}

std::shared_ptr<Target> make_product_target(const nlohmann::json& spec, const std::string& where) {
  require(spec.is_object(), where, ": a target spec must be a JSON object");
  ju::only_keys(spec, {"type", "factors", "dim", "factor"}, where);
  const bool listed = spec.contains("factors");
  const bool repeated = spec.contains("dim") || spec.contains("factor");
  require(listed != repeated, where,
          ": give either \"factors\" (a list) or \"dim\" and \"factor\" (one factor repeated)");
  std::vector<std::shared_ptr<const Law1D>> factors;
  if (listed) {
    const nlohmann::json& list = spec["factors"];
    require(list.is_array() && !list.empty(), where, ": factors must be a non-empty array");
    for (std::size_t i = 0; i < list.size(); ++i)
      factors.push_back(make_law1d(list[i], where + ": factor " + std::to_string(i)));
  } else {
    const Index d = ju::integer(ju::member(spec, "dim", where), where + ": dim");
    require(d >= 1, where, ": dim must be >= 1, got ", d);
    // One factor pointer per coordinate, and every evaluation holds d x (block) doubles.
    require_memory(
        checked_mul(static_cast<std::uint64_t>(d),
                    sizeof(std::shared_ptr<const Law1D>) + kDefaultBlock * sizeof(double),
                    where + ": dim"),
        where + ": a product of dimension " + std::to_string(d));
    const auto law = make_law1d(ju::member(spec, "factor", where), where + ": factor");
    factors.assign(static_cast<std::size_t>(d), law);
  }
  return std::make_shared<ProductTarget>(std::move(factors), where);
}

}  // namespace difflab
