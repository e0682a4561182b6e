// selective.cpp — Selective Attention (Leviathan et al., spec §3): accumulated soft mask and context pruning.
#include <algorithm>
#include <vector>

#include "core/reference/row_ops.hpp"
#include "core/reference/variants.hpp"

namespace attnscope::reference::detail {
namespace {

// Sequential KV-buffer eviction (spec §3.2, attnscope emulation): at step i append token i; while the buffer
// holds more than B tokens, evict the non-current (and, with protect_bos, non-BOS) token with the largest F_ij,
// the oldest on a tie. Evictions are permanent. in_buffer(i, j) = 1 when key j is still buffered at step i.
template <class T>
MaskMat budget_buffer(const Mat<T>& f, std::int64_t budget, bool protect_bos) {
    const Eigen::Index n = f.rows();
    MaskMat in_buffer = MaskMat::Zero(n, n);
    std::vector<Eigen::Index> buf;  // ascending token index: the oldest first
    for (Eigen::Index i = 0; i < n; ++i) {
        buf.push_back(i);
        while (static_cast<std::int64_t>(buf.size()) > budget) {
            auto victim = buf.end();
            for (auto it = buf.begin(); it != buf.end(); ++it) {
                const Eigen::Index j = *it;
                if (j == i || (protect_bos && j == 0)) continue;
                // strict '>' keeps the first (oldest) of equal F values
                if (victim == buf.end() || f(i, j) > f(i, *victim)) victim = it;
            }
            if (victim == buf.end()) break;  // only BOS and the current token left: stay above B
            buf.erase(victim);
        }
        for (Eigen::Index j : buf) in_buffer(i, j) = 1;
    }
    return in_buffer;
}

}  // namespace

// q, k: (n, d); l_ij = s q_i.k_j; sigma_kj = s_sel q_sel,k . k_sel,j;
// S_kj = max(0, sigma_kj) for (protect_bos ? 0 < j : 0 <= j) < k, else 0; F_ij = sum_{j<k<i} S_kj;
// w_ij = softmax over the keys still visible of (l_ij - F_ij). Causal only (validate() checks).
template <class T>
void run_selective(const AttentionInput<T>& in, const VariantParams& p, AttentionResult<T>& r) {
    const Eigen::Index n = in.n();
    const double scale = p.resolved_scale(in.d());
    const double sel_scale = p.resolved_sel_scale(in.d());
    const Mat<T> sel_q = p.sel_q ? Mat<T>(p.sel_q->template cast<T>()) : in.q;
    const Mat<T> sel_k = p.sel_k ? Mat<T>(p.sel_k->template cast<T>()) : in.k;

    // S: (n, n), row k = the selecting token; only the strictly-lower triangle can be non-zero.
    Mat<T> s = scaled_logits(sel_q, sel_k, sel_scale);
    for (Eigen::Index k = 0; k < n; ++k)
        for (Eigen::Index j = 0; j < n; ++j) {
            const bool selectable = j < k && !(p.protect_bos && j == 0);
            s(k, j) = selectable ? std::max(s(k, j), T(0)) : T(0);
        }

    // F as a column prefix sum: F(i, j) = F(i-1, j) + S(i-1, j). Non-decreasing down each column since S >= 0.
    Mat<T> f = Mat<T>::Zero(n, n);
    for (Eigen::Index i = 1; i < n; ++i) f.row(i) = f.row(i - 1) + s.row(i - 1);

    MaskMat visible = MaskMat::Zero(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j <= i; ++j)
            visible(i, j) = (j == i || !p.prune_threshold || f(i, j) <= static_cast<T>(*p.prune_threshold)) ? 1 : 0;
    if (p.budget) visible = visible.cwiseProduct(budget_buffer(f, *p.budget, p.protect_bos));

    const Mat<T> logits = scaled_logits(in.q, in.k, scale);
    r.weights = Mat<T>::Zero(n, n);
    r.extras.pruned = MaskMat::Zero(n, n);
    std::vector<T> row(n);
    std::vector<Eigen::Index> keys;
    for (Eigen::Index i = 0; i < n; ++i) {
        keys.clear();
        for (Eigen::Index j = 0; j <= i; ++j) {
            if (visible(i, j)) {
                row[keys.size()] = logits(i, j) - f(i, j);
                keys.push_back(j);
            } else {
                r.extras.pruned(i, j) = 1;
            }
        }
        const long m = static_cast<long>(keys.size());  // >= 1: the current token is always visible
        stable_softmax(row.data(), row.data(), m, m);
        for (long t = 0; t < m; ++t) r.weights(i, keys[t]) = row[t];
    }
    r.temperature.assign(n, kUndefined);
    r.extras.sel_s = std::move(s);
    r.extras.sel_f = std::move(f);
}

template void run_selective<float>(const AttentionInput<float>&, const VariantParams&, AttentionResult<float>&);
template void run_selective<double>(const AttentionInput<double>&, const VariantParams&, AttentionResult<double>&);

}  // namespace attnscope::reference::detail
