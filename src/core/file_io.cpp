#include "difflab/core/file_io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"

namespace difflab {

namespace {

std::string extension_of(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

void check_finite(double v, const std::string& name, Index row, Index col) {
  if (!std::isfinite(v)) {
    fail(name, ": row ", row + 1, ", column ", col + 1, ": value is not finite (", v, ")");
  }
}

// "at byte B: " for the first number token of the text that overflows a double, or "".
std::string json_number_overflow_place(const std::string& text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    std::size_t j = i;
    while (j < text.size() && text[j] != '\0' && std::strchr("+-.eE0123456789", text[j]) != nullptr)
      ++j;
    const std::string token = text.substr(i, j - i);
    if (std::isinf(std::strtod(token.c_str(), nullptr)))
      return "at byte " + std::to_string(i + 1) + ": ";
    i = j - 1;
  }
  return "";
}

}  // namespace

std::string read_text(const std::string& path) {
  // An ifstream opens a directory without complaint and then reads nothing, which the JSON
  // parser would report as "invalid JSON at byte 1".
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open for reading: ", std::strerror(errno));
  // The stream buffer and the returned copy hold the file twice at the peak.
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) require_memory(checked_mul(size, 2, path), "reading " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(path, ": read failed");
  return ss.str();
}

Matrix parse_csv_samples(const std::string& text, const std::string& name) {
  {
    // At most (lines) x (fields of the first line) values, held twice (the parsed values and the
    // matrix); a ragged file is refused before it could need more.
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) {
      const std::size_t eol = std::min(text.find('\n', first), text.size());
      const auto fields = static_cast<std::uint64_t>(
          std::count(text.begin() + static_cast<std::ptrdiff_t>(first),
                     text.begin() + static_cast<std::ptrdiff_t>(eol), ',') +
          1);
      const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n') + 1);
      require_memory(
          checked_mul(bytes_of_doubles(checked_mul(lines, fields, name), name), 2, name),
          name + ": " + std::to_string(lines) + " x " + std::to_string(fields) + " samples");
    }
  }
  std::vector<double> values;
  Index cols = -1;
  Index rows = 0;
  std::size_t pos = 0;
  Index line_no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Blank lines (typically a trailing newline) carry no particle.
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    Index count = 0;
    std::size_t p = 0;
    while (true) {
      std::size_t comma = line.find(',', p);
      std::string_view field =
          line.substr(p, comma == std::string_view::npos ? std::string_view::npos : comma - p);
      while (!field.empty() && (field.front() == ' ' || field.front() == '\t'))
        field.remove_prefix(1);
      while (!field.empty() && (field.back() == ' ' || field.back() == '\t'))
        field.remove_suffix(1);
      if (!field.empty() && field.front() == '+') field.remove_prefix(1);
      double v = 0.0;
      const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
      if (field.empty() || ec != std::errc() || ptr != field.data() + field.size()) {
        fail(name, ": line ", line_no, ", field ", count + 1, ": not a number: '",
             std::string(field), "'");
      }
      check_finite(v, name, line_no - 1, count);
      values.push_back(v);
      ++count;
      if (comma == std::string_view::npos) break;
      p = comma + 1;
    }
    if (cols < 0) {
      cols = count;
    } else if (count != cols) {
      fail(name, ": line ", line_no, " has ", count, " values but earlier lines have ", cols,
           " (ragged rows)");
    }
    ++rows;
  }
  if (rows == 0) fail(name, ": no samples (empty file)");
  // values is row-major n x d; particles become columns of a d x n matrix.
  Matrix X(cols, rows);
  for (Index i = 0; i < rows; ++i)
    for (Index k = 0; k < cols; ++k) X(k, i) = values[static_cast<std::size_t>(i * cols + k)];
  return X;
}

std::string format_csv_samples(const Matrix& X) {
  std::string out;
  out.reserve(static_cast<std::size_t>(X.size()) * 24);
  char buf[32];
  for (Index i = 0; i < X.cols(); ++i) {
    for (Index k = 0; k < X.rows(); ++k) {
      // Shortest representation that round-trips exactly.
      const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, X(k, i));
      (void)ec;
      if (k) out.push_back(',');
      out.append(buf, ptr);
    }
    out.push_back('\n');
  }
  return out;
}

// NPY format 1.0/2.0/3.0 (numpy's own documented layout): magic "\x93NUMPY", version, header
// length, a Python-dict header, then raw data. Written by hand because no Debian C++ library
// does it; only float64 little-endian 2-D (or 1-D = one column) is accepted.
Matrix parse_npy_samples(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    fail(name, ": not an .npy file (bad magic)");
  const unsigned major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(name, ": truncated .npy header");
    for (int b = 0; b < 4; ++b)
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + b])) << (8 * b);
    offset = 12;
  } else {
    fail(name, ": unsupported .npy version ", major);
  }
  if (bytes.size() < offset + header_len) fail(name, ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  offset += header_len;
  auto value_of = [&](const std::string& key) {
    const std::size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) fail(name, ": .npy header lacks '", key, "'");
    std::size_t v = header.find(':', k);
    if (v == std::string::npos) fail(name, ": malformed .npy header");
    return header.substr(v + 1);
  };
  const std::string descr = value_of("descr");
  if (descr.find("'<f8'") == std::string::npos && descr.find("'=f8'") == std::string::npos)
    fail(name, ": .npy dtype must be little-endian float64 ('<f8')");
  const std::string fortran = value_of("fortran_order");
  if (fortran.find("True") < fortran.find("False"))
    fail(name, ": .npy must be in C order (fortran_order False)");
  const std::string shape_text = value_of("shape");
  const std::size_t open = shape_text.find('('), close = shape_text.find(')');
  if (open == std::string::npos || close == std::string::npos) fail(name, ": malformed .npy shape");
  std::vector<std::uint64_t> shape;
  std::stringstream ss(shape_text.substr(open + 1, close - open - 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    const std::size_t first = item.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    const std::size_t last = item.find_last_not_of(' ');
    std::uint64_t value = 0;
    const char* b = item.data() + first;
    const char* e = item.data() + last + 1;
    const auto [ptr, ec] = std::from_chars(b, e, value);
    if (ec != std::errc() || ptr != e)
      fail(name, ": malformed .npy shape entry '", item.substr(first, last + 1 - first), "'");
    shape.push_back(value);
  }
  if (shape.size() == 1) shape.push_back(1);
  if (shape.size() != 2)
    fail(name, ": .npy array must be 2-D (n x d), got ", shape.size(), " dimensions");
  const std::uint64_t n = shape[0], d = shape[1];
  if (n == 0 || d == 0) fail(name, ": .npy array is empty (shape ", n, " x ", d, ")");
  // Checked: a forged shape whose n*d*8 wraps around 64 bits would otherwise pass the size test
  // below and allocate (or copy) far more than the file holds.
  const std::uint64_t need = bytes_of_doubles(checked_mul(n, d, name + ": .npy shape"), name);
  if (bytes.size() - offset < need)
    fail(name, ": truncated .npy data (", bytes.size() - offset, " bytes, shape needs ", need, ")");
  if (bytes.size() - offset > need) fail(name, ": .npy file has trailing bytes after the data");
  // The data is in memory already, so a shape that passed the test fits in an Index; the
  // matrix is a second copy.
  require_memory(need, name + ": " + std::to_string(n) + " x " + std::to_string(d) + " samples");
  Matrix X(static_cast<Index>(d), static_cast<Index>(n));
  // Row-major n x d is exactly column-major d x n.
  std::memcpy(X.data(), bytes.data() + offset, need);
  for (Index i = 0; i < X.cols(); ++i)
    for (Index k = 0; k < X.rows(); ++k) check_finite(X(k, i), name, i, k);
  return X;
}

std::string format_npy_samples(const Matrix& X) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                       std::to_string(X.cols()) + ", " + std::to_string(X.rows()) + "), }";
  // Pad so that magic + version + length + header is a multiple of 64, ending in '\n'.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>((header.size() >> 8) & 0xff));
  out += header;
  out.append(reinterpret_cast<const char*>(X.data()),
             static_cast<std::size_t>(X.size()) * sizeof(double));
  return out;
}

Matrix read_samples(const std::string& path, Index expected_dim) {
  const std::string ext = extension_of(path);
  Matrix X;
  if (ext == ".csv") {
    X = parse_csv_samples(read_text(path), path);
  } else if (ext == ".npy") {
    X = parse_npy_samples(read_text(path), path);
  } else {
    fail(path, ": unknown sample file format '", ext, "' (use .csv or .npy)");
  }
  if (expected_dim > 0 && X.rows() != expected_dim)
    fail(path, ": samples have dimension ", X.rows(), " but ", expected_dim, " is expected");
  return X;
}

void write_samples(const std::string& path, const Matrix& X) {
  const std::string ext = extension_of(path);
  if (ext == ".csv") {
    write_text_atomic(path, format_csv_samples(X));
  } else if (ext == ".npy") {
    write_text_atomic(path, format_npy_samples(X));
  } else {
    fail(path, ": unknown sample file format '", ext, "' (use .csv or .npy)");
  }
}

nlohmann::json parse_json(const std::string& text, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail(name, ": invalid JSON at byte ", e.byte, ": ", e.what());
  } catch (const nlohmann::json::exception& e) {
    // nlohmann-json 3.11 throws out_of_range (406) for a number that overflows a double
    // ("1e999"); it carries no byte offset, so find the token for the message.
    fail(name, ": invalid JSON: ", json_number_overflow_place(text), e.what());
  }
}

nlohmann::json read_json(const std::string& path) { return parse_json(read_text(path), path); }

void write_json(const std::string& path, const nlohmann::json& value) {
  write_text_atomic(path, value.dump(2) + "\n");
}

}  // namespace difflab
