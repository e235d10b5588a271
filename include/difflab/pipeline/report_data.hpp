#pragma once
// What `difflab report` (and Python's report()) computes with the library before the Python
// package python/difflab_report draws the page: see src/pipeline/report_data.cpp.
#include <string>
#include <vector>

namespace difflab {

// The experiment directories under `dir`: dir itself when it holds spec.json, else its
// subdirectories that do (sorted by name). Throws when there is none.
std::vector<std::string> experiment_dirs(const std::string& dir);

// Writes DIR/report/figures2d.json for an experiment directory (removes it when the experiment
// has no 2-D sampler rows): the samples and trajectories of the rows to draw, re-run bit for bit,
// and per target its density and the exact score field of q_t.
// Also writes DIR/report/images.json when the spec has report.images (generated samples of the
// drawn rows and the data beside them, as images; removed otherwise).
void write_report_data(const std::string& experiment_dir);

}  // namespace difflab
