#include "colormap.hpp"

#include <algorithm>
#include <cmath>

namespace attnscope {
namespace {

// viridis and cividis: every 16th entry (and the last) of the 256-entry tables published with matplotlib's
// colormaps (viridis: van der Walt & Smith 2015; cividis: Nuñez, Anderton & Renslow 2018; both CC0). Linear
// interpolation between these 17 anchors stays within about one 8-bit level of the full tables, which is below
// what a heatmap cell can show. Position t = index / 255.
constexpr ColormapAnchor kViridis[] = {
    {0.f / 255, 0.267004f, 0.004874f, 0.329415f},   {16.f / 255, 0.282327f, 0.094955f, 0.417331f},
    {32.f / 255, 0.278826f, 0.175490f, 0.483397f},  {48.f / 255, 0.258965f, 0.251537f, 0.524736f},
    {64.f / 255, 0.229739f, 0.322361f, 0.545706f},  {80.f / 255, 0.199430f, 0.387607f, 0.554642f},
    {96.f / 255, 0.172719f, 0.448791f, 0.557885f},  {112.f / 255, 0.149039f, 0.508051f, 0.557250f},
    {128.f / 255, 0.127568f, 0.566949f, 0.550556f}, {144.f / 255, 0.120638f, 0.625828f, 0.533488f},
    {160.f / 255, 0.157851f, 0.683765f, 0.501686f}, {176.f / 255, 0.246070f, 0.738910f, 0.452024f},
    {192.f / 255, 0.369214f, 0.788888f, 0.382914f}, {208.f / 255, 0.515992f, 0.831158f, 0.294279f},
    {224.f / 255, 0.678489f, 0.863742f, 0.189503f}, {240.f / 255, 0.845561f, 0.887322f, 0.099702f},
    {255.f / 255, 0.993248f, 0.906157f, 0.143936f},
};

constexpr ColormapAnchor kCividis[] = {
    {0.f / 255, 0.000000f, 0.135112f, 0.304751f},   {16.f / 255, 0.000000f, 0.178802f, 0.414764f},
    {32.f / 255, 0.103401f, 0.220406f, 0.435790f},  {48.f / 255, 0.195057f, 0.264372f, 0.425924f},
    {64.f / 255, 0.263738f, 0.307831f, 0.422789f},  {80.f / 255, 0.324250f, 0.351289f, 0.426250f},
    {96.f / 255, 0.380830f, 0.395164f, 0.435653f},  {112.f / 255, 0.435168f, 0.439763f, 0.451134f},
    {128.f / 255, 0.488697f, 0.485318f, 0.471008f}, {144.f / 255, 0.547840f, 0.531895f, 0.471704f},
    {160.f / 255, 0.609105f, 0.579816f, 0.463638f}, {176.f / 255, 0.671991f, 0.629316f, 0.448018f},
    {192.f / 255, 0.736488f, 0.680629f, 0.424028f}, {208.f / 255, 0.802667f, 0.733978f, 0.390153f},
    {224.f / 255, 0.870717f, 0.789572f, 0.343333f}, {240.f / 255, 0.941147f, 0.847530f, 0.275815f},
    {255.f / 255, 0.995737f, 0.909344f, 0.217772f},
};

// Diverging: ColorBrewer RdBu, 11 classes (Brewer, Harrower & Penn State; marked colour-blind safe), reversed so
// that negative is blue and positive is red; the centre class #f7f7f7 sits exactly at t = 0.5 (zero difference).
constexpr ColormapAnchor rgb_hex(float t, unsigned hex) {
    return {t, static_cast<float>((hex >> 16) & 0xff) / 255.f, static_cast<float>((hex >> 8) & 0xff) / 255.f,
            static_cast<float>(hex & 0xff) / 255.f};
}
constexpr ColormapAnchor kDiverging[] = {
    rgb_hex(0.0f, 0x053061), rgb_hex(0.1f, 0x2166ac), rgb_hex(0.2f, 0x4393c3), rgb_hex(0.3f, 0x92c5de),
    rgb_hex(0.4f, 0xd1e5f0), rgb_hex(0.5f, 0xf7f7f7), rgb_hex(0.6f, 0xfddbc7), rgb_hex(0.7f, 0xf4a582),
    rgb_hex(0.8f, 0xd6604d), rgb_hex(0.9f, 0xb2182b), rgb_hex(1.0f, 0x67001f),
};

std::uint8_t to_byte(float x) { return static_cast<std::uint8_t>(std::lround(std::clamp(x, 0.f, 1.f) * 255.f)); }

ColormapLut build_lut(Colormap map) {
    ColormapLut lut{};
    for (int i = 0; i < 256; ++i) lut[static_cast<std::size_t>(i)] = colormap_rgb(map, static_cast<float>(i) / 255.f);
    return lut;
}

}  // namespace

std::span<const ColormapAnchor> colormap_anchors(Colormap map) {
    switch (map) {
        case Colormap::Viridis:
            return kViridis;
        case Colormap::Cividis:
            return kCividis;
        case Colormap::Diverging:
            return kDiverging;
    }
    return kViridis;
}

std::string_view colormap_name(Colormap map) {
    switch (map) {
        case Colormap::Viridis:
            return "viridis";
        case Colormap::Cividis:
            return "cividis";
        case Colormap::Diverging:
            return "diverging";
    }
    return "viridis";
}

std::optional<Colormap> parse_colormap(std::string_view name) {
    for (Colormap m : {Colormap::Viridis, Colormap::Cividis, Colormap::Diverging})
        if (colormap_name(m) == name) return m;
    return std::nullopt;
}

Rgb8 colormap_rgb(Colormap map, float t) {
    const std::span<const ColormapAnchor> a = colormap_anchors(map);
    if (!(t >= 0.f)) t = 0.f;  // also NaN
    if (t > 1.f) t = 1.f;
    std::size_t hi = 1;
    while (hi + 1 < a.size() && a[hi].t < t) ++hi;
    const ColormapAnchor& lo_a = a[hi - 1];
    const ColormapAnchor& hi_a = a[hi];
    const float u = hi_a.t > lo_a.t ? std::clamp((t - lo_a.t) / (hi_a.t - lo_a.t), 0.f, 1.f) : 0.f;
    return {to_byte(lo_a.r + u * (hi_a.r - lo_a.r)), to_byte(lo_a.g + u * (hi_a.g - lo_a.g)),
            to_byte(lo_a.b + u * (hi_a.b - lo_a.b))};
}

const ColormapLut& colormap_lut(Colormap map) {
    static const ColormapLut viridis = build_lut(Colormap::Viridis);
    static const ColormapLut cividis = build_lut(Colormap::Cividis);
    static const ColormapLut diverging = build_lut(Colormap::Diverging);
    switch (map) {
        case Colormap::Viridis:
            return viridis;
        case Colormap::Cividis:
            return cividis;
        case Colormap::Diverging:
            return diverging;
    }
    return viridis;
}

}  // namespace attnscope
