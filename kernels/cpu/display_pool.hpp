// display_pool.hpp — large attention maps reduced to panel resolution by max-pooling (DESIGN.md: "spikes must stay
// visible"), for every backend's caller: the CPU backend pools each row block on its worker thread while the block
// is in cache; a caller holding a full map (another backend, an export) uses max_pool_display.
//
// Geometry: an (N_r, N_c) map shown in (R, C) cells. Cell (a, b) covers map rows [floor(a N_r / R), ceil((a+1) N_r / R))
// and columns [floor(b N_c / C), ceil((b+1) N_c / C)): every map entry lands in at least one cell, a row or column
// that straddles a cell border counts for both cells, and when the panel is larger than the map (R > N_r) each
// cell shows the one entry under it. The pooled value is the maximum of the covered entries.
#pragma once

#include "core/matrix.hpp"

namespace attnscope::kernels {

// w: (N_r, N_c) -> (rows, cols). rows, cols >= 1.
MatF max_pool_display(const MatF& w, Eigen::Index rows, Eigen::Index cols);

// Pools map rows [i0, i1) (row i at w + (i - i0) * stride, n_cols entries) into `out` (rows x cols), which holds 0 or
// the pooled maximum of other blocks of the same map. Safe to call concurrently for disjoint row ranges of one
// map: display rows shared by two ranges are combined with an atomic max. Entries must be >= 0 (weights).
void max_pool_rows(const float* w, Eigen::Index stride, Eigen::Index i0, Eigen::Index i1, Eigen::Index n_rows,
                   Eigen::Index n_cols, MatF& out);

// The display cells [first, last) that map index i of n touches, for a panel of `cells` cells.
inline void display_cells(Eigen::Index i, Eigen::Index n, Eigen::Index cells, Eigen::Index& first, Eigen::Index& last) {
    first = (i * cells) / n;
    last = ((i + 1) * cells + n - 1) / n;
    if (last > cells) last = cells;
}

}  // namespace attnscope::kernels
