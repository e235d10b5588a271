// Target specs: every invalid spec is rejected with a message naming the problem, and to_json
// round-trips through make_target.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "difflab/core/error.hpp"
#include "difflab/target/product_target.hpp"
#include "difflab/target/target.hpp"

namespace difflab {
namespace {

using nlohmann::json;

// The message make_target throws for `spec`, or "no error".
std::string error_of(const json& spec) {
  try {
    make_target(spec, "spec");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void expect_rejected(const json& spec, const std::string& fragment) {
  const std::string msg = error_of(spec);
  EXPECT_NE(msg.find(fragment), std::string::npos)
      << "spec " << spec.dump() << "\n  message: " << msg
      << "\n  expected to contain: " << fragment;
  EXPECT_EQ(msg.rfind("spec", 0), 0u) << "message does not start with the spec's name: " << msg;
}

TEST(TargetSpec, RejectsInvalidGaussianSpecs) {
  expect_rejected({{"type", "gaussian"}, {"mean", {0, 0}}, {"cov", {{1, 2}, {2, 1}}}},
                  "covariance is not positive definite");
  expect_rejected({{"type", "gaussian"}, {"mean", {0, 0}}, {"cov", {{1, 0.3}, {0.1, 1}}}},
                  "covariance is not symmetric");
  expect_rejected({{"type", "gaussian"}, {"mean", {0, 0, 0}}, {"cov", {{1, 0}, {0, 1}}}},
                  "covariance is 2 x 2 but the mean has dimension 3");
  expect_rejected({{"type", "gaussian"}, {"mean", {0, std::nan("")}}, {"var", 1}},
                  "mean: entry 1: value is not finite");
  expect_rejected({{"type", "gaussian"}, {"mean", {0, 0}}, {"cov", {{1, 0}, {0, std::nan("")}}}},
                  "cov: row 1: entry 1: value is not finite");
  expect_rejected({{"type", "gaussian"}, {"cov", {{1}}}}, "missing \"mean\"");
  expect_rejected({{"type", "gaussian"}, {"mean", {0}}}, "give exactly one of");
  expect_rejected({{"type", "gaussian"}, {"mean", {0}}, {"var", 1}, {"meen", 1}},
                  "unknown key \"meen\"");
  expect_rejected({{"type", "gaussian"}, {"mean", {0, 0}}, {"var", -1}}, "var must be positive");
  expect_rejected({{"type", "gaussian"}, {"mean", {0, 0}}, {"diag", {1, 0}}},
                  "variance 1 must be positive");
}

TEST(TargetSpec, RejectsInvalidMixtureSpecs) {
  const json means = {{0, 0}, {1, 1}, {2, 2}};
  expect_rejected(
      {{"type", "gmm"}, {"weights", {0.5, -0.2, 0.7}}, {"means", means}, {"vars", {1, 1, 1}}},
      "weight 1 is negative");
  expect_rejected(
      {{"type", "gmm"}, {"weights", {0.5, 0.2, 0.2}}, {"means", means}, {"vars", {1, 1, 1}}},
      "weights sum to");
  expect_rejected(
      {{"type", "gmm"}, {"weights", {0.5, 0.5}}, {"means", {{0, 0}, {1, 1, 1}}}, {"vars", {1, 1}}},
      "component 1: mean has dimension 3 but component 0 has 2");
  expect_rejected({{"type", "gmm"},
                   {"weights", {0.2, 0.3, 0.5}},
                   {"means", means},
                   {"covs", {{{1, 0}, {0, 1}}, {{1, 0.2}, {0.2, 1}}, {{1, 3}, {3, 1}}}}},
                  "component 2: covariance is not positive definite");
  expect_rejected({{"type", "gmm"},
                   {"weights", {0.2, 0.3, 0.5}},
                   {"means", means},
                   {"covs", {{{1, 0}, {0, 1}}, {{1, 0}, {0, 1}}, {{1, 0}, {0, -1}}}}},
                  "component 2: covariance is not positive definite");
  expect_rejected({{"type", "gmm"}, {"weights", {0.5, 0.5}}, {"means", means}, {"vars", {1, 1}}},
                  "2 weights but 3 means");
  expect_rejected(
      {{"type", "gmm"}, {"weights", {1}}, {"means", {{0}}}, {"vars", {1}}, {"extra", 0}},
      "unknown key \"extra\"");
  expect_rejected({{"type", "gmm"}, {"weights", {1}}, {"vars", {1}}}, "missing \"means\"");
}

TEST(TargetSpec, RejectsInvalidProductSpecs) {
  auto product = [](const json& factor) {
    return json{{"type", "product"}, {"factors", {{{"type", "gaussian"}}, factor}}};
  };
  expect_rejected(product({{"type", "laplace"}, {"scale", -1}}),
                  "spec: factor 1: scale must be positive, got -1");
  expect_rejected(product({{"type", "logistic"}, {"scale", 0}}),
                  "factor 1: scale must be positive");
  expect_rejected(product({{"type", "gaussian"}, {"std", -2}}), "std must be positive");
  expect_rejected(
      product({{"type", "mixture"}, {"weights", {0.5, 0.6}}, {"means", {0, 1}}, {"stds", {1, 1}}}),
      "weights sum to 1.1");
  expect_rejected(
      product({{"type", "mixture"}, {"weights", {1.5, -0.5}}, {"means", {0, 1}}, {"stds", {1, 1}}}),
      "weight 1 must be >= 0");
  expect_rejected(
      product({{"type", "mixture"}, {"weights", {0.5, 0.5}}, {"means", {0}}, {"stds", {1, 1}}}),
      "2 weights but 1 means");
  expect_rejected(
      product({{"type", "mixture"}, {"weights", {0.5, 0.5}}, {"means", {0, 1}}, {"stds", {1, 0}}}),
      "std 1 must be positive");
  expect_rejected(product({{"type", "grid"}, {"x", {0, 1, 2}}, {"density", {1, -0.5, 1}}}),
                  "density entry 1 is negative");
  expect_rejected(product({{"type", "grid"}, {"x", {0, 1, 1}}, {"density", {1, 1, 1}}}),
                  "x must be strictly increasing");
  expect_rejected(product({{"type", "grid"}, {"x", {0, 1}}, {"density", {1, 1, 1}}}),
                  "x has 2 points but density has 3");
  expect_rejected(product({{"type", "grid"}, {"x", {0, 1}}, {"density", {0, 0}}}),
                  "density must be positive somewhere");
  expect_rejected(
      product({{"type", "cauchy"}}),
      "unknown factor type 'cauchy' (valid: laplace, logistic, mixture, gaussian, grid)");
  expect_rejected(product({{"type", "laplace"}, {"scal", 1}}), "factor 1: unknown key \"scal\"");
  expect_rejected(product({{"scale", 1}}), "factor 1: missing \"type\"");
  expect_rejected({{"type", "product"}, {"factors", json::array()}}, "non-empty array");
  expect_rejected({{"type", "product"}, {"dim", 0}, {"factor", {{"type", "laplace"}}}},
                  "dim must be >= 1");
  expect_rejected({{"type", "product"}, {"dim", 2}}, "missing \"factor\"");
  expect_rejected({{"type", "product"},
                   {"dim", 2},
                   {"factor", {{"type", "laplace"}}},
                   {"factors", json::array()}},
                  "give either \"factors\"");
  expect_rejected({{"type", "product"}, {"factors", {{{"type", "laplace"}}}}, {"dims", 3}},
                  "unknown key \"dims\"");
  expect_rejected({{"type", "banana"}}, "unknown target type 'banana'");
}

TEST(TargetSpec, ToJsonRoundTrips) {
  const std::vector<json> specs = {
      {{"type", "gaussian"}, {"mean", {1, 2}}, {"cov", {{2, 0.5}, {0.5, 1}}}},
      {{"type", "gaussian"}, {"mean", {1, 2, 3}}, {"diag", {0.1, 2, 3}}},
      {{"type", "gmm"},
       {"weights", {0.25, 0.75}},
       {"means", {{0, 1}, {2, 3}}},
       {"covs", {{{1, 0.1}, {0.1, 2}}, {{1, 0}, {0, 1}}}}},
      {{"type", "product"},
       {"factors",
        {{{"type", "laplace"}, {"loc", 0.5}, {"scale", 0.7}},
         {{"type", "logistic"}, {"loc", -0.3}, {"scale", 0.5}},
         {{"type", "mixture"},
          {"weights", {0.35, 0.65}},
          {"means", {-1.2, 1.0}},
          {"stds", {0.3, 0.5}}},
         {{"type", "gaussian"}, {"mean", 0.2}, {"std", 1.3}},
         {{"type", "grid"}, {"x", {-1.0, -0.2, 0.4, 1.5}}, {"density", {0.0, 2.0, 0.5, 1.0}}}}}}};
  for (const json& spec : specs) {
    const auto target = make_target(spec);
    const json once = target->to_json();
    const json twice = make_target(once)->to_json();
    EXPECT_EQ(once, twice) << spec.dump();
    EXPECT_EQ(once, spec);  // bit for bit, including full covariances
  }
  // The shorthand expands to the explicit list with defaults filled in.
  const auto rep =
      make_target({{"type", "product"}, {"dim", 2}, {"factor", {{"type", "laplace"}}}});
  EXPECT_EQ(rep->dim(), 2);
  const json laplace = {{"type", "laplace"}, {"loc", 0.0}, {"scale", 1.0}};
  EXPECT_EQ(rep->to_json(), (json{{"type", "product"}, {"factors", {laplace, laplace}}}));
}

}  // namespace
}  // namespace difflab
