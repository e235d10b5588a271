#include "difflab/train/mlp.hpp"

#include <omp.h>

#include <cmath>
#include <exception>
#include <mutex>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/core/rng.hpp"
#include "train/parameter_sweep.hpp"

namespace difflab {

// ---------------------------------------------------------------- spec

void MlpSpec::validate() const {
  require(dim >= 1, "mlp: dim must be >= 1, got ", dim);
  require(width >= 1, "mlp: width must be >= 1, got ", width);
  require(depth >= 0, "mlp: depth must be >= 0, got ", depth);
  require(fourier_features >= 1, "mlp: fourier_features must be >= 1, got ", fourier_features);
  require(std::isfinite(fourier_scale) && fourier_scale > 0, "mlp: fourier_scale must be > 0, got ",
          fourier_scale);
  require(time_input == "logsnr" || time_input == "t", "mlp: unknown time_input '", time_input,
          "' (valid: logsnr, t)");
  require(output == "noise" || output == "score" || output == "data", "mlp: unknown output '",
          output, "' (valid: noise, score, data)");
  require(precision == "float" || precision == "double", "mlp: unknown precision '", precision,
          "' (valid: float, double)");
  const std::uint64_t count = parameter_count();
  require_memory(checked_mul(bytes_of_doubles(count, "mlp parameters"), 2, "mlp parameters"),
                 "an MLP of width " + std::to_string(width) + " and depth " +
                     std::to_string(depth) + " (" + std::to_string(count) + " parameters)");
}

// As Layout below, with every product checked (a width of 1e10 overflows w * w).
std::uint64_t MlpSpec::parameter_count() const {
  const auto u = [](Index v) { return static_cast<std::uint64_t>(v); };
  const std::string what = "mlp parameters";
  const std::uint64_t w = u(width),
                      din = checked_add(u(dim), checked_mul(2, u(fourier_features), what), what);
  const std::uint64_t block =
      checked_add(checked_mul(2, checked_mul(w, w, what), what), 2 * w, what);
  std::uint64_t total = checked_add(checked_mul(w, din, what), w, what);
  total = checked_add(total, checked_mul(u(depth), block, what), what);
  return checked_add(total, checked_add(checked_mul(u(dim), w, what), u(dim), what), what);
}

nlohmann::json MlpSpec::to_json() const {
  return {{"type", "mlp"},
          {"dim", dim},
          {"width", width},
          {"depth", depth},
          {"fourier_features", fourier_features},
          {"fourier_scale", fourier_scale},
          {"time_input", time_input},
          {"output", output},
          {"precision", precision},
          {"seed", seed}};
}

MlpSpec MlpSpec::from_json(const nlohmann::json& j, const std::string& where) {
  json_util::only_keys(j,
                       {"type", "dim", "width", "depth", "fourier_features", "fourier_scale",
                        "time_input", "output", "precision", "seed"},
                       where);
  MlpSpec s;
  s.dim = json_util::integer(json_util::member(j, "dim", where), where + ": dim");
  s.width = json_util::integer(json_util::member(j, "width", where), where + ": width");
  s.depth = json_util::integer(json_util::member(j, "depth", where), where + ": depth");
  s.fourier_features = json_util::integer(json_util::member(j, "fourier_features", where),
                                          where + ": fourier_features");
  s.fourier_scale =
      json_util::number(json_util::member(j, "fourier_scale", where), where + ": fourier_scale");
  s.time_input =
      json_util::string(json_util::member(j, "time_input", where), where + ": time_input");
  s.output = json_util::string(json_util::member(j, "output", where), where + ": output");
  s.precision = json_util::string(json_util::member(j, "precision", where), where + ": precision");
  const auto& seed = json_util::member(j, "seed", where);
  require(seed.is_number_unsigned() || (seed.is_number_integer() && seed.get<std::int64_t>() >= 0),
          where, ": seed must be a non-negative integer");
  s.seed = seed.get<std::uint64_t>();
  s.validate();
  return s;
}

// ---------------------------------------------------------------- layout

namespace {

// Offsets of the layers in the flat parameter vector (column-major matrices).
struct Layout {
  Index d = 0, din = 0, w = 0, depth = 0;
  Index w_in = 0, b_in = 0;
  std::vector<Index> w1, b1, w2, b2;
  Index w_out = 0, b_out = 0, total = 0;

  explicit Layout(const MlpSpec& s)
      : d(s.dim), din(s.dim + 2 * s.fourier_features), w(s.width), depth(s.depth) {
    Index at = 0;
    w_in = at, at += w * din;
    b_in = at, at += w;
    for (Index l = 0; l < depth; ++l) {
      w1.push_back(at), at += w * w;
      b1.push_back(at), at += w;
      w2.push_back(at), at += w * w;
      b2.push_back(at), at += w;
    }
    w_out = at, at += d * w;
    b_out = at, at += d;
    total = at;
  }
};

// Runs fn(i) for i in [0, n) across threads. Inside, Eigen's own GEMM threading is off
// (nthreads-var is per task, so setting it to 1 here affects only this loop's iterations):
// Eigen chooses its GEMM blocking from the thread count, which would change the summation order.
template <class Fn>
void for_each_tile(Index n, Fn&& fn) {
  std::exception_ptr error;
#pragma omp parallel for schedule(static) if (n > 1)
  for (Index i = 0; i < n; ++i) {
    omp_set_num_threads(1);
    try {
      fn(i);
    } catch (...) {
#pragma omp critical(difflab_mlp_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace

// ---------------------------------------------------------------- kernels

class MlpNetwork::Kernel {
 public:
  virtual ~Kernel() = default;
  // Refreshes the compute-precision copy; returns whether every entry of p is finite.
  virtual bool set_parameters(const Vector& p) = 0;
  virtual void forward(ConstMatrixRef Xin, const Vector& c, MatrixRef out) const = 0;
  virtual double loss_and_gradient(ConstMatrixRef Xin, const Vector& c, const TileLoss& loss,
                                   Vector& grad, const ChunkReduction* reduction) const = 0;
  virtual Matrix input_jacobian(const Vector& x, double c) const = 0;
};

namespace {

template <class S>
class KernelT final : public MlpNetwork::Kernel {
  using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  using V = Eigen::Matrix<S, Eigen::Dynamic, 1>;
  using CMap = Eigen::Map<const M>;
  using CVMap = Eigen::Map<const V>;
  using MMap = Eigen::Map<M>;
  using VMap = Eigen::Map<V>;
  static constexpr Index T = MlpNetwork::kTile;
  // Training uses wider tiles: the weight gradients are GEMMs whose inner dimension is the tile
  // width, and 64 is too short for Eigen's kernels to reach their speed. Any fixed width keeps
  // the gradient independent of the thread count. Evaluation uses kEvalTile (header).
  static constexpr Index kTrainTile = 4 * T;

  // A tile's activations and backward buffers (allocated once per thread and call).
  struct Work {
    M U, P, Out, dOut, dH, dA, G, dU;
    std::vector<M> H, A, Sx;  // H_0..H_L; A_l and silu(A_l), l = 1..L
    Work(const Layout& L, Index cols)
        : U(L.din, cols),
          P(L.w, cols),
          Out(L.d, cols),
          dOut(L.d, cols),
          dH(L.w, cols),
          dA(L.w, cols),
          G(L.w, cols),
          dU(L.din, cols),
          H(static_cast<std::size_t>(L.depth + 1), M(L.w, cols)),
          A(static_cast<std::size_t>(L.depth), M(L.w, cols)),
          Sx(static_cast<std::size_t>(L.depth), M(L.w, cols)) {}
  };

 public:
  KernelT(const MlpSpec& spec, const TimeEmbedding& embedding)
      : layout_(spec), embedding_(embedding) {}

  // The cast and the finiteness check (parameter_sweep.hpp's all_finite) share one sweep.
  bool set_parameters(const Vector& p) override {
    p_.resize(p.size());
    bool finite = true;
    detail::sweep_blocks(p.size(), [&](Index begin, Index count) {
      const auto block = p.segment(begin, count).array();
      p_.segment(begin, count) = block.template cast<S>().matrix();
      finite = finite && (block - block).sum() == 0.0;
    });
    return finite;
  }

  void forward(ConstMatrixRef Xin, const Vector& c, MatrixRef out) const override {
    const Index n = Xin.cols();
    constexpr Index TE = MlpNetwork::kEvalTile;
    const Index tiles = (n + TE - 1) / TE;
    for_each_tile(tiles, [&](Index k) {
      thread_local std::unique_ptr<Work> cache;
      Work& w = work(cache, TE);
      const Index begin = k * TE, count = std::min(TE, n - begin);
      forward_tile(w, Xin, c, begin, count);
      out.middleCols(begin, count) = w.Out.leftCols(count).template cast<double>();
    });
  }

  double loss_and_gradient(ConstMatrixRef Xin, const Vector& c, const MlpNetwork::TileLoss& loss,
                           Vector& grad, const ChunkReduction* reduction) const override {
    const Index n = Xin.cols();
    // Tile width: kTrainTile, or less for a small batch (a multiple of kTile covering it), so a
    // batch of 48 does not pay for 256 columns. It depends on n only.
    const Index width = std::min(kTrainTile, ((n + T - 1) / T) * T);
    const Index tiles = (n + width - 1) / width;
    // Tiles are grouped into at most 16 chunks, each summing its tiles' gradients in order into
    // its own buffer; the chunks are then added in order. The grouping depends on n only, so the
    // result is the same for any thread count, and memory stays at 16 gradients whatever n.
    const Index per_chunk = (tiles + 15) / 16;
    const Index chunks = (tiles + per_chunk - 1) / per_chunk;
    // The chunks' gradient buffers are kept between calls (training calls this once per step
    // with the same sizes): fresh buffers of a few MB each would cost a page fault per 4 kB. A
    // call takes the kept buffers and returns them when it ends; the lock is held only for the
    // exchange, never across the computation. Concurrent calls on one network (ranks simulated
    // by threads, which wait for each other in the reduction's combine) then use fresh buffers
    // instead of waiting for each other's, which would deadlock.
    std::vector<V> partial;
    {
      const std::lock_guard<std::mutex> lock(partial_mutex_);
      partial.swap(partial_);
    }
    const PartialReturn give_back{*this, partial};
    partial.resize(static_cast<std::size_t>(chunks));
    std::vector<double> losses(static_cast<std::size_t>(tiles), 0.0);
    for_each_tile(chunks, [&](Index ch) {
      V& g = partial[static_cast<std::size_t>(ch)];
      if (reduction != nullptr && !reduction->computes(ch, chunks)) {
        g.resize(0);  // not computed here
        return;
      }
      thread_local std::unique_ptr<Work> cache;
      Work& w = work(cache, width);
      g.setZero(layout_.total);
      Matrix F, dF;
      for (Index k = ch * per_chunk; k < std::min(tiles, (ch + 1) * per_chunk); ++k) {
        const Index begin = k * width, count = std::min(width, n - begin);
        forward_tile(w, Xin, c, begin, count);
        F = w.Out.leftCols(count).template cast<double>();
        dF.setZero(F.rows(), count);
        losses[static_cast<std::size_t>(k)] = loss(begin, F, dF);
        w.dOut.setZero();
        w.dOut.leftCols(count) = dF.cast<S>();
        backward_tile(w, g.data(), false);
      }
    });
    if (reduction != nullptr) {
      std::vector<Vector> mine(partial.size());
      for (std::size_t ch = 0; ch < partial.size(); ++ch)
        if (partial[ch].size() > 0) mine[ch] = partial[ch].template cast<double>();
      return reduction->combine(mine, losses, per_chunk, grad);
    }
    sum_chunks(partial, grad);
    double total = 0;
    for (const double l : losses) total += l;
    return total;
  }

  Matrix input_jacobian(const Vector& x, double c) const override {
    const Index d = layout_.d;
    Matrix J(d, d);
    Work w(layout_, T);
    const Matrix X = x.replicate(1, T);
    const Vector cs = Vector::Constant(T, c);
    // Row r of J is the input gradient of F_r: one backward pass per output coordinate, T at a
    // time (column j of the tile seeds output r = first + j).
    for (Index first = 0; first < d; first += T) {
      const Index count = std::min(T, d - first);
      forward_tile(w, X, cs, 0, T);
      w.dOut.setZero();
      for (Index j = 0; j < count; ++j) w.dOut(first + j, j) = S(1);
      backward_tile(w, nullptr, true);
      for (Index j = 0; j < count; ++j)
        J.row(first + j) = w.dU.col(j).head(d).template cast<double>().transpose();
    }
    return J;
  }

 private:
  // Returns a call's chunk buffers to partial_ when the call ends (also by an exception), unless
  // a concurrent call returned its own first.
  struct PartialReturn {
    const KernelT& kernel;
    std::vector<V>& buffers;
    ~PartialReturn() {
      const std::lock_guard<std::mutex> lock(kernel.partial_mutex_);
      if (kernel.partial_.empty()) kernel.partial_.swap(buffers);
    }
  };

  // grad = the chunks' gradients summed in chunk order from zero, coefficient by coefficient as
  // a sum of whole vectors would, in one sweep (parameter_sweep.hpp).
  void sum_chunks(const std::vector<V>& partial, Vector& grad) const {
    grad.resize(layout_.total);
    detail::sweep_blocks(layout_.total, [&](Index begin, Index count) {
      auto out = grad.segment(begin, count);
      out.setZero();
      for (const V& g : partial) out += g.segment(begin, count).template cast<double>();
    });
  }

  Work& work(std::unique_ptr<Work>& cache, Index cols) const {
    // Thread-local workspace, rebuilt when a network of another shape uses the thread.
    if (!cache || cache->U.cols() != cols || cache->U.rows() != layout_.din ||
        cache->P.rows() != layout_.w || cache->Out.rows() != layout_.d ||
        cache->H.size() != static_cast<std::size_t>(layout_.depth + 1))
      cache = std::make_unique<Work>(layout_, cols);
    return *cache;
  }

  CMap mat(Index offset, Index rows, Index cols) const {
    return CMap(p_.data() + offset, rows, cols);
  }
  CVMap vec(Index offset, Index size) const { return CVMap(p_.data() + offset, size); }

  // silu(a) = a sigmoid(a), over a whole tile: the same vectorised path for every element (a
  // per-column loop would take a scalar head that depends on the column's alignment).
  static void silu(const M& A, M& out) { out.array() = A.array() / (S(1) + (-A.array()).exp()); }
  // D *= silu'(A), silu'(a) = sigmoid(a) (1 + a (1 - sigmoid(a))), with G holding sigmoid(A):
  // two passes over the tile (each operation rounds to S as it would with silu' stored first).
  static void times_silu_prime(const M& A, M& G, M& D) {
    G.array() = (S(1) + (-A.array()).exp()).inverse();
    D.array() *= G.array() * (S(1) + A.array() * (S(1) - G.array()));
  }

  // H += b per column and, if next is given, next = H (the next residual block's input) in the
  // same pass over H: additions and copies round alike in any order of the columns.
  static void add_bias(M& H, const CVMap& b, M* next) {
    for (Index j = 0; j < H.cols(); ++j) {
      H.col(j) += b;
      if (next != nullptr) next->col(j) = H.col(j);
    }
  }

  void forward_tile(Work& w, ConstMatrixRef Xin, const Vector& c, Index begin, Index count) const {
    const Layout& L = layout_;
    w.U.setZero();  // padding columns stay 0
    for (Index j = 0; j < count; ++j) {
      w.U.col(j).head(L.d) = Xin.col(begin + j).cast<S>();
      embedding_.features<S>(c(begin + j), w.U.col(j).data() + L.d);
    }
    w.H[0].noalias() = mat(L.w_in, L.w, L.din) * w.U;
    add_bias(w.H[0], vec(L.b_in, L.w), L.depth > 0 ? &w.H[1] : nullptr);
    for (Index l = 0; l < L.depth; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      M& A = w.A[ul];
      A.noalias() = mat(L.w1[ul], L.w, L.w) * w.H[ul];
      A.colwise() += vec(L.b1[ul], L.w);
      silu(A, w.Sx[ul]);
      M& H = w.H[ul + 1];  // holds H_l (the residual), copied by add_bias
      H.noalias() += mat(L.w2[ul], L.w, L.w) * w.Sx[ul];
      add_bias(H, vec(L.b2[ul], L.w), l + 1 < L.depth ? &w.H[ul + 2] : nullptr);
    }
    silu(w.H[static_cast<std::size_t>(L.depth)], w.P);
    w.Out.noalias() = mat(L.w_out, L.d, L.w) * w.P;
    w.Out.colwise() += vec(L.b_out, L.d);
  }

  // Backpropagates w.dOut through the tile of the last forward_tile. Adds the parameter gradient
  // to g (if not null) and, if want_input, writes dLoss/du into w.dU.
  void backward_tile(Work& w, S* g, bool want_input) const {
    const Layout& L = layout_;
    const auto gm = [&](Index offset, Index rows, Index cols) {
      return MMap(g + offset, rows, cols);
    };
    const auto gv = [&](Index offset, Index size) { return VMap(g + offset, size); };
    if (g) {
      gm(L.w_out, L.d, L.w).noalias() += w.dOut * w.P.transpose();
      gv(L.b_out, L.d) += w.dOut.rowwise().sum();
    }
    w.dH.noalias() = mat(L.w_out, L.d, L.w).transpose() * w.dOut;
    times_silu_prime(w.H[static_cast<std::size_t>(L.depth)], w.G, w.dH);
    for (Index l = L.depth - 1; l >= 0; --l) {
      const auto ul = static_cast<std::size_t>(l);
      if (g) {
        gm(L.w2[ul], L.w, L.w).noalias() += w.dH * w.Sx[ul].transpose();
        gv(L.b2[ul], L.w) += w.dH.rowwise().sum();
      }
      w.dA.noalias() = mat(L.w2[ul], L.w, L.w).transpose() * w.dH;
      times_silu_prime(w.A[ul], w.G, w.dA);
      if (g) {
        gm(L.w1[ul], L.w, L.w).noalias() += w.dA * w.H[ul].transpose();
        gv(L.b1[ul], L.w) += w.dA.rowwise().sum();
      }
      w.dH.noalias() += mat(L.w1[ul], L.w, L.w).transpose() * w.dA;
    }
    if (g) {
      gm(L.w_in, L.w, L.din).noalias() += w.dH * w.U.transpose();
      gv(L.b_in, L.w) += w.dH.rowwise().sum();
    }
    if (want_input) w.dU.noalias() = mat(L.w_in, L.w, L.din).transpose() * w.dH;
  }

  Layout layout_;
  const TimeEmbedding& embedding_;
  V p_;
  mutable std::mutex partial_mutex_;  // guards partial_ (taken and returned by each call)
  mutable std::vector<V> partial_;    // the chunk buffers kept between gradient calls
};

std::unique_ptr<MlpNetwork::Kernel> make_kernel(const MlpSpec& spec,
                                                const TimeEmbedding& embedding) {
  if (spec.precision == "double") return std::make_unique<KernelT<double>>(spec, embedding);
  return std::make_unique<KernelT<float>>(spec, embedding);
}

const MlpSpec& validated(const MlpSpec& spec) {
  spec.validate();
  return spec;
}

}  // namespace

// ---------------------------------------------------------------- network

MlpNetwork::MlpNetwork(const MlpSpec& spec)
    : spec_(validated(spec)),
      embedding_(spec.time_input, spec.fourier_features, spec.fourier_scale, spec.seed),
      kernel_(make_kernel(spec_, embedding_)) {
  const Layout L(spec_);
  Vector p = Vector::Zero(L.total);
  // Layer k's weights use the stream (seed, kPerturbation, k, step 1) (step 0 holds the
  // frequencies). Variance 1/fan_in keeps activations O(1) through the layers (LeCun); the
  // residual branches' second weights get an extra 1/depth so the sum of depth branches does too.
  std::uint64_t layer = 0;
  const auto fill = [&](Index offset, Index size, Index fan_in, double extra) {
    RngStream stream(spec_.seed, RngUse::kPerturbation, layer++, 1);
    stream.fill_normal(p.data() + offset, size);
    p.segment(offset, size) *= std::sqrt(extra / static_cast<double>(fan_in));
  };
  fill(L.w_in, L.w * L.din, L.din, 1.0);
  for (Index l = 0; l < L.depth; ++l) {
    const auto ul = static_cast<std::size_t>(l);
    fill(L.w1[ul], L.w * L.w, L.w, 1.0);
    fill(L.w2[ul], L.w * L.w, L.w, 1.0 / static_cast<double>(L.depth));
  }
  fill(L.w_out, L.d * L.w, L.w, 1.0);
  set_parameters(p);
}

MlpNetwork::MlpNetwork(const MlpSpec& spec, const Vector& frequencies, const Vector& parameters)
    : spec_(validated(spec)),
      embedding_(spec.time_input, frequencies),
      kernel_(make_kernel(spec_, embedding_)) {
  require(frequencies.size() == spec.fourier_features, "mlp: ", frequencies.size(),
          " stored frequencies but the spec has fourier_features = ", spec.fourier_features);
  set_parameters(parameters);
}

MlpNetwork::~MlpNetwork() = default;

void MlpNetwork::set_parameters(const Vector& parameters) {
  require(parameters.size() == Layout(spec_).total, "mlp: ", parameters.size(),
          " parameters given but the network has ", Layout(spec_).total);
  require(detail::all_finite(parameters), "mlp: a parameter is not finite");
  parameters_ = parameters;
  kernel_->set_parameters(parameters_);
}

void MlpNetwork::update_parameters(const std::function<void(Eigen::Ref<Vector>)>& update) {
  update(parameters_);
  // The copy is refreshed before the check, so that a throw leaves the network consistent.
  require(kernel_->set_parameters(parameters_), "mlp: a parameter is not finite");
}

void MlpNetwork::forward(ConstMatrixRef Xin, const Vector& c, MatrixRef out) const {
  require(Xin.rows() == spec_.dim && out.rows() == spec_.dim && out.cols() == Xin.cols() &&
              c.size() == Xin.cols(),
          "mlp: forward: inputs are ", Xin.rows(), " x ", Xin.cols(), " with ", c.size(),
          " times, the network has dimension ", spec_.dim);
  kernel_->forward(Xin, c, out);
}

double MlpNetwork::loss_and_gradient(ConstMatrixRef Xin, const Vector& c, const TileLoss& loss,
                                     Vector& grad, const ChunkReduction* reduction) const {
  require(Xin.rows() == spec_.dim && c.size() == Xin.cols() && Xin.cols() >= 1,
          "mlp: gradient: inputs are ", Xin.rows(), " x ", Xin.cols(), " with ", c.size(),
          " times, the network has dimension ", spec_.dim);
  return kernel_->loss_and_gradient(Xin, c, loss, grad, reduction);
}

Matrix MlpNetwork::input_jacobian(const Vector& x, double c) const {
  require(x.size() == spec_.dim, "mlp: jacobian: point has dimension ", x.size(), ", the network ",
          spec_.dim);
  return kernel_->input_jacobian(x, c);
}

MlpNetwork::LayerNorms MlpNetwork::spectral_norms() const {
  const Layout L(spec_);
  const auto norm = [&](Index offset, Index rows, Index cols, Index use_cols) {
    const Eigen::Map<const Matrix> W(parameters_.data() + offset, rows, cols);
    const Matrix block = W.leftCols(use_cols);
    return largest_singular_value(block);
  };
  LayerNorms n;
  n.input = norm(L.w_in, L.w, L.din, L.d);  // the x-columns of W_in
  for (Index l = 0; l < L.depth; ++l) {
    const auto ul = static_cast<std::size_t>(l);
    n.w1.push_back(norm(L.w1[ul], L.w, L.w, L.w));
    n.w2.push_back(norm(L.w2[ul], L.w, L.w, L.w));
  }
  n.output = norm(L.w_out, L.d, L.w, L.w);
  return n;
}

}  // namespace difflab
