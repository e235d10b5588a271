#pragma once
// Eigen aliases used across difflab. Particles are the columns of a column-major d x n matrix,
// so one particle is contiguous in memory and a batch is what every component takes.
#include <Eigen/Dense>
#include <cstdint>

namespace difflab {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using RowVector = Eigen::RowVectorXd;
using Index = Eigen::Index;

}  // namespace difflab

namespace difflab {
// Views of column blocks, so batched components can work on part of a particle matrix in place.
using ConstMatrixRef = Eigen::Ref<const Matrix>;
using MatrixRef = Eigen::Ref<Matrix>;
}  // namespace difflab
