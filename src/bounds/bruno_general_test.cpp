#include "difflab/bounds/bruno_general.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"

namespace difflab {
namespace {

BoundInputs general(double C1, double C2, double C3, double C4, double alpha, double L_MO) {
  BoundInputs in;
  in.T = 3;
  in.delta = 0.04;
  in.steps = 37;
  in.eps_score = 0.2;
  in.constants = {{"C1", C1}, {"C2", C2}, {"C3", C3}, {"C4", C4}, {"alpha", alpha}, {"L_MO", L_MO}};
  return in;
}

TEST(BrunoGeneral, FunctionalFormForTwoConstantSets) {
  for (const auto& c :
       {std::array<double, 6>{1, 1, 1, 1, 1, 1}, std::array<double, 6>{0.5, 2, 3, 4, 0.5, 0.75}}) {
    const BoundResult r = bound_bruno_general(general(c[0], c[1], c[2], c[3], c[4], c[5]));
    const double eps = 0.04, T = 3, gamma = (3 - 0.04) / 37;
    EXPECT_NEAR(r.terms.at("early_stopping"), c[0] * std::sqrt(eps), 1e-15);
    EXPECT_NEAR(r.terms.at("initialisation"), c[1] * std::exp(-2 * c[5] * (T - eps) - eps), 1e-15);
    EXPECT_NEAR(r.terms.at("score_error"), c[2] * 0.2, 1e-15);
    EXPECT_NEAR(r.terms.at("discretisation"), c[3] * std::pow(gamma, c[4]), 1e-14);
    EXPECT_FALSE(r.constant_is_explicit);
    bool flagged = false;
    for (const auto& n : r.notes) flagged |= n.find("NON-AUTHORITATIVE") != std::string::npos;
    EXPECT_TRUE(flagged);
  }
}

TEST(BrunoGeneral, EveryConstantIsRequired) {
  BoundInputs in = general(1, 1, 1, 1, 1, 1);
  in.constants.erase("C3");
  in.constants.erase("alpha");
  expect_error([&] { bound_bruno_general(in); }, "needs the constant(s) C3, alpha");
  BoundInputs prefixed = general(1, 1, 1, 1, 1, 1);
  prefixed.constants.erase("C3");
  prefixed.constants["bruno-general.C3"] = 2;
  EXPECT_NEAR(bound_bruno_general(prefixed).terms.at("score_error"), 0.4, 1e-15);
  prefixed.constants["bruno-general.C5"] = 2;
  expect_error([&] { bound_bruno_general(prefixed); }, "unknown constant 'C5'");
}

}  // namespace
}  // namespace difflab
