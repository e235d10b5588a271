#pragma once
// Gradient-norm clipping (Pascanu, Mikolov, Bengio, ICML 2013, "On the difficulty of training
// recurrent neural networks", Algorithm 2): if ||g||_2 > c, g <- g c / ||g||_2.
#include "difflab/core/types.hpp"

namespace difflab {

// Rescales grad in place so that its 2-norm is at most max_norm (> 0); a gradient already
// inside the ball is left bit-for-bit unchanged. Returns the norm before clipping.
double clip_gradient_norm(Vector& grad, double max_norm);

}  // namespace difflab
