#include "difflab/core/rng.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace difflab {

// Why the generator is built this way (measured on the 2-core development machine, GCC 12,
// -O3 -march=native, 2026-12-06):
//
// - Before, each pair of Philox words went through Random123's scalar boxmuller (libm log and
//   sincospi): ~20 ns per normal, ~640 ns of the ~870 ns of a d = 32 particle-step of the
//   exponential integrator. The transcendental functions, not Philox, were the cost.
// - Philox4x64-10 stays scalar (Random123's, Salmon et al., SC'11). On x86-64 its 64x64->128
//   multiply is one mulx: a prototype measured ~2.4 ns per 64-bit word scalar, and the same
//   rounds written structure-of-arrays over 8 or 16 blocks (which GCC vectorises, emulating
//   the 128-bit product with four 32x32 multiplies) were no faster. Philox4x32-10 vectorises
//   with _mm256_mul_epu32, but its 64-bit key and 128-bit counter cannot hold (seed, use,
//   particle, step, block) injectively; hashing them into a shorter stream id would have
//   brought birthday collisions within reach of large runs. Keeping Philox4x64 also keeps the
//   key = (seed, use), counter = (particle, step, block, 0) layout and every uniform()/bits()
//   value unchanged.
// - The Box-Muller transform (Box & Muller, 1958) runs on batches of kBlocks Philox blocks in
//   branch-free elementwise loops that the compiler vectorises (AVX2/AVX-512 with
//   -march=native, SSE2 otherwise). log, sin and cos are fdlibm's algorithms and coefficients
//   (Sun Microsystems; the same as musl's log and __sin/__cos kernels, < 1 ulp), written out
//   here instead of calling a vector math library: they use only +, -, *, /, sqrt and integer
//   bit operations, which IEEE 754 rounds exactly, and the build has -ffp-contract=off, so a
//   lane gives the same bits whether it is computed in a vector register, in a scalar
//   remainder loop, or by a build without AVX2. That is what lets a particle's normals be the
//   same whether they come from CounterRng::fill_normal (batched across particles),
//   RngStream::fill_normal or RngStream::normal() one at a time. SLEEF (libsleef-dev) was the
//   alternative; its per-ISA variants (sse2/avx2/avx512f/purec) are not documented to agree
//   bit for bit, which would have needed one variant forced everywhere.

namespace {

using u64 = std::uint64_t;
using Philox = r123::Philox4x64;

inline double from_bits(u64 b) { return std::bit_cast<double>(b); }
inline u64 to_bits(double x) { return std::bit_cast<u64>(x); }

// Blocks per batch of the vectorised transform: 8 blocks = 32 normals, one d = 32 particle-step.
constexpr int kBlocks = 8;
constexpr int kPairs = 2 * kBlocks;

// (top 52 bits of w + 1/2) 2^-52, exactly: 1.m - 1 is exact (Sterbenz) and adding 2^-53 to a
// multiple of 2^-52 below 1 is exact. Range [2^-53, 1 - 2^-53]: log(u) is finite and nonzero.
// The bit trick avoids a 64-bit integer to double conversion, which AVX2 does not vectorise.
inline double open_unit(u64 w) {
  return (from_bits(0x3FF0000000000000ULL | (w >> 12)) - 1.0) + 0x1.0p-53;
}

// log(u) for a positive normal double u: fdlibm's e_log.c (as in musl's log before 2018):
// u = 2^k m with m in [sqrt(2)/2, sqrt(2)), log m = f - f^2/2 + s (f^2/2 + R(s^2)),
// f = m - 1, s = f / (2 + f), R a minimax polynomial; error < 1 ulp. No special cases: the
// callers pass u in [2^-53, 1).
inline double log_positive(double u) {
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
  constexpr double ln2_lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
  constexpr double Lg1 = 6.666666666666735130e-01;       // 0x3fe5555555555593
  constexpr double Lg2 = 3.999999999940941908e-01;       // 0x3fd999999997fa04
  constexpr double Lg3 = 2.857142874366239149e-01;       // 0x3fd2492494229359
  constexpr double Lg4 = 2.222219843214978396e-01;       // 0x3fcc71c51d8e78af
  constexpr double Lg5 = 1.818357216161805012e-01;       // 0x3fc7466496cb03de
  constexpr double Lg6 = 1.531383769920937332e-01;       // 0x3fc39a09d078c69f
  constexpr double Lg7 = 1.479819860511658591e-01;       // 0x3fc2f112df3e5244
  // Reduce to [sqrt(2)/2, sqrt(2)) on the high word, as fdlibm does: adding
  // 0x3ff00000 - 0x3fe6a09e carries into the exponent exactly when m >= sqrt(2).
  u64 hx = to_bits(u) + ((0x3ff00000ULL - 0x3fe6a09eULL) << 32);
  const u64 biased_k = hx >> 52;  // k + 1023, in [969, 1023]
  hx = (hx & 0x000fffffffffffffULL) + (0x3fe6a09eULL << 32);
  const double f = from_bits(hx) - 1.0;
  // k as a double without an integer conversion: (2^52 + biased_k) - (2^52 + 1023), exact.
  const double dk = from_bits(0x4330000000000000ULL | biased_k) - (0x1.0p52 + 1023.0);
  const double hfsq = 0.5 * f * f;
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double R = t2 + t1;
  return s * (hfsq + R) + dk * ln2_lo - hfsq + f + dk * ln2_hi;
}

// One Box-Muller pair from two 64-bit words: r = sqrt(-2 log u1) with u1 = open_unit(a), and
// the angle theta = 2 pi u2, u2 = (top 52 bits of b + 1/2) 2^-52. The angle is reduced in
// integers: in units of 2^-53 turn, u2 = T (T odd, < 2^53), q = the nearest quarter turn,
// x = T - q 2^51 in [-2^50, 2^50], so theta = q pi/2 + phi with phi = 2 pi x 2^-53 in
// [-pi/4, pi/4], where fdlibm's sin and cos kernels (__kernel_sin, __kernel_cos, < 1 ulp)
// apply; the quarter turns swap and negate them.
inline void box_muller_pair(u64 a, u64 b, double& z_cos, double& z_sin) {
  const double r = std::sqrt(-2.0 * log_positive(open_unit(a)));

  const u64 T = ((b >> 12) << 1) | 1;
  const u64 q = (T + (1ULL << 50)) >> 51;  // 0..4
  const u64 x = T - (q << 51);             // two's complement of a value in [-2^50, 2^50]
  // x as a double: (1.5 2^52 + x) - 1.5 2^52, exact for |x| < 2^51.
  const double xd = from_bits(0x4338000000000000ULL + x) - 0x1.8p52;
  const double phi = xd * 6.975736996017264e-16;  // 2 pi 2^-53 (2 pi rounded, times 2^-53)

  constexpr double S1 = -1.66666666666666324348e-01;  // 0xbfc5555555555549
  constexpr double S2 = 8.33333333332248946124e-03;   // 0x3f8111111110f8a6
  constexpr double S3 = -1.98412698298579493134e-04;  // 0xbf2a01a019c161d5
  constexpr double S4 = 2.75573137070700676789e-06;   // 0x3ec71de357b1fe7d
  constexpr double S5 = -2.50507602534068634195e-08;  // 0xbe5ae5e68a2b9ceb
  constexpr double S6 = 1.58969099521155010221e-10;   // 0x3de5d93a5acfd57c
  constexpr double C1 = 4.16666666666666019037e-02;   // 0x3fa555555555554c
  constexpr double C2 = -1.38888888888741095749e-03;  // 0xbf56c16c16c15177
  constexpr double C3 = 2.48015872894767294178e-05;   // 0x3efa01a019cb1590
  constexpr double C4 = -2.75573143513906633035e-07;  // 0xbe927e4f809c52ad
  constexpr double C5 = 2.08757232129817482790e-09;   // 0x3e21ee9ebdb4b1c4
  constexpr double C6 = -1.13596475577881948265e-11;  // 0xbda8fae9be8838d4
  const double z = phi * phi;
  const double w = z * z;
  const double rs = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
  const double sn = phi + (z * phi) * (S1 + z * rs);
  const double rc = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const double hz = 0.5 * z;
  const double w1 = 1.0 - hz;
  const double cs = w1 + (((1.0 - w1) - hz) + z * rc);

  // (cos, sin)(q pi/2 + phi) = (c, s), (-s, c), (-c, -s), (s, -c) for q mod 4 = 0, 1, 2, 3:
  // a swap when q is odd, then the signs, all in integer bit operations.
  const u64 swap = 0 - (q & 1);
  const u64 cb = (to_bits(sn) & swap) | (to_bits(cs) & ~swap);
  const u64 sb = (to_bits(cs) & swap) | (to_bits(sn) & ~swap);
  z_cos = r * from_bits(cb ^ (((q + 1) & 2) << 62));
  z_sin = r * from_bits(sb ^ ((q & 2) << 62));
}

// P pairs: words[2i], words[2i + 1] -> out[2i], out[2i + 1]. A fixed trip count, so the loop
// vectorises without a remainder; a lane's result does not depend on P (see the top).
template <int P>
inline void box_muller_fixed(const u64* words, double* out) {
  double zc[P], zs[P];
  for (int i = 0; i < P; ++i) box_muller_pair(words[2 * i], words[2 * i + 1], zc[i], zs[i]);
  for (int i = 0; i < P; ++i) {
    out[2 * i] = zc[i];
    out[2 * i + 1] = zs[i];
  }
}

inline void store_block(const Philox::ctr_type& b, u64* words) {
  words[0] = b[0];
  words[1] = b[1];
  words[2] = b[2];
  words[3] = b[3];
}

}  // namespace

namespace rng_detail {
void box_muller(const std::uint64_t* words, double* out, Index pairs) {
  Index i = 0;
  for (; i + kPairs <= pairs; i += kPairs) box_muller_fixed<kPairs>(words + 2 * i, out + 2 * i);
  for (; i < pairs; ++i) box_muller_fixed<1>(words + 2 * i, out + 2 * i);
}
double open_unit52(std::uint64_t w) { return open_unit(w); }
}  // namespace rng_detail

RngStream::RngStream(std::uint64_t seed, RngUse use, std::uint64_t particle, std::uint64_t step) {
  key_ = {{seed, static_cast<std::uint64_t>(use)}};
  ctr_ = {{particle, step, 0, 0}};
}

RngStream::Philox::ctr_type RngStream::next_block() {
  const Philox::ctr_type out = Philox()(ctr_, key_);
  ++ctr_[2];
  return out;
}

std::uint64_t RngStream::bits() {
  if (words_used_ == 4) {
    words_ = next_block();
    words_used_ = 0;
  }
  return words_[words_used_++];
}

double RngStream::uniform() {
  // The top 53 bits, centred in their cell: strictly inside (0, 1), so log(u) is finite.
  return (static_cast<double>(bits() >> 11) + 0.5) * 0x1.0p-53;
}

double RngStream::normal() {
  if (normals_used_ == 4) {
    u64 words[4];
    store_block(next_block(), words);
    box_muller_fixed<2>(words, normals_);
    normals_used_ = 0;
  }
  return normals_[normals_used_++];
}

void RngStream::fill_normal(double* out, Index n) {
  Index i = 0;
  while (i < n && normals_used_ < 4) out[i++] = normals_[normals_used_++];
  // Whole batches of kBlocks blocks straight into the output.
  u64 words[4 * kBlocks];
  for (; i + 4 * kBlocks <= n; i += 4 * kBlocks) {
    for (int b = 0; b < kBlocks; ++b) store_block(next_block(), words + 4 * b);
    box_muller_fixed<kPairs>(words, out + i);
  }
  // The remaining whole blocks as one padded batch.
  const int blocks = static_cast<int>((n - i) / 4);
  if (blocks > 0) {
    std::fill(words, words + 4 * kBlocks, u64{0});
    for (int b = 0; b < blocks; ++b) store_block(next_block(), words + 4 * b);
    double z[4 * kBlocks];
    box_muller_fixed<kPairs>(words, z);
    std::copy(z, z + 4 * blocks, out + i);
    i += 4 * blocks;
  }
  while (i < n) out[i++] = normal();
}

void CounterRng::fill_normal(Matrix& Z, RngUse use, std::uint64_t first_particle,
                             std::uint64_t step) const {
  fill_normal(Z.data(), Z.rows(), Z.cols(), Z.rows(), use, first_particle, step);
}

void CounterRng::fill_normal(double* data, Index rows, Index cols, Index col_stride, RngUse use,
                             std::uint64_t first_particle, std::uint64_t step) const {
  if (rows <= 0 || cols <= 0) return;
  // The blocks (particle j, block b) of all columns go through the transform in batches of
  // kBlocks, whatever d is (for d = 3 a batch spans 8 particles). Block b of column j has the
  // counter (first_particle + j, step, b, 0), exactly the b-th block of that particle's
  // RngStream, and the transform is elementwise, so the numbers are the stream's.
  const Philox::key_type key = {{seed_, static_cast<std::uint64_t>(use)}};
  const Index blocks_per_col = (rows + 3) / 4;
  u64 words[4 * kBlocks] = {};
  double z[4 * kBlocks];
  double* dst[kBlocks];
  int len[kBlocks];
  int pending = 0;
  auto flush = [&] {
    box_muller_fixed<kPairs>(words, z);
    for (int b = 0; b < pending; ++b) std::copy(z + 4 * b, z + 4 * b + len[b], dst[b]);
    pending = 0;
  };
  for (Index j = 0; j < cols; ++j) {
    Philox::ctr_type ctr = {{first_particle + static_cast<u64>(j), step, 0, 0}};
    double* col = data + j * col_stride;
    for (Index b = 0; b < blocks_per_col; ++b) {
      ctr[2] = static_cast<u64>(b);
      store_block(Philox()(ctr, key), words + 4 * pending);
      dst[pending] = col + 4 * b;
      len[pending] = static_cast<int>(std::min<Index>(4, rows - 4 * b));
      if (++pending == kBlocks) flush();
    }
  }
  if (pending > 0) flush();
}

std::uint64_t CounterRng::derive(std::uint64_t index) const {
  RngStream s(seed_, RngUse::kUser, index, 0xD1FF1AB5EEDULL);
  return s.bits();
}

}  // namespace difflab
