#pragma once
// Memory estimates before allocation. A request whose arrays would not fit (n x d samples, an
// MLP of width w, an n x n matrix) is refused with one line naming the request and the
// estimate, instead of dying in the allocator (std::bad_alloc, or the OOM killer) after minutes.
//
// The budget is the machine's MemAvailable (/proc/meminfo) unless a limit is set: by
// set_memory_limit (the CLI's --max-memory) or the environment variable DIFFLAB_MAX_MEMORY
// (bytes, or with a K/M/G/T suffix, powers of 1024). The explicit setter wins over the variable.
#include <cstdint>
#include <string>

namespace difflab {

// a * b, or a difflab::Error naming `what` if the product overflows 64 bits.
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what);
// a + b, likewise.
std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const std::string& what);
// count * sizeof(double), checked.
std::uint64_t bytes_of_doubles(std::uint64_t count, const std::string& what);

// Parses "512M", "2G", "1048576" (K/M/G/T = powers of 1024); throws difflab::Error naming
// `where` on anything else.
std::uint64_t parse_memory_size(const std::string& text, const std::string& where);
// Human form of a byte count ("1.5 GiB").
std::string format_bytes(std::uint64_t bytes);

// 0 clears the limit (then the environment variable or MemAvailable decide).
void set_memory_limit(std::uint64_t bytes);
// The budget in bytes: the limit if one is set, else MemAvailable; 0 if neither is known (then
// require_memory checks nothing).
std::uint64_t memory_budget();

// Throws difflab::Error "<what> needs about <estimate> of memory but <budget> is available
// (...)" if bytes exceeds memory_budget().
void require_memory(std::uint64_t bytes, const std::string& what);

// require_memory for `copies` matrices of rows x cols doubles (the count checked for overflow and
// for a negative size), e.g. the samples a target draws and the copy its caller keeps.
void require_matrix_memory(std::int64_t rows, std::int64_t cols, std::uint64_t copies,
                           const std::string& what);

}  // namespace difflab
