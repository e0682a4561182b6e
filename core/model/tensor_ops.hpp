// tensor_ops.hpp — the non-attention ops of the transformer, forward and backward side by side.
//
// Every op is written out by hand (no autograd): the maths stays visible, and the same formulas serve the CUDA
// kernels. Each backward *accumulates* into parameter gradients (dw += ...) and *overwrites* input gradients,
// so one zeroed gradient buffer serves a whole batch. Templated on the scalar: float for training, double for
// the finite-difference checks in tests/model/test_grad_ops.cpp.
#pragma once

#include <span>

#include "core/matrix.hpp"

namespace attnscope::model {

template <class T>
using MapC = Eigen::Map<const Mat<T>>;
template <class T>
using MapM = Eigen::Map<Mat<T>>;
template <class T>
using VMapC = Eigen::Map<const Vec<T>>;
template <class T>
using VMapM = Eigen::Map<Vec<T>>;

// ---- linear: y = x w + b ---------------------------------------------------------------------------------------
// x: (N, in); w: (in, out) row-major; b: (out) -> y: (N, out)
template <class T>
void linear_forward(const Mat<T>& x, MapC<T> w, const T* b, Mat<T>& y);
// dy: (N, out) -> dx: (N, in) (skipped when null); dw += x^T dy; db += column sums of dy (skipped when null)
template <class T>
void linear_backward(const Mat<T>& x, MapC<T> w, const Mat<T>& dy, Mat<T>* dx, MapM<T> dw, T* db);

// ---- layer norm over the last axis -----------------------------------------------------------------------------
inline constexpr double kLayerNormEps = 1e-5;

template <class T>
struct LayerNormCache {
    Mat<T> xhat;  // (N, D) normalised input
    Vec<T> rstd;  // (N) 1 / sqrt(var + eps)
};
// x: (N, D); g, b: (D) -> y = xhat * g + b
template <class T>
void layernorm_forward(const Mat<T>& x, const T* g, const T* b, Mat<T>& y, LayerNormCache<T>* cache);
// dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g
template <class T>
void layernorm_backward(const Mat<T>& dy, const T* g, const LayerNormCache<T>& cache, Mat<T>& dx, T* dg, T* db);

// ---- GELU (tanh form, as GPT-2) ---------------------------------------------------------------------------------
template <class T>
void gelu_forward(const Mat<T>& x, Mat<T>& y);
template <class T>
void gelu_backward(const Mat<T>& x, const Mat<T>& dy, Mat<T>& dx);

// ---- rotary position embedding ---------------------------------------------------------------------------------
// x: (n, dh) one head's queries or keys, dh even; row t is at position t + offset. Pairs (2i, 2i+1) rotate by
// angle pos * base^(-2i/dh). Rotation is orthogonal, so the backward is the inverse rotation of the gradient.
inline constexpr double kRopeBase = 10000.0;
template <class T>
void rope_forward(Mat<T>& x, int offset = 0);
template <class T>
void rope_backward(Mat<T>& dx, int offset = 0);

// ---- embeddings -------------------------------------------------------------------------------------------------
// tokens: B sequences of n ids laid out row-major (B*n); tok: (V, D); pos: (P, D) or empty -> x: (B*n, D)
template <class T>
void embed_forward(std::span<const int> tokens, int n, MapC<T> tok, const MapC<T>* pos, Mat<T>& x);
template <class T>
void embed_backward(std::span<const int> tokens, int n, const Mat<T>& dx, MapM<T> dtok, MapM<T>* dpos);

// ---- softmax cross-entropy --------------------------------------------------------------------------------------
// logits: (R, V); targets: (R) -> returns sum_r -log softmax(logits_r)[target_r]; dlogits = scale * (p - onehot)
// (scale = 1 / number of scored rows, so the loss is a mean). correct counts rows whose arg-max is the target.
template <class T>
double cross_entropy(const Mat<T>& logits, std::span<const int> targets, T scale, Mat<T>* dlogits, int* correct);

}  // namespace attnscope::model
