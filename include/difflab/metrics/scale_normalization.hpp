#pragma once
// Metrics that square coordinate differences (sliced W2, energy distance) overflow for finite
// samples beyond ~1e154 and underflow below ~1e-154. Both are positively homogeneous,
// M(cX, cY) = c^k M(X, Y), so they are computed on the samples divided by a power of two (exact:
// only exponents change) and the result multiplied back. Samples within [2^-400, 2^400] are not
// touched, so ordinary inputs keep their bits.
#include "difflab/core/types.hpp"

namespace difflab {

// The power of two 2^e by which to divide X and Y (1 when no rescaling is needed).
double sample_pair_scale(const Matrix& X, const Matrix& Y);

// value * scale^power, or a difflab::Error naming `metric` if the product is not finite (the
// distance itself exceeds the double range).
double rescale_metric(double value, double scale, int power, const char* metric);

}  // namespace difflab
