// layout_recorder.hpp — where each panel was drawn this frame, and the cell geometry of each map.
//
// `attnscope render --layout L.json` writes it, so tests can probe the pixel of a known cell; panel PNGs crop by
// it; the GUI tests assert on it. Rectangles are in framebuffer pixels, origin top-left (the PNG's coordinates).
#pragma once

#include <imgui.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace attnscope::gui {

struct MapGeometry {
    int n = 0;               // map size (queries = keys = n)
    int row0 = 0, col0 = 0;  // first visible cell
    int rows = 0, cols = 0;  // visible cells
    float x0 = 0, y0 = 0;    // top-left pixel of cell (row0, col0)
    float cell_w = 0, cell_h = 0;
    bool exact = false;  // one texel per cell (false: max-pooled blocks)
    bool causal = true;
    std::string variant;    // spec id, e.g. "dpa"
    std::string scale;      // "linear" | "log" | "signed"
    double lo = 0, hi = 1;  // legend range
    std::string colormap;
};

struct PanelRecord {
    std::string name;
    ImVec4 rect;  // x, y, w, h in pixels
    std::optional<MapGeometry> map;
    nlohmann::json extra;  // panel-specific geometry, e.g. the canvas's origin and scale (already in pixels)
};

class LayoutRecorder {
  public:
    void begin_frame(float fb_scale_x, float fb_scale_y, ImVec2 display_size);
    // p0, p1 in ImGui coordinates (points); stored in pixels.
    void panel(const std::string& name, ImVec2 p0, ImVec2 p1);
    void map(const std::string& name, ImVec2 p0, ImVec2 p1, MapGeometry g);
    // The canvas: where data point (0, 0) is drawn and how many pixels one data unit spans.
    void canvas(const std::string& name, ImVec2 origin, float pixels_per_unit, const std::string& axis_x,
                const std::string& axis_y);

    const std::vector<PanelRecord>& panels() const { return m_panels; }
    const PanelRecord* find(const std::string& name) const;
    nlohmann::json to_json() const;

  private:
    std::vector<PanelRecord> m_panels;
    float m_sx = 1, m_sy = 1;
    ImVec2 m_display{0, 0};
};

}  // namespace attnscope::gui
