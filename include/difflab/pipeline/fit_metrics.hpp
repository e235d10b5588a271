#pragma once
// Checks, before any run starts, that each fit of an experiment spec names a quantity the spec
// computes: a fit of "w2" when the spec's metrics lack w2 would otherwise fail only after every
// row has run.
#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {

// Throws difflab::Error naming the fit when its metric is a sample metric of the registry
// (sample_metrics.hpp) or "law..." that spec.metrics lacks, or "bounds.ID..." with ID not in
// spec.bounds. Other names (any results column, e.g. "nfe", an application's outputs) can only
// be resolved against the rows (experiment_fits.hpp) and pass here.
void require_fits_computed(const ExperimentSpec& spec);

}  // namespace difflab
