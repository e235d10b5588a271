#pragma once
// The learning-rate schedule of an Optimizer (optimizer.hpp): linear warm-up, then cosine or
// exponential decay. A pure function of the options and the step index, so a resumed run (which
// restores only the step count) continues the schedule exactly.
#include <cstdint>

#include "difflab/train/optimizer.hpp"

namespace difflab {

// The learning rate of step `step` (0-based), for options that pass validate():
//   warm-up, step < W = warmup_steps:  lr (step + 1) / W   (linear from lr/W up to lr at step
//                                       W - 1; the first step is not wasted at rate 0);
//   after warm-up, k = step - W:
//     none:         lr;
//     cosine:       lr (f + (1 - f) (1 + cos(pi min(k, D) / D)) / 2), D = decay_steps,
//                   f = final_lr_fraction (Loshchilov & Hutter, SGDR, arXiv 1608.03983, eq. (5)
//                   without restarts): lr at k = 0, f lr from k = D on;
//     exponential:  lr exp(-k / D) (D = e-folding steps).
// step >= 0.
double scheduled_learning_rate(const OptimizerOptions& options, std::int64_t step);

}  // namespace difflab
