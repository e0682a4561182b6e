#include "app/gui/heatmap_image.hpp"

#include <algorithm>
#include <cmath>

namespace attnscope::gui {

MapViewport MapViewport::resolved(int n) const {
    MapViewport v = *this;
    if (v.rows <= 0 || v.cols <= 0) return {0, 0, n, n};
    v.rows = std::clamp(v.rows, 1, n);
    v.cols = std::clamp(v.cols, 1, n);
    v.row0 = std::clamp(v.row0, 0, n - v.rows);
    v.col0 = std::clamp(v.col0, 0, n - v.cols);
    return v;
}

std::uint64_t display_spec_hash(const DisplaySpec& s) {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](std::uint64_t x) {
        h ^= x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
        h *= 1099511628211ULL;
    };
    for (int x : {s.px_w, s.px_h, s.view.row0, s.view.col0, s.view.rows, s.view.cols, static_cast<int>(s.colormap),
                  static_cast<int>(s.scale), s.auto_range ? 1 : 0})
        mix(static_cast<std::uint64_t>(static_cast<std::int64_t>(x)));
    mix(s.mask_rgba);
    mix(s.pruned_rgba);
    return h;
}

double log_floor(int n) { return std::pow(10.0, std::floor(std::log10(0.1 / std::max(n, 1)))); }

namespace {

// Cells [r0, r1) x [c0, c1) of an n-map, expressed in the pooled map's blocks (display_pool.hpp geometry).
void to_blocks(int n, int c, int i0, int i1, int& b0, int& b1) {
    b0 = static_cast<int>((static_cast<long long>(i0) * c) / n);
    b1 = static_cast<int>((static_cast<long long>(i1) * c + n - 1) / n);
    b1 = std::clamp(b1, b0 + 1, c);
}

float block_max(const MatF& m, int r0, int r1, int c0, int c1) {
    float best = -1.0f;
    for (int r = r0; r < r1; ++r) {
        const float* row = &m(r, 0);
        for (int c = c0; c < c1; ++c) best = std::max(best, row[c]);
    }
    return best;
}

enum class CellState : std::uint8_t { Value, Masked, Pruned };

// Whether every cell of the block is off-support (masked) or pruned; Value otherwise.
CellState block_state(const MapSource& s, int r0, int r1, int c0, int c1, float value) {
    if (s.causal && c0 > r1 - 1) return CellState::Masked;
    if (value > 0.0f || !s.pruned || s.pruned->size() == 0) return CellState::Value;
    bool any_pruned = false;
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) {
            const bool masked = s.causal && c > r;
            const bool pruned = (*s.pruned)(r, c) != 0;
            if (!masked && !pruned) return CellState::Value;
            any_pruned |= pruned;
        }
    return any_pruned ? CellState::Pruned : CellState::Masked;
}

// Calls f(texel_x, texel_y, r0, r1, c0, c1) over the image's texels, with cell ranges of the full map. The ranges
// are computed once per row and column (a pass builds six images per edit while a drag goes on).
template <class F>
void for_each_texel(const MapViewport& v, int tw, int th, F&& f) {
    std::vector<int> c0(static_cast<std::size_t>(tw)), c1(static_cast<std::size_t>(tw));
    for (int x = 0; x < tw; ++x)
        texel_cells(x, tw, v.col0, v.cols, c0[static_cast<std::size_t>(x)], c1[static_cast<std::size_t>(x)]);
    for (int y = 0; y < th; ++y) {
        int r0, r1;
        texel_cells(y, th, v.row0, v.rows, r0, r1);
        for (int x = 0; x < tw; ++x) f(x, y, r0, r1, c0[static_cast<std::size_t>(x)], c1[static_cast<std::size_t>(x)]);
    }
}

// The value a texel shows: the maximum of its cells (from the full map, or from the pooled blocks covering them).
float texel_value(const MapSource& s, const MatF& values, int r0, int r1, int c0, int c1) {
    if (s.full) return block_max(values, r0, r1, c0, c1);
    const int c = static_cast<int>(values.rows());
    int b0, b1, d0, d1;
    to_blocks(s.n, c, r0, r1, b0, b1);
    to_blocks(s.n, c, c0, c1, d0, d1);
    return block_max(values, b0, b1, d0, d1);
}

HeatmapImage start_image(const MapSource& src, const DisplaySpec& spec, std::uint64_t key) {
    HeatmapImage img;
    img.key = key;
    img.view = spec.view.resolved(src.n);
    img.width = std::max(1, std::min(img.view.cols, std::max(spec.px_w, 1)));
    img.height = std::max(1, std::min(img.view.rows, std::max(spec.px_h, 1)));
    img.exact = img.width == img.view.cols && img.height == img.view.rows && src.full != nullptr;
    img.pooled_source = src.full == nullptr;
    img.colormap = spec.colormap;
    img.rgba.assign(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height), 0);
    return img;
}

}  // namespace

HeatmapImage build_weight_image(const MapSource& src, const DisplaySpec& spec, std::uint64_t key) {
    HeatmapImage img = start_image(src, spec, key);
    const MatF* values = src.full ? src.full : src.pooled;
    if (!values || values->size() == 0 || src.n <= 0) return img;
    const ColormapLut& lut = colormap_lut(spec.colormap);
    img.log = spec.scale == MapScale::Log;
    if (img.log) {
        img.lo = log_floor(src.n);
        img.hi = 1.0;
    } else {
        img.lo = 0.0;
        img.hi = spec.auto_range ? std::max(1e-30, static_cast<double>(values->maxCoeff())) : 1.0;
    }
    const double log_lo = std::log10(img.lo);
    const double inv = img.log ? 1.0 / -log_lo : 1.0 / (img.hi - img.lo);
    for_each_texel(img.view, img.width, img.height, [&](int x, int y, int r0, int r1, int c0, int c1) {
        const float w = texel_value(src, *values, r0, r1, c0, c1);
        std::uint32_t& out =
            img.rgba[static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)];
        switch (block_state(src, r0, r1, c0, c1, w)) {
            case CellState::Masked:
                out = spec.mask_rgba;
                return;
            case CellState::Pruned:
                out = spec.pruned_rgba;
                return;
            case CellState::Value:
                break;
        }
        double t;
        if (img.log)
            t = w > 0.0f ? (std::log10(static_cast<double>(w)) - log_lo) * inv : 0.0;
        else
            t = (static_cast<double>(w) - img.lo) * inv;
        const int idx = static_cast<int>(std::clamp(t, 0.0, 1.0) * 255.0 + 0.5);  // round to the nearest entry
        out = pack_rgba(lut[static_cast<std::size_t>(idx)]);
    });
    return img;
}

HeatmapImage build_signed_image(const MapSource& a, const MatF* b, double limit, const DisplaySpec& spec,
                                std::uint64_t key) {
    HeatmapImage img = start_image(a, spec, key);
    const MatF* av = a.full ? a.full : a.pooled;
    if (!av || av->size() == 0 || a.n <= 0) return img;
    img.signed_map = true;
    img.colormap = Colormap::Diverging;
    img.lo = -limit;
    img.hi = limit;
    const ColormapLut& lut = colormap_lut(Colormap::Diverging);
    const double inv = limit > 0 ? 0.5 / limit : 0.0;
    for_each_texel(img.view, img.width, img.height, [&](int x, int y, int r0, int r1, int c0, int c1) {
        std::uint32_t& out =
            img.rgba[static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)];
        if (a.causal && c0 > r1 - 1) {
            out = spec.mask_rgba;
            return;
        }
        // The texel shows the signed value of largest magnitude among its cells: like max-pooling, it keeps a
        // single large difference visible.
        double best = 0.0;
        int br0 = r0, br1 = r1, bc0 = c0, bc1 = c1;
        if (!a.full) {
            const int c = static_cast<int>(av->rows());
            to_blocks(a.n, c, r0, r1, br0, br1);
            to_blocks(a.n, c, c0, c1, bc0, bc1);
        }
        for (int r = br0; r < br1; ++r)
            for (int col = bc0; col < bc1; ++col) {
                const double d = static_cast<double>((*av)(r, col)) - (b ? static_cast<double>((*b)(r, col)) : 0.0);
                if (std::abs(d) > std::abs(best)) best = d;
            }
        const double t = 0.5 + best * inv;
        const int idx = static_cast<int>(std::lround(std::clamp(t, 0.0, 1.0) * 255.0));
        out = pack_rgba(lut[static_cast<std::size_t>(idx)]);
    });
    return img;
}

double max_abs_difference(const MatF& a, const MatF* b, bool causal_cells) {
    double m = 0.0;
    for (Eigen::Index r = 0; r < a.rows(); ++r)
        for (Eigen::Index c = 0; c < a.cols(); ++c) {
            if (causal_cells && c > r) continue;
            const double d = static_cast<double>(a(r, c)) - (b ? static_cast<double>((*b)(r, c)) : 0.0);
            m = std::max(m, std::abs(d));
        }
    return m;
}

}  // namespace attnscope::gui
