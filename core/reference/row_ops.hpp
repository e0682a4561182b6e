// row_ops.hpp — row-level operations over a query's support, shared by the reference variants (internal).
//
// A row is a pointer to n entries; the support is [0, m). Entries at and beyond m are written as 0 and never read
// (spec §0: off-support entries are excluded from every max and every sum).
#pragma once

#include <algorithm>
#include <cmath>

#include "core/numerics.hpp"

namespace attnscope::reference::detail {

// w[0..m) = 1/m exactly (spec §0, §7: fallback weights are written as exactly 1/m).
template <class T>
void uniform_row(T* w, long m, long n) {
    const T u = T(1) / static_cast<T>(m);
    for (long j = 0; j < m; ++j) w[j] = u;
    for (long j = m; j < n; ++j) w[j] = T(0);
}

// w = vals / sum(vals) over [0, m); an all-zero (or non-positive) total gives the uniform row.
// vals may alias w. Returns false when the fallback was taken.
template <class T>
bool normalise_nonneg(const T* vals, T* w, long m, long n) {
    CompensatedSum<T> s;
    for (long j = 0; j < m; ++j) s.add(vals[j]);
    const T total = s.value();
    if (!(total > T(0))) {
        uniform_row(w, m, n);
        return false;
    }
    for (long j = 0; j < m; ++j) w[j] = vals[j] / total;
    for (long j = m; j < n; ++j) w[j] = T(0);
    return true;
}

// Max-subtracted softmax of logits[0..m) into w (may alias). Logits must be finite.
template <class T>
void stable_softmax(const T* logits, T* w, long m, long n) {
    T mx = logits[0];
    for (long j = 1; j < m; ++j) mx = std::max(mx, logits[j]);
    for (long j = 0; j < m; ++j) w[j] = std::exp(logits[j] - mx);
    normalise_nonneg(w, w, m, n);
}

}  // namespace attnscope::reference::detail
