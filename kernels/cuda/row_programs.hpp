// row_programs.hpp — one query row of every variant, its §7 metrics and its implied temperature, written once
// against an "executor" so the same code runs as a CUDA thread block (block_exec.cuh) and as a plain loop on the
// CPU (serial_exec.hpp, used by tests/gpu/row_math_test.cpp on every machine).
//
// Executor concept (Ex):
//   int first(), step()      strided loop over a row: for (j = ex.first(); j < m; j += ex.step()). Every loop
//                            uses the same stride, so element-wise phases touch only a thread's own elements and
//                            need no barrier between them; reductions synchronise.
//   bool leader(); void sync()
//   float max_f(float), min_f(float); double sum_d(double), min_d(double); int sum_i(int), min_i(int)
//   unsigned long long min_u64(unsigned long long); void sum_d2(double&, double&); void sum_d4(double (&)[4])
//   Best best(float v, int j)             reduction in the order of ranks_before (larger v, then smaller j)
//   void sort_u32(uint32_t* k, int m)     ascending, in place; k has room for pow2ceil(m) entries
//   void sort_u64(uint64_t* k, int m)
//   float* row(); uint64_t* keys64(); double* dvec(); int* ints()   scratch (see each program for sizes)
//   void atomic_max(uint32_t* p, uint32_t v)                           shared with other blocks (display maps)
//
// [SECTION] shared phases: stable softmax, l1 normalisation
// [SECTION] variant rows (spec §1-§6)
// [SECTION] value-oblivious top-r, value-aware solvers
// [SECTION] metrics (spec §7) and implied temperature
// [SECTION] display max-pool
// [SECTION] selective budget evictions (spec §3.2)
#pragma once

#include "kernels/cuda/row_math.hpp"

namespace attnscope::rowmath {

struct Best {
    float v;
    int j;
};

// Inputs of query row i beyond the parameter block. Pointers index keys j of row i (g, f) or of all keys.
struct RowInputs {
    const float* g = nullptr;           // raw dot products g_j = q_i . k_j, j < support
    float tau = 1.0f;                   // ssa: tau_q(i)
    const float* f = nullptr;           // selective: F_ij (accumulated mask)
    const int* evict = nullptr;         // selective budget: eviction step of each key, INT_MAX if never
    float inv_norm_q = 1.0f;            // lssa: 1 / max(|q_i|, 1e-12)
    const float* inv_norm_k = nullptr;  // lssa: 1 / max(|k_j|, 1e-12)
};

// Where a row's extras go (all optional).
struct RowExtrasOut {
    float* aux = nullptr;            // lssar: stage-1 weights A; va_oblivious/va_aware: exact kernel weights p
    std::uint8_t* pruned = nullptr;  // selective: 1 where query i lost key j <= i
};

// Spec §7 per-row metrics, structure of arrays, n entries each.
struct MetricsOut {
    double* entropy = nullptr;
    double* entropy_normalised = nullptr;
    double* effective_support = nullptr;
    double* participation_ratio = nullptr;
    double* spikiness = nullptr;
    double* max_weight = nullptr;
    double* topk_mass = nullptr;
    double* gini = nullptr;
    int* count_above = nullptr;
    int* count_above_uniform = nullptr;
    int* support_size = nullptr;
};

// =============================================================================================================
// [SECTION] shared phases
// =============================================================================================================

// Ascending bitonic sort of k[0, m) in place, padded with `pad` (>= every key) to the next power of two; k must have
// room for it. The network BlockExec runs in shared memory (each thread swaps the pairs t = first, first + step,
// ...; a barrier after each stage); tests run it with several CPU threads.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex, class K>
ATTNSCOPE_HD void bitonic_sort(Ex& ex, K* k, int m, K pad) {
    int np = 1;
    while (np < m) np <<= 1;
    for (int j = m + ex.first(); j < np; j += ex.step()) k[j] = pad;
    ex.sync();
    for (int size = 2; size <= np; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int t = ex.first(); t < (np >> 1); t += ex.step()) {
                const int lo = 2 * t - (t & (stride - 1));
                const int hi = lo + stride;
                const bool ascending = (lo & size) == 0;
                const K a = k[lo], b = k[hi];
                if ((a > b) == ascending) {
                    k[lo] = b;
                    k[hi] = a;
                }
            }
            ex.sync();
        }
    }
}

// x: logits over the support (excluded keys tagged) -> softmax weights, in place. The max is taken over the kept
// keys only; every row keeps at least one key (selective always keeps j = i), so it is a real logit.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void softmax_in_place(Ex& ex, float* x, int m) {
    float mx = -FLT_MAX;
    for (int j = ex.first(); j < m; j += ex.step())
        if (!is_excluded(x[j])) mx = fmaxf(mx, x[j]);
    mx = ex.max_f(mx);
    double z = 0.0;  // float terms summed in double: the sum's own error (m 2^-53) is far below float rounding
    for (int j = ex.first(); j < m; j += ex.step()) {
        if (is_excluded(x[j])) {
            x[j] = 0.0f;
        } else {
            const float e = expf(x[j] - mx);
            x[j] = e;
            z += e;
        }
    }
    z = ex.sum_d(z);
    for (int j = ex.first(); j < m; j += ex.step()) x[j] = static_cast<float>(static_cast<double>(x[j]) / z);
}

// x >= 0 -> x / (sum x + eps); a normaliser that is not > 0 gives the exactly uniform row 1/m (spec §0).
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void normalise_in_place(Ex& ex, float* x, int m, double eps) {
    double z = 0.0;
    for (int j = ex.first(); j < m; j += ex.step()) z += x[j];
    z = ex.sum_d(z) + eps;
    if (!(z > 0.0)) {
        const float u = static_cast<float>(1.0 / m);
        for (int j = ex.first(); j < m; j += ex.step()) x[j] = u;
        return;
    }
    for (int j = ex.first(); j < m; j += ex.step()) x[j] = static_cast<float>(static_cast<double>(x[j]) / z);
}

ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void fill_uniform(Ex& ex, float* x, int m) {
    const float u = static_cast<float>(1.0 / m);
    for (int j = ex.first(); j < m; j += ex.step()) x[j] = u;
}

// Kernel attention row (va_*): exp -> stable softmax of s q.k; other kernels -> kernel value, l1-normalised.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void kernel_row(Ex& ex, const RowParams& prm, const RowInputs& in, int m, float* x) {
    for (int j = ex.first(); j < m; j += ex.step()) {
        const float s = prm.scale * in.g[j];
        x[j] = prm.kernel == kKernelExp ? s : kernel_value(prm.kernel, s);
    }
    if (prm.kernel == kKernelExp)
        softmax_in_place(ex, x, m);
    else
        normalise_in_place(ex, x, m, 0.0);
}

// LSSA stage 1: a_j = softplus(lambda_i cos_ij), A = a / (sum a + eps) (spec §5.1).
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void lssa_row(Ex& ex, const RowParams& prm, const RowInputs& in, int m, float* x) {
    const float lambda = static_cast<float>(lssa_lambda(prm.ln_log_d, m));
    for (int j = ex.first(); j < m; j += ex.step()) {
        const float c = prm.normalize_qk ? in.g[j] * in.inv_norm_q * in.inv_norm_k[j] : in.g[j];
        x[j] = softplus(lambda * c);
    }
    normalise_in_place(ex, x, m, prm.eps);
}

// =============================================================================================================
// [SECTION] variant rows
// =============================================================================================================

// Value-oblivious top-r of the kernel weights p (in x), written back as the sparse row (spec §4.2).
template <class Ex>
ATTNSCOPE_HD void top_r_row(Ex& ex, const RowParams& prm, int m, float* x);

// Query row i of every variant but va_aware's solve: weights over the support into x[0, m). For va_aware this is
// the exact kernel row p (its target), which goes to extras.aux; the solve runs later (va_aware_row).
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void variant_row(Ex& ex, const RowParams& prm, int i, const RowInputs& in, const RowExtrasOut& out,
                              float* x) {
    const int m = support_len(prm, i);
    switch (prm.kind) {
        case kDpa:
        case kSsa: {
            // SSA multiplies the scaled logits by tau before the max-subtraction (spec §2.3); DPA has tau = 1.
            const float s = prm.kind == kSsa ? in.tau * prm.scale : prm.scale;
            for (int j = ex.first(); j < m; j += ex.step()) x[j] = s * in.g[j];
            softmax_in_place(ex, x, m);
            break;
        }
        case kSelective: {
            for (int j = ex.first(); j < m; j += ex.step()) {
                const float fij = in.f[j];
                const bool keep = selective_keeps(prm, i, j, fij, in.evict);
                x[j] = keep ? prm.scale * in.g[j] - fij : excluded_tag();
                if (out.pruned) out.pruned[j] = keep ? 0 : 1;
            }
            softmax_in_place(ex, x, m);
            break;
        }
        case kVaExact:
        case kVaOblivious:
        case kVaAware: {
            kernel_row(ex, prm, in, m, x);
            if (out.aux)
                for (int j = ex.first(); j < m; j += ex.step()) out.aux[j] = x[j];
            if (prm.kind == kVaOblivious) top_r_row(ex, prm, m, x);
            break;
        }
        case kLssa:
            lssa_row(ex, prm, in, m, x);
            break;
        case kLssar: {
            lssa_row(ex, prm, in, m, x);
            if (out.aux)
                for (int j = ex.first(); j < m; j += ex.step()) out.aux[j] = x[j];
            const double offset_i = i < prm.offset_free_rows ? 0.0 : prm.offset;
            float xmax = 0.0f;
            for (int j = ex.first(); j < m; j += ex.step()) {
                x[j] = static_cast<float>(lssar_shift(x[j], m, offset_i, prm.deadzone));
                xmax = fmaxf(xmax, x[j]);
            }
            xmax = ex.max_f(xmax);
            if (!(xmax > 0.0f)) {
                fill_uniform(ex, x, m);  // every key at or below the uniform level (spec §5.1)
                break;
            }
            const float p = static_cast<float>(prm.p);
            for (int j = ex.first(); j < m; j += ex.step()) x[j] = lssar_power(x[j], xmax, p);
            normalise_in_place(ex, x, m, 0.0);
            break;
        }
        case kEa: {
            if (!prm.ea_plain) {
                for (int j = ex.first(); j < m; j += ex.step()) x[j] = ea_bounded(prm.scale * in.g[j]);
                normalise_in_place(ex, x, m, prm.eps);
                break;
            }
            // plain: (s / max|s|)^2 is invariant after normalising and cannot overflow (spec §6.1)
            float amax = 0.0f;
            for (int j = ex.first(); j < m; j += ex.step()) {
                x[j] = prm.scale * in.g[j];
                amax = fmaxf(amax, fabsf(x[j]));
            }
            amax = ex.max_f(amax);
            if (!(amax > 0.0f)) {
                fill_uniform(ex, x, m);
                break;
            }
            for (int j = ex.first(); j < m; j += ex.step()) {
                const float r = x[j] / amax;
                x[j] = r * r;
            }
            const double a = amax;
            normalise_in_place(ex, x, m, prm.eps / (a * a));
            break;
        }
        default:
            break;
    }
    ex.sync();
}

// =============================================================================================================
// [SECTION] value-oblivious top-r, value-aware solvers
// =============================================================================================================

ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void top_r_row(Ex& ex, const RowParams& prm, int m, float* x) {
    const int count = prm.r < m ? prm.r : m;
    if (count <= kHeapR) {
        // Register heap: each thread keeps its kHeapR best, then `count` rounds of a block arg-best pop them.
        TopR<kHeapR> heap;
        heap.clear();
        for (int j = ex.first(); j < m; j += ex.step()) heap.push(x[j], j);
        int sel[kHeapR];
        float sel_p[kHeapR];
        double z = 0.0;
        for (int t = 0; t < count; ++t) {
            const Best b = ex.best(heap.val[0], heap.idx[0]);
            if (b.j == heap.idx[0]) heap.pop_front();
            sel[t] = b.j;
            sel_p[t] = b.v;
            z += b.v;
        }
        ex.sync();  // every thread has read x before it is rewritten
        for (int j = ex.first(); j < m; j += ex.step()) x[j] = 0.0f;
        ex.sync();
        if (ex.leader())
            for (int t = 0; t < count; ++t) {
                float w = sel_p[t];
                if (prm.renorm) w = z > 0.0 ? static_cast<float>(sel_p[t] / z) : static_cast<float>(1.0 / count);
                x[sel[t]] = w;
            }
        ex.sync();
        return;
    }
    // Large r: sort (weight desc, index asc) as one 64-bit key; p >= 0, so its bits order like its value.
    std::uint64_t* keys = ex.keys64();
    for (int j = ex.first(); j < m; j += ex.step())
        keys[j] = (static_cast<std::uint64_t>(~float_bits(x[j])) << 32) | static_cast<std::uint32_t>(j);
    ex.sort_u64(keys, m);
    double z = 0.0;
    for (int t = ex.first(); t < count; t += ex.step()) z += bits_float(~static_cast<std::uint32_t>(keys[t] >> 32));
    z = ex.sum_d(z);
    for (int j = ex.first(); j < m; j += ex.step()) x[j] = 0.0f;
    ex.sync();
    for (int t = ex.first(); t < count; t += ex.step()) {
        const float p = bits_float(~static_cast<std::uint32_t>(keys[t] >> 32));
        float w = p;
        if (prm.renorm) w = z > 0.0 ? static_cast<float>(p / z) : static_cast<float>(1.0 / count);
        x[static_cast<std::uint32_t>(keys[t])] = w;
    }
    ex.sync();
}

// Writes a convex fit as the sparse row x[0, m).
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void write_fit(Ex& ex, const ConvexFit& fit, int m, float* x) {
    for (int j = ex.first(); j < m; j += ex.step()) x[j] = 0.0f;
    ex.sync();
    if (ex.leader())
        for (int a = 0; a < fit.t; ++a) x[fit.idx[a]] = static_cast<float>(fit.beta[a]);
    ex.sync();
}

// Walks the exact search's enumeration (sizes 1..tmax ascending, lexicographic) over ranks [lo, hi).
struct SubsetWalk {
    int m, tmax, t;
    int pos[kMaxAwareR];
    std::uint64_t rank;

    ATTNSCOPE_HD void start(int m_, int tmax_, std::uint64_t lo) {
        m = m_;
        tmax = tmax_;
        rank = lo;
        t = 1;
        std::uint64_t r = lo;
        while (t <= tmax) {
            const std::uint64_t c = binomial(m, t);
            if (r < c) break;
            r -= c;
            ++t;
        }
        if (t <= tmax) unrank_combination(m, t, r, pos);
    }
    ATTNSCOPE_HD void advance() {
        ++rank;
        if (!next_combination(m, t, pos)) {
            ++t;
            for (int a = 0; a < t && t <= tmax; ++a) pos[a] = a;
        }
    }
};

// va_aware: beta_i minimises ||sum beta_j v_j - o_i|| over convex weights with at most r non-zeros (spec §4.2).
// o: the exact kernel output row (dv doubles, shared); v: (n, dv) values. The oracle scans candidates in order and
// keeps the first strict improvement (> tol); in parallel we take the smallest enumeration index whose error is
// within tol of the minimum, which is the same choice unless several errors sit inside a 2 tol band.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void va_aware_row(Ex& ex, const RowParams& prm, int i, const float* v, const double* o, float* x) {
    const int m = support_len(prm, i);
    const int dv = prm.dv;
    const double tol = aware_tolerance(o, dv);
    const int rmax = prm.r < m ? prm.r : m;
    if (!prm.greedy) {
        std::uint64_t total = 0;
        for (int t = 1; t <= rmax; ++t) total += binomial(m, t);
        const std::uint64_t per = (total + ex.step() - 1) / ex.step();
        const std::uint64_t lo = per * ex.first();
        const std::uint64_t hi = lo + per < total ? lo + per : total;
        double local = -1.0;
        SubsetWalk walk;
        if (lo < hi) {
            walk.start(m, rmax, lo);
            for (; walk.rank < hi; walk.advance()) {
                ConvexFit f;
                if (fit_support(v, dv, walk.pos, walk.t, o, f) && (local < 0.0 || f.err < local)) local = f.err;
            }
        }
        const double gmin = ex.min_d(local < 0.0 ? DBL_MAX : local);
        unsigned long long first = ULLONG_MAX;
        if (lo < hi) {
            walk.start(m, rmax, lo);
            for (; walk.rank < hi; walk.advance()) {
                ConvexFit f;
                if (fit_support(v, dv, walk.pos, walk.t, o, f) && f.err <= gmin + tol) {
                    first = walk.rank;
                    break;
                }
            }
        }
        first = ex.min_u64(first);
        walk.start(m, rmax, first);
        ConvexFit best;
        fit_support(v, dv, walk.pos, walk.t, o, best);
        write_fit(ex, best, m, x);
        return;
    }
    // Greedy forward selection: add the key whose inclusion gives the smallest exact error on the chosen set.
    int chosen[kMaxAwareR];
    int nchosen = 0;
    ConvexFit best;
    for (int step = 0; step < rmax; ++step) {
        double local = DBL_MAX;
        for (int pass = 0; pass < 2; ++pass) {
            int first = INT_MAX;
            for (int j = ex.first(); j < m; j += ex.step()) {
                int cand[kMaxAwareR];
                int c = 0;
                bool taken = false;
                for (int a = 0; a < nchosen; ++a) taken = taken || chosen[a] == j;
                if (taken) continue;
                // chosen is kept sorted, so insert j in order
                for (int a = 0; a < nchosen; ++a) {
                    if (c == a && j < chosen[a]) cand[c++] = j;
                    cand[c++] = chosen[a];
                }
                if (c == nchosen) cand[c++] = j;
                const ConvexFit f = best_convex_small(v, dv, cand, c, c, o, tol);
                if (pass == 0) {
                    local = f.err < local ? f.err : local;
                } else if (f.err <= local + tol) {
                    first = j;
                    break;
                }
            }
            if (pass == 0)
                local = ex.min_d(local);
            else
                first = ex.min_i(first);
            if (pass == 1) {
                int a = nchosen;
                while (a > 0 && chosen[a - 1] > first) {
                    chosen[a] = chosen[a - 1];
                    --a;
                }
                chosen[a] = first;
                ++nchosen;
            }
        }
        best = best_convex_small(v, dv, chosen, nchosen, nchosen, o, tol);
        if (best.err <= tol) break;
    }
    write_fit(ex, best, m, x);
}

// =============================================================================================================
// [SECTION] metrics (spec §7) and implied temperature
// =============================================================================================================

// Metrics of row i from its weights x[0, m) (destroys x: it is sorted for the top-k mass and the Gini index).
// p = |w| / sum|w| over the full support; computed in double from the float weights.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void row_metrics(Ex& ex, const RowParams& prm, int i, float* x, const MetricsOut& out) {
    const int m = support_len(prm, i);
    double tot = 0.0;
    for (int j = ex.first(); j < m; j += ex.step()) tot += fabsf(x[j]);
    tot = ex.sum_d(tot);
    if (!(tot > 0.0)) {  // null metrics (spec §7)
        if (ex.leader()) {
            const double nan = quiet_nan_d();
            out.entropy[i] = out.entropy_normalised[i] = out.effective_support[i] = nan;
            out.participation_ratio[i] = out.spikiness[i] = out.max_weight[i] = out.topk_mass[i] = out.gini[i] = nan;
            out.count_above[i] = out.count_above_uniform[i] = out.support_size[i] = -1;
        }
        return;
    }
    // sums[0] = sum a ln a, sums[1] = sum a^2; a > theta tot <=> p > theta, evaluated as the oracle does (p first)
    double sums[4] = {0.0, 0.0, 0.0, 0.0};
    float amax = 0.0f;
    int above = 0, above_uniform = 0;
    const double uniform_level = (1.0 / m) * (1.0 + 1e-6);  // the oracle's UNIFORM_SLACK
    for (int j = ex.first(); j < m; j += ex.step()) {
        const float a = fabsf(x[j]);
        if (a > 0.0f) sums[0] += static_cast<double>(a) * logf(a);
        sums[1] += static_cast<double>(a) * a;
        amax = fmaxf(amax, a);
        const double p = a / tot;
        above += p > prm.metrics_threshold ? 1 : 0;
        above_uniform += p > uniform_level ? 1 : 0;
    }
    ex.sum_d4(sums);
    amax = ex.max_f(amax);
    above = ex.sum_i(above);
    above_uniform = ex.sum_i(above_uniform);

    // top-k mass and Gini need the order: sort |w| ascending (non-negative floats order like their bits)
    std::uint32_t* keys = reinterpret_cast<std::uint32_t*>(x);
    for (int j = ex.first(); j < m; j += ex.step()) keys[j] = float_bits(fabsf(x[j]));
    ex.sort_u32(keys, m);
    const int k = prm.metrics_k < m ? prm.metrics_k : m;
    double tail = 0.0, gini = 0.0;
    for (int r = ex.first(); r < m; r += ex.step()) {
        const double a = bits_float(keys[r]);
        if (r >= m - k) tail += a;
        gini += static_cast<double>(2 * (r + 1) - m - 1) * a;
    }
    ex.sum_d2(tail, gini);

    if (ex.leader()) {
        double h = log(tot) - sums[0] / tot;  // -sum p ln p with p = a / tot
        if (!(h > 0.0)) h = 0.0;              // one-hot rows: no -0.0, no rounding noise below 0
        const double ssq = sums[1] / (tot * tot);
        out.entropy[i] = h;
        out.entropy_normalised[i] = m > 1 ? h / log(static_cast<double>(m)) : 0.0;
        out.effective_support[i] = exp(h);
        out.participation_ratio[i] = 1.0 / ssq;
        out.spikiness[i] = 1.0 / (ssq * m);
        out.max_weight[i] = amax / tot;
        out.topk_mass[i] = tail / tot;
        out.gini[i] = m > 1 ? gini / (tot * m) : 0.0;
        out.count_above[i] = above;
        out.count_above_uniform[i] = above_uniform;
        out.support_size[i] = m;
    }
    ex.sync();
}

// H(softmax(b / T)) for the row b[0, m) with maximum bmax, in double.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD double softmax_entropy_at(Ex& ex, const float* b, int m, double bmax, double temp) {
    double s = 0.0, t = 0.0;
    for (int j = ex.first(); j < m; j += ex.step()) {
        const double y = (b[j] - bmax) / temp;
        const double e = exp(y);
        s += e;
        t += e * y;
    }
    ex.sum_d2(s, t);
    return log(s) - t / s;
}

// Entropy-matched temperature T* with H(softmax(b / T*)) = target (spec §7), b = q.k / sqrt(d) over the full
// support, by bisection on ln(T / spread) over [ln 1e-6, ln 1e6]. b: row buffer (float, m entries).
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void implied_temperature_row(Ex& ex, const float* b, int m, double target, double& value,
                                          std::uint8_t& flag) {
    value = quiet_nan_d();
    if (m <= 1 || target != target) {
        flag = kImpliedUndefined;
        return;
    }
    float hi_b = -FLT_MAX, lo_b = FLT_MAX;
    for (int j = ex.first(); j < m; j += ex.step()) {
        hi_b = fmaxf(hi_b, b[j]);
        lo_b = fminf(lo_b, b[j]);
    }
    hi_b = ex.max_f(hi_b);
    lo_b = ex.min_f(lo_b);
    const double hb = hi_b, lb = lo_b;
    if (hb - lb <= 1e-12 * fmax(1.0, fmax(fabs(hb), fabs(lb)))) {
        flag = kImpliedUndefined;
        return;
    }
    int n_top = 0;
    for (int j = ex.first(); j < m; j += ex.step()) n_top += b[j] == hi_b ? 1 : 0;
    n_top = ex.sum_i(n_top);
    if (target >= log(static_cast<double>(m)) - 1e-12) {
        flag = kImpliedInf;
        return;
    }
    if (target <= log(static_cast<double>(n_top)) + 1e-12) {
        flag = kImpliedZero;
        return;
    }
    const double spread = hb - lb;
    double lo = log(1e-6), hi = log(1e6);
    if (softmax_entropy_at(ex, b, m, hb, spread * exp(hi)) < target) {
        flag = kImpliedInf;
        return;
    }
    if (softmax_entropy_at(ex, b, m, hb, spread * exp(lo)) > target) {
        flag = kImpliedZero;
        return;
    }
    for (int it = 0; it < 300; ++it) {
        const double mid = 0.5 * (lo + hi);
        if (softmax_entropy_at(ex, b, m, hb, spread * exp(mid)) < target)
            lo = mid;
        else
            hi = mid;
        if (hi - lo < 1e-14) break;
    }
    value = spread * exp(0.5 * (lo + hi));
    flag = kImpliedOk;
}

// =============================================================================================================
// [SECTION] display max-pool
// =============================================================================================================

// Folds row i's weights x[0, m) (zero beyond m) into the display rows whose source range holds i: per display cell
// the max over its columns (rowmath::pool_range), then an atomic max across the cell's rows. display: (rows, cols)
// float bits, zeroed before the first row; non-negative floats order like their bits. Saves the GPU a second pass
// over the (n, n) map: only rows * cols numbers leave it.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void pool_row(Ex& ex, const float* x, int m, int i, int n, int rows, int cols, std::uint32_t* display) {
    const long long first = static_cast<long long>(i) * rows / n;
    const long long last = static_cast<long long>(i + 1) * rows / n + 1;
    for (long long r = first > 0 ? first - 1 : 0; r < rows && r <= last; ++r) {
        int r0, r1;
        pool_range(static_cast<int>(r), n, rows, r0, r1);
        if (i < r0 || i >= r1) continue;
        for (int c = ex.first(); c < cols; c += ex.step()) {
            int c0, c1;
            pool_range(c, n, cols, c0, c1);
            float mx = 0.0f;
            for (int j = c0; j < c1 && j < m; ++j) mx = fmaxf(mx, x[j]);
            if (mx > 0.0f) ex.atomic_max(display + r * cols + c, float_bits(mx));
        }
    }
}

// =============================================================================================================
// [SECTION] selective budget evictions (spec §3.2)
// =============================================================================================================

// The sequential KV-buffer emulation: at step i append token i; while the buffer holds more than B tokens, evict the
// non-current (and, with protect_bos, non-BOS) token with the largest F_ij, ties to the oldest. Evictions are
// permanent. f: (n, n) row-major F; evict_step[j] <- the step that evicted j, INT_MAX if never. Inherently
// sequential over i; each step's arg-max over the buffer is parallel. buf: ex.ints(), room for n + 1 ints.
ATTNSCOPE_EXEC_CHECK_DISABLE
template <class Ex>
ATTNSCOPE_HD void budget_evictions(Ex& ex, const RowParams& prm, const float* f, int* evict_step) {
    const int n = prm.n;
    int* buf = ex.ints();
    for (int j = ex.first(); j < n; j += ex.step()) evict_step[j] = INT_MAX;
    int size = 0;
    for (int i = 0; i < n; ++i) {
        if (ex.leader()) buf[size] = i;
        ++size;
        ex.sync();
        const float* fi = f + static_cast<long long>(i) * n;
        while (size > prm.budget) {
            float bv = -1.0f;  // F >= 0
            int bj = INT_MAX, bslot = -1;
            for (int s = ex.first(); s < size; s += ex.step()) {
                const int j = buf[s];
                if (j == i || (prm.protect_bos && j == 0)) continue;
                if (ranks_before(fi[j], j, bv, bj)) {
                    bv = fi[j];
                    bj = j;
                    bslot = s;
                }
            }
            const Best b = ex.best(bv, bj);
            if (b.j == INT_MAX) break;  // only BOS and the current token left: the buffer stays above B
            if (bj == b.j) {            // the one thread holding the winner removes it (buffer order is free)
                evict_step[b.j] = i;
                buf[bslot] = buf[size - 1];
            }
            --size;
            ex.sync();
        }
    }
    ex.sync();
}

}  // namespace attnscope::rowmath
