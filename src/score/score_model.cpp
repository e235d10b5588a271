#include "difflab/score/score_model.hpp"

#include "difflab/core/error.hpp"

namespace difflab {

void ScoreModel::log_density(double, ConstMatrixRef, Eigen::Ref<Vector>) const {
  fail("score model '", name(), "' has no log-density (only the exact score does)");
}

}  // namespace difflab
