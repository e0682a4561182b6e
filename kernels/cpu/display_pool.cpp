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

// pooled[b] = max over the columns of cell b of one (already row-pooled) map row.
void pool_row(const float* row, Eigen::Index n_cols, Eigen::Index cols, float* pooled) {
    if (n_cols % cols == 0) {  // an integer ratio: cells of r columns each, no straddling
        const Eigen::Index r = n_cols / cols;
        for (Eigen::Index b = 0; b < cols; ++b) {
            const float* c = row + b * r;
            float m = c[0];
            for (Eigen::Index j = 1; j < r; ++j) m = c[j] > m ? c[j] : m;
            pooled[b] = m;
        }
        return;
    }
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

// Map rows that land in the same display rows are first reduced to one row by a contiguous (vectorised) max, then
// pooled across columns once: the column pooling runs once per display row instead of once per map row.
void max_pool_rows(const float* w, Eigen::Index stride, Eigen::Index i0, Eigen::Index i1, Eigen::Index n_rows,
                   Eigen::Index n_cols, MatF& out) {
    const Eigen::Index rows = out.rows(), cols = out.cols();
    if (rows == 0 || cols == 0 || i1 <= i0) return;
    std::vector<float> vert(n_cols, 0.0f), pooled(cols);
    Eigen::Index acc_first = -1, acc_last = -1;  // display rows `vert` belongs to
    auto flush = [&] {
        if (acc_first < 0) return;
        pool_row(vert.data(), n_cols, cols, pooled.data());
        for (Eigen::Index a = acc_first; a < acc_last; ++a) {
            // A display row whose map rows all lie inside [i0, i1) is written by this call only.
            const Eigen::Index r0 = (a * n_rows) / rows;
            const Eigen::Index r1 = std::max(((a + 1) * n_rows + rows - 1) / rows, r0 + 1);
            float* dst = &out(a, 0);
            if (r0 >= i0 && r1 <= i1) {
                for (Eigen::Index b = 0; b < cols; ++b) dst[b] = std::max(dst[b], pooled[b]);
            } else {
                for (Eigen::Index b = 0; b < cols; ++b) atomic_max(dst[b], pooled[b]);
            }
        }
        std::fill(vert.begin(), vert.end(), 0.0f);
    };
    for (Eigen::Index i = i0; i < i1; ++i) {
        Eigen::Index first = 0, last = 0;
        display_cells(i, n_rows, rows, first, last);
        if (first != acc_first || last != acc_last) {
            flush();
            acc_first = first;
            acc_last = last;
        }
        const float* row = w + (i - i0) * stride;
        float* v = vert.data();
        for (Eigen::Index j = 0; j < n_cols; ++j) v[j] = row[j] > v[j] ? row[j] : v[j];
    }
    flush();
}

MatF max_pool_display(const MatF& w, Eigen::Index rows, Eigen::Index cols) {
    MatF out = MatF::Zero(rows, cols);
    if (w.size() == 0) return out;
    const Eigen::Index n = w.rows();
    constexpr Eigen::Index kBlock = 64;
#pragma omp parallel for schedule(dynamic, 1) if (n >= 512)
    for (Eigen::Index i0 = 0; i0 < n; i0 += kBlock)
        max_pool_rows(&w(i0, 0), w.cols(), i0, std::min(i0 + kBlock, n), n, w.cols(), out);
    return out;
}

}  // namespace attnscope::kernels
