#include "app/gui/frame_capture.hpp"

#include <stb_image_write.h>  // libstb ships the implementation; never define STB_IMAGE_WRITE_IMPLEMENTATION

#include <algorithm>
#include <cstring>
#include <ostream>

#include "app/gui/gl.hpp"
#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"

namespace attnscope::gui {

RgbaImage read_framebuffer(int width, int height) {
    RgbaImage img;
    img.width = width;
    img.height = height;
    img.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, img.pixels.data());
    // GL rows go bottom-up; PNG rows top-down.
    const std::size_t stride = static_cast<std::size_t>(width) * 4;
    std::vector<std::uint8_t> row(stride);
    for (int y = 0; y < height / 2; ++y) {
        std::uint8_t* a = img.pixels.data() + static_cast<std::size_t>(y) * stride;
        std::uint8_t* b = img.pixels.data() + static_cast<std::size_t>(height - 1 - y) * stride;
        std::memcpy(row.data(), a, stride);
        std::memcpy(a, b, stride);
        std::memcpy(b, row.data(), stride);
    }
    for (std::size_t i = 3; i < img.pixels.size(); i += 4) img.pixels[i] = 255;  // the window is opaque
    return img;
}

RgbaImage crop(const RgbaImage& image, int x, int y, int w, int h) {
    x = std::clamp(x, 0, image.width);
    y = std::clamp(y, 0, image.height);
    w = std::clamp(w, 0, image.width - x);
    h = std::clamp(h, 0, image.height - y);
    RgbaImage out;
    out.width = w;
    out.height = h;
    out.pixels.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
    for (int r = 0; r < h; ++r)
        std::memcpy(out.pixels.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(w) * 4,
                    image.pixels.data() + (static_cast<std::size_t>(y + r) * static_cast<std::size_t>(image.width) +
                                           static_cast<std::size_t>(x)) *
                                              4,
                    static_cast<std::size_t>(w) * 4);
    return out;
}

void write_png(const RgbaImage& image, const std::string& path) {
    if (image.width <= 0 || image.height <= 0)
        throw InputError(
            InputErrorInfo{path, "", "nothing to write (the image is empty)", "check --panel names a drawn panel"});
    // The window is opaque: RGB is a quarter smaller than RGBA, and level 9 is worth it for figures.
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3);
    for (std::size_t i = 0, j = 0; i < image.pixels.size(); i += 4, j += 3) {
        rgb[j] = image.pixels[i];
        rgb[j + 1] = image.pixels[i + 1];
        rgb[j + 2] = image.pixels[i + 2];
    }
    stbi_write_png_compression_level = 9;
    std::string bytes;
    auto sink = [](void* ctx, void* data, int size) {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
    };
    if (!stbi_write_png_to_func(sink, &bytes, image.width, image.height, 3, rgb.data(), image.width * 3))
        throw std::runtime_error(path + ": PNG encoding failed");
    check_writable(path, "png");
    write_file_atomically(
        path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); }, true);
}

bool has_content(const RgbaImage& image) {
    if (image.pixels.size() < 8) return false;
    for (std::size_t i = 4; i < image.pixels.size(); i += 4)
        if (std::memcmp(&image.pixels[i], &image.pixels[0], 3) != 0) return true;
    return false;
}

}  // namespace attnscope::gui
