#include "models/native_net.hpp"

#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "actors/runtime/assert.hpp"
#include "actors/runtime/detmath.hpp"

namespace verity {

namespace {
/// 2^n as a float, exactly, for n in [-126, 127] (a normal number).
inline float pow2f(int n) { return std::bit_cast<float>(static_cast<std::uint32_t>(n + 127) << 23); }
/// y * 2^n with one rounding, as std::ldexp gives it, without the libm call
/// (the LSTM makes five of these per unit per step): y * 2^n is exact while
/// normal; past the ends the scaling is split so only the last product rounds.
/// Checked bit for bit against ldexp over every 7th float of det_expf's range.
inline float scale2(float y, int n) {
  if (n > 127) return (y * pow2f(127)) * pow2f(n - 127);
  if (n < -126) return (y * pow2f(n + 64)) * pow2f(-64);
  return y * pow2f(n);
}
}  // namespace

float det_expf(float x) {
  // Cephes expf: x = n ln2 + r with a two-part ln2 (Cody–Waite), a degree-6
  // polynomial for e^r on |r| <= ln2 / 2, then scaling by 2^n (exact).
  if (std::isnan(x)) return x;
  if (x > 88.72283f) return std::numeric_limits<float>::infinity();
  if (x < -103.97208f) return 0.0f;
  const float fx = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  const float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * z + r + 1.0f;
  return scale2(y, static_cast<int>(fx));
}

float det_sigmoidf(float x) {
  if (x >= 0) return 1.0f / (1.0f + det_expf(-x));
  const float e = det_expf(x);
  return e / (1.0f + e);
}

float det_tanhf(float x) {
  if (x > 15.0f) return 1.0f;
  if (x < -15.0f) return -1.0f;
  return 1.0f - 2.0f / (det_expf(2.0f * x) + 1.0f);
}

namespace {
/// Row-major [rows, cols] -> [cols, rows], so a matrix-vector product can run
/// column by column (y += W[:, j] * x[j]): contiguous, vectorisable without
/// reordering any sum.
std::vector<float> transpose(const NamedTensor& t) {
  const std::size_t rows = t.shape[0], cols = t.shape[1];
  std::vector<float> out(rows * cols);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[c * rows + r] = t.values[r * cols + c];
  return out;
}

/// y[0..rows) += sum_j wt[j][.] * x[j], j ascending: each y[r] is a chain
/// of multiply-then-add in the same order whatever the vector width, so
/// the AVX2 build of the loop gives the same bits as the baseline one
/// (-ffp-contract=off: no fused multiply-add in either).
[[gnu::always_inline]] inline void accumulate_body(const float* wt, const float* x, std::size_t cols, std::size_t rows,
                                                   float* y) {
  for (std::size_t j = 0; j < cols; ++j) {
    const float v = x[j];
    const float* w = wt + j * rows;
    for (std::size_t r = 0; r < rows; ++r) y[r] += w[r] * v;
  }
}
}  // namespace

namespace detail {
void accumulate_generic(const float* wt, const float* x, std::size_t cols, std::size_t rows, float* y) {
  accumulate_body(wt, x, cols, rows, y);
}
[[gnu::target("avx2")]] void accumulate_avx2(const float* wt, const float* x, std::size_t cols, std::size_t rows,
                                              float* y) {
  accumulate_body(wt, x, cols, rows, y);
}
namespace {
/// Units [from, h_n) of the cell, one at a time.
void lstm_cell_scalar(const float* g, std::size_t h_n, std::size_t from, float* c, float* h) {
  // Torch's gate order: input, forget, cell, output.
  for (std::size_t k = from; k < h_n; ++k) {
    const float i = det_sigmoidf(g[k]);
    const float f = det_sigmoidf(g[h_n + k]);
    const float gg = det_tanhf(g[2 * h_n + k]);
    const float o = det_sigmoidf(g[3 * h_n + k]);
    c[k] = f * c[k] + i * gg;
    h[k] = o * det_tanhf(c[k]);
  }
}
}  // namespace

void lstm_cell_generic(const float* g, std::size_t h_n, float* c, float* h) { lstm_cell_scalar(g, h_n, 0, c, h); }

namespace {
/// det_expf on eight lanes, the same operations in the same order (the
/// Cody–Waite reduction, the polynomial, the exact scaling by 2^n), so the
/// same bits. Lanes the scalar function treats apart (NaN, beyond the
/// range, a 2^n that is not a normal float) are recomputed by it.
[[gnu::target("avx2")]] inline __m256 det_expf8(__m256 x) {
  const __m256 fx = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                                  _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(fx, _mm256_set1_ps(0.693359375f)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(fx, _mm256_set1_ps(-2.12194440e-4f)));
  const __m256 z = _mm256_mul_ps(r, r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, z), r), _mm256_set1_ps(1.0f));
  const __m256i n = _mm256_cvttps_epi32(fx);
  const __m256 pow2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
  __m256 out = _mm256_mul_ps(y, pow2);
  // Lanes for the scalar path: NaN, x outside [-103.97, 88.72], n outside [-126, 127].
  const __m256 special = _mm256_or_ps(
      _mm256_or_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q), _mm256_cmp_ps(x, _mm256_set1_ps(88.72283f), _CMP_GT_OQ)),
      _mm256_or_ps(_mm256_cmp_ps(x, _mm256_set1_ps(-103.97208f), _CMP_LT_OQ),
                   _mm256_castsi256_ps(_mm256_or_si256(_mm256_cmpgt_epi32(n, _mm256_set1_epi32(127)),
                                                       _mm256_cmpgt_epi32(_mm256_set1_epi32(-126), n)))));
  if (_mm256_movemask_ps(special) != 0) {
    alignas(32) float xs[8], os[8];
    _mm256_store_ps(xs, x);
    _mm256_store_ps(os, out);
    const int m = _mm256_movemask_ps(special);
    for (int lane = 0; lane < 8; ++lane)
      if (m & (1 << lane)) os[lane] = det_expf(xs[lane]);
    out = _mm256_load_ps(os);
  }
  return out;
}

/// det_sigmoidf on eight lanes: both of its branches read e^-|x|.
[[gnu::target("avx2")]] inline __m256 det_sigmoidf8(__m256 x) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 neg_abs = _mm256_xor_ps(_mm256_and_ps(x, abs_mask), _mm256_set1_ps(-0.0f));
  const __m256 e = det_expf8(neg_abs);
  const __m256 one_plus = _mm256_add_ps(_mm256_set1_ps(1.0f), e);
  const __m256 pos = _mm256_div_ps(_mm256_set1_ps(1.0f), one_plus);
  const __m256 neg = _mm256_div_ps(e, one_plus);
  // x >= 0 (false for NaN, as in the scalar code, whose e^x is NaN then too).
  const __m256 ge = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);
  return _mm256_blendv_ps(neg, pos, ge);
}

/// det_tanhf on eight lanes.
[[gnu::target("avx2")]] inline __m256 det_tanhf8(__m256 x) {
  const __m256 e = det_expf8(_mm256_mul_ps(_mm256_set1_ps(2.0f), x));
  __m256 t = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  t = _mm256_blendv_ps(t, _mm256_set1_ps(1.0f), _mm256_cmp_ps(x, _mm256_set1_ps(15.0f), _CMP_GT_OQ));
  return _mm256_blendv_ps(t, _mm256_set1_ps(-1.0f), _mm256_cmp_ps(x, _mm256_set1_ps(-15.0f), _CMP_LT_OQ));
}
}  // namespace

[[gnu::target("avx2")]] void lstm_cell_avx2(const float* g, std::size_t h_n, float* c, float* h) {
  std::size_t k = 0;
  for (; k + 8 <= h_n; k += 8) {
    const __m256 i = det_sigmoidf8(_mm256_loadu_ps(g + k));
    const __m256 f = det_sigmoidf8(_mm256_loadu_ps(g + h_n + k));
    const __m256 gg = det_tanhf8(_mm256_loadu_ps(g + 2 * h_n + k));
    const __m256 o = det_sigmoidf8(_mm256_loadu_ps(g + 3 * h_n + k));
    const __m256 cn = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(c + k)), _mm256_mul_ps(i, gg));
    _mm256_storeu_ps(c + k, cn);
    _mm256_storeu_ps(h + k, _mm256_mul_ps(o, det_tanhf8(cn)));
  }
  lstm_cell_scalar(g, h_n, k, c, h);  // the units past the last full lane
}

}  // namespace detail

namespace {
/// The build of accumulate this CPU runs: AVX2 (eight lanes) where there is
/// one, else the baseline's SSE2. Chosen once.
using AccumulateFn = void (*)(const float*, const float*, std::size_t, std::size_t, float*);
const AccumulateFn accumulate = cpu_has_avx2() ? detail::accumulate_avx2 : detail::accumulate_generic;
/// One LSTM step's gates and state update: c = f*c + i*g, h = o*tanh(c).
using CellFn = void (*)(const float*, std::size_t, float*, float*);
const CellFn lstm_cell = cpu_has_avx2() ? detail::lstm_cell_avx2 : detail::lstm_cell_generic;

/// y[0..rows) = bias + sum_j wt[j][.] * x[j], j ascending.
void affine(const float* wt, const float* bias, const float* x, std::size_t cols, std::size_t rows, float* y) {
  for (std::size_t r = 0; r < rows; ++r) y[r] = bias ? bias[r] : 0.0f;
  accumulate(wt, x, cols, rows, y);
}

void layer_norm(float* x, const float* gain, const float* bias, std::size_t n) {
  float mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<float>(n);
  float var = 0;
  for (std::size_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= static_cast<float>(n);
  const float inv = 1.0f / std::sqrt(var + 1e-5f);
  for (std::size_t i = 0; i < n; ++i) x[i] = (x[i] - mean) * inv * gain[i] + bias[i];
}

std::size_t index_of(const std::vector<NamedTensor>& ts, const std::string& name) {
  for (std::size_t i = 0; i < ts.size(); ++i)
    if (ts[i].name == name) return i;
  VERITY_ASSERT(false, "the tensor list was validated against expected_tensors");
  return 0;
}

const NamedTensor& find(const std::vector<NamedTensor>& ts, const std::string& name) { return ts[index_of(ts, name)]; }
}  // namespace

std::expected<NativeNet, std::string> NativeNet::make(const NetShape& shape, const std::vector<NamedTensor>& tensors) {
  const auto expected = expected_tensors(shape);
  if (tensors.size() != expected.size())
    return std::unexpected("network has " + std::to_string(tensors.size()) + " tensors, its shape needs " +
                           std::to_string(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (tensors[i].name != expected[i].name || tensors[i].shape != expected[i].shape ||
        tensors[i].values.size() != expected[i].numel())
      return std::unexpected("tensor '" + tensors[i].name + "' does not match the network's '" + expected[i].name + "'");
  }
  NativeNet n;
  n.shape_ = shape;
  n.tensors_ = tensors;
  const auto& head = find(tensors, "head.weight");
  n.head_w_ = head.values;
  n.head_b_ = find(tensors, "head.bias").values[0];
  if (shape.kind == NetKind::lstm) {
    n.prepared_.push_back(transpose(find(tensors, "lstm.weight_ih_l0")));
    n.prepared_.push_back(transpose(find(tensors, "lstm.weight_hh_l0")));
    std::vector<float> bias = find(tensors, "lstm.bias_ih_l0").values;
    const auto& bhh = find(tensors, "lstm.bias_hh_l0").values;
    for (std::size_t i = 0; i < bias.size(); ++i) bias[i] += bhh[i];
    n.prepared_.push_back(std::move(bias));
  } else if (shape.kind == NetKind::transformer) {
    n.prepared_.push_back(transpose(find(tensors, "input.weight")));
    n.position_ = index_of(tensors, "position");
    n.input_bias_ = index_of(tensors, "input.bias");
    for (std::uint32_t l = 0; l < shape.layers; ++l) {
      const std::string p = "layer" + std::to_string(l) + ".";
      n.prepared_.push_back(transpose(find(tensors, p + "qkv.weight")));
      n.prepared_.push_back(transpose(find(tensors, p + "out.weight")));
      n.prepared_.push_back(transpose(find(tensors, p + "ff1.weight")));
      n.prepared_.push_back(transpose(find(tensors, p + "ff2.weight")));
      n.layers_.push_back({index_of(tensors, p + "qkv.bias"), index_of(tensors, p + "out.bias"),
                           index_of(tensors, p + "ff1.bias"), index_of(tensors, p + "ff2.bias"),
                           index_of(tensors, p + "norm1.weight"), index_of(tensors, p + "norm1.bias"),
                           index_of(tensors, p + "norm2.weight"), index_of(tensors, p + "norm2.bias")});
    }
  }
  return n;
}

std::size_t NativeNet::embedding_size() const { return head_w_.size(); }

float NativeNet::logit(std::span<const float> window) const {
  std::vector<float> e;
  return forward(window, e);
}

float NativeNet::forward(std::span<const float> window, std::vector<float>& out) const {
  const std::size_t in = shape_.inputs, steps = shape_.window;
  VERITY_ASSERT(window.size() == in * steps, "a window is window x inputs values");
  if (shape_.kind == NetKind::logistic) {
    out.assign(window.end() - static_cast<std::ptrdiff_t>(in), window.end());
  } else if (shape_.kind == NetKind::lstm) {
    const std::size_t h_n = shape_.hidden, g_n = 4 * h_n;
    std::vector<float> h(h_n, 0.0f), c(h_n, 0.0f), g(g_n);
    const float* wih = prepared_[0].data();
    const float* whh = prepared_[1].data();
    const float* bias = prepared_[2].data();
    for (std::size_t t = 0; t < steps; ++t) {
      affine(wih, bias, window.data() + t * in, in, g_n, g.data());
      accumulate(whh, h.data(), h_n, g_n, g.data());
      lstm_cell(g.data(), h_n, c.data(), h.data());
    }
    out = std::move(h);
  } else {
    out = transformer_embedding(window);
  }
  float logit = head_b_;
  for (std::size_t i = 0; i < out.size(); ++i) logit += head_w_[i] * out[i];
  return logit;
}

std::vector<float> NativeNet::transformer_embedding(std::span<const float> window) const {
  const std::size_t in = shape_.inputs, s_n = shape_.window, d = shape_.hidden, heads = shape_.heads,
                    dh = d / heads, ff = shape_.ff;
  auto at = [this](std::size_t i) { return tensors_[i].values.data(); };
  const float* pos = at(position_);
  std::vector<float> x(s_n * d), qkv(s_n * 3 * d), attn(s_n * d), tmp(d), hid(ff), scores(s_n);
  const float* in_b = at(input_bias_);
  for (std::size_t s = 0; s < s_n; ++s) {
    affine(prepared_[0].data(), in_b, window.data() + s * in, in, d, x.data() + s * d);
    for (std::size_t k = 0; k < d; ++k) x[s * d + k] += pos[s * d + k];
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  for (std::uint32_t l = 0; l < shape_.layers; ++l) {
    const LayerTensors& lt = layers_[l];
    const float* wqkv = prepared_[1 + 4 * l].data();
    const float* wout = prepared_[2 + 4 * l].data();
    const float* w1 = prepared_[3 + 4 * l].data();
    const float* w2 = prepared_[4 + 4 * l].data();
    const float* bqkv = at(lt.qkv_bias);
    const float* bout = at(lt.out_bias);
    const float* b1 = at(lt.ff1_bias);
    const float* b2 = at(lt.ff2_bias);
    const float* n1g = at(lt.norm1_gain);
    const float* n1b = at(lt.norm1_bias);
    const float* n2g = at(lt.norm2_gain);
    const float* n2b = at(lt.norm2_bias);
    for (std::size_t s = 0; s < s_n; ++s) affine(wqkv, bqkv, x.data() + s * d, d, 3 * d, qkv.data() + s * 3 * d);
    // Scaled dot-product attention per head; q, k, v are the three thirds of qkv.
    for (std::size_t hd = 0; hd < heads; ++hd) {
      for (std::size_t s = 0; s < s_n; ++s) {
        const float* q = qkv.data() + s * 3 * d + hd * dh;
        float top = -std::numeric_limits<float>::infinity();
        for (std::size_t t = 0; t < s_n; ++t) {
          const float* k = qkv.data() + t * 3 * d + d + hd * dh;
          float dot = 0;
          for (std::size_t i = 0; i < dh; ++i) dot += q[i] * k[i];
          scores[t] = dot * scale;
          if (scores[t] > top) top = scores[t];
        }
        float total = 0;
        for (std::size_t t = 0; t < s_n; ++t) {
          scores[t] = det_expf(scores[t] - top);
          total += scores[t];
        }
        float* a = attn.data() + s * d + hd * dh;
        for (std::size_t i = 0; i < dh; ++i) a[i] = 0;
        for (std::size_t t = 0; t < s_n; ++t) {
          const float wgt = scores[t] / total;
          const float* v = qkv.data() + t * 3 * d + 2 * d + hd * dh;
          for (std::size_t i = 0; i < dh; ++i) a[i] += wgt * v[i];
        }
      }
    }
    // Post-norm residual blocks, as torch's TransformerEncoderLayer (ReLU).
    for (std::size_t s = 0; s < s_n; ++s) {
      float* xs = x.data() + s * d;
      affine(wout, bout, attn.data() + s * d, d, d, tmp.data());
      for (std::size_t k = 0; k < d; ++k) xs[k] += tmp[k];
      layer_norm(xs, n1g, n1b, d);
      affine(w1, b1, xs, d, ff, hid.data());
      for (auto& v : hid) v = v > 0 ? v : 0.0f;
      affine(w2, b2, hid.data(), ff, d, tmp.data());
      for (std::size_t k = 0; k < d; ++k) xs[k] += tmp[k];
      layer_norm(xs, n2g, n2b, d);
    }
  }
  std::vector<float> pooled(d, 0.0f);
  for (std::size_t s = 0; s < s_n; ++s)
    for (std::size_t k = 0; k < d; ++k) pooled[k] += x[s * d + k];
  for (auto& v : pooled) v /= static_cast<float>(s_n);
  return pooled;
}

void NativeNet::set_head(std::span<const float> weight, float bias) {
  VERITY_ASSERT(weight.size() == head_w_.size(), "a new head has the embedding's width");
  head_w_.assign(weight.begin(), weight.end());
  head_b_ = bias;
  for (auto& t : tensors_) {
    if (t.name == "head.weight") t.values = head_w_;
    if (t.name == "head.bias") t.values = {bias};
  }
}

}  // namespace verity
