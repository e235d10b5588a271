#include "difflab/core/option_schema.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "core/expect_error.hpp"

namespace difflab {
namespace {

struct Inner {
  double rate = 0.5;
};

struct Opts {
  int steps = 10;
  std::int64_t n = 100;
  std::uint64_t seed = 3;
  double T = 1.0;
  bool flag = false;
  std::string mode = "a";
  std::vector<double> theta;
  Inner inner;
};

const OptionSchema<Inner>& inner_schema() {
  static const OptionSchema<Inner> s =
      OptionSchema<Inner>().number("rate", &Inner::rate, 0, 1, "a rate in [0, 1]");
  return s;
}

const OptionSchema<Opts>& schema() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  static const OptionSchema<Opts> s =
      OptionSchema<Opts>()
          .integer("steps", &Opts::steps, 1, 1e8, "steps")
          .integer("n", &Opts::n, 1, 1e12, "particles")
          .integer("seed", &Opts::seed, 0, 18446744073709551615.0, "seed")
          .number("T", &Opts::T, 0, inf, "horizon", true)
          .flag("flag", &Opts::flag, "a flag")
          .text("mode", &Opts::mode, "mode", {"a", "b"})
          .numbers("theta", &Opts::theta, "theta")
          .nest(&Opts::inner, inner_schema());
  return s;
}

Opts read(const nlohmann::json& j) {
  Opts o;
  schema().read(j, o, "spec");
  return o;
}

TEST(OptionSchema, ReadsEveryTypeAndRoundTrips) {
  const nlohmann::json j = {{"steps", 20},
                            {"n", 1000000000000},
                            {"seed", 18446744073709551615ULL},
                            {"T", 2.5},
                            {"flag", true},
                            {"mode", "b"},
                            {"theta", {1.0, -2.0}},
                            {"rate", 0.25}};
  const Opts o = read(j);
  EXPECT_EQ(o.steps, 20);
  EXPECT_EQ(o.n, 1000000000000);
  EXPECT_EQ(o.seed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(o.T, 2.5);
  EXPECT_TRUE(o.flag);
  EXPECT_EQ(o.mode, "b");
  EXPECT_EQ(o.theta, (std::vector<double>{1.0, -2.0}));
  EXPECT_EQ(o.inner.rate, 0.25);
  EXPECT_EQ(schema().write(o), j);
}

TEST(OptionSchema, IntegersNeverWrap) {
  // 4294967306 = 2^32 + 10 would wrap to 10 in an int; 1e12 to -727379968.
  difflab::expect_error(
      [] {
        read({{"steps", 4294967306LL}});
      },
      "'steps' must be an integer in [1, 100000000], got 4294967306");
  difflab::expect_error([] { read({{"steps", 1e12}}); }, "'steps' must be an integer");
  difflab::expect_error([] { read({{"steps", 2.5}}); }, "'steps' must be an integer");
  difflab::expect_error([] { read({{"steps", "10"}}); }, "'steps' must be an integer");
  difflab::expect_error([] { read({{"seed", -1}}); }, "'seed' must be an integer");
  EXPECT_EQ(read({{"steps", 1e3}}).steps, 1000);  // an integral float is an integer
  EXPECT_EQ(read({{"steps", 100000000}}).steps, 100000000);
  difflab::expect_error([] { read({{"steps", 0}}); }, "[1, 100000000]");
}

TEST(OptionSchema, RangesChoicesAndTypes) {
  difflab::expect_error([] { read({{"T", 0.0}}); }, "'T' must be a finite number > 0");
  difflab::expect_error([] { read({{"rate", 1.5}}); }, "'rate' must be a finite number in [0, 1]");
  difflab::expect_error([] { read({{"mode", "c"}}); }, "'mode' must be one of: a, b, got \"c\"");
  difflab::expect_error([] { read({{"flag", 1}}); }, "'flag' must be true or false");
  difflab::expect_error(
      [] {
        read({{"theta", {1.0, "x"}}});
      },
      "'theta' must be a list of finite numbers");
}

TEST(OptionSchema, UnknownKeysNameTheValidOnes) {
  difflab::expect_error(
      [] {
        read({{"stepz", 1}});
      },
      "spec: unknown option 'stepz' (valid: steps, n, seed, T, flag, mode, theta, rate)");
  Opts o;
  schema().read({{"stepz", 1}, {"steps", 4}}, o, "spec", {"stepz"});  // ignored on request
  EXPECT_EQ(o.steps, 4);
}

TEST(OptionSchema, ValidateChecksValuesSetByCode) {
  Opts o;
  schema().validate(o, "opts");
  o.inner.rate = -0.1;
  difflab::expect_error([&] { schema().validate(o, "opts"); },
                        "opts: 'rate' must be a finite number in [0, 1]");
  o.inner.rate = 0.1;
  o.mode = "z";
  difflab::expect_error([&] { schema().validate(o, "opts"); }, "'mode' must be one of: a, b");
}

TEST(OptionSchema, DescribeListsDefaultsAndFlags) {
  const nlohmann::json d = schema().describe();
  ASSERT_EQ(d.size(), 8u);
  EXPECT_EQ(d[0]["name"], "steps");
  EXPECT_EQ(d[0]["flag"], "--steps");
  EXPECT_EQ(d[0]["default"], 10);
  EXPECT_EQ(d[5]["choices"], (nlohmann::json{"a", "b"}));
  EXPECT_EQ(d[7]["default"], 0.5);
}

}  // namespace
}  // namespace difflab
