// colormap.hpp — the colour maps of the heatmaps and legends, as pure data (no GL).
//
// Sequential maps (viridis, cividis) colour weights in [0, 1]; the diverging map colours signed differences in
// [-1, 1] with white at 0. All three are colour-blind safe. The GUI, `attnscope render` and the pixel tests all
// read the same anchor tables, so a test can compute the colour a cell must have without asking the renderer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace attnscope {

enum class Colormap { Viridis, Cividis, Diverging };

struct Rgb8 {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb8&) const = default;
};

// One anchor of a piecewise-linear map: position t in [0, 1] and its colour (linear interpolation in between).
struct ColormapAnchor {
    float t;
    float r, g, b;  // in [0, 1]
};

std::span<const ColormapAnchor> colormap_anchors(Colormap map);
std::string_view colormap_name(Colormap map);  // "viridis", "cividis", "diverging"
std::optional<Colormap> parse_colormap(std::string_view name);

// t is clamped to [0, 1]; NaN gives the map's start colour. For Diverging, t = 0.5 is the centre (zero).
Rgb8 colormap_rgb(Colormap map, float t);

// A 256-entry lookup table (what the heatmap builder uses per cell): entry i is colormap_rgb(map, i / 255).
using ColormapLut = std::array<Rgb8, 256>;
const ColormapLut& colormap_lut(Colormap map);

// Packs to 0xAABBGGRR, the byte order of an RGBA8 texture on little-endian machines (ImGui's IM_COL32 order).
inline std::uint32_t pack_rgba(Rgb8 c, std::uint8_t a = 255) {
    return static_cast<std::uint32_t>(c.r) | (static_cast<std::uint32_t>(c.g) << 8) |
           (static_cast<std::uint32_t>(c.b) << 16) | (static_cast<std::uint32_t>(a) << 24);
}

}  // namespace attnscope
