#include "difflab/bounds/bound_registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/bounds/ccl23.hpp"
#include "difflab/core/error.hpp"

namespace difflab {
namespace {

TEST(BoundRegistry, ListsEveryBound) {
  std::set<std::string> ids;
  for (const auto& b : list_bounds()) ids.insert(b.id);
  const std::set<std::string> expected = {
      "ccl23",         "ccl23-path",        "benton24",   "bruno-example",
      "bruno-general", "chen-lee-lu23",     "li-yan24",   "pf-ode-dpum",
      "pf-ode-dpom",   "li-wei-chen-chi24", "conforti23", "strasman24"};
  EXPECT_EQ(ids, expected);
}

TEST(BoundRegistry, DispatchesById) {
  BoundInputs in;
  in.d = 2;
  in.T = 2;
  in.steps = 20;
  in.L = 1;
  in.m2 = 1;
  in.kl_to_normal = 0.3;
  const BoundResult r = compute_bound("ccl23", in);
  EXPECT_EQ(r.paper, "ccl23");
  EXPECT_EQ(r.value, bound_ccl23(in).value);
  for (const auto& b : list_bounds()) EXPECT_FALSE(b.description.empty());
}

// Each theorem's own score-error form and the samplers it covers reach the results.
TEST(BoundRegistry, ScoreErrorFormsAndSamplers) {
  std::map<std::string, BoundInfo> by;
  for (const auto& b : list_bounds()) by[b.id] = b;
  EXPECT_EQ(by.at("ccl23").score_error_form, ScoreErrorForm::kMaxOverSteps);
  EXPECT_EQ(by.at("benton24").score_error_form, ScoreErrorForm::kTimeIntegral);
  EXPECT_EQ(by.at("li-yan24").score_error_form, ScoreErrorForm::kStepAverage);
  EXPECT_EQ(by.at("bruno-general").score_error_form, ScoreErrorForm::kSamplerProcess);
  EXPECT_EQ(by.at("bruno-example").kind, "exact_decomposition");
  EXPECT_EQ(by.at("benton24").samplers, std::vector<std::string>{"ei"});
  EXPECT_EQ(by.at("conforti23").score_error_form, ScoreErrorForm::kTimeIntegral);
  EXPECT_EQ(by.at("strasman24").score_error_form, ScoreErrorForm::kMaxOverSteps);
  BoundInputs in;
  in.d = 2;
  in.T = 3;
  in.delta = 0.01;
  in.steps = 20;
  const BoundResult r = compute_bound("benton24", in);
  EXPECT_EQ(r.samplers, std::vector<std::string>{"ei"});
  EXPECT_EQ(r.kind, "published_bound");
}

TEST(BoundRegistry, UnknownIdListsTheValidOnes) {
  try {
    compute_bound("ccl24", BoundInputs{});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown bound 'ccl24'"), std::string::npos) << msg;
    for (const auto& b : list_bounds()) EXPECT_NE(msg.find(b.id), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace difflab

namespace difflab {
namespace {

TEST(BoundRegistry, SelectBoundsKeepsTheOrderGivenAndRefusesBadIds) {
  EXPECT_EQ(select_bounds({}).size(), list_bounds().size());
  const auto two = select_bounds({"ccl23", "benton24"});
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].id, "ccl23");
  EXPECT_EQ(two[1].id, "benton24");
  expect_error(
      [] {
        select_bounds({"benton24", "nope"});
      },
      "unknown bound 'nope'; valid bounds: ccl23");
  expect_error([] { select_bounds({"ccl23", "ccl23"}); }, "'ccl23' listed twice");
  expect_error([] { select_bounds({""}); }, "empty bound id");
}

}  // namespace
}  // namespace difflab
