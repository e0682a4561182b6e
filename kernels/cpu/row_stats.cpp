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

// Sorts w[0, m) ascending (values, into scratch) for Gini and top-k, by a two-pass LSD radix on a 20-bit key:
//   key = clamp(bits(w) - (bits(w_max) - 32 * 2^23), 0, 2^28 - 1) >> 8
// (non-negative floats order as their bits). The key keeps 32 binades below w_max and the top 15 mantissa bits,
// so two values can come out in the wrong order only when they share a bucket: both below w_max 2^-32, or within
// a relative 2^-15 of each other. Swapping such a pair changes sum_r r p_(r) by at most |p_a - p_b|, so Gini,
// G = (2/m) sum_r r p_(r) - (m+1)/m, moves by at most (2/m) sum over same-bucket pairs of |p_a - p_b|
// <= 2^-15 (largest bucket)/m + 2 m 2^-32 <= 3.5e-5 for m <= 8192 (the scene's limit), and top-k mass by at most
// 2^-15 relative: below the float tolerance of the golden data (2e-4 + 2e-3 rel). Two 1024-bucket passes rather
// than three 2048-bucket ones: the histograms' prefix sums are a fixed cost per row that dominates short rows.
// (An MSD pass with insertion sort inside buckets, exact, measured 3x slower: the insertion sort's branches
// mispredict on every move.)
void sort_row(const float* w, long m, float w_max, RowStatsScratch& s, const float*& sorted) {
    s.a.resize(static_cast<std::size_t>(m));
    s.b.resize(static_cast<std::size_t>(m));
    s.kv.resize(static_cast<std::size_t>(m));
    std::uint32_t* a = s.a.data();
    std::uint32_t* keys = s.b.data();
    std::uint64_t* kv = s.kv.data();
    if (m < kRadixMin) {
        std::memcpy(a, w, static_cast<std::size_t>(m) * sizeof(float));
        std::sort(reinterpret_cast<float*>(a), reinterpret_cast<float*>(a) + m);
        sorted = reinterpret_cast<const float*>(a);
        return;
    }
    // Keys in 32-bit arithmetic: bits(w) < 2^31 and base > -2^28. Computed once; the first pass carries them with
    // the values (one 64-bit store), the high digit's counts are split over two tables (consecutive keys often
    // share a high digit, and one table would serialise on the same counter): 25 % faster than recomputing keys.
    const std::int32_t base = static_cast<std::int32_t>(std::bit_cast<std::uint32_t>(w_max)) - (32 << 23);
    const auto* in = reinterpret_cast<const std::int32_t*>(w);
    constexpr std::int32_t kTop = (1 << 28) - 1;
    auto key = [base](std::int32_t bits) {
        const std::int32_t k = bits - base;
        return static_cast<std::uint32_t>(k < 0 ? 0 : (k > kTop ? kTop : k)) >> 8;
    };
    std::uint32_t h0[1024] = {}, h1[2][1024] = {};
    long j = 0;
    for (; j + 1 < m; j += 2) {
        const std::uint32_t k0 = key(in[j]), k1 = key(in[j + 1]);
        keys[j] = k0;
        keys[j + 1] = k1;
        ++h0[k0 & 1023u];
        ++h0[k1 & 1023u];
        ++h1[0][k0 >> 10];
        ++h1[1][k1 >> 10];
    }
    for (; j < m; ++j) {
        const std::uint32_t k = key(in[j]);
        keys[j] = k;
        ++h0[k & 1023u];
        ++h1[0][k >> 10];
    }
    std::uint32_t s0 = 0, s1 = 0;
    for (int d = 0; d < 1024; ++d) {
        const std::uint32_t c0 = h0[d], c1 = h1[0][d] + h1[1][d];
        h0[d] = s0;
        h1[0][d] = s1;
        s0 += c0;
        s1 += c1;
    }
    const auto* bits = reinterpret_cast<const std::uint32_t*>(w);
    for (long i = 0; i < m; ++i) kv[h0[keys[i] & 1023u]++] = static_cast<std::uint64_t>(keys[i]) << 32 | bits[i];
    for (long i = 0; i < m; ++i) a[h1[0][kv[i] >> 42]++] = static_cast<std::uint32_t>(kv[i]);
    sorted = reinterpret_cast<const float*>(a);
}

// sum_r (r + 1) x_r and sum_r x_r over a sorted row, in float packets per block of 256 (t x_t with t < 256 is exact
// to float rounding) combined in double: the plain double loop does not vectorise.
void rank_sums(const float* x, long m, double& s_rank, double& s_sum) {
    namespace ei = Eigen::internal;
    using simd::Packet;
    constexpr long kBlock = 256;
    s_rank = s_sum = 0;
    const Packet step = ei::pset1<Packet>(static_cast<float>(simd::kLanes));
    for (long r0 = 0; r0 < m; r0 += kBlock) {
        const long len = std::min(kBlock, m - r0);
        Packet t = ei::plset<Packet>(0.0f), acc_r = ei::pset1<Packet>(0.0f), acc_s = acc_r;
        long j = 0;
        for (; j + simd::kLanes <= len; j += simd::kLanes) {
            const Packet v = ei::ploadu<Packet>(x + r0 + j);
            acc_r = ei::pmadd(t, v, acc_r);
            acc_s = ei::padd(acc_s, v);
            t = ei::padd(t, step);
        }
        double br = simd::hsum(acc_r), bs = simd::hsum(acc_s);
        for (; j < len; ++j) {
            br += static_cast<double>(j) * x[r0 + j];
            bs += x[r0 + j];
        }
        s_rank += static_cast<double>(r0 + 1) * bs + br;
        s_sum += bs;
    }
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
        rank_sums(sorted, m, s_rank, s_sum);
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
    rank_sums(sorted, m, s_rank, s_sum);
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
