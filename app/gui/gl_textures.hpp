// gl_textures.hpp — the TextureStore of the window and the headless render: one RGBA8 texture per slot, re-uploaded
// only when the image's key changed (issue 4: "only textures that changed are re-uploaded").
#pragma once

#include <map>
#include <string>

#include "app/gui/view_context.hpp"

namespace attnscope::gui {

class GlTextureStore final : public TextureStore {
  public:
    GlTextureStore() = default;
    ~GlTextureStore() override;  // deletes the textures: destroy before the GL context goes
    GlTextureStore(const GlTextureStore&) = delete;
    GlTextureStore& operator=(const GlTextureStore&) = delete;

    void update(const std::string& slot, const std::shared_ptr<const HeatmapImage>& image) override;
    ImTextureID get(const std::string& slot) const override;
    std::uint64_t key(const std::string& slot) const override;
    int uploads() const override { return m_uploads; }

  private:
    struct Entry {
        unsigned int texture = 0;
        int width = 0, height = 0;
        std::uint64_t key = 0;
    };
    std::map<std::string, Entry> m_entries;
    int m_uploads = 0;
};

}  // namespace attnscope::gui
