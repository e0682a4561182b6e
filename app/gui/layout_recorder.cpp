#include "app/gui/layout_recorder.hpp"

namespace attnscope::gui {

void LayoutRecorder::begin_frame(float fb_scale_x, float fb_scale_y, ImVec2 display_size) {
    m_panels.clear();
    m_sx = fb_scale_x > 0 ? fb_scale_x : 1.0f;
    m_sy = fb_scale_y > 0 ? fb_scale_y : 1.0f;
    m_display = display_size;
}

void LayoutRecorder::panel(const std::string& name, ImVec2 p0, ImVec2 p1) {
    for (PanelRecord& p : m_panels)
        if (p.name == name) {
            p.rect = ImVec4(p0.x * m_sx, p0.y * m_sy, (p1.x - p0.x) * m_sx, (p1.y - p0.y) * m_sy);
            return;
        }
    m_panels.push_back(
        {name, ImVec4(p0.x * m_sx, p0.y * m_sy, (p1.x - p0.x) * m_sx, (p1.y - p0.y) * m_sy), std::nullopt, {}});
}

void LayoutRecorder::map(const std::string& name, ImVec2 p0, ImVec2 p1, MapGeometry g) {
    g.x0 *= m_sx;
    g.y0 *= m_sy;
    g.cell_w *= m_sx;
    g.cell_h *= m_sy;
    panel(name, p0, p1);
    for (PanelRecord& p : m_panels)
        if (p.name == name) p.map = std::move(g);
}

void LayoutRecorder::canvas(const std::string& name, ImVec2 origin, float ppu, const std::string& axis_x,
                            const std::string& axis_y) {
    for (PanelRecord& p : m_panels)
        if (p.name == name)
            p.extra = {{"origin", {origin.x * m_sx, origin.y * m_sy}},
                       {"pixels_per_unit", ppu * m_sx},
                       {"axes", {axis_x, axis_y}}};
}

const PanelRecord* LayoutRecorder::find(const std::string& name) const {
    for (const PanelRecord& p : m_panels)
        if (p.name == name) return &p;
    return nullptr;
}

nlohmann::json LayoutRecorder::to_json() const {
    nlohmann::json panels = nlohmann::json::array();
    for (const PanelRecord& p : m_panels) {
        nlohmann::json j = {{"name", p.name}, {"rect", {p.rect.x, p.rect.y, p.rect.z, p.rect.w}}};
        if (!p.extra.is_null()) j["canvas"] = p.extra;
        if (p.map) {
            const MapGeometry& g = *p.map;
            j["map"] = {{"n", g.n},           {"row0", g.row0},   {"col0", g.col0},     {"rows", g.rows},
                        {"cols", g.cols},     {"x0", g.x0},       {"y0", g.y0},         {"cell_w", g.cell_w},
                        {"cell_h", g.cell_h}, {"exact", g.exact}, {"causal", g.causal}, {"variant", g.variant},
                        {"scale", g.scale},   {"lo", g.lo},       {"hi", g.hi},         {"colormap", g.colormap}};
        }
        panels.push_back(std::move(j));
    }
    return {{"format", "attnscope-layout"},
            {"version", 1},
            {"window", {m_display.x * m_sx, m_display.y * m_sy}},
            {"panels", std::move(panels)}};
}

}  // namespace attnscope::gui
