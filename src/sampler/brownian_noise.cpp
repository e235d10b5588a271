#include "difflab/sampler/brownian_noise.hpp"

#include <cmath>
#include <utility>
#include <vector>

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
  // The path at the midpoint `mid` of a bracket of `level` whose ends hold w_lo, w_hi: the
  // bridge mean plus its deviation times the node's normals (header), written to `out`.
  void midpoint(const Matrix& w_lo, const Matrix& w_hi, int level, std::uint64_t mid, Matrix& out) {
    out.resize(w_lo.rows(), w_lo.cols());
    fill(out, brownian_node_key(path_, level + 1, mid));
    // Bridge variance at the midpoint of an interval of length kSpan 2^-level: a quarter of it.
    const double sd = std::sqrt(std::ldexp(BrownianNoise::kSpan, -(level + 2)));
    out = 0.5 * (w_lo + w_hi) + sd * out;
  }
  // Halves the bracket, keeping the half on the side of `point` (the lower one when the point
  // is the midpoint).
  void split(BrownianBracket& b, std::uint64_t point) {
    const std::uint64_t mid = b.lo + (b.hi - b.lo) / 2;
    midpoint(b.w_lo, b.w_hi, b.level, mid, z_);
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

// The path from the root to the last point this thread read, for one (seed, path, block of
// particles): a sampler walks its grid downwards, so the upper end of a step is the lower end
// of the previous one (no walk at all) and its lower end shares the walk down to their common
// ancestor (about log2(kSpan / h) levels). W at a node is computed by the same expression from
// the same parents with or without the cache, so it changes no bits (brownian_noise_test.cpp).
// Memory: kDepth + 2 matrices of the block's size.
class BrownianPathCache {
 public:
  bool matches(std::uint64_t seed, std::uint64_t path, std::uint64_t first, Index rows,
               Index cols) const {
    return rows_ == rows && cols_ == cols && seed_ == seed && path_ == path && first_ == first;
  }
  void reset(BrownianTreeWalk& walk, std::uint64_t seed, std::uint64_t path, std::uint64_t first,
             Index rows, Index cols) {
    seed_ = seed, path_ = path, first_ = first, rows_ = rows, cols_ = cols;
    nodes_.resize(BrownianNoise::kDepth + 2);
    levels_.resize(BrownianNoise::kDepth + 1);
    BrownianBracket root = walk.root();
    nodes_[0] = std::move(root.w_lo);
    nodes_[1] = std::move(root.w_hi);
    levels_[0] = {0, kBrownianLatticeSize, 0, 1};
    depth_ = 0;
  }
  // W at lattice point `point`: back up to the deepest cached bracket holding it, walk down.
  const Matrix& value(BrownianTreeWalk& walk, std::uint64_t point) {
    std::size_t j = depth_;
    while (point < levels_[j].lo || point > levels_[j].hi) --j;
    while (point != levels_[j].lo && point != levels_[j].hi) {
      const Level b = levels_[j];
      const std::uint64_t mid = b.lo + (b.hi - b.lo) / 2;
      // The node made at level j + 1 goes to nodes_[j + 2]: the ends of brackets 0..j are
      // nodes made at levels <= j, so nothing still in use is overwritten.
      walk.midpoint(nodes_[b.lo_node], nodes_[b.hi_node], static_cast<int>(j), mid, nodes_[j + 2]);
      levels_[j + 1] =
          point <= mid ? Level{b.lo, mid, b.lo_node, j + 2} : Level{mid, b.hi, j + 2, b.hi_node};
      ++j;
    }
    depth_ = j;
    return nodes_[point == levels_[j].lo ? levels_[j].lo_node : levels_[j].hi_node];
  }

 private:
  struct Level {
    std::uint64_t lo, hi;
    std::size_t lo_node, hi_node;  // indices into nodes_
  };
  std::uint64_t seed_ = 0, path_ = 0, first_ = 0;
  Index rows_ = -1, cols_ = -1;
  std::vector<Matrix> nodes_;  // W(0), W(kSpan), then the node made at level j in nodes_[j + 1]
  std::vector<Level> levels_;  // levels_[j]: the bracket of level j on the path to the last point
  std::size_t depth_ = 0;
};
thread_local BrownianPathCache brownian_path_cache;

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
  if ((kDepth + 2) * D.rows() * D.cols() <= cache_doubles_) {
    BrownianPathCache& cache = brownian_path_cache;
    if (!cache.matches(rng_.seed(), interval.path, first_particle, D.rows(), D.cols()))
      cache.reset(walk, rng_.seed(), interval.path, first_particle, D.rows(), D.cols());
    D = cache.value(walk, hi);
    D -= cache.value(walk, lo);
    return;
  }
  // A block too large to cache: walk once while both ends lie strictly inside the same half,
  // then separately.
  BrownianBracket shared = walk.root();
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
  D = walk.descend(upper, hi);
  D -= walk.descend(shared, lo);
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
