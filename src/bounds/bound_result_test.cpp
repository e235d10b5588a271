#include "difflab/bounds/bound_result.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

TEST(BoundResult, JsonHasTheAgreedKeys) {
  BoundResult r;
  r.paper = "benton24";
  r.metric = "KL";
  r.value = 0.25;
  r.terms = {{"initialisation", 0.05}, {"discretisation", 0.2}};
  r.assumptions = {{"T_at_least_1", true}};
  r.kappa = 0.125;
  r.grid = uniform_grid(2, 0.5, 3);
  r.details["nan"] = std::numeric_limits<double>::quiet_NaN();
  const nlohmann::json j = r.to_json();
  for (const char* key : {"paper",
                          "reference",
                          "quantity",
                          "metric",
                          "direction",
                          "value",
                          "terms",
                          "constant",
                          "constant_is_explicit",
                          "constants",
                          "assumptions",
                          "assumptions_hold",
                          "kappa",
                          "grid",
                          "details",
                          "notes",
                          "kind",
                          "samplers",
                          "statement_verified",
                          "certified",
                          "vacuous"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j.at("value").get<double>(), 0.25);
  EXPECT_EQ(j.at("terms").at("discretisation").get<double>(), 0.2);
  EXPECT_EQ(j.at("kappa").get<double>(), 0.125);
  EXPECT_EQ(j.at("grid").at("steps").get<int>(), 3);
  EXPECT_TRUE(j.at("details").at("nan").is_null());
  EXPECT_TRUE(j.at("assumptions_hold").get<bool>());
}

// certified: every assumption holds, every constant stated, statement read, a published
// bound; vacuous: TV >= 1 or a non-finite value.
TEST(BoundResult, CertifiedAndVacuous) {
  BoundResult r;
  r.metric = "TV";
  r.value = 0.5;
  r.assumptions = {{"a", true}};
  r.constant_is_explicit = true;
  EXPECT_TRUE(r.certified());
  EXPECT_FALSE(r.vacuous());
  r.constant_is_explicit = false;  // a "<~" placeholder
  EXPECT_FALSE(r.certified());
  r.constant_is_explicit = true;
  r.statement_verified = false;
  EXPECT_FALSE(r.certified());
  r.statement_verified = true;
  r.assumptions["b"] = false;
  EXPECT_FALSE(r.certified());
  r.assumptions["b"] = true;
  r.kind = "exact_decomposition";
  EXPECT_FALSE(r.certified());
  r.kind = "published_bound";
  r.quantity = "steps_needed";
  EXPECT_FALSE(r.certified());
  EXPECT_FALSE(r.vacuous());
  r.quantity = "error_bound";
  r.value = 1;
  EXPECT_TRUE(r.vacuous());
  r.metric = "KL";  // no trivial maximum
  EXPECT_FALSE(r.vacuous());
  r.value = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(r.vacuous());
  EXPECT_FALSE(r.certified());
  const nlohmann::json j = r.to_json();
  EXPECT_TRUE(j.at("vacuous").get<bool>());
  EXPECT_FALSE(j.at("certified").get<bool>());
}

TEST(BoundResult, CertifiesNeedsValueAndAssumptions) {
  BoundResult r;
  r.value = 0.1;
  r.assumptions = {{"a", true}};
  EXPECT_TRUE(certifies(r, 0.1));
  EXPECT_FALSE(certifies(r, 0.09));
  r.assumptions["b"] = false;
  EXPECT_FALSE(certifies(r, 1));
  r.assumptions["b"] = true;
  r.quantity = "steps_needed";
  EXPECT_FALSE(certifies(r, 1));
}

}  // namespace
}  // namespace difflab
