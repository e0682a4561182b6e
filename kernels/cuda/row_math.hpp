// row_math.hpp — the element-wise maths of every variant (spec/variants.md §1-§7) and the small solvers of the
// value-aware variant, written once as __host__ __device__ functions (issue 7 §3).
//
// The CUDA kernels call these, and so does tests/gpu/row_math_test.cpp on the CPU, so the arithmetic of the GPU
// path is checked against reference::attend<double> on every machine, with or without a GPU. Plain C++ when not
// compiled by nvcc: no CUDA header, no Eigen (.cu files must not see Eigen).
//
// [SECTION] portability macros and bit casts
// [SECTION] variant ids and the per-problem parameter block
// [SECTION] element-wise maths (softplus, kernels, EA, LSSA/LSSAR, selective score)
// [SECTION] top-r register heap
// [SECTION] value-aware convex fits (affine least squares, best subset)
// [SECTION] display max-pool ranges, combinatorics
#pragma once

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define ATTNSCOPE_HD __host__ __device__
#define ATTNSCOPE_HDI __host__ __device__ __forceinline__
// The row programs are templates on an executor whose methods are device-only (BlockExec) or host-only
// (SerialExec); this silences nvcc's host/device cross-call check for the instantiation that is never emitted.
#define ATTNSCOPE_EXEC_CHECK_DISABLE _Pragma("nv_exec_check_disable")
#define ATTNSCOPE_UNROLL _Pragma("unroll")
#else
#define ATTNSCOPE_UNROLL
#define ATTNSCOPE_HD
#define ATTNSCOPE_HDI inline
#define ATTNSCOPE_EXEC_CHECK_DISABLE
#endif

namespace attnscope::rowmath {

// =============================================================================================================
// [SECTION] portability macros and bit casts
// =============================================================================================================

ATTNSCOPE_HDI std::uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
#endif
}

ATTNSCOPE_HDI float bits_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
#endif
}

// Marks a key that a query may not see (selective pruning) inside a row buffer. Such keys take part in no max and
// no sum and get weight 0 (spec §0: excluded, never filled with -inf or -1e20). The tag is a quiet NaN with a
// payload; validated inputs are finite, so no computed logit can be mistaken for it.
ATTNSCOPE_HDI float excluded_tag() { return bits_float(0x7fc0a77bu); }
ATTNSCOPE_HDI bool is_excluded(float x) { return x != x; }

ATTNSCOPE_HDI float quiet_nan_f() { return bits_float(0x7fc00000u); }
ATTNSCOPE_HDI double quiet_nan_d() { return static_cast<double>(quiet_nan_f()); }

// =============================================================================================================
// [SECTION] variant ids and the per-problem parameter block
// =============================================================================================================

// Same order as attnscope::VariantKind (checked by a static_assert in cuda_backend.cpp).
enum RowKind : int { kDpa = 0, kSsa, kSelective, kVaExact, kVaOblivious, kVaAware, kLssa, kLssar, kEa, kKindCount };
// Same order as attnscope::Kernel.
enum KernelId : int { kKernelExp = 0, kKernelRelu, kKernelRelu2, kKernelSoftplus, kKernelElu1, kKernelSquare };
// attnscope::ImpliedTemperatureFlag values as bytes.
enum ImpliedFlag : std::uint8_t { kImpliedOk = 0, kImpliedZero = 1, kImpliedInf = 2, kImpliedUndefined = 3 };

// Largest r the value-aware solvers and the register heap of va_oblivious handle on the GPU. r beyond the heap
// uses a sort of the row instead (va_oblivious); va_aware beyond kMaxAwareR is reported unsupported.
inline constexpr int kHeapR = 16;
inline constexpr int kMaxAwareR = 8;

// Every parameter a row needs, resolved on the host from VariantParams (one POD per problem, copied to the GPU).
struct RowParams {
    int kind = kDpa;
    int n = 0, d = 0, dv = 0;
    int causal = 1;
    float scale = 1.0f;  // resolved logit scale s (dpa, ssa, selective, va_*, ea)
    // selective (spec §3)
    float sel_scale = 1.0f;
    int protect_bos = 1;
    int has_threshold = 0;
    float threshold = 0.0f;
    int has_budget = 0;
    int budget = 0;
    // value-aware (spec §4.2)
    int kernel = kKernelExp;
    int r = 2;
    int renorm = 1;
    int greedy = 0;  // solver: 0 exact, 1 greedy
    // lssa / lssar (spec §5.1)
    int normalize_qk = 1;
    float ln_log_d = 0.0f;  // ln(log_d)
    double eps = 0.0;       // shared with EA
    double p = 15.0;
    double offset = 1.0;
    int offset_free_rows = 3;
    double deadzone = 1e-9;
    // ea (spec §6.1)
    int ea_plain = 0;
    // metrics (spec §7)
    int metrics_k = 4;
    double metrics_threshold = 0.01;
};

// Support of query i: keys [0, support_len) (spec §0).
ATTNSCOPE_HDI int support_len(const RowParams& prm, int i) { return prm.causal ? i + 1 : prm.n; }

// =============================================================================================================
// [SECTION] element-wise maths
// =============================================================================================================

// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x, no cancellation for small.
ATTNSCOPE_HDI float softplus(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

// Non-exponential value-aware kernels on x = s q.k (spec §4.2). exp is handled as a stable softmax by the caller.
ATTNSCOPE_HDI float kernel_value(int kernel, float x) {
    switch (kernel) {
        case kKernelRelu:
            return fmaxf(x, 0.0f);
        case kKernelRelu2: {
            const float r = fmaxf(x, 0.0f);
            return r * r;
        }
        case kKernelSoftplus:
            return softplus(x);
        case kKernelElu1:
            return x > 0.0f ? x + 1.0f : expf(x);
        case kKernelSquare:
            return x * x;
        default:
            return 0.0f;
    }
}

// Expressive attention, bounded form e = s^2/(1+s^2), evaluated as 1/(1+1/s^2) for |s| > 1 so s^2 never
// overflows (spec §6.1).
ATTNSCOPE_HDI float ea_bounded(float s) {
    if (fabsf(s) > 1.0f) {
        const float inv = 1.0f / s;
        return 1.0f / (1.0f + inv * inv);
    }
    const float s2 = s * s;
    return s2 / (1.0f + s2);
}

// LSSA length scale lambda_i = ln(log_d) ln(N_i) (spec §5.1), N_i = |S_i|.
ATTNSCOPE_HDI double lssa_lambda(double ln_log_d, int support) { return ln_log_d * log(static_cast<double>(support)); }

// LSSAR stage 2 before the power: x = N A - O, with the dead-zone x <= deadzone -> 0 (spec §5.1). Evaluated in
// double from the float A: N*A is exact in double for N < 2^29, so the cancellation N*A - 1 adds no error of its
// own, and the dead-zone test sees the value the float A implies.
ATTNSCOPE_HDI double lssar_shift(float a, int support, double offset_i, double deadzone) {
    const double x = static_cast<double>(support) * static_cast<double>(a) - offset_i;
    return x > deadzone ? x : 0.0;
}

// LSSAR power in log space: (x / x_max)^p = exp(p ln(x / x_max)); x^15 itself overflows float once x > 369.
// The ratio is <= 1, so its log is accurate to a few ulp and the weight to about p ulp.
ATTNSCOPE_HDI float lssar_power(float x, float x_max, float p) {
    if (!(x > 0.0f)) return 0.0f;
    return expf(p * logf(x / x_max));
}

// Selective attention's S_kj = max(0, s_sel sigma_kj) for j < k (and j > 0 with protect_bos), else 0 (spec §3.1).
ATTNSCOPE_HDI float selection_score(float sel_scale, float sigma, int k, int j, int protect_bos) {
    if (j >= k || (protect_bos && j == 0)) return 0.0f;
    return fmaxf(0.0f, sel_scale * sigma);
}

// Whether query i keeps key j (j <= i) under selective pruning: the current token always; otherwise F_ij <= theta
// (threshold) and not evicted by step i (budget). evict_step[j] is the step that evicted j, INT_MAX if never.
ATTNSCOPE_HDI bool selective_keeps(const RowParams& prm, int i, int j, float f_ij, const int* evict_step) {
    if (j == i) return true;
    if (prm.has_threshold && !(f_ij <= prm.threshold)) return false;
    if (prm.has_budget && evict_step[j] <= i) return false;
    return true;
}

// =============================================================================================================
// [SECTION] top-r register heap
// =============================================================================================================

// Order of the value-oblivious top-r (spec §4.2): larger weight first, ties to the smaller key index.
ATTNSCOPE_HDI bool ranks_before(float a, int ia, float b, int ib) { return a > b || (a == b && ia < ib); }

// The R best (weight, index) pairs one thread has seen, sorted best first. Every loop is unrolled over the
// compile-time R, so the arrays stay in registers (a run-time index would move them to local memory).
template <int R>
struct TopR {
    float val[R];
    int idx[R];

    ATTNSCOPE_HDI void clear() {
        ATTNSCOPE_UNROLL
        for (int t = 0; t < R; ++t) {
            val[t] = -1.0f;  // below every kernel weight (weights are >= 0)
            idx[t] = INT_MAX;
        }
    }
    // Insertion by one bubbling pass: the new pair sinks from the end to its place; the worst falls off.
    ATTNSCOPE_HDI void push(float v, int j) {
        if (!ranks_before(v, j, val[R - 1], idx[R - 1])) return;
        val[R - 1] = v;
        idx[R - 1] = j;
        ATTNSCOPE_UNROLL
        for (int t = R - 1; t > 0; --t) {
            if (ranks_before(val[t], idx[t], val[t - 1], idx[t - 1])) {
                const float tv = val[t];
                val[t] = val[t - 1];
                val[t - 1] = tv;
                const int ti = idx[t];
                idx[t] = idx[t - 1];
                idx[t - 1] = ti;
            }
        }
    }
    ATTNSCOPE_HDI void pop_front() {
        ATTNSCOPE_UNROLL
        for (int t = 0; t + 1 < R; ++t) {
            val[t] = val[t + 1];
            idx[t] = idx[t + 1];
        }
        val[R - 1] = -1.0f;
        idx[R - 1] = INT_MAX;
    }
};

// =============================================================================================================
// [SECTION] value-aware convex fits (spec §4.2), in double
// =============================================================================================================

// min || sum_a beta_a v_a - o ||^2 subject to sum beta = 1, on the keys idx[0..t) (t <= kMaxAwareR).
// v: (n, dv) row-major values; o: (dv) target. Eliminates beta_0 = 1 - sum beta_a, solves the normal equations
// by Gaussian elimination with partial pivoting; returns false ("degenerate") when a pivot falls below
// 1e-12 * max|entry|, exactly the oracle's rule.
ATTNSCOPE_HD inline bool affine_least_squares(const float* v, int dv, const int* idx, int t, const double* o,
                                              double* beta) {
    if (t == 1) {
        beta[0] = 1.0;
        return true;
    }
    constexpr int M = kMaxAwareR - 1;
    double a[M][M + 1];
    const int k = t - 1;
    const float* v0 = v + static_cast<long long>(idx[0]) * dv;
    double scale = 0.0;
    for (int r = 0; r < k; ++r) {
        const float* vr = v + static_cast<long long>(idx[r + 1]) * dv;
        for (int c = r; c < k; ++c) {
            const float* vc = v + static_cast<long long>(idx[c + 1]) * dv;
            double s = 0.0;
            for (int e = 0; e < dv; ++e)
                s += (static_cast<double>(vr[e]) - v0[e]) * (static_cast<double>(vc[e]) - v0[e]);
            a[r][c] = s;
            a[c][r] = s;
            scale = fmax(scale, fabs(s));
        }
        double g = 0.0;
        for (int e = 0; e < dv; ++e) g += (static_cast<double>(vr[e]) - v0[e]) * (o[e] - v0[e]);
        a[r][k] = g;
    }
    if (scale == 0.0) return false;
    const double tol = 1e-12 * scale;
    for (int c = 0; c < k; ++c) {
        int piv = c;
        for (int r = c + 1; r < k; ++r)
            if (fabs(a[r][c]) > fabs(a[piv][c])) piv = r;
        if (fabs(a[piv][c]) <= tol) return false;
        if (piv != c)
            for (int e = c; e <= k; ++e) {
                const double tmp = a[c][e];
                a[c][e] = a[piv][e];
                a[piv][e] = tmp;
            }
        for (int r = c + 1; r < k; ++r) {
            const double f = a[r][c] / a[c][c];
            if (f != 0.0)
                for (int e = c; e <= k; ++e) a[r][e] -= f * a[c][e];
        }
    }
    double x[M];
    double sum_x = 0.0;
    for (int r = k - 1; r >= 0; --r) {
        double s = a[r][k];
        for (int e = r + 1; e < k; ++e) s -= a[r][e] * x[e];
        x[r] = s / a[r][r];
    }
    for (int r = 0; r < k; ++r) sum_x += x[r];
    beta[0] = 1.0 - sum_x;
    for (int r = 0; r < k; ++r) beta[r + 1] = x[r];
    return true;
}

// || sum_a beta_a v_idx[a] - o ||^2
ATTNSCOPE_HD inline double convex_sq_error(const float* v, int dv, const int* idx, int t, const double* beta,
                                           const double* o) {
    double err = 0.0;
    for (int e = 0; e < dv; ++e) {
        double s = 0.0;
        for (int a = 0; a < t; ++a) s += beta[a] * v[static_cast<long long>(idx[a]) * dv + e];
        const double diff = s - o[e];
        err += diff * diff;
    }
    return err;
}

// One candidate support: its squared error, keys and convex weights.
struct ConvexFit {
    double err = -1.0;  // < 0: none yet
    int t = 0;
    int idx[kMaxAwareR];
    double beta[kMaxAwareR];
};

// Fit on the support idx[0..t): valid when the affine solution is strictly inside the simplex (all beta > 0).
ATTNSCOPE_HD inline bool fit_support(const float* v, int dv, const int* idx, int t, const double* o, ConvexFit& out) {
    double beta[kMaxAwareR];
    if (!affine_least_squares(v, dv, idx, t, o, beta)) return false;
    for (int a = 0; a < t; ++a)
        if (!(beta[a] > 0.0)) return false;
    out.err = convex_sq_error(v, dv, idx, t, beta, o);
    out.t = t;
    for (int a = 0; a < t; ++a) {
        out.idx[a] = idx[a];
        out.beta[a] = beta[a];
    }
    return true;
}

// The oracle's exact search restricted to a small candidate set (sorted ascending, size <= kMaxAwareR): every
// support of size 1..rmax, sizes ascending then lexicographic; a later support replaces the best only on a strict
// improvement of more than tol. Singletons are always valid, so a non-empty set always gives a fit.
ATTNSCOPE_HD inline ConvexFit best_convex_small(const float* v, int dv, const int* cands, int count, int rmax,
                                                const double* o, double tol) {
    ConvexFit best;
    const int tmax = rmax < count ? rmax : count;
    for (int t = 1; t <= tmax; ++t) {
        int pos[kMaxAwareR];
        for (int a = 0; a < t; ++a) pos[a] = a;
        while (true) {
            int idx[kMaxAwareR];
            for (int a = 0; a < t; ++a) idx[a] = cands[pos[a]];
            ConvexFit f;
            if (fit_support(v, dv, idx, t, o, f) && (best.err < 0.0 || f.err < best.err - tol)) best = f;
            // next combination in lexicographic order
            int a = t - 1;
            while (a >= 0 && pos[a] == count - t + a) --a;
            if (a < 0) break;
            ++pos[a];
            for (int b = a + 1; b < t; ++b) pos[b] = pos[b - 1] + 1;
        }
    }
    return best;
}

// The oracle's "strict improvement" margin for value-aware searches: 1e-12 (1 + ||o||^2).
ATTNSCOPE_HDI double aware_tolerance(const double* o, int dv) {
    double s = 0.0;
    for (int e = 0; e < dv; ++e) s += o[e] * o[e];
    return 1e-12 * (1.0 + s);
}

// =============================================================================================================
// [SECTION] display max-pool ranges, combinatorics
// =============================================================================================================

// Source range [lo, hi) of display cell `cell` when `n` source rows (or columns) are shown as `cells`: an even
// split, and at least one source row per cell, so a map smaller than the display is repeated, never blank.
ATTNSCOPE_HDI void pool_range(int cell, int n, int cells, int& lo, int& hi) {
    lo = static_cast<int>(static_cast<long long>(cell) * n / cells);
    hi = static_cast<int>(static_cast<long long>(cell + 1) * n / cells);
    if (hi <= lo) hi = lo + 1;
    if (hi > n) hi = n;
    if (lo >= n) lo = n - 1;
}

// C(m, t), saturating at UINT64_MAX (the exact value-aware search only runs below max_subsets).
ATTNSCOPE_HDI std::uint64_t binomial(int m, int t) {
    if (t < 0 || t > m) return 0;
    if (t > m - t) t = m - t;
    std::uint64_t c = 1;
    for (int a = 1; a <= t; ++a) {
        const std::uint64_t num = static_cast<std::uint64_t>(m - t + a);
        if (c > UINT64_MAX / num) return UINT64_MAX;
        c = c * num / static_cast<std::uint64_t>(a);  // exact: c * num is divisible by a at each step
    }
    return c;
}

// The rank-th t-combination of {0..m-1} in lexicographic order (combinatorial number system), into pos[0..t).
ATTNSCOPE_HD inline void unrank_combination(int m, int t, std::uint64_t rank, int* pos) {
    int x = 0;
    for (int a = 0; a < t; ++a) {
        while (true) {
            const std::uint64_t c = binomial(m - x - 1, t - a - 1);
            if (rank < c) break;
            rank -= c;
            ++x;
        }
        pos[a] = x++;
    }
}

// Advances pos[0..t) to the next t-combination of {0..m-1}; false after the last.
ATTNSCOPE_HDI bool next_combination(int m, int t, int* pos) {
    int a = t - 1;
    while (a >= 0 && pos[a] == m - t + a) --a;
    if (a < 0) return false;
    ++pos[a];
    for (int b = a + 1; b < t; ++b) pos[b] = pos[b - 1] + 1;
    return true;
}

}  // namespace attnscope::rowmath
