#include "difflab/train/checkpoint.hpp"

#include <algorithm>
#include <cstring>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {

namespace {

constexpr char kMagic[16] = {'D', 'I', 'F', 'F', 'L', 'A',  'B',  '\x01',
                             'M', 'O', 'D', 'E', 'L', '\0', '\0', '\0'};

class Writer {
 public:
  template <class T>
  void put(const T& value) {
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void put_vector(const Vector& v) {
    put(static_cast<std::uint64_t>(v.size()));
    bytes_.append(reinterpret_cast<const char*>(v.data()),
                  sizeof(double) * static_cast<std::size_t>(v.size()));
  }
  void put_string(const std::string& s) {
    put(static_cast<std::uint64_t>(s.size()));
    bytes_.append(s);
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class Reader {
 public:
  Reader(const std::string& bytes, std::size_t end, std::string name)
      : bytes_(bytes), end_(end), name_(std::move(name)) {}
  void need(std::size_t n, const char* what) const {
    if (n > end_ - at_)
      fail(name_, ": checkpoint truncated at byte ", at_, " (reading ", what, ")");
  }
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  Vector get_vector(const char* what) {
    const auto n = get<std::uint64_t>(what);
    require(n <= (end_ - at_) / sizeof(double), name_, ": checkpoint truncated at byte ", at_,
            " (reading ", what, ": ", n, " values)");
    Vector v(static_cast<Index>(n));
    if (n > 0)
      std::memcpy(v.data(), bytes_.data() + at_, sizeof(double) * n);  // v.data() may be null
    at_ += sizeof(double) * n;
    return v;
  }
  std::string get_string(const char* what) {
    const auto n = get<std::uint64_t>(what);
    need(n, what);
    std::string s = bytes_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::size_t position() const { return at_; }

 private:
  const std::string& bytes_;
  std::size_t end_;
  std::size_t at_ = 0;
  std::string name_;
};

}  // namespace

std::uint64_t fnv1a64(const char* data, std::size_t size, std::uint64_t hash) {
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string encode_checkpoint(const Checkpoint& c) {
  Writer w;
  w.bytes().append(kMagic, sizeof kMagic);
  w.put(kCheckpointVersion);
  w.put_string(c.header.dump());
  for (const Vector* v : {&c.frequencies, &c.parameters, &c.ema, &c.mean, &c.std}) w.put_vector(*v);
  w.put(static_cast<std::uint64_t>(c.optimizer_state.size()));
  for (const Vector& v : c.optimizer_state) w.put_vector(v);
  w.put(fnv1a64(w.bytes().data(), w.bytes().size()));
  return std::move(w.bytes());
}

Checkpoint decode_checkpoint(const std::string& bytes, const std::string& name) {
  require(std::memcmp(bytes.data(), kMagic, std::min(bytes.size(), sizeof kMagic)) == 0 &&
              !bytes.empty(),
          name, ": not a difflab model checkpoint (bad magic)");
  require(bytes.size() >= sizeof kMagic + sizeof(std::uint32_t) + sizeof(std::uint64_t), name,
          ": checkpoint truncated at byte ", bytes.size(), " (header)");
  const std::size_t body = bytes.size() - sizeof(std::uint64_t);
  Reader r(bytes, body, name);
  for (std::size_t i = 0; i < sizeof kMagic; ++i) r.get<char>("magic");
  const auto version = r.get<std::uint32_t>("version");
  require(version == kCheckpointVersion, name, ": checkpoint format version ", version,
          " is not supported (this difflab reads version ", kCheckpointVersion, ")");
  // The last 8 bytes hold the hash of the rest. A truncated file breaks both the structure (the
  // reader runs out of bytes: "truncated at byte ...") and the hash; a flipped byte inside a
  // vector breaks only the hash ("checksum mismatch").
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + body, sizeof stored);
  const bool hash_ok = stored == fnv1a64(bytes.data(), body);
  Checkpoint c;
  try {
    c.header = parse_json(r.get_string("header"), name + ": header");
    c.frequencies = r.get_vector("frequencies");
    c.parameters = r.get_vector("parameters");
    c.ema = r.get_vector("ema");
    c.mean = r.get_vector("mean");
    c.std = r.get_vector("std");
    const auto buffers = r.get<std::uint64_t>("optimizer state count");
    require(buffers <= 64, name, ": checkpoint corrupt (", buffers, " optimizer buffers)");
    for (std::uint64_t k = 0; k < buffers; ++k)
      c.optimizer_state.push_back(r.get_vector("optimizer state"));
  } catch (const Error& e) {
    if (hash_ok) throw;
    throw Error(std::string(e.what()) + "; checksum mismatch too (file truncated or corrupted)");
  }
  require(r.position() == body, name, ": checkpoint has ", body - r.position(),
          " unexpected bytes before the checksum (corrupt or truncated)");
  require(hash_ok, name, ": checkpoint checksum mismatch (file corrupted)");
  return c;
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  write_text_atomic(path, encode_checkpoint(checkpoint));
}

Checkpoint load_checkpoint(const std::string& path) {
  return decode_checkpoint(read_text(path), path);
}

std::shared_ptr<MlpScore> mlp_score_from_checkpoint(const Checkpoint& c, const std::string& name) {
  require(c.header.is_object() && c.header.contains("model") && c.header.contains("process"), name,
          ": checkpoint header lacks the model or process");
  const MlpSpec spec = MlpSpec::from_json(c.header["model"], name + ": model");
  auto network = std::make_shared<MlpNetwork>(spec, c.frequencies, c.ema);
  return std::make_shared<MlpScore>(std::move(network), Standardisation{c.mean, c.std},
                                    make_process(c.header["process"]));
}

std::shared_ptr<MlpScore> load_mlp_score(const std::string& path) {
  return mlp_score_from_checkpoint(load_checkpoint(path), path);
}

TrainedTimes trained_times(const Checkpoint& checkpoint, const std::string& name) {
  const nlohmann::json& h = checkpoint.header;
  require(h.is_object() && h.contains("train") && h["train"].contains("dsm") &&
              h["train"]["dsm"].contains("delta") && h["train"]["dsm"].contains("T"),
          name, ": the checkpoint does not record its training times (train.dsm.delta, T)");
  TrainedTimes t;
  t.delta = h["train"]["dsm"]["delta"].get<double>();
  t.T = h["train"]["dsm"]["T"].get<double>();
  return t;
}

void resolve_trained_range(double& delta, double& T, const TrainedTimes& trained,
                           const std::string& name) {
  if (T <= 0) T = trained.T;
  if (delta < 0) delta = trained.delta;
  // A relative slack of 1e-12 lets a range copied from the checkpoint's JSON through decimal text
  // pass.
  require(T <= trained.T * (1 + 1e-12), name, ": T = ", T,
          " is beyond the model's training range [", trained.delta, ", ", trained.T,
          "] (it was never fitted there)");
  require(delta >= trained.delta * (1 - 1e-12), name, ": delta = ", delta,
          " is below the model's training range [", trained.delta, ", ", trained.T,
          "] (it was never fitted there)");
}

}  // namespace difflab
