// row_stats.cpp — spec §7 metrics of one row (see row_stats.hpp).
#include "kernels/cpu/row_stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/cpu/simd.hpp"

namespace attnscope::kernels::cpu {
namespace {

constexpr double kUniformSlack = 1e-6;  // spec §7: count_above_uniform counts p > (1/m)(1 + 1e-6)
constexpr long kRadixMin = 192;         // below this, std::sort beats the radix's fixed 2 x 2048-bucket cost

// Sorts w[0, m) ascending into `out` (values), by a two-pass LSD radix on a 22-bit key:
//   key = clamp(bits(w) - (bits(w_max) - 64 * 2^23), 0, 2^29 - 1) >> 7.
// The key keeps 64 binades below w_max and the top 16 mantissa bits, so two values can come out in the wrong order
// only when they share a bucket: both below w_max * 2^-64, or within a relative 2^-16 of each other. Swapping such
// a pair changes sum_r r * p_(r) by at most |p_a - p_b|, so Gini, G = (2/m) sum_r r p_(r) - (m+1)/m, moves by at
// most (2/m) sum over same-bucket pairs of |p_a - p_b| <= 2^-16 * (largest bucket)/m + 2 * m * 2^-64 <= 1.6e-5,
// and top-k mass by at most 2^-16 relative: below the float tolerance of the golden data (2e-4 + 2e-3 rel).
void sort_row(const float* w, long m, float w_max, RowStatsScratch& s, const float*& sorted) {
    s.a.resize(static_cast<std::size_t>(m));
    s.b.resize(static_cast<std::size_t>(m));
    std::uint32_t* a = s.a.data();
    std::uint32_t* b = s.b.data();
    std::memcpy(a, w, static_cast<std::size_t>(m) * sizeof(float));
    if (m < kRadixMin) {
        std::sort(reinterpret_cast<float*>(a), reinterpret_cast<float*>(a) + m);
        sorted = reinterpret_cast<const float*>(a);
        return;
    }
    const std::int64_t base = static_cast<std::int64_t>(std::bit_cast<std::uint32_t>(w_max)) - (std::int64_t{64} << 23);
    auto key = [base](std::uint32_t bits) {
        const std::int64_t k = std::clamp<std::int64_t>(static_cast<std::int64_t>(bits) - base, 0, (1 << 29) - 1);
        return static_cast<std::uint32_t>(k) >> 7;
    };
    std::uint32_t h0[2048] = {}, h1[2048] = {};
    for (long j = 0; j < m; ++j) {
        const std::uint32_t k = key(a[j]);
        ++h0[k & 2047u];
        ++h1[k >> 11];
    }
    std::uint32_t s0 = 0, s1 = 0;
    for (int d = 0; d < 2048; ++d) {
        const std::uint32_t c0 = h0[d], c1 = h1[d];
        h0[d] = s0;
        h1[d] = s1;
        s0 += c0;
        s1 += c1;
    }
    for (long j = 0; j < m; ++j) b[h0[key(a[j]) & 2047u]++] = a[j];
    for (long j = 0; j < m; ++j) a[h1[key(b[j]) >> 11]++] = b[j];
    sorted = reinterpret_cast<const float*>(a);
}

void write_metrics(double h, double l, double s2, double w_max, double topk, double gini, long above,
                   long above_uniform, long m, RowMetrics& out, std::size_t i) {
    if (!(h > 0.0)) h = 0.0;  // one-hot rows give -0.0 or rounding noise below 0 (spec §7: printed as 0)
    const double pr = (l * l) / s2;
    out.entropy[i] = h;
    out.entropy_normalised[i] = m > 1 ? h / std::log(static_cast<double>(m)) : 0.0;
    out.effective_support[i] = std::exp(h);
    out.participation_ratio[i] = pr;
    out.spikiness[i] = pr / static_cast<double>(m);
    out.max_weight[i] = w_max / l;
    out.topk_mass[i] = topk / l;
    out.gini[i] = gini;
    out.count_above[i] = static_cast<int>(above);
    out.count_above_uniform[i] = static_cast<int>(above_uniform);
    out.support_size[i] = static_cast<int>(m);
}

}  // namespace

void sort_nonnegative(const float* w, long m, float* out, RowStatsScratch& s) {
    if (m < kRadixMin) {
        std::copy(w, w + m, out);
        std::sort(out, out + m);
        return;
    }
    s.a.resize(static_cast<std::size_t>(m));
    std::uint32_t* a = s.a.data();
    auto* b = reinterpret_cast<std::uint32_t*>(out);
    std::memcpy(a, w, static_cast<std::size_t>(m) * sizeof(float));
    std::uint32_t h0[2048] = {}, h1[2048] = {}, h2[1024] = {};
    for (long j = 0; j < m; ++j) {
        const std::uint32_t v = a[j];
        ++h0[v & 2047u];
        ++h1[(v >> 11) & 2047u];
        ++h2[v >> 22];
    }
    std::uint32_t s0 = 0, s1 = 0, s2 = 0;
    for (int d = 0; d < 2048; ++d) {
        const std::uint32_t c0 = h0[d], c1 = h1[d];
        h0[d] = s0;
        h1[d] = s1;
        s0 += c0;
        s1 += c1;
    }
    for (int d = 0; d < 1024; ++d) {
        const std::uint32_t c2 = h2[d];
        h2[d] = s2;
        s2 += c2;
    }
    for (long j = 0; j < m; ++j) b[h0[a[j] & 2047u]++] = a[j];
    for (long j = 0; j < m; ++j) a[h1[(b[j] >> 11) & 2047u]++] = b[j];
    for (long j = 0; j < m; ++j) b[h2[a[j] >> 22]++] = a[j];
}

void summary_row_metrics(const float* sorted, long m, double l, double xlogx, double sq, double rank_sum,
                         const MetricsConfig& cfg, RowMetrics& out, std::size_t i) {
    if (!(l > 0.0)) {
        undefined_row_metrics(out, i);
        return;
    }
    const double h = std::log(l) - xlogx / l;
    auto above = [&](double thr) {
        return static_cast<long>(sorted + m - std::upper_bound(sorted, sorted + m, static_cast<float>(thr)));
    };
    const long k = std::min<long>(cfg.k, m);
    double topk = 0;
    for (long r = m - k; r < m; ++r) topk += sorted[r];
    const double gini =
        m > 1 ? (2.0 * rank_sum - static_cast<double>(m + 1) * l) / (static_cast<double>(m) * l) : 0.0;
    write_metrics(h, l, sq, sorted[m - 1], topk, gini, above(cfg.theta * l),
                  above(l / static_cast<double>(m) * (1.0 + kUniformSlack)), m, out, i);
}

void undefined_row_metrics(RowMetrics& out, std::size_t i) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    out.entropy[i] = out.entropy_normalised[i] = out.effective_support[i] = nan;
    out.participation_ratio[i] = out.spikiness[i] = out.max_weight[i] = out.topk_mass[i] = out.gini[i] = nan;
    out.count_above[i] = out.count_above_uniform[i] = out.support_size[i] = -1;
}

void dense_row_metrics(const float* w, long m, double entropy, const MetricsConfig& cfg, RowStatsScratch& scratch,
                       RowMetrics& out, std::size_t i) {
    const double l = simd::sum_of(w, m);
    if (!(l > 0.0)) {
        undefined_row_metrics(out, i);
        return;
    }
    const float w_max = simd::max_of(w, m);
    const double s2 = simd::sum_sq_of(w, m);
    const double h = std::isnan(entropy) ? std::log(l) - simd::sum_x_log_x(w, m) / l : entropy;
    // p > theta  <=>  w > theta * sum w: compare unnormalised weights, no division per element
    const long above = simd::count_above(w, m, static_cast<float>(cfg.theta * l));
    const long above_uniform =
        simd::count_above(w, m, static_cast<float>(l / static_cast<double>(m) * (1.0 + kUniformSlack)));

    const float* sorted = nullptr;
    sort_row(w, m, w_max, scratch, sorted);
    const long k = std::min<long>(cfg.k, m);
    double topk = 0;
    for (long r = m - k; r < m; ++r) topk += sorted[r];
    // G = (1/m) sum_r (2r - m - 1) p_(r), r = 1..m ascending, as (2 sum r p - (m + 1) sum p) / m in double.
    double gini = 0.0;
    if (m > 1) {
        double s_rank = 0.0, s_sum = 0.0;
#pragma omp simd reduction(+ : s_rank, s_sum)
        for (long r = 0; r < m; ++r) {
            s_rank += static_cast<double>(r + 1) * sorted[r];
            s_sum += sorted[r];
        }
        gini = (2.0 * s_rank - static_cast<double>(m + 1) * s_sum) / (static_cast<double>(m) * s_sum);
    }
    write_metrics(h, l, s2, w_max, topk, gini, above, above_uniform, m, out, i);
}

void summed_row_metrics(const float* w, long m, double l, double xlogx, double sq, double u_max, float w_max,
                        long above, long above_uniform, const MetricsConfig& cfg, RowStatsScratch& scratch,
                        RowMetrics& out, std::size_t i) {
    const float* sorted = nullptr;
    sort_row(w, m, w_max, scratch, sorted);
    double s_rank = 0.0, s_sum = 0.0;
#pragma omp simd reduction(+ : s_rank, s_sum)
    for (long r = 0; r < m; ++r) {
        s_rank += static_cast<double>(r + 1) * sorted[r];
        s_sum += sorted[r];
    }
    const long k = std::min<long>(cfg.k, m);
    double topk = 0;
    for (long r = m - k; r < m; ++r) topk += sorted[r];
    const double gini =
        m > 1 ? (2.0 * s_rank - static_cast<double>(m + 1) * s_sum) / (static_cast<double>(m) * s_sum) : 0.0;
    // top-k in u's scale: the sorted weights are u * inv with sum s_sum, u sums to l
    write_metrics(std::log(l) - xlogx / l, l, sq, u_max, topk / s_sum * l, gini, above, above_uniform, m, out, i);
}

void sparse_row_metrics(const float* vals, int count, long m, const MetricsConfig& cfg, RowMetrics& out,
                        std::size_t i) {
    float buf[64];
    std::vector<float> big;
    float* v = buf;
    if (count > 64) {
        big.assign(vals, vals + count);
        v = big.data();
    } else {
        std::copy(vals, vals + count, buf);
    }
    for (int t = 0; t < count; ++t) v[t] = std::abs(v[t]);
    std::sort(v, v + count);
    double l = 0, s2 = 0, xlx = 0;
    for (int t = 0; t < count; ++t) {
        l += v[t];
        s2 += static_cast<double>(v[t]) * v[t];
        if (v[t] > 0.0f) xlx += static_cast<double>(v[t]) * std::log(static_cast<double>(v[t]));
    }
    if (!(l > 0.0)) {
        undefined_row_metrics(out, i);
        return;
    }
    const double h = std::log(l) - xlx / l;
    long above = 0, above_uniform = 0;
    const double thr_u = l / static_cast<double>(m) * (1.0 + kUniformSlack);
    for (int t = 0; t < count; ++t) {
        above += v[t] > cfg.theta * l ? 1 : 0;
        above_uniform += v[t] > thr_u ? 1 : 0;
    }
    const long k = std::min<long>(cfg.k, m);
    double topk = 0;
    for (long r = 0; r < std::min<long>(k, count); ++r) topk += v[count - 1 - r];
    // The m - count zeros take ranks 1..m-count; the non-zeros follow in ascending order.
    double gini = 0.0;
    if (m > 1) {
        double s_rank = 0;
        for (int t = 0; t < count; ++t) s_rank += static_cast<double>(m - count + t + 1) * v[t];
        gini = (2.0 * s_rank - static_cast<double>(m + 1) * l) / (static_cast<double>(m) * l);
    }
    write_metrics(h, l, s2, v[count - 1], topk, gini, above, above_uniform, m, out, i);
}

}  // namespace attnscope::kernels::cpu
