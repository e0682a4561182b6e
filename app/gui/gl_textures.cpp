#include "app/gui/gl_textures.hpp"

#include "app/gui/gl.hpp"

namespace attnscope::gui {

GlTextureStore::~GlTextureStore() {
    for (auto& [slot, e] : m_entries)
        if (e.texture) glDeleteTextures(1, &e.texture);
}

void GlTextureStore::update(const std::string& slot, const std::shared_ptr<const HeatmapImage>& image) {
    if (!image || image->width <= 0 || image->height <= 0) return;
    Entry& e = m_entries[slot];
    if (e.key == image->key && e.texture) return;
    GLint previous = 0;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
    if (!e.texture) glGenTextures(1, &e.texture);
    glBindTexture(GL_TEXTURE_2D, e.texture);
    // Nearest: one texel per cell or per pooled block, so cell edges stay crisp and colours stay exact.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    if (e.width == image->width && e.height == image->height)
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, image->width, image->height, GL_RGBA, GL_UNSIGNED_BYTE,
                        image->rgba.data());
    else
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, image->width, image->height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                     image->rgba.data());
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
    e.width = image->width;
    e.height = image->height;
    e.key = image->key;
    ++m_uploads;
}

ImTextureID GlTextureStore::get(const std::string& slot) const {
    auto it = m_entries.find(slot);
    if (it == m_entries.end() || !it->second.texture) return nullptr;
    return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(it->second.texture));
}

std::uint64_t GlTextureStore::key(const std::string& slot) const {
    auto it = m_entries.find(slot);
    return it == m_entries.end() ? 0 : it->second.key;
}

}  // namespace attnscope::gui
