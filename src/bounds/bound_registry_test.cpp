#include "difflab/bounds/bound_registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "difflab/bounds/ccl23.hpp"
#include "difflab/core/error.hpp"

namespace difflab {
namespace {

TEST(BoundRegistry, ListsEveryBound) {
  std::set<std::string> ids;
  for (const auto& b : list_bounds()) ids.insert(b.id);
  const std::set<std::string> expected = {"ccl23",         "ccl23-path",    "benton24",
                                          "bruno-example", "bruno-general", "chen-lee-lu23",
                                          "li-yan24",      "pf-ode-dpum",   "pf-ode-dpom"};
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
