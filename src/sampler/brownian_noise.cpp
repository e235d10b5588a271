#include "difflab/sampler/brownian_noise.hpp"

#include <cmath>
#include <utility>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

constexpr std::uint64_t kBrownianLatticeSize = std::uint64_t{1} << BrownianNoise::kDepth;
// Node keys use the low 44 bits (level < 44), the path the bits above.
constexpr int kBrownianPathShift = 44;
constexpr std::uint64_t kBrownianMaxPath = std::uint64_t{1} << (64 - kBrownianPathShift);

// The counter step of the tree node at `level` (>= 1) whose lattice index is `point`: heap
// numbering 2^level + (its odd index at that level) / 2, unique across levels; the root
// (W(kSpan), level 0) is 1.
std::uint64_t brownian_node_key(std::uint64_t path, int level, std::uint64_t point) {
  const std::uint64_t at_level = point >> (BrownianNoise::kDepth - level);
  return (path << kBrownianPathShift) | (std::uint64_t{1} << level) | (at_level >> 1);
}

// A dyadic interval [lo, hi] of the lattice with the path's values at its ends (d x n, one
// column per particle).
struct BrownianBracket {
  std::uint64_t lo = 0, hi = kBrownianLatticeSize;
  int level = 0;
  Matrix w_lo, w_hi;
};

class BrownianTreeWalk {
 public:
  BrownianTreeWalk(const CounterRng& rng, std::uint64_t path, std::uint64_t first, Index rows,
                   Index cols)
      : rng_(rng), path_(path), first_(first), z_(rows, cols) {}

  // The root bracket [0, kSpan]: W(0) = 0, W(kSpan) = sqrt(kSpan) xi.
  BrownianBracket root() {
    BrownianBracket b;
    b.w_lo = Matrix::Zero(z_.rows(), z_.cols());
    b.w_hi.resize(z_.rows(), z_.cols());
    fill(b.w_hi, (path_ << kBrownianPathShift) | 1);  // the root's key (node keys start at 2)
    b.w_hi *= std::sqrt(BrownianNoise::kSpan);
    return b;
  }
  // Halves the bracket, keeping the half on the side of `point` (the lower one when the point
  // is the midpoint): the midpoint value is the bridge mean plus its deviation (header).
  void split(BrownianBracket& b, std::uint64_t point) {
    const std::uint64_t mid = b.lo + (b.hi - b.lo) / 2;
    fill(z_, brownian_node_key(path_, b.level + 1, mid));
    // Bridge variance at the midpoint of an interval of length kSpan 2^-level: a quarter of it.
    const double sd = std::sqrt(std::ldexp(BrownianNoise::kSpan, -(b.level + 2)));
    z_ = 0.5 * (b.w_lo + b.w_hi) + sd * z_;
    if (point <= mid) {
      b.hi = mid;
      b.w_hi.swap(z_);
    } else {
      b.lo = mid;
      b.w_lo.swap(z_);
    }
    ++b.level;
  }
  // Descends until `point` is an end of the bracket and returns the path's value there.
  const Matrix& descend(BrownianBracket& b, std::uint64_t point) {
    while (point != b.lo && point != b.hi) split(b, point);
    return point == b.lo ? b.w_lo : b.w_hi;
  }

 private:
  void fill(Matrix& m, std::uint64_t key) {
    rng_.fill_normal(m.data(), m.rows(), m.cols(), m.rows(), RngUse::kBrownianTree, first_, key);
  }
  const CounterRng& rng_;
  std::uint64_t path_, first_;
  Matrix z_;
};

// The last lower end this thread read, with the path's values there: a sampler walks its grid
// downwards, so the lower end of one step is the upper end of the next, and reading it again
// would double the walk. W at a lattice point is a pure function of (seed, path, particles,
// point), so the cache changes no bits (batch_invariance_test.cpp).
struct BrownianPointCache {
  std::uint64_t seed = 0, path = 0, first = 0, point = 0;
  Index rows = -1, cols = -1;
  Matrix value;
};
thread_local BrownianPointCache brownian_point_cache;

std::pair<std::uint64_t, std::uint64_t> brownian_lattice_interval(const BrownianInterval& iv) {
  require(iv.path < kBrownianMaxPath, "noise \"brownian\": path ", iv.path, " beyond the last, ",
          kBrownianMaxPath - 1);
  require(iv.lo < iv.hi, "noise \"brownian\": empty interval [", iv.lo, ", ", iv.hi, "]");
  const std::uint64_t lo = BrownianNoise::lattice_index(iv.lo);
  const std::uint64_t hi = BrownianNoise::lattice_index(iv.hi);
  require(lo < hi, "noise \"brownian\": the step [", iv.lo, ", ", iv.hi,
          "] is shorter than the Brownian path's time resolution ",
          std::ldexp(BrownianNoise::kSpan, -BrownianNoise::kDepth));
  return {lo, hi};
}

}  // namespace

std::uint64_t BrownianNoise::lattice_index(double t) {
  require(std::isfinite(t) && t >= 0 && t <= kSpan, "noise \"brownian\": time ", t,
          " outside the Brownian path's span [0, ", kSpan, "]");
  // kSpan is a power of two, so the scaling is exact; ties round to even.
  return static_cast<std::uint64_t>(std::nearbyint(std::ldexp(t / kSpan, kDepth)));
}

double BrownianNoise::brownian_resolution() const { return std::ldexp(kSpan, -kDepth); }

void BrownianNoise::difference(MatrixRef D, std::uint64_t first_particle,
                               const BrownianInterval& interval) const {
  const auto [lo, hi] = brownian_lattice_interval(interval);
  BrownianTreeWalk walk(rng_, interval.path, first_particle, D.rows(), D.cols());
  BrownianPointCache& cache = brownian_point_cache;
  const bool same_paths = cache.seed == rng_.seed() && cache.path == interval.path &&
                          cache.first == first_particle && cache.rows == D.rows() &&
                          cache.cols == D.cols();
  BrownianBracket shared = walk.root();
  if (same_paths && cache.point == hi) {
    D = -walk.descend(shared, lo);
    D += cache.value;
  } else {
    // Walk once while both ends lie strictly inside the same half, then separately.
    for (;;) {
      if (lo == shared.lo || hi == shared.hi) break;
      const std::uint64_t mid = shared.lo + (shared.hi - shared.lo) / 2;
      if (hi <= mid || lo > mid) {
        walk.split(shared, lo);  // both ends in the same half: it keeps that half
      } else {
        break;  // lo <= mid < hi
      }
    }
    BrownianBracket upper = shared;
    const Matrix& w_hi = walk.descend(upper, hi);
    walk.descend(shared, lo);
    D = w_hi - (lo == shared.lo ? shared.w_lo : shared.w_hi);
  }
  cache.seed = rng_.seed();
  cache.path = interval.path;
  cache.first = first_particle;
  cache.rows = D.rows();
  cache.cols = D.cols();
  cache.point = lo;
  cache.value = lo == shared.lo ? shared.w_lo : shared.w_hi;
}

void BrownianNoise::increment(MatrixRef Z, std::uint64_t first_particle, std::uint64_t /*step*/,
                              RngUse /*use*/, const BrownianInterval& interval) const {
  const auto [lo, hi] = brownian_lattice_interval(interval);
  difference(Z, first_particle, interval);
  // Normalised by the rounded length, so each increment is exactly N(0, 1) (header).
  Z *= 1.0 / std::sqrt(static_cast<double>(hi - lo) * brownian_resolution());
}

std::vector<std::string> noise_kinds() { return {"counter", "brownian"}; }

std::unique_ptr<NoiseSource> make_noise(const SamplerOptions& options, std::uint64_t seed) {
  if (options.noise == "brownian") return std::make_unique<BrownianNoise>(seed);
  require(options.noise == "counter", "sampler option noise must be one of ",
          comma_list(noise_kinds()), ", got \"", options.noise, "\"");
  return std::make_unique<CounterNoise>(seed);
}

}  // namespace difflab
