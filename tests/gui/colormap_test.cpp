// Colour maps: the published end colours of viridis and cividis, the white centre of the diverging map, and the
// property that makes them readable (monotone lightness), checked independently of the table interpolation.
#include "core/colormap.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace attnscope {
namespace {

double luminance(Rgb8 c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

TEST(Colormap, EndColoursAreThePublishedOnes) {
    // viridis #440154 .. #fde725, cividis #00224e .. #fee838 (matplotlib's documented end colours).
    EXPECT_EQ(colormap_rgb(Colormap::Viridis, 0.f), (Rgb8{0x44, 0x01, 0x54}));
    EXPECT_EQ(colormap_rgb(Colormap::Viridis, 1.f), (Rgb8{0xfd, 0xe7, 0x25}));
    EXPECT_EQ(colormap_rgb(Colormap::Cividis, 0.f), (Rgb8{0x00, 0x22, 0x4e}));
    EXPECT_EQ(colormap_rgb(Colormap::Cividis, 1.f), (Rgb8{0xfe, 0xe8, 0x38}));
    EXPECT_EQ(colormap_rgb(Colormap::Diverging, 0.5f), (Rgb8{0xf7, 0xf7, 0xf7}));
    EXPECT_EQ(colormap_lut(Colormap::Viridis)[255], colormap_rgb(Colormap::Viridis, 1.f));
    EXPECT_EQ(colormap_rgb(Colormap::Viridis, 2.f), colormap_rgb(Colormap::Viridis, 1.f));
    EXPECT_EQ(colormap_rgb(Colormap::Viridis, NAN), colormap_rgb(Colormap::Viridis, 0.f));
}

TEST(Colormap, SequentialMapsGetLighterMonotonically) {
    for (Colormap m : {Colormap::Viridis, Colormap::Cividis}) {
        const ColormapLut& lut = colormap_lut(m);
        for (int i = 1; i < 256; ++i)
            EXPECT_GE(luminance(lut[static_cast<std::size_t>(i)]) + 0.75,
                      luminance(lut[static_cast<std::size_t>(i - 1)]))
                << colormap_name(m) << " at " << i;
    }
}

TEST(Colormap, DivergingIsLightestAtZero) {
    const ColormapLut& lut = colormap_lut(Colormap::Diverging);
    for (int i = 0; i < 256; ++i)
        EXPECT_LE(luminance(lut[static_cast<std::size_t>(i)]),
                  luminance(colormap_rgb(Colormap::Diverging, 0.5f)) + 0.5);
    EXPECT_LT(luminance(lut[0]), 80.0);
    EXPECT_LT(luminance(lut[255]), 80.0);
}

TEST(Colormap, NamesRoundTrip) {
    for (Colormap m : {Colormap::Viridis, Colormap::Cividis, Colormap::Diverging})
        EXPECT_EQ(parse_colormap(colormap_name(m)), m);
    EXPECT_FALSE(parse_colormap("jet"));
}

TEST(Colormap, PackIsRgbaLittleEndian) {
    const std::uint32_t p = pack_rgba({1, 2, 3}, 4);
    const auto* b = reinterpret_cast<const std::uint8_t*>(&p);
    EXPECT_EQ(b[0], 1);
    EXPECT_EQ(b[1], 2);
    EXPECT_EQ(b[2], 3);
    EXPECT_EQ(b[3], 4);
}

}  // namespace
}  // namespace attnscope
