// cpu_sweep.cpp — the fused row-block pass of the CPU backend (see cpu_sweep.hpp).
//
// Per block [i0, i1) of query rows (jend = i1 when causal, else n):
//   1. logits L = q_eff[i0:i1] k_eff[0:jend]^T, one Eigen GEMM written straight into the weights rows;
//   2. per row, in place: the variant's transform, the normaliser, the weights and the spec §7 statistics;
//   3. output O[i0:i1] = W v_eff[0:jend] (GEMM), or the sparse mixes of the value-aware variants;
//   4. the display max-pool of the finished rows.
// Off-support entries are excluded from every max and sum (never filled with -inf or -1e20, spec §0) and end as 0.
#include "kernels/cpu/cpu_sweep.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/implied_temperature.hpp"
#include "kernels/cpu/display_pool.hpp"
#include "kernels/cpu/row_transforms.hpp"
#include "kernels/cpu/simd.hpp"

namespace attnscope::kernels::cpu {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using RowsMap = Eigen::Map<MatF, 0, Eigen::OuterStride<>>;
using ArrMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrMap = Eigen::Map<const Eigen::ArrayXf>;

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Row transforms: logits x[0, m) in, unnormalised u out (row_transforms.hpp), with the sums of u and the
// constant the variant adds to the normaliser; finish_dense_row then scales, counts and finds the order statistics.
// ---------------------------------------------------------------------------------------------------------------

struct RowOut {
    rows::Sums sums;
    double extra = 0;  // w = u / (sum u + extra): eps of LSSA and EA (EA plain: eps / max|s|^2)
};

// A zero normaliser makes the row exactly uniform over its support (spec §0).
void uniform_row(float* x, long m) { std::fill(x, x + m, static_cast<float>(1.0 / static_cast<double>(m))); }

// Stable softmax over the visible keys (mask[j] = 1; no mask: all m keys): the max key contributes u = 1.
RowOut softmax_row(float* x, long m, const float* mask) {
    float top;
    if (mask) {
        top = -std::numeric_limits<float>::max();
        for (long j = 0; j < m; ++j)
            if (mask[j] > 0.0f && x[j] > top) top = x[j];
    } else {
        top = simd::max_of(x, m);
    }
    return {rows::transform(x, m, rows::ExpShift(top), mask)};
}

// kappa(x) (spec §4.2); the exp kernel is the softmax.
RowOut kernel_row(float* x, long m, Kernel kernel) {
    switch (kernel) {
        case Kernel::Exp: return softmax_row(x, m, nullptr);
        case Kernel::Relu: return {rows::transform(x, m, rows::Relu{})};
        case Kernel::Relu2: return {rows::transform(x, m, rows::Relu2{})};
        case Kernel::Softplus: return {rows::transform(x, m, rows::Softplus{})};
        case Kernel::Elu1: return {rows::transform(x, m, rows::Elu1{})};
        case Kernel::Square: return {rows::transform(x, m, rows::Square{})};
    }
    return {};
}

// Expressive attention (spec §6.1).
RowOut ea_row(float* x, long m, EaForm form, double eps) {
    if (form == EaForm::Bounded) return {rows::transform(x, m, rows::EaBounded{}), eps};
    const float amax = simd::abs_max_of(x, m);
    if (amax == 0.0f) return {rows::Sums{}, 0.0};  // zero normaliser: uniform
    return {rows::transform(x, m, rows::EaPlain(1.0f / amax)), eps / (static_cast<double>(amax) * amax)};
}

// LSSAR (spec §5.1). Stage 1 in a_row: a = softplus(lambda qhat.khat), A = a / (sum a + eps), kept (the extras'
// lssa_weights); stage 2 in x, in the same pass: x = N A - O, dead-zone to 0; then w ~ x^p in log space (LogPower).
RowOut lssar_row(float* a_row, float* x, long m, double eps, float offset, float dead, float power) {
    const rows::Sums s = rows::transform(a_row, m, rows::SoftplusValues{});
    const double denom = s.l + eps;
    if (!(denom > 0.0)) {  // zero normaliser: A uniform, and then N A - O = 1 - O for every key
        uniform_row(a_row, m);
        return {};
    }
    namespace ei = simd::ei;
    using simd::Packet;
    const Packet inv = ei::pset1<Packet>(static_cast<float>(1.0 / denom));
    const Packet n = ei::pset1<Packet>(static_cast<float>(m));
    const Packet off = ei::pset1<Packet>(offset), dz = ei::pset1<Packet>(dead), zero = ei::pset1<Packet>(0.0f);
    Packet mx = zero;
    long j = 0;
    for (; j + simd::kLanes <= m; j += simd::kLanes) {
        const Packet a = ei::pmul(ei::ploadu<Packet>(a_row + j), inv);
        ei::pstoreu(a_row + j, a);
        const Packet v = ei::psub(ei::pmul(a, n), off);
        const Packet kept = ei::pselect(ei::pcmp_lt(dz, v), v, zero);
        ei::pstoreu(x + j, kept);
        mx = ei::pmax(mx, kept);
    }
    float xmax = ei::predux_max(mx);
    const float inv_s = static_cast<float>(1.0 / denom);
    for (; j < m; ++j) {
        a_row[j] *= inv_s;
        const float v = a_row[j] * static_cast<float>(m) - offset;
        x[j] = v > dead ? v : 0.0f;
        xmax = std::max(xmax, x[j]);
    }
    if (!(xmax > 0.0f)) return {};  // every x dead: uniform
    return {rows::transform(x, m, rows::LogPower(power, std::log(xmax)))};
}

// w = u / (l + extra), zeros after the support, and the metrics from the sums gathered by the transform.
void finish_dense_row(float* x, long m, long n, const RowOut& r, bool metrics, const MetricsConfig& cfg,
                      RowStatsScratch& scratch, RowMetrics& out, std::size_t i) {
    std::fill(x + m, x + n, 0.0f);
    const double denom = r.sums.l + r.extra;
    if (!(denom > 0.0)) {
        uniform_row(x, m);
        if (metrics) dense_row_metrics(x, m, kNaN, cfg, scratch, out, i);
        return;
    }
    const double inv = 1.0 / denom;
    const double l = r.sums.l;
    const rows::Counts c = rows::scale_count(x, m, static_cast<float>(inv), static_cast<float>(cfg.theta * l),
                                             static_cast<float>(l / static_cast<double>(m) * (1.0 + 1e-6)));
    if (!metrics) return;
    if (!(l > 0.0)) {  // all u = 0 with eps > 0: the weights are all 0 and the metrics undefined (spec §7)
        undefined_row_metrics(out, i);
        return;
    }
    summed_row_metrics(x, m, l, r.sums.xlogx, r.sums.sq, r.sums.max, static_cast<float>(r.sums.max * inv), c.above,
                       c.above_uniform, cfg, scratch, out, i);
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Per-row finishing: metrics, implied temperature
// ---------------------------------------------------------------------------------------------------------------

bool wants_metrics(const BackendOptions& o) { return o.want_metrics || o.want_implied; }

void implied_row(const Prepared& p, Eigen::Index i, long m, BackendResult& r, ThreadScratch& s) {
    const double h = r.result.metrics.entropy[i];
    if (std::isnan(h)) {
        r.result.implied_temperature[i] = kNaN;
        r.result.implied_flag[i] = ImpliedTemperatureFlag::Undefined;
        return;
    }
    // b_ij = q_i.k_j / sqrt(d) over the full support, whatever the variant's own scale (spec §7).
    Eigen::VectorXf b = p.k->topRows(m) * p.q->row(i).transpose();
    s.base.resize(m);
    const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(p.d));
    for (long j = 0; j < m; ++j) s.base[j] = b[j] * inv_sqrt_d;
    const auto [t, flag] = implied_temperature(s.base.data(), m, h);
    r.result.implied_temperature[i] = t;
    r.result.implied_flag[i] = flag;
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Value-aware rows: exact kernel weights p in `prow`, exact output in `orow`; sparse weights in x.
// ---------------------------------------------------------------------------------------------------------------

void value_aware_row(const Prepared& p, Eigen::Index i, long m, const float* prow, const float* orow,
                     const double* vorow, float* x, const BackendOptions& options, BackendResult& r, ThreadScratch& s) {
    const VariantParams& params = *p.params;
    std::fill(x, x + p.n, 0.0f);
    int count = 0;
    s.idx.resize(static_cast<std::size_t>(std::max(params.r, 1)));
    float vals[64];
    std::vector<float> big;
    float* v = vals;
    if (p.kind == VariantKind::VaOblivious) {
        count = top_r(prow, m, params.r, s.idx.data());
        if (count > 64) {
            big.resize(count);
            v = big.data();
        }
        double sum = 0;
        for (int t = 0; t < count; ++t) sum += prow[s.idx[t]];
        for (int t = 0; t < count; ++t) {
            if (!params.renorm)
                v[t] = prow[s.idx[t]];
            else
                v[t] = sum > 0.0 ? static_cast<float>(prow[s.idx[t]] / sum) : 1.0f / static_cast<float>(count);
        }
    } else {
        if (params.solver == Solver::Greedy)
            fit_greedy(*p.v, orow, m, params.r, p.gram_d, p.gram_diag.data(), vorow, s.va, s.fit);
        else
            fit_exact(*p.v, orow, m, params.r, p.gram_d, s.va, s.fit);
        count = static_cast<int>(s.fit.support.size());
        if (count > 64) {
            big.resize(count);
            v = big.data();
        }
        s.idx.assign(s.fit.support.begin(), s.fit.support.end());
        for (int t = 0; t < count; ++t) v[t] = static_cast<float>(s.fit.beta[t]);
    }
    // o_i = sum_t w_t v_{idx_t}; error_l2 = ||o_i - o_exact,i||
    float* out = &r.result.output(i, 0);
    double err2 = 0;
    for (Eigen::Index c = 0; c < p.dv; ++c) {
        double acc = 0;
        for (int t = 0; t < count; ++t) acc += static_cast<double>(v[t]) * (*p.v)(s.idx[t], c);
        out[c] = static_cast<float>(acc);
        const double diff = acc - orow[c];
        err2 += diff * diff;
    }
    for (int t = 0; t < count; ++t) x[s.idx[t]] = v[t];
    if (options.want_extras) r.result.extras.error_l2[i] = std::sqrt(err2);
    if (wants_metrics(options)) sparse_row_metrics(v, count, m, p.metrics, r.result.metrics, i);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Blocks
// ---------------------------------------------------------------------------------------------------------------

void implied_rows(const Prepared& p, Eigen::Index i0, Eigen::Index i1, BackendResult& r, ThreadScratch& s) {
    for (Eigen::Index i = i0; i < i1; ++i) implied_row(p, i, p.support_end(i), r, s);
}

Eigen::Index block_rows(Eigen::Index n) {
    const Eigen::Index b = (Eigen::Index{1} << 17) / std::max<Eigen::Index>(n, 1);  // 512 KiB of floats
    return std::clamp<Eigen::Index>(b, 8, 64);
}

void allocate_result(const Prepared& p, const BackendOptions& o, BackendResult& r) {
    AttentionResult<float>& res = r.result;
    const Eigen::Index n = p.n;
    res.kind = p.kind;
    res.causal = p.causal;
    if (o.want_weights)
        res.weights.resize(n, n);
    else
        res.weights.resize(0, 0);
    res.output.resize(n, p.dv);
    res.temperature = p.temperature;
    if (wants_metrics(o))
        res.metrics.resize(n);
    else
        res.metrics.resize(0);
    res.implied_temperature.assign(o.want_implied ? n : 0, kNaN);
    res.implied_flag.assign(o.want_implied ? n : 0, ImpliedTemperatureFlag::Undefined);

    // Extras of this variant only; prepare() already wrote tau, lambda, S and F.
    VariantExtras<float>& x = res.extras;
    const bool extras = o.want_extras;
    const bool ssa = p.kind == VariantKind::Ssa, sel = p.kind == VariantKind::Selective;
    const bool lssa = p.kind == VariantKind::Lssa || p.kind == VariantKind::Lssar;
    const bool va = p.kind == VariantKind::VaOblivious || p.kind == VariantKind::VaAware;
    if (!(extras && ssa)) x.tau_q.clear(), x.tau_v.clear();
    if (!(extras && sel)) x.sel_s.resize(0, 0), x.sel_f.resize(0, 0);
    if (extras && sel)
        x.pruned.resize(n, n);
    else
        x.pruned.resize(0, 0);
    if (!(extras && lssa)) x.lambda.clear();
    if (extras && p.kind == VariantKind::Lssar)
        x.lssa_weights.resize(n, n);
    else
        x.lssa_weights.resize(0, 0);
    if (extras && va) {
        x.exact_weights.resize(n, n);
        x.exact_output.resize(n, p.dv);
        x.error_l2.assign(n, 0.0);
    } else {
        x.exact_weights.resize(0, 0);
        x.exact_output.resize(0, 0);
        x.error_l2.clear();
    }
    if (o.display_rows > 0 && o.display_cols > 0)
        r.display_map.setZero(o.display_rows, o.display_cols);
    else
        r.display_map.resize(0, 0);
}

void sweep_block(const Prepared& p, Eigen::Index i0, Eigen::Index i1, const BackendOptions& o, BackendResult& r,
                 ThreadScratch& s) {
    const Eigen::Index n = p.n, rows = i1 - i0;
    const Eigen::Index jend = p.causal ? i1 : n;
    const VariantParams& params = *p.params;
    AttentionResult<float>& res = r.result;
    VariantExtras<float>& ex = res.extras;
    const bool va = p.kind == VariantKind::VaOblivious || p.kind == VariantKind::VaAware;
    const bool two_stage = va || p.kind == VariantKind::Lssar;  // logits go to an auxiliary row first

    // Where this block's rows live: the result's own matrices when they are kept, thread scratch otherwise.
    float* w0;
    if (o.want_weights) {
        w0 = &res.weights(i0, 0);
    } else {
        if (s.rows.rows() < rows || s.rows.cols() != n) s.rows.resize(block_rows(n), n);
        w0 = s.rows.data();
    }
    float* a0 = nullptr;
    if (two_stage) {
        if (o.want_extras) {
            a0 = va ? &ex.exact_weights(i0, 0) : &ex.lssa_weights(i0, 0);
        } else {
            if (s.aux.rows() < rows || s.aux.cols() != n) s.aux.resize(block_rows(n), n);
            a0 = s.aux.data();
        }
    }
    float* logits0 = two_stage ? a0 : w0;

    // 1. logits
    RowsMap logits(logits0, rows, jend, Eigen::OuterStride<>(n));
    logits.noalias() = p.q_eff.middleRows(i0, rows) * p.k_eff->topRows(jend).transpose();

    // 2. rows
    if (s.mask.size() < static_cast<std::size_t>(n)) s.mask.resize(n);
    const bool selective_mask = p.kind == VariantKind::Selective && (p.use_threshold || !p.evicted_at.empty());
    for (Eigen::Index i = i0; i < i1; ++i) {
        const long m = p.support_end(i);
        float* x = w0 + (i - i0) * n;
        float* a = two_stage ? a0 + (i - i0) * n : nullptr;
        RowOut out;
        switch (p.kind) {
            case VariantKind::Dpa:
            case VariantKind::Ssa: out = softmax_row(x, m, nullptr); break;
            case VariantKind::Selective: {
                ArrMap(x, m) -= ConstArrMap(&(*p.f)(i, 0), m);
                if (selective_mask)
                    for (long j = 0; j < m; ++j) s.mask[j] = selective_visible(p, i, j) ? 1.0f : 0.0f;
                out = softmax_row(x, m, selective_mask ? s.mask.data() : nullptr);
                if (o.want_extras) {
                    std::uint8_t* pr = &ex.pruned(i, 0);
                    for (long j = 0; j < m; ++j) pr[j] = selective_mask && s.mask[j] == 0.0f ? 1 : 0;
                    std::fill(pr + m, pr + n, std::uint8_t{0});
                }
                break;
            }
            case VariantKind::VaExact: out = kernel_row(x, m, params.kernel); break;
            case VariantKind::VaOblivious:
            case VariantKind::VaAware: {
                // exact kernel weights p into the auxiliary row; the sparse approximations come after the block
                const RowOut k = kernel_row(a, m, params.kernel);
                finish_dense_row(a, m, n, k, false, p.metrics, s.stats, res.metrics, static_cast<std::size_t>(i));
                break;
            }
            case VariantKind::Lssa: out = {rows::transform(x, m, rows::Softplus{}), params.eps}; break;
            case VariantKind::Lssar: {
                const float offset = i < params.offset_free_rows ? 0.0f : static_cast<float>(params.offset);
                out = lssar_row(a, x, m, params.eps, offset, p.lssar_deadzone, static_cast<float>(params.p));
                std::fill(a + m, a + n, 0.0f);
                break;
            }
            case VariantKind::Ea: out = ea_row(x, m, params.form, params.eps); break;
        }
        if (va) continue;  // finished below, after the exact outputs of the block
        finish_dense_row(x, m, n, out, wants_metrics(o), p.metrics, s.stats, res.metrics, static_cast<std::size_t>(i));
    }

    // 3. outputs
    if (!va) {
        const RowsMap w(w0, rows, jend, Eigen::OuterStride<>(n));
        res.output.middleRows(i0, rows).noalias() = w * p.v_eff->topRows(jend);
    } else {
        const RowsMap pm(a0, rows, jend, Eigen::OuterStride<>(n));
        float* oe0;
        if (o.want_extras) {
            oe0 = &ex.exact_output(i0, 0);
        } else {
            if (s.out_exact.rows() < rows || s.out_exact.cols() != p.dv) s.out_exact.resize(block_rows(n), p.dv);
            oe0 = s.out_exact.data();
        }
        RowsMap oe(oe0, rows, p.dv, Eigen::OuterStride<>(p.dv));
        oe.noalias() = pm * p.v->topRows(jend);
        const bool greedy = p.kind == VariantKind::VaAware && params.solver == Solver::Greedy;
        if (greedy) {
            if (s.vo.rows() < rows || s.vo.cols() != n) s.vo.resize(block_rows(n), n);
            s.oe_d = oe.cast<double>();
            Eigen::Map<MatD, 0, Eigen::OuterStride<>> vo(s.vo.data(), rows, jend, Eigen::OuterStride<>(n));
            vo.noalias() = s.oe_d * p.v_d.topRows(jend).transpose();
        }
        for (Eigen::Index i = i0; i < i1; ++i) {
            const long m = p.support_end(i);
            value_aware_row(p, i, m, a0 + (i - i0) * n, oe0 + (i - i0) * p.dv,
                            greedy ? s.vo.data() + (i - i0) * n : nullptr, w0 + (i - i0) * n, o, r, s);
        }
    }

    if (o.want_implied) implied_rows(p, i0, i1, r, s);

    // 4. display
    if (r.display_map.size() > 0) max_pool_rows(w0, n, i0, i1, n, n, r.display_map);
}

}  // namespace attnscope::kernels::cpu
