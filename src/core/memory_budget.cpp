#include "difflab/core/memory_budget.hpp"

#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

std::atomic<std::uint64_t> g_limit{0};

// MemAvailable from /proc/meminfo in bytes; 0 if the file or the line is missing.
std::uint64_t mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:")
      return kib > std::numeric_limits<std::uint64_t>::max() / 1024
                 ? std::numeric_limits<std::uint64_t>::max()
                 : kib * 1024;
  }
  return 0;
}

}  // namespace

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what) {
  std::uint64_t out = 0;
  require(!__builtin_mul_overflow(a, b, &out), what, ": size ", a, " x ", b, " overflows 64 bits");
  return out;
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const std::string& what) {
  std::uint64_t out = 0;
  require(!__builtin_add_overflow(a, b, &out), what, ": size ", a, " + ", b, " overflows 64 bits");
  return out;
}

std::uint64_t bytes_of_doubles(std::uint64_t count, const std::string& what) {
  return checked_mul(count, sizeof(double), what);
}

std::uint64_t parse_memory_size(const std::string& text, const std::string& where) {
  std::uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  require(ec == std::errc() && ptr != begin, where, ": not a memory size: '", text,
          "' (use bytes or a K/M/G/T suffix, e.g. 4G)");
  std::string suffix(ptr, end);
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.size() == 3 && suffix.substr(1) == "IB") suffix.resize(1);
  if (suffix.size() == 2 && suffix[1] == 'B') suffix.resize(1);
  std::uint64_t scale = 1;
  if (suffix == "K") {
    scale = 1ull << 10;
  } else if (suffix == "M") {
    scale = 1ull << 20;
  } else if (suffix == "G") {
    scale = 1ull << 30;
  } else if (suffix == "T") {
    scale = 1ull << 40;
  } else {
    require(suffix.empty() || suffix == "B", where, ": not a memory size: '", text,
            "' (use bytes or a K/M/G/T suffix, e.g. 4G)");
  }
  const std::uint64_t bytes = checked_mul(value, scale, where);
  require(bytes > 0, where, ": memory size must be positive, got '", text, "'");
  return bytes;
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

void set_memory_limit(std::uint64_t bytes) { g_limit.store(bytes); }

std::uint64_t memory_budget() {
  if (const std::uint64_t limit = g_limit.load(); limit > 0) return limit;
  if (const char* env = std::getenv("DIFFLAB_MAX_MEMORY"); env != nullptr && *env != '\0')
    return parse_memory_size(env, "DIFFLAB_MAX_MEMORY");
  return mem_available();
}

void require_memory(std::uint64_t bytes, const std::string& what) {
  const std::uint64_t budget = memory_budget();
  if (budget == 0 || bytes <= budget) return;
  const char* env = std::getenv("DIFFLAB_MAX_MEMORY");
  const bool limited = g_limit.load() > 0 || (env != nullptr && *env != '\0');
  fail(
      what, " needs about ", format_bytes(bytes), " of memory but ", format_bytes(budget),
      limited
          ? " is allowed (the max_memory setting: option 'max_memory', or DIFFLAB_MAX_MEMORY)"
          : " is available (MemAvailable; the max_memory setting, option 'max_memory', overrides)");
}

void require_matrix_memory(std::int64_t rows, std::int64_t cols, std::uint64_t copies,
                           const std::string& what) {
  require(rows >= 0 && cols >= 0, what, ": a negative size (", rows, " x ", cols, ")");
  const std::uint64_t count =
      checked_mul(static_cast<std::uint64_t>(rows), static_cast<std::uint64_t>(cols), what);
  require_memory(checked_mul(bytes_of_doubles(count, what), copies, what), what);
}

}  // namespace difflab
