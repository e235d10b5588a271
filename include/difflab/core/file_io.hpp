#pragma once
// Checked file I/O. Readers reject what they cannot represent exactly (NaN/Inf, ragged rows,
// wrong dimension, truncated files) with a difflab::Error naming the file and the place.
// Writers are atomic: they write "<path>.tmp.<pid>.<k>", fsync it, rename it over <path> and
// fsync the directory, so an interrupted run never leaves a half-written file; SIGINT/SIGTERM
// remove the temporaries in flight, and temporaries of dead processes are removed by the next
// write into their directory (src/core/atomic_write.cpp).
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/types.hpp"

namespace difflab {

// Writes text to path atomically.
void write_text_atomic(const std::string& path, const std::string& text);
// Creates dir (and its parents) if needed; a path that cannot be a directory (a file in the
// way, /proc, no permission) is a difflab::Error naming it, never std::filesystem_error.
void ensure_directory(const std::string& dir);
// Refuses, before long work, an output file that could not be written at its end: a directory,
// a parent that cannot be created, a directory without write permission (/proc/x/y). Creates
// the parent directories (as the writer would) and a probe file that it removes at once.
void require_writable_file(const std::string& path);
// Removes "<name>.tmp.<pid>[.<k>]" regular files in dir whose process no longer exists; returns
// how many it removed. write_text_atomic calls it for the directory it writes into.
int remove_stale_temporaries(const std::string& dir);
// Reads a whole file; errors name the path (a directory is an error, not an empty file).
std::string read_text(const std::string& path);

// Samples: one particle per row of the file, returned as the columns of a d x n matrix.
// Format by extension: ".csv" (comma-separated, no header) or ".npy" (float64, C order, n x d).
// expected_dim > 0 makes a different dimension an error.
Matrix read_samples(const std::string& path, Index expected_dim = 0);
void write_samples(const std::string& path, const Matrix& X);

// Same, one format each (used by read_samples/write_samples; exposed for tests).
Matrix parse_csv_samples(const std::string& text, const std::string& name);
std::string format_csv_samples(const Matrix& X);
Matrix parse_npy_samples(const std::string& bytes, const std::string& name);
std::string format_npy_samples(const Matrix& X);

// JSON with errors that name the file (and the parse position).
nlohmann::json read_json(const std::string& path);
nlohmann::json parse_json(const std::string& text, const std::string& name);
void write_json(const std::string& path, const nlohmann::json& value);

}  // namespace difflab
