#include "difflab/bounds/score_error_forms.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

// e2(t) = e^{-t}: on the uniform grid T = 2, delta = 0, N = 4 (t_k = 2, 1.5, 1, 0.5) the forms
// are, by hand: max = e^{-0.5}; integral = 0.5 (e^{-2} + e^{-1.5} + e^{-1} + e^{-0.5});
// step average = the same sum / 4; time average = integral / 2.
TEST(ScoreErrorForms, UniformGridByHand) {
  const TimeGrid grid = uniform_grid(2, 0, 4);
  std::vector<double> asked;
  const ScoreErrorForms f = score_error_forms(
      [&](double t) {
        asked.push_back(t);
        return std::exp(-t);
      },
      grid);
  const double sum = std::exp(-2.0) + std::exp(-1.5) + std::exp(-1.0) + std::exp(-0.5);
  EXPECT_DOUBLE_EQ(f.max_over_steps, std::exp(-0.5));
  EXPECT_DOUBLE_EQ(f.time_integral, 0.5 * sum);
  EXPECT_DOUBLE_EQ(f.step_average, sum / 4);
  EXPECT_DOUBLE_EQ(f.time_average, 0.5 * sum / 2);
  EXPECT_EQ(asked, (std::vector<double>{2, 1.5, 1, 0.5}));  // t_k, never t_N
  EXPECT_DOUBLE_EQ(f.in_form(ScoreErrorForm::kTimeIntegral), f.time_integral);
  EXPECT_DOUBLE_EQ(f.in_form(ScoreErrorForm::kMaxOverSteps), f.max_over_steps);
}

// On a non-uniform grid the step average and the time average differ: the explicit grid
// 3 > 1 > 0.5 with e2(t) = t gives max 3, integral 2*3 + 0.5*1 = 6.5, step average 2,
// time average 6.5 / 2.5.
TEST(ScoreErrorForms, NonUniformGridSeparatesTheForms) {
  const TimeGrid grid({3, 1, 0.5}, "explicit");
  const ScoreErrorForms f = score_error_forms([](double t) { return t; }, grid);
  EXPECT_DOUBLE_EQ(f.max_over_steps, 3);
  EXPECT_DOUBLE_EQ(f.time_integral, 6.5);
  EXPECT_DOUBLE_EQ(f.step_average, 2);
  EXPECT_DOUBLE_EQ(f.time_average, 6.5 / 2.5);
}

TEST(ScoreErrorForms, ConstantErrorGivesTheSameAverages) {
  const TimeGrid grid = benton_grid(4, 1e-3, 20);
  const ScoreErrorForms f = score_error_forms([](double) { return 0.25; }, grid);
  EXPECT_DOUBLE_EQ(f.max_over_steps, 0.25);
  EXPECT_NEAR(f.step_average, 0.25, 1e-15);
  EXPECT_NEAR(f.time_average, 0.25, 1e-15);
  EXPECT_NEAR(f.time_integral, 0.25 * (4 - 1e-3), 1e-13);
}

TEST(ScoreErrorForms, RejectsBadErrorsAndForms) {
  const TimeGrid grid = uniform_grid(1, 0, 2);
  EXPECT_THROW(score_error_forms([](double) { return -1.0; }, grid), Error);
  EXPECT_THROW(
      score_error_forms([](double) { return std::numeric_limits<double>::quiet_NaN(); }, grid),
      Error);
  EXPECT_THROW(score_error_forms(std::function<double(double)>{}, grid), Error);
  const ScoreErrorForms f = score_error_forms([](double) { return 1.0; }, grid);
  EXPECT_THROW(f.in_form(ScoreErrorForm::kSamplerProcess), Error);
  EXPECT_THROW(f.in_form(ScoreErrorForm::kNone), Error);
  EXPECT_EQ(to_string(ScoreErrorForm::kStepAverage), "step_average");
}

}  // namespace
}  // namespace difflab
