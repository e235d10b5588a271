#include "difflab/core/option_ref.hpp"

#include <gtest/gtest.h>

namespace difflab {
namespace {

const auto kAnyFlag = [](const std::string&) { return true; };

TEST(OptionRef, NeutralFormIsTheSpecKeyAndTheFlagIsDashed) {
  EXPECT_EQ(option_ref("delta"), "option 'delta'");
  EXPECT_EQ(option_ref("identity_covariance"), "option 'identity_covariance'");
  EXPECT_EQ(option_flag("identity_covariance"), "--identity-covariance");
  EXPECT_EQ(option_flag("T"), "--T");
}

TEST(OptionRef, TheCommandLineShowsTheFlagsItHas) {
  const std::string m = "benton24 needs " + option_ref("identity_covariance") + " or " +
                        option_ref("kl") + "; got 'x'";
  EXPECT_EQ(render_option_refs_as_flags(m, kAnyFlag),
            "benton24 needs option --identity-covariance or option --kl; got 'x'");
  // A key the command has no flag for (an experiment spec's key under `difflab run`) stays.
  const auto only_kl = [](const std::string& flag) { return flag == "--kl"; };
  EXPECT_EQ(render_option_refs_as_flags(m, only_kl),
            "benton24 needs option 'identity_covariance' or option --kl; got 'x'");
  EXPECT_EQ(render_option_refs_as_flags("unknown option 'stepz'",
                                        [](const std::string&) { return false; }),
            "unknown option 'stepz'");
}

TEST(OptionRef, LeavesOtherQuotesAlone) {
  // Not references: a dashed name, an unterminated quote, an empty name.
  for (const std::string m :
       {"option 'a-b'", "option 'abc", "option ''", "no option here", "option '"})
    EXPECT_EQ(render_option_refs_as_flags(m, kAnyFlag), m) << m;
  EXPECT_EQ(render_option_refs_as_flags("option 'a' option 'b'", kAnyFlag),
            "option --a option --b");
}

}  // namespace
}  // namespace difflab
