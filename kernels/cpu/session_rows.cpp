// session_rows.cpp — running row summaries for incremental edits (see session_rows.hpp).
#include "kernels/cpu/session_rows.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/cpu/display_pool.hpp"
#include "kernels/cpu/simd.hpp"

namespace attnscope::kernels::cpu {
namespace {

// exp(x - ref) overflows float past 88; re-reference the row well before.
constexpr float kMaxShift = 80.0f;
// The row's largest e fell this low against its reference: re-reference before the others underflow.
constexpr float kMinTop = 1e-30f;
// The new normaliser lost this much against the old one: re-sum rather than trust the difference.
constexpr double kCancel = 1e-7;

float softplus(float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::abs(x))); }

// kappa of the non-exponential rows (the same forms as cpu_sweep.cpp).
float kappa(const Prepared& p, float x) {
    if (p.kind == VariantKind::Lssa) return softplus(x);
    if (p.kind == VariantKind::Ea) {
        const float s2 = x * x;
        return std::abs(x) > 1.0f ? 1.0f / (1.0f + 1.0f / s2) : s2 / (1.0f + s2);
    }
    switch (p.params->kernel) {
        case Kernel::Relu: return std::max(x, 0.0f);
        case Kernel::Relu2: { const float y = std::max(x, 0.0f); return y * y; }
        case Kernel::Softplus: return softplus(x);
        case Kernel::Elu1: return x > 0.0f ? x + 1.0f : std::exp(x);
        case Kernel::Square: return x * x;
        case Kernel::Exp: break;
    }
    return x;
}

void apply_kappa(const Prepared& p, float* x, long m) {
    Eigen::Map<Eigen::ArrayXf> a(x, m);
    if (p.kind == VariantKind::Lssa || (p.kind == VariantKind::VaExact && p.params->kernel == Kernel::Softplus)) {
        a = a.max(0.0f) + (-a.abs()).exp().log1p();
        return;
    }
    if (p.kind == VariantKind::Ea) {
        a = (a.abs() > 1.0f).select((1.0f + a.square().inverse()).inverse(), a.square() / (1.0f + a.square()));
        return;
    }
    for (long j = 0; j < m; ++j) x[j] = kappa(p, x[j]);
}

double xlogx(float e) { return e > 0.0f ? static_cast<double>(e) * std::log(static_cast<double>(e)) : 0.0; }

void pool_cells(const RowSummaries& s, const float* row, Eigen::Index n, Eigen::Index b, float& out) {
    const Eigen::Index cols = s.display_cols;
    const Eigen::Index c0 = (b * n) / cols;
    const Eigen::Index c1 = std::max(std::min(((b + 1) * n + cols - 1) / cols, n), c0 + 1);
    float m = row[c0];
    for (Eigen::Index j = c0 + 1; j < c1; ++j) m = std::max(m, row[j]);
    out = m;
}

}  // namespace

bool rank_one_variant(VariantKind kind, const VariantParams& params) {
    switch (kind) {
        case VariantKind::Dpa:
        case VariantKind::Ssa:
        case VariantKind::VaExact:
        case VariantKind::Lssa: return true;
        case VariantKind::Ea: return params.form == EaForm::Bounded;
        case VariantKind::Selective: return !params.prune_threshold && !params.budget;
        default: return false;
    }
}

void RowSummaries::allocate(const Prepared& p, Eigen::Index cols) {
    const Eigen::Index n = p.n;
    exp_rows = p.kind == VariantKind::Dpa || p.kind == VariantKind::Ssa || p.kind == VariantKind::Selective ||
               (p.kind == VariantKind::VaExact && p.params->kernel == Kernel::Exp);
    eps = (p.kind == VariantKind::Lssa || p.kind == VariantKind::Ea) ? p.params->eps : 0.0;
    display_cols = cols;
    e.resize(n, n);
    sorted.resize(n, n);
    ref.assign(n, 0.0f);
    l.assign(n, 0.0);
    xlogx.assign(n, 0.0);
    sq.assign(n, 0.0);
    rank_sum.assign(n, 0.0);
    uniform.assign(n, 0);
    acc.resize(n, p.dv);
    pool.resize(cols > 0 ? n : 0, cols);
}

void build_row(const Prepared& p, RowSummaries& s, Eigen::Index i, RowStatsScratch& scratch) {
    const Eigen::Index n = p.n;
    const long m = p.support_end(i);
    float* x = &s.e(i, 0);
    Eigen::Map<Eigen::RowVectorXf>(x, m).noalias() = p.q_eff.row(i) * p.k_eff->topRows(m).transpose();
    if (p.kind == VariantKind::Selective) Eigen::Map<Eigen::ArrayXf>(x, m) -= Eigen::Map<const Eigen::ArrayXf>(&(*p.f)(i, 0), m);
    // The running sums are later updated by differences, which cancel when a dominant entry leaves: they must
    // start accurate to double, not to a float accumulator's ~m eps/32, so they are summed here in double.
    scratch.y.resize(static_cast<std::size_t>(std::max<long>(m, 1)));
    float* y = scratch.y.data();
    if (s.exp_rows) {
        s.ref[i] = simd::max_of(x, m);
        for (long j = 0; j < m; ++j) y[j] = x[j] - s.ref[i];  // ln e_j
        simd::exp_shift(x, m, s.ref[i]);
    } else {
        apply_kappa(p, x, m);
        Eigen::Map<Eigen::ArrayXf>(y, m) = Eigen::Map<const Eigen::ArrayXf>(x, m).max(1e-38f).log();
    }
    double l = 0, xl = 0;
#pragma omp simd reduction(+ : l, xl)
    for (long j = 0; j < m; ++j) {
        l += static_cast<double>(x[j]);
        xl += x[j] > 0.0f ? static_cast<double>(x[j]) * y[j] : 0.0;
    }
    s.l[i] = l;
    s.xlogx[i] = xl;
    std::fill(x + m, x + n, 0.0f);
    s.uniform[i] = 0;
    if (!(s.l[i] + s.eps > 0.0)) {  // zero normaliser: the uniform row of spec §0, kept as e = 1
        std::fill(x, x + m, 1.0f);
        s.l[i] = static_cast<double>(m);
        s.xlogx[i] = 0.0;
        s.uniform[i] = 1;
    }
    double sq = 0;
#pragma omp simd reduction(+ : sq)
    for (long j = 0; j < m; ++j) sq += static_cast<double>(x[j]) * x[j];
    s.sq[i] = sq;
    float* sorted = &s.sorted(i, 0);
    sort_nonnegative(x, m, sorted, scratch);
    double rs = 0;
#pragma omp simd reduction(+ : rs)
    for (long r = 0; r < m; ++r) rs += static_cast<double>(r + 1) * sorted[r];
    s.rank_sum[i] = rs;
    s.acc.row(i) = (Eigen::Map<const Eigen::RowVectorXf>(x, m) * p.v_eff->topRows(m)).cast<double>();
    for (Eigen::Index b = 0; b < s.display_cols; ++b) pool_cells(s, x, n, b, s.pool(i, b));
}

void update_entry(const Prepared& p, RowSummaries& s, Eigen::Index i, Eigen::Index j, float x,
                  RowStatsScratch& scratch) {
    const long m = p.support_end(i);
    if (s.uniform[i] || (s.exp_rows && x - s.ref[i] > kMaxShift)) return build_row(p, s, i, scratch);
    const float e_old = s.e(i, j);
    const float e_new = s.exp_rows ? std::exp(x - s.ref[i]) : kappa(p, x);
    const double l_new = s.l[i] + (static_cast<double>(e_new) - e_old);
    const double sq_new = s.sq[i] + (static_cast<double>(e_new) * e_new - static_cast<double>(e_old) * e_old);
    const double xlogx_new = s.xlogx[i] + (xlogx(e_new) - xlogx(e_old));
    s.e(i, j) = e_new;
    // Cancellation: when the old entry dominated a running sum, the difference keeps only ~1e-16 * old / new of
    // its relative accuracy (sum e^2 cancels quadratically); past 1e-7 re-sum the row instead.
    if (!(l_new > kCancel * s.l[i]) || !(sq_new > kCancel * s.sq[i]) || !(l_new + s.eps > 0.0) ||
        std::abs(xlogx(e_old)) * kCancel > std::max(l_new, std::abs(xlogx_new)))
        return build_row(p, s, i, scratch);
    s.l[i] = l_new;
    s.xlogx[i] = xlogx_new;
    s.sq[i] = sq_new;

    // Sorted row: take e_old out, put e_new in; the entries in between shift one rank.
    float* so = &s.sorted(i, 0);
    const long p_old = std::lower_bound(so, so + m, e_old) - so;  // exact: so holds the same float values
    long q;
    if (e_new >= e_old) {
        q = (std::upper_bound(so + p_old + 1, so + m, e_new) - so) - 1;
        s.rank_sum[i] -= simd::sum_of(so + p_old + 1, q - p_old);
        std::memmove(so + p_old, so + p_old + 1, static_cast<std::size_t>(q - p_old) * sizeof(float));
    } else {
        q = std::upper_bound(so, so + p_old, e_new) - so;
        s.rank_sum[i] += simd::sum_of(so + q, p_old - q);
        std::memmove(so + q + 1, so + q, static_cast<std::size_t>(p_old - q) * sizeof(float));
    }
    so[q] = e_new;
    s.rank_sum[i] += static_cast<double>(q + 1) * e_new - static_cast<double>(p_old + 1) * e_old;

    const float* vj = &(*p.v_eff)(j, 0);
    const double de = static_cast<double>(e_new) - e_old;
    for (Eigen::Index c = 0; c < p.dv; ++c) s.acc(i, c) += de * vj[c];

    if (s.display_cols > 0) {
        Eigen::Index b0 = 0, b1 = 0;
        display_cells(j, p.n, s.display_cols, b0, b1);
        for (Eigen::Index b = b0; b < b1; ++b) {
            float& cell = s.pool(i, b);
            if (e_new >= cell)
                cell = e_new;
            else if (e_old == cell)
                pool_cells(s, &s.e(i, 0), p.n, b, cell);
        }
    }
    if (s.exp_rows && so[m - 1] < kMinTop) build_row(p, s, i, scratch);
}

void update_value(const Prepared& p, RowSummaries& s, Eigen::Index j, const Eigen::VectorXd& delta) {
    const Eigen::Index n = p.n;
    const Eigen::Index first = p.causal ? j : 0;
#pragma omp parallel for schedule(static) if (n - first > 512)
    for (Eigen::Index i = first; i < n; ++i) {
        const double e = s.e(i, j);
        if (e != 0.0) s.acc.row(i) += e * delta.transpose();
    }
}

void finish_row(const Prepared& p, const RowSummaries& s, Eigen::Index i, BackendResult& r, bool want_metrics) {
    const long m = p.support_end(i);
    const double c = s.scale(i);
    r.result.output.row(i) = (s.acc.row(i) * c).cast<float>();
    if (want_metrics)
        summary_row_metrics(&s.sorted(i, 0), m, s.l[i], s.xlogx[i], s.sq[i], s.rank_sum[i], p.metrics,
                            r.result.metrics, static_cast<std::size_t>(i));
    if (r.result.weights.rows() == p.n) {
        float* w = &r.result.weights(i, 0);
        const float* e = &s.e(i, 0);
        const auto cf = static_cast<float>(c);
        for (long j = 0; j < m; ++j) w[j] = e[j] * cf;
        std::fill(w + m, w + p.n, 0.0f);
    }
}

void assemble_display(const Prepared& p, const RowSummaries& s, MatF& display) {
    const Eigen::Index rows = display.rows(), cols = display.cols(), n = p.n;
    if (rows == 0 || cols == 0) return;
#pragma omp parallel for schedule(static) if (n * cols > (1 << 20))
    for (Eigen::Index a = 0; a < rows; ++a) {
        const Eigen::Index r0 = (a * n) / rows;
        const Eigen::Index r1 = std::max(std::min(((a + 1) * n + rows - 1) / rows, n), r0 + 1);
        float* dst = &display(a, 0);
        std::fill(dst, dst + cols, 0.0f);
        for (Eigen::Index i = r0; i < r1; ++i) {
            const auto c = static_cast<float>(s.scale(i));
            const float* pool = &s.pool(i, 0);
            for (Eigen::Index b = 0; b < cols; ++b) dst[b] = std::max(dst[b], pool[b] * c);
        }
    }
}

}  // namespace attnscope::kernels::cpu
