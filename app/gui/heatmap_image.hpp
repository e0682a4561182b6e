// heatmap_image.hpp — an attention map turned into the RGBA texels a panel shows (no GL: the worker builds them).
//
// A panel shows a viewport of the (n, n) map: cells [row0, row0 + rows) x [col0, col0 + cols). When the viewport
// has more cells than the panel has pixels, texels are max-pooled blocks (a single spike stays visible); otherwise
// there is one texel per cell and the panel stretches it (exact cells). Block geometry follows
// kernels/cpu/display_pool.hpp: texel a covers cells [floor(a R / T), ceil((a + 1) R / T)).
//
// Masked cells (off the causal support) and pruned cells (selective attention's evictions) get their own colours,
// never the colour map's zero colour, so "masked" and "weight 0" stay distinguishable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/colormap.hpp"
#include "core/matrix.hpp"
#include "core/scene.hpp"

namespace attnscope::gui {

struct MapViewport {
    int row0 = 0, col0 = 0;
    int rows = 0, cols = 0;  // 0: the whole map
    bool operator==(const MapViewport&) const = default;
    MapViewport resolved(int n) const;  // whole map -> explicit cells, and clamped to [0, n)
    bool is_whole(int n) const {
        const MapViewport r = resolved(n);
        return r.rows >= n && r.cols >= n;
    }
};

struct DisplaySpec {
    int px_w = 0, px_h = 0;  // the panel's size in pixels: at most this many texels per side
    MapViewport view;
    Colormap colormap = Colormap::Viridis;
    MapScale scale = MapScale::Linear;
    bool auto_range = false;        // linear scale from 0 to the map's maximum instead of 0 to 1
    std::uint32_t mask_rgba = 0;    // off-support cells
    std::uint32_t pruned_rgba = 0;  // keys a selective-attention query lost to pruning
    bool operator==(const DisplaySpec&) const = default;
};
std::uint64_t display_spec_hash(const DisplaySpec& s);

struct HeatmapImage {
    std::uint64_t key = 0;  // equal keys, equal texels (the texture cache re-uploads on change only)
    int width = 0, height = 0;
    std::vector<std::uint32_t> rgba;  // row-major, row 0 = the viewport's first query row
    MapViewport view;                 // resolved
    bool exact = false;               // one texel per cell
    bool pooled_source = false;       // built from a backend's display map (block maxima), not from weights
    double lo = 0.0, hi = 1.0;        // legend range: weights (linear, log) or signed differences (-hi .. hi)
    bool log = false;
    bool signed_map = false;
    Colormap colormap = Colormap::Viridis;
};

// Where an image's values come from: the full (n, n) map, or a (c, c) max-pooled display map of it.
struct MapSource {
    const MatF* full = nullptr;
    const MatF* pooled = nullptr;
    int n = 0;
    bool causal = true;
    const MaskMat* pruned = nullptr;  // (n, n) or empty
};

// The log scale's lower end for a length-n map: the decade below a tenth of the uniform weight 1/n.
double log_floor(int n);

// Weights in [0, 1] on a sequential colour map.
HeatmapImage build_weight_image(const MapSource& src, const DisplaySpec& spec, std::uint64_t key);

// A signed map (a - b, or float - double) on the diverging colour map, symmetric limits +-limit (limit > 0).
// `a` holds the values; `b`, when given, is subtracted (both full or both pooled, same shape).
HeatmapImage build_signed_image(const MapSource& a, const MatF* b, double limit, const DisplaySpec& spec,
                                std::uint64_t key);

// max |a - b| (b may be null: max |a|); causal_cells skips c > r (full maps under a causal mask).
double max_abs_difference(const MatF& a, const MatF* b, bool causal_cells);

// Cell range of texel index t of T over `cells` cells starting at `first` (display_pool.hpp geometry).
inline void texel_cells(int t, int texels, int first, int cells, int& c0, int& c1) {
    c0 = first + static_cast<int>((static_cast<long long>(t) * cells) / texels);
    c1 = first + static_cast<int>(((static_cast<long long>(t) + 1) * cells + texels - 1) / texels);
    if (c1 <= c0) c1 = c0 + 1;
}

}  // namespace attnscope::gui
