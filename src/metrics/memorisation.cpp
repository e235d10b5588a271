#include "difflab/metrics/memorisation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/knn_distances.hpp"

namespace difflab {

namespace {

// The q-quantile by the nearest rank (no interpolation: a distance that occurs).
double memorisation_quantile(Vector v, double q) {
  std::sort(v.data(), v.data() + v.size());
  const auto k = static_cast<Index>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return v(std::clamp<Index>(k, 0, v.size() - 1));
}

}  // namespace

nlohmann::json Memorisation::to_json() const {
  return {{"value", ratio},
          {"quantity",
           "median nearest-training-point distance of the samples / median "
           "distance between two training halves"},
          {"ratio", ratio},
          {"copy_fraction", copy_fraction},
          {"median_sample_distance", median_sample_distance},
          {"median_split_distance", median_split_distance},
          {"q10_sample_distance", q10_sample_distance},
          {"q10_split_distance", q10_split_distance},
          {"n_samples", samples},
          {"n_training", training},
          {"method", "nearest neighbours (kd-tree, nanoflann); split halves by seed"}};
}

Memorisation memorisation(const Matrix& X, const Matrix& P, std::uint64_t seed) {
  require(X.rows() == P.rows(), "memorisation: samples have dimension ", X.rows(),
          " but the training data has dimension ", P.rows());
  require(X.cols() >= 1, "memorisation: no samples");
  require(P.cols() >= 4, "memorisation: needs at least 4 training points, got ", P.cols());
  const Index N = P.cols();
  // A seeded split: sort indices by a uniform key per point (stream (seed, kMonteCarlo, i)).
  std::vector<double> key(static_cast<std::size_t>(N));
  const CounterRng rng(seed);
  for (Index i = 0; i < N; ++i)
    key[static_cast<std::size_t>(i)] =
        rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(i)).uniform();
  std::vector<Index> order(static_cast<std::size_t>(N));
  std::iota(order.begin(), order.end(), Index{0});
  std::sort(order.begin(), order.end(), [&](Index a, Index b) {
    return key[static_cast<std::size_t>(a)] < key[static_cast<std::size_t>(b)] ||
           (key[static_cast<std::size_t>(a)] == key[static_cast<std::size_t>(b)] && a < b);
  });
  const Index half = N / 2;
  Matrix A(P.rows(), half), B(P.rows(), N - half);
  for (Index k = 0; k < half; ++k) A.col(k) = P.col(order[static_cast<std::size_t>(k)]);
  for (Index k = half; k < N; ++k) B.col(k - half) = P.col(order[static_cast<std::size_t>(k)]);

  const Vector r = kth_neighbor_distances(P, X, 1, false);
  const Vector b = kth_neighbor_distances(A, B, 1, false);
  Memorisation m;
  m.samples = X.cols();
  m.training = N;
  m.median_sample_distance = memorisation_quantile(r, 0.5);
  m.median_split_distance = memorisation_quantile(b, 0.5);
  m.q10_sample_distance = memorisation_quantile(r, 0.1);
  m.q10_split_distance = memorisation_quantile(b, 0.1);
  m.ratio = m.median_split_distance > 0 ? m.median_sample_distance / m.median_split_distance
                                        : std::numeric_limits<double>::quiet_NaN();
  const double rms = std::sqrt(P.colwise().squaredNorm().mean());
  m.copy_fraction =
      static_cast<double>((r.array() <= 1e-9 * rms).count()) / static_cast<double>(X.cols());
  return m;
}

}  // namespace difflab
