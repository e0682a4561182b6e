// lab_fixture.hpp — the lab without a window (ImGui's example_null pattern): an ImGui context with a built font
// atlas, a fixed display size, a synchronous scheduler and a texture store that only counts uploads. Tests feed
// io.MousePos / io.MouseDown / io.KeysDown and assert on the scene, the edits and the layout.
#pragma once

#include <gtest/gtest.h>
#include <imgui.h>

#include <memory>

#include "app/gui/lab.hpp"
#include "core/scene_presets.hpp"

namespace attnscope::gui::testing {

class LabFixture {
  public:
    explicit LabFixture(Scene scene, ImVec2 display = ImVec2(1600, 900), bool implied = true) {
        m_ctx = ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = display;
        io.DeltaTime = 1.0f / 60.0f;
        // GLFW's key numbering, as the window's backend sets it (lab.hpp keys::).
        io.KeyMap[ImGuiKey_Escape] = keys::kEscape;
        io.KeyMap[ImGuiKey_Enter] = 257;
        io.KeyMap[ImGuiKey_Tab] = 258;
        LabOptions o;
        o.mode = Scheduler::Mode::Sync;
        o.same_frame_budget_ms = 0;
        o.system_fonts = false;
        o.want_implied = implied;  // ImGui's built-in font: no dependency on installed fonts
        LabSettings settings;
        settings.backend = "";
        lab = std::make_unique<Lab>(std::move(scene), settings, textures, o);
        lab->init_style(1.0f);
    }
    ~LabFixture() {
        lab.reset();
        ImGui::DestroyContext(m_ctx);
    }

    void frame() {
        ImGui::NewFrame();
        m_time += 1.0 / 60.0;
        lab->frame(m_time);
        ImGui::Render();
        ImGuiIO& io = ImGui::GetIO();
        io.MouseWheel = 0;
        for (bool& k : io.KeysDown) k = false;
    }
    void frames(int count) {
        for (int i = 0; i < count; ++i) frame();
    }
    void mouse(ImVec2 p, bool down) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = p;
        io.MouseDown[0] = down;
    }
    void click(ImVec2 p) {
        mouse(p, false);
        frame();
        mouse(p, true);
        frame();
        mouse(p, false);
        frame();
    }
    void key(int code, bool ctrl = false, bool shift = false) {
        ImGuiIO& io = ImGui::GetIO();
        io.KeyCtrl = ctrl;
        io.KeyShift = shift;
        io.KeysDown[code] = true;
        frame();
        io.KeyCtrl = io.KeyShift = false;
        frame();
    }
    // Centre of cell (row, col) of a map panel, from the layout the views recorded.
    ImVec2 cell(const std::string& map, int row, int col) const {
        const PanelRecord* p = lab->layout().find(map);
        EXPECT_TRUE(p && p->map) << map;
        if (!p || !p->map) return ImVec2(-1, -1);
        const MapGeometry& g = *p->map;
        return ImVec2(g.x0 + (static_cast<float>(col - g.col0) + 0.5f) * g.cell_w,
                      g.y0 + (static_cast<float>(row - g.row0) + 0.5f) * g.cell_h);
    }

    NullTextureStore textures;
    std::unique_ptr<Lab> lab;

  private:
    ImGuiContext* m_ctx = nullptr;
    double m_time = 0.0;
};

}  // namespace attnscope::gui::testing
