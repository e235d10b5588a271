#include "difflab/core/json_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "difflab/core/error.hpp"

namespace difflab::json_util {
namespace {

using nlohmann::json;

// Expects a difflab::Error whose message is exactly `message`.
void expect_message(const std::function<void()>& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "expected the error '" << message << "'";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(JsonUtil, Member) {
  const json obj = {{"a", 1}, {"b", "x"}};
  EXPECT_EQ(member(obj, "a", "spec"), json(1));
  expect_message([&] { member(obj, "c", "spec"); }, "spec: missing \"c\"");
  expect_message([&] { member(json::array(), "a", "spec"); }, "spec: expected a JSON object");
}

TEST(JsonUtil, Number) {
  EXPECT_EQ(number(json(2.5), "w"), 2.5);
  EXPECT_EQ(number(json(-3), "w"), -3.0);
  expect_message([] { number(json("2"), "t.json: mean"); },
                 "t.json: mean: expected a number, got \"2\"");
  expect_message([] { number(json(nullptr), "w"); }, "w: expected a number, got null");
  // JSON has no NaN literal, but a json value built in code can hold one.
  expect_message([] { number(json(std::nan("")), "w"); }, "w: value is not finite");
}

TEST(JsonUtil, NumberOr) {
  const json obj = {{"s", 0.5}, {"bad", true}};
  EXPECT_EQ(number_or(obj, "s", 1.0, "p"), 0.5);
  EXPECT_EQ(number_or(obj, "missing", 1.0, "p"), 1.0);
  expect_message([&] { number_or(obj, "bad", 1.0, "p"); }, "p: bad: expected a number, got true");
}

TEST(JsonUtil, Integer) {
  EXPECT_EQ(integer(json(42), "w"), 42);
  EXPECT_EQ(integer(json(-7), "w"), -7);
  expect_message([] { integer(json(4.5), "n"); }, "n: expected an integer, got 4.5");
  expect_message([] { integer(json("4"), "n"); }, "n: expected an integer, got \"4\"");
}

TEST(JsonUtil, String) {
  EXPECT_EQ(string(json("ou"), "w"), "ou");
  expect_message([] { string(json(1), "type"); }, "type: expected a string, got 1");
}

TEST(JsonUtil, VectorAndRoundTrip) {
  const Vector v = vector(json{1.0, -2.5, 3e-300}, "mean");
  ASSERT_EQ(v.size(), 3);
  EXPECT_EQ(v(0), 1.0);
  EXPECT_EQ(v(1), -2.5);
  EXPECT_EQ(v(2), 3e-300);
  EXPECT_EQ(vector(to_json(v), "mean"), v);
  EXPECT_EQ(vector(json::array(), "mean").size(), 0);
  expect_message([] { vector(json(1.0), "mean"); }, "mean: expected an array of numbers");
  expect_message(
      [] {
        vector(json{1.0, "x"}, "mean");
      },
      "mean: entry 1: expected a number, got \"x\"");
}

TEST(JsonUtil, MatrixAndRoundTrip) {
  const Matrix m = matrix(json{{1, 2, 3}, {4, 5, 6}}, "cov");
  ASSERT_EQ(m.rows(), 2);
  ASSERT_EQ(m.cols(), 3);
  EXPECT_EQ(m(0, 2), 3.0);  // rows of the JSON are rows of the matrix
  EXPECT_EQ(m(1, 0), 4.0);
  EXPECT_EQ(to_json(m), (json{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}));
  EXPECT_EQ(matrix(to_json(m), "cov"), m);
  expect_message([] { matrix(json::array(), "cov"); }, "cov: expected a non-empty array of rows");
  expect_message([] { matrix(json(1), "cov"); }, "cov: expected a non-empty array of rows");
  expect_message([] { matrix(json{1, 2}, "cov"); }, "cov: row 0 is not an array");
  expect_message([] { matrix(json{{1, 2}, 3}, "cov"); }, "cov: row 1: not an array");
  expect_message(
      [] {
        matrix(json{{1, 2}, {3}}, "cov");
      },
      "cov: row 1: has 1 entries but row 0 has 2");
  expect_message(
      [] {
        matrix(json{{1, 2}, {3, "a"}}, "cov");
      },
      "cov: row 1: entry 1: expected a number, got \"a\"");
}

TEST(JsonUtil, OnlyKeys) {
  const json obj = {{"mean", 1}, {"cov", 2}};
  EXPECT_NO_THROW(only_keys(obj, {"mean", "cov", "weight"}, "target"));
  expect_message(
      [] {
        only_keys(json{{"meen", 1}}, {"mean", "cov"}, "target");
      },
      "target: unknown key \"meen\" (valid: cov, mean)");
}

// An infinite value survives a dump and a parse: null with its reason, read back as infinity
// (nlohmann::json alone would write null and read nothing).
TEST(JsonUtil, ExtendedNumbersRoundTrip) {
  const double inf = std::numeric_limits<double>::infinity();
  json obj;
  put_extended(obj, "kl", inf);
  put_extended(obj, "low", -inf);
  put_extended(obj, "nan", std::nan(""));
  put_extended(obj, "w2", 0.25);
  const json back = json::parse(obj.dump());
  EXPECT_TRUE(back["kl"].is_null());
  EXPECT_EQ(back["kl_reason"], "infinite");
  EXPECT_EQ(back["low_reason"], "-infinite");
  EXPECT_EQ(back["nan_reason"], "not a number");
  EXPECT_FALSE(back.contains("w2_reason"));
  EXPECT_EQ(get_extended(back, "kl", "law"), inf);
  EXPECT_EQ(get_extended(back, "low", "law"), -inf);
  EXPECT_TRUE(std::isnan(get_extended(back, "nan", "law")));
  EXPECT_EQ(get_extended(back, "w2", "law"), 0.25);
  // A value made finite again drops its stale reason.
  put_extended(obj, "kl", 1.5);
  EXPECT_FALSE(obj.contains("kl_reason"));
  expect_message(
      [&] {
        get_extended(json{{"kl", nullptr}}, "kl", "law");
      },
      "law: kl is null without a 'kl_reason' of \"infinite\", \"-infinite\" or \"not a "
      "number\"");
}

}  // namespace
}  // namespace difflab::json_util
