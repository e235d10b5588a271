#pragma once
// Histogram estimate of TV(P, Q) from samples in 1-D or 2-D: both sets are binned on one common
// grid and TV = 1/2 sum_cells |n_c/n - m_c/m|. It estimates the TV of the binned laws (at most
// the TV of the laws), with an upward plug-in bias of at most
// 1/2 sum_c sqrt(p_c(1-p_c)/n + q_c(1-q_c)/m) (Jensen), so use bins much fewer than n.
//
// Grid: options.bins per axis, or Freedman-Diaconis (width 2 IQR N^{-1/3} on the pooled sample of
// size N, Freedman and Diaconis 1981); range options.lower/upper per axis, or the pooled min/max.
// Points outside a given range fall into one extra "outside" cell, so no mass is lost.
// CI: value +- 1.96 * bootstrap standard deviation (B resamples of both sets with replacement,
// streams (seed, kMonteCarlo, replicate, 0 | 1)), clipped to [0, 1].
#include <cstdint>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

struct HistogramTvOptions {
  std::vector<Index> bins;  // per axis (size d); empty = Freedman-Diaconis
  Vector lower, upper;      // range per axis (size d, lower < upper); empty = pooled min/max
  Index bootstrap = 50;     // bootstrap replicates (>= 2)
  std::uint64_t seed = 0;
  Index max_bins_per_axis = 10000;  // Freedman-Diaconis grids finer than this are an error
  void validate() const;
};

// X (d x n), Y (d x m) with d = 1 or 2.
Estimate histogram_tv(const Matrix& X, const Matrix& Y, const HistogramTvOptions& options = {});

}  // namespace difflab
