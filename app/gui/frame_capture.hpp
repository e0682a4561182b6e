// frame_capture.hpp — read the rendered frame back and write it as PNG (stb_image_write from libstb), atomically.
//
// Read from the framebuffer that was just drawn (the headless FBO, or the window's back buffer before the swap),
// so the PNG is exactly what the window shows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::gui {

struct RgbaImage {
    int width = 0, height = 0;
    std::vector<std::uint8_t> pixels;  // row-major RGBA, row 0 = top
};

// glReadPixels of the bound read framebuffer, flipped to top-down.
RgbaImage read_framebuffer(int width, int height);

// The rectangle (x, y, w, h) of `image` (clamped to it).
RgbaImage crop(const RgbaImage& image, int x, int y, int w, int h);

// PNG bytes via stbi_write_png_to_func, written to `path` atomically. Throws InputError when the path cannot be
// written (the old file stays as it was).
void write_png(const RgbaImage& image, const std::string& path);

// True when the image has more than one colour (a blank or failed render is one colour).
bool has_content(const RgbaImage& image);

}  // namespace attnscope::gui
