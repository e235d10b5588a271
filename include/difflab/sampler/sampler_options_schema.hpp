#pragma once
// The field table of SamplerOptions (core/option_schema.hpp): the one place a sampler option
// is described. Its flags, spec keys and Python keywords come from here; a new option is one
// member in SamplerOptions and one line in sampler_options_schema().
#include "difflab/core/option_schema.hpp"
#include "difflab/sampler/sampler.hpp"

namespace difflab {

const OptionSchema<SamplerOptions>& sampler_options_schema();

}  // namespace difflab
