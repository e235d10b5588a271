#include "difflab/experiment/experiment_spec.hpp"

#include <gtest/gtest.h>

#include "core/expect_error.hpp"
#include "difflab/experiment/run_seed.hpp"

namespace difflab {
namespace {

using nlohmann::json;

json minimal() {
  return json::parse(R"({"seed": 3, "base": {"target": {"type": "gaussian", "mean": [0], "var": 1},
                         "steps": 10}, "metrics": ["law"]})");
}

TEST(ExperimentSpec, MinimalSpecIsOneRunWithTheSpecSeed) {
  const ExperimentSpec s = parse_experiment_spec(minimal());
  const auto runs = expand_runs(s);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].options["steps"], 10);
  EXPECT_EQ(runs[0].options["seed"], 3);
  EXPECT_EQ(runs[0].seed, run_seed(3, 0));
  EXPECT_EQ(runs[0].hash, options_hash(runs[0].options));
}

TEST(ExperimentSpec, GridIsTheCartesianProductLastAxisFastest) {
  json j = minimal();
  // Axes are taken in alphabetical order: "T" < "steps" (uppercase sorts first).
  j["sweep"] = json::parse(R"({"axes": {"steps": [10, 20, 40], "T": [4.0, 8.0]}})");
  const auto runs = expand_runs(parse_experiment_spec(j));
  ASSERT_EQ(runs.size(), 6u);
  const double T[] = {4, 4, 4, 8, 8, 8};
  const int steps[] = {10, 20, 40, 10, 20, 40};
  for (std::size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(runs[k].index, k);
    EXPECT_EQ(runs[k].options["T"].get<double>(), T[k]) << k;
    EXPECT_EQ(runs[k].options["steps"].get<int>(), steps[k]) << k;
    EXPECT_EQ(runs[k].options["target"], j["base"]["target"]);
  }
}

TEST(ExperimentSpec, ExcludeDropsTheMatchingCombinationsAndNumbersTheRest) {
  json j = minimal();
  j["sweep"] = json::parse(R"({"axes": {"steps": [10, 20, 40], "T": [4.0, 8.0],
      "sampler": ["ei", "em"]}, "exclude": [{"steps": [10, 40], "T": [8.0]}, {"sampler": ["em"],
      "T": [4.0]}]})");
  const auto runs = expand_runs(parse_experiment_spec(j));
  // Of the 12 combinations (T, sampler, steps) the 7 with T = 4 and em or T = 8 and steps 10 or
  // 40 are dropped: (4, ei, 10), (4, ei, 20), (4, ei, 40), (8, ei, 20), (8, em, 20) are left.
  ASSERT_EQ(runs.size(), 5u);
  const double T[] = {4, 4, 4, 8, 8};
  const char* sampler[] = {"ei", "ei", "ei", "ei", "em"};
  const int steps[] = {10, 20, 40, 20, 20};
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(runs[k].index, k);
    EXPECT_EQ(runs[k].options["T"].get<double>(), T[k]) << k;
    EXPECT_EQ(runs[k].options["sampler"], sampler[k]) << k;
    EXPECT_EQ(runs[k].options["steps"].get<int>(), steps[k]) << k;
    EXPECT_EQ(runs[k].seed, run_seed(3, k));
  }
  j["sweep"]["exclude"] = json::parse(R"([{"steps": [30]}])");
  expect_error([&] { parse_experiment_spec(j); }, "30 is not a value of axis 'steps'");
  j["sweep"]["exclude"] = json::parse(R"([{"stepz": [10]}])");
  expect_error([&] { parse_experiment_spec(j); }, "'stepz' is not a sweep axis");
  j["sweep"]["exclude"] = json::parse(R"([{"T": [4.0, 8.0]}])");
  expect_error([&] { expand_runs(parse_experiment_spec(j)); }, "drops every run");
  j["sweep"]["exclude"] = json::parse(R"([{"T": [4.0]}])");
  j["sweep"]["mode"] = "zip";
  j["sweep"]["axes"] = json::parse(R"({"steps": [10, 20], "T": [4.0, 8.0]})");
  expect_error([&] { parse_experiment_spec(j); }, "'exclude' is for mode 'grid'");
}

TEST(ExperimentSpec, ZipPairsTheListsPositionally) {
  json j = minimal();
  j["sweep"] = json::parse(
      R"({"mode": "zip", "axes": {"steps": [10, 20, 40], "sampler": ["ei", "em", "ddpm"]}})");
  const auto runs = expand_runs(parse_experiment_spec(j));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[1].options["steps"], 20);
  EXPECT_EQ(runs[1].options["sampler"], "em");
  EXPECT_EQ(runs[2].options["sampler"], "ddpm");
}

TEST(ExperimentSpec, AxisOverridesBaseAndHashesDiffer) {
  json j = minimal();
  j["sweep"] = json::parse(R"({"axes": {"steps": [10, 11]}})");
  const auto runs = expand_runs(parse_experiment_spec(j));
  EXPECT_EQ(runs[0].options["steps"], 10);
  EXPECT_EQ(runs[1].options["steps"], 11);
  EXPECT_NE(runs[0].hash, runs[1].hash);
}

TEST(ExperimentSpec, OptionsHashIsFnv1aOfTheJsonText) {
  // FNV-1a 64 of the two characters "{}": h = ((basis ^ '{') * P ^ '}') * P, by hand.
  std::uint64_t h = 14695981039346656037ull;
  h = (h ^ '{') * 1099511628211ull;
  h = (h ^ '}') * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  EXPECT_EQ(options_hash(json::object()), buf);
}

TEST(ExperimentSpec, ValidationErrorsNameTheProblem) {
  const auto with = [](const char* key, const json& v) {
    json j = minimal();
    j[key] = v;
    return j;
  };
  expect_error(
      [] {
        parse_experiment_spec(json::parse(R"({"base": {"target": "t.json", "stepz": 3},
      "metrics": ["law"]})"));
      },
      "unknown option 'stepz'");
  expect_error([&] { parse_experiment_spec(with("sweep", json::parse(R"({"axes": {}})"))); },
               "'axes' is empty");
  expect_error(
      [&] { parse_experiment_spec(with("sweep", json::parse(R"({"axes": {"steps": []}})"))); },
      "axis 'steps' is empty");
  expect_error(
      [&] {
        parse_experiment_spec(with("sweep", json::parse(R"({"axes": {"steps": [10, "x"]}})")));
      },
      "option 'steps' must be an integer");
  expect_error(
      [&] { parse_experiment_spec(with("sweep", json::parse(R"({"axes": {"T": [1.5, true]}})"))); },
      "option 'T' must be a finite number");
  expect_error(
      [&] { parse_experiment_spec(with("sweep", json::parse(R"({"axes": {"bogus": [1]}})"))); },
      "unknown option 'bogus'");
  expect_error(
      [&] {
        parse_experiment_spec(with(
            "sweep", json::parse(R"({"mode": "zip", "axes": {"steps": [1, 2, 3], "T": [4, 5]}})")));
      },
      "differ in length");
  expect_error(
      [&] {
        parse_experiment_spec(
            with("sweep", json::parse(R"({"mode": "spiral", "axes": {"T": [1]}})")));
      },
      "mode must be 'grid' or 'zip'");
  expect_error([&] { parse_experiment_spec(with("metrics", json::parse(R"(["w3"])"))); },
               "unknown metric 'w3'");
  expect_error([&] { parse_experiment_spec(with("colour", "red")); }, "unknown key 'colour'");
  expect_error([&] { parse_experiment_spec(with("metrics", json::array())); },
               "nothing to compute");
  expect_error(
      [&] {
        parse_experiment_spec(
            with("fits", json::parse(R"([{"metric": "w2", "against": "steps"}])")));
      },
      "not a sweep axis");
  expect_error(
      [] { parse_experiment_spec(json::parse(R"({"base": {"steps": 3}, "metrics": ["law"]})")); },
      "no 'target'");
  expect_error(
      [] { parse_experiment_spec(json::parse(R"({"base": {"target": 3}, "metrics": ["law"]})")); },
      "option 'target' must be");
  expect_error([&] { parse_experiment_spec(with("seed", -1)); }, "'seed' must be a non-negative");
}

TEST(ExperimentSpec, GeneratedTargetsFollowD) {
  const json g =
      generate_target(json::parse(R"({"type": "gaussian", "mean": 0.5, "var": 2})"), 3, "t");
  EXPECT_EQ(g, json::parse(R"({"type": "gaussian", "mean": [0.5, 0.5, 0.5], "var": 2.0})"));
  const json f = json::parse(R"({"type": "laplace", "scale": 1})");
  const json p = generate_target({{"type", "product"}, {"factors", {f}}}, 2, "t");
  EXPECT_EQ(p, json({{"type", "product"}, {"factors", {f, f}}}));
  // Without d the target is unchanged.
  EXPECT_EQ(generate_target(f, nullptr, "t"), f);
  expect_error([] { generate_target("t.json", 3, "t"); }, "needs an inline target");
  expect_error(
      [&] {
        generate_target(json::parse(R"({"type": "gaussian", "var": 1, "cov": [[1]]})"), 2, "t");
      },
      "takes only 'mean' and 'var'");
  expect_error([&] { generate_target(json::parse(R"({"type": "gmm"})"), 2, "t"); },
               "gaussian or product");
}

}  // namespace
}  // namespace difflab
