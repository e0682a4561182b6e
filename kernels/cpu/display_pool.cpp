// display_pool.cpp — max-pooling of attention maps to panel resolution (see display_pool.hpp).
#include "kernels/cpu/display_pool.hpp"

#include <algorithm>
#include <atomic>
#include <vector>

namespace attnscope::kernels {
namespace {

void atomic_max(float& cell, float v) {
    std::atomic_ref<float> a(cell);
    float cur = a.load(std::memory_order_relaxed);
    while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
}

// pooled[b] = max over the columns of cell b of one map row.
void pool_row(const float* row, Eigen::Index n_cols, Eigen::Index cols, float* pooled) {
    for (Eigen::Index b = 0; b < cols; ++b) {
        const Eigen::Index c0 = (b * n_cols) / cols;
        Eigen::Index c1 = ((b + 1) * n_cols + cols - 1) / cols;
        c1 = std::max(std::min(c1, n_cols), c0 + 1);
        float m = row[c0];
        for (Eigen::Index j = c0 + 1; j < c1; ++j) m = row[j] > m ? row[j] : m;
        pooled[b] = m;
    }
}

}  // namespace

void max_pool_rows(const float* w, Eigen::Index stride, Eigen::Index i0, Eigen::Index i1, Eigen::Index n_rows,
                   Eigen::Index n_cols, MatF& out) {
    const Eigen::Index rows = out.rows(), cols = out.cols();
    if (rows == 0 || cols == 0 || i1 <= i0) return;
    std::vector<float> pooled(cols), acc(cols, 0.0f);
    Eigen::Index acc_first = -1, acc_last = -1;  // display rows acc belongs to
    auto flush = [&] {
        if (acc_first < 0) return;
        for (Eigen::Index a = acc_first; a < acc_last; ++a) {
            // A display row whose map rows all lie inside [i0, i1) is written by this call only.
            const Eigen::Index r0 = (a * n_rows) / rows;
            const Eigen::Index r1 = std::max(((a + 1) * n_rows + rows - 1) / rows, r0 + 1);
            float* dst = &out(a, 0);
            if (r0 >= i0 && r1 <= i1) {
                for (Eigen::Index b = 0; b < cols; ++b) dst[b] = std::max(dst[b], acc[b]);
            } else {
                for (Eigen::Index b = 0; b < cols; ++b) atomic_max(dst[b], acc[b]);
            }
        }
        std::fill(acc.begin(), acc.end(), 0.0f);
    };
    for (Eigen::Index i = i0; i < i1; ++i) {
        Eigen::Index first = 0, last = 0;
        display_cells(i, n_rows, rows, first, last);
        if (first != acc_first || last != acc_last) {
            flush();
            acc_first = first;
            acc_last = last;
        }
        pool_row(w + (i - i0) * stride, n_cols, cols, pooled.data());
        for (Eigen::Index b = 0; b < cols; ++b) acc[b] = std::max(acc[b], pooled[b]);
    }
    flush();
}

MatF max_pool_display(const MatF& w, Eigen::Index rows, Eigen::Index cols) {
    MatF out = MatF::Zero(rows, cols);
    if (w.size() == 0) return out;
    const Eigen::Index n = w.rows();
    constexpr Eigen::Index kBlock = 64;
#pragma omp parallel for schedule(dynamic, 1)
    for (Eigen::Index i0 = 0; i0 < n; i0 += kBlock)
        max_pool_rows(&w(i0, 0), w.cols(), i0, std::min(i0 + kBlock, n), n, w.cols(), out);
    return out;
}

}  // namespace attnscope::kernels
