// draw_heatmap.cpp — the heatmap panel (texture, cross-hair, locked row, zoom and pan) and its colour bar.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/gui/views/widgets.hpp"
#include "core/colormap.hpp"

namespace attnscope::gui {
namespace {

ImU32 with_alpha(ImU32 c, int a) { return (c & 0x00FFFFFFu) | (static_cast<ImU32>(a) << 24); }

// Zoom the shared viewport by `steps` wheel notches around the cell under the mouse (fx, fy in [0, 1]).
void zoom_viewport(UiState& ui, int n, float steps, int cell_r, int cell_c, float fx, float fy) {
    const MapViewport v = ui.viewport.resolved(n);
    const double factor = std::pow(0.8, static_cast<double>(steps));
    const int min_cells = std::min(n, 4);
    const int size = std::clamp(static_cast<int>(std::lround(v.rows * factor)), min_cells, n);
    if (size == v.rows && steps > 0 && size > min_cells) return;
    if (size >= n) {
        ui.viewport = {};
        return;
    }
    MapViewport z;
    z.rows = z.cols = size;
    z.row0 = static_cast<int>(std::lround(cell_r + 0.5 - fy * size));
    z.col0 = static_cast<int>(std::lround(cell_c + 0.5 - fx * size));
    ui.viewport = z.resolved(n);
}

}  // namespace

void draw_mask_hatch(ImDrawList* dl, ImVec2 p0, ImVec2 size, float offset, ImU32 colour, float spacing) {
    // Cells with col > row: in pixels, x - y >= offset (square cells). Lines parallel to the diagonal at offsets
    // offset + k * spacing never leave that region, so the hatch marks exactly the masked cells. Anti-aliasing is
    // off so every pixel is either the mask colour or the hatch colour (the pixel tests rely on it).
    const ImDrawListFlags flags = dl->Flags;
    dl->Flags &= ~(ImDrawListFlags_AntiAliasedLines | ImDrawListFlags_AntiAliasedLinesUseTex);
    for (float c = offset; c < size.x; c += spacing) {
        const float y0 = std::max(0.0f, -c), y1 = std::min(size.y, size.x - c);
        if (y0 >= y1) continue;
        dl->AddLine(ImVec2(p0.x + y0 + c, p0.y + y0), ImVec2(p0.x + y1 + c, p0.y + y1), colour, 1.0f);
    }
    dl->Flags = flags;
}

HeatmapHit draw_heatmap(ViewContext& ctx, const HeatmapPanel& p) {
    HeatmapHit hit;
    const int n = std::max(p.n, 1);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 p1(p0.x + p.size.x, p0.y + p.size.y);
    ImGui::InvisibleButton(
        p.id, p.size,
        ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight | ImGuiButtonFlags_MouseButtonMiddle);
    const bool hovered = ImGui::IsItemHovered();
    const bool active = ImGui::IsItemActive();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const MapViewport v = ctx.ui.viewport.resolved(n);
    const float cw = p.size.x / static_cast<float>(v.cols), ch = p.size.y / static_cast<float>(v.rows);

    // The display request for the next pass: this panel's pixel size and the current viewport.
    DisplaySpec spec = p.spec;
    const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
    spec.px_w = std::max(1, static_cast<int>(p.size.x * fb.x));
    spec.px_h = std::max(1, static_cast<int>(p.size.y * fb.y));
    spec.view = ctx.ui.viewport.is_whole(n) ? MapViewport{} : v;
    ctx.ui.displays[p.slot] = spec;

    const ImTextureID tex = ctx.textures.get(p.slot);
    const bool covered = p.image && tex && p.image->width > 0 && p.image->view == v;
    if (!covered) dl->AddRectFilled(p0, p1, ctx.theme.map_bg);  // the image covers the panel: no extra fill layer
    if (p.image && tex && p.image->width > 0) {
        // The image may lag the viewport by a pass: place its cells where the current viewport puts them.
        const MapViewport& iv = p.image->view;
        const ImVec2 i0(p0.x + static_cast<float>(iv.col0 - v.col0) * cw,
                        p0.y + static_cast<float>(iv.row0 - v.row0) * ch);
        const ImVec2 i1(i0.x + static_cast<float>(iv.cols) * cw, i0.y + static_cast<float>(iv.rows) * ch);
        dl->PushClipRect(p0, p1, true);
        dl->AddImage(tex, i0, i1);
        // Masked cells are hatched: no colour map contains the pattern, so "masked" never reads as "weight 0".
        if (p.causal)
            draw_mask_hatch(dl, p0, p.size, static_cast<float>(v.row0 + 1 - v.col0) * cw, ctx.theme.mask_hatch,
                            ctx.theme.px(6));
        if (cw >= 14.0f && ch >= 14.0f) {  // cell borders once cells are large enough to read one by one
            for (int c = 1; c < v.cols; ++c)
                dl->AddLine(ImVec2(p0.x + c * cw, p0.y), ImVec2(p0.x + c * cw, p1.y), ctx.theme.grid_line);
            for (int r = 1; r < v.rows; ++r)
                dl->AddLine(ImVec2(p0.x, p0.y + r * ch), ImVec2(p1.x, p0.y + r * ch), ctx.theme.grid_line);
        }
        dl->PopClipRect();
    } else {
        const char* msg = "computing\xE2\x80\xA6";
        const ImVec2 ts = ImGui::CalcTextSize(msg);
        dl->AddText(ImVec2(p0.x + (p.size.x - ts.x) / 2, p0.y + (p.size.y - ts.y) / 2), ctx.theme.text_dim, msg);
    }

    dl->PushClipRect(ImVec2(p0.x - 3, p0.y - 3), ImVec2(p1.x + 3, p1.y + 3), true);
    auto row_y = [&](int r) { return p0.y + static_cast<float>(r - v.row0) * ch; };
    auto col_x = [&](int c) { return p0.x + static_cast<float>(c - v.col0) * cw; };
    auto visible_row = [&](int r) { return r >= v.row0 && r < v.row0 + v.rows; };
    auto visible_col = [&](int c) { return c >= v.col0 && c < v.col0 + v.cols; };
    // A token highlighted on the canvas or in the table: its key column.
    if (ctx.ui.hovered_token >= 0 && visible_col(ctx.ui.hovered_token)) {
        const float x = col_x(ctx.ui.hovered_token);
        dl->AddRect(ImVec2(x, p0.y), ImVec2(x + std::max(cw, 1.0f), p1.y), with_alpha(ctx.theme.hover_outline, 120));
    }
    // Hover (from the previous frame, in whichever column): the same cell outlined in every map.
    const CellRef& h = ctx.ui.hover;
    if (h.row >= 0 && h.row < n && visible_row(h.row)) {
        const float y = row_y(h.row);
        dl->AddRectFilled(ImVec2(p0.x, y), ImVec2(p1.x, y + std::max(ch, 1.0f)),
                          with_alpha(ctx.theme.hover_outline, 28));
        if (h.col >= 0 && visible_col(h.col)) {
            const float x = col_x(h.col);
            dl->AddRect(ImVec2(x - 1, y - 1), ImVec2(x + std::max(cw, 1.0f) + 1, y + std::max(ch, 1.0f) + 1),
                        ctx.theme.hover_outline, 0.0f, 0, 1.5f);
        }
    }
    // The locked query row, in every map.
    const int locked = ctx.view.locked_query;
    if (locked >= 0 && locked < n && visible_row(locked)) {
        const float y = row_y(locked);
        dl->AddRect(ImVec2(p0.x - 2, y - 1), ImVec2(p1.x + 2, y + std::max(ch, 1.0f) + 1), ctx.theme.lock_outline, 0.0f,
                    0, 2.0f);
    }
    dl->PopClipRect();
    dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));

    if (hovered) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const float fx = std::clamp((m.x - p0.x) / p.size.x, 0.0f, 0.9999f);
        const float fy = std::clamp((m.y - p0.y) / p.size.y, 0.0f, 0.9999f);
        hit.hovered = true;
        hit.row = v.row0 + static_cast<int>(fy * static_cast<float>(v.rows));
        hit.col = v.col0 + static_cast<int>(fx * static_cast<float>(v.cols));
        ctx.ui.hover_next = {p.column_id, hit.row, hit.col};
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
            ctx.ui.viewport = {};
            ctx.view.locked_query = hit.row;
        } else if (ImGui::IsItemClicked(ImGuiMouseButton_Left)) {
            ctx.view.locked_query = ctx.view.locked_query == hit.row ? -1 : hit.row;
        }
        const float wheel = ImGui::GetIO().MouseWheel;
        if (wheel != 0.0f) zoom_viewport(ctx.ui, n, wheel, hit.row, hit.col, fx, fy);
    }
    if (active && (ImGui::IsMouseDragging(ImGuiMouseButton_Right) || ImGui::IsMouseDragging(ImGuiMouseButton_Middle))) {
        const ImVec2 d = ImGui::GetIO().MouseDelta;
        ctx.ui.pan_acc_x -= d.x / cw;
        ctx.ui.pan_acc_y -= d.y / ch;
        const int dx = static_cast<int>(ctx.ui.pan_acc_x), dy = static_cast<int>(ctx.ui.pan_acc_y);
        if ((dx != 0 || dy != 0) && !ctx.ui.viewport.is_whole(n)) {
            MapViewport z = v;
            z.col0 += dx;
            z.row0 += dy;
            ctx.ui.viewport = z.resolved(n);
            ctx.ui.pan_acc_x -= static_cast<float>(dx);
            ctx.ui.pan_acc_y -= static_cast<float>(dy);
        }
    }

    MapGeometry g;
    g.n = n;
    g.row0 = v.row0;
    g.col0 = v.col0;
    g.rows = v.rows;
    g.cols = v.cols;
    g.x0 = p0.x;
    g.y0 = p0.y;
    g.cell_w = cw;
    g.cell_h = ch;
    g.exact = p.image && p.image->exact && p.image->view == v;
    g.causal = p.causal;
    g.variant = p.variant;
    if (p.image) {
        g.scale = p.image->signed_map ? "signed" : p.image->log ? "log" : "linear";
        g.lo = p.image->lo;
        g.hi = p.image->hi;
        g.colormap = std::string(colormap_name(p.image->colormap));
    }
    ctx.layout.map(p.panel_name, p0, p1, g);
    return hit;
}

namespace {

struct Tick {
    double value;
    std::string label;
};

std::string short_num(double x) {
    char buf[32];
    if (x == 0.0) return "0";
    std::snprintf(buf, sizeof buf, "%.3g", x);
    return buf;
}

std::vector<Tick> ticks_for(double lo, double hi, bool log, bool signed_map) {
    std::vector<Tick> t;
    if (signed_map) {
        t = {{-hi, "-" + short_num(hi)}, {0.0, "0"}, {hi, "+" + short_num(hi)}};
    } else if (log) {
        const int d0 = static_cast<int>(std::lround(std::log10(lo)));
        const int step = (0 - d0) > 4 ? 2 : 1;
        for (int d = d0 + (0 - d0) % step; d <= 0; d += step)  // ascending, ending at 1
            t.push_back({std::pow(10.0, d), d == 0 ? "1" : "1e" + std::to_string(d)});
    } else if (hi == 1.0 && lo == 0.0) {
        t = {{0, "0"}, {0.25, "0.25"}, {0.5, "0.5"}, {0.75, "0.75"}, {1, "1"}};
    } else {
        t = {{lo, short_num(lo)}, {(lo + hi) / 2, short_num((lo + hi) / 2)}, {hi, short_num(hi)}};
    }
    return t;
}

}  // namespace

void draw_colorbar(ViewContext& ctx, const HeatmapImage* image, const DisplaySpec& spec, float width,
                   bool show_pruned) {
    const Theme& th = ctx.theme;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const bool signed_map = image ? image->signed_map : false;
    const bool log = image ? image->log : spec.scale == MapScale::Log;
    const double lo = image ? image->lo : 0.0, hi = image ? image->hi : 1.0;
    const Colormap map = image ? image->colormap : spec.colormap;
    const float swatch_w = signed_map ? 0.0f : th.px(74);
    const float bar_w = std::max(th.px(40), width - swatch_w);
    const float bar_h = th.px(9);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ColormapLut& lut = colormap_lut(map);
    constexpr int kSegments = 48;
    for (int s = 0; s < kSegments; ++s) {
        const float x0 = p0.x + bar_w * static_cast<float>(s) / kSegments;
        const float x1 = p0.x + bar_w * static_cast<float>(s + 1) / kSegments;
        const Rgb8 a = lut[static_cast<std::size_t>(s * 255 / kSegments)];
        const Rgb8 b = lut[static_cast<std::size_t>((s + 1) * 255 / kSegments)];
        const ImU32 ca = IM_COL32(a.r, a.g, a.b, 255), cb = IM_COL32(b.r, b.g, b.b, 255);
        dl->AddRectFilledMultiColor(ImVec2(x0, p0.y), ImVec2(x1 + 0.5f, p0.y + bar_h), ca, cb, cb, ca);
    }
    dl->AddRect(p0, ImVec2(p0.x + bar_w, p0.y + bar_h), ImGui::GetColorU32(ImGuiCol_Border));
    ImGui::PushFont(th.small);
    const float text_y = p0.y + bar_h + th.px(2);
    float last_right = -1e9f;
    for (const Tick& t : ticks_for(lo, hi, log, signed_map)) {
        double f;
        if (signed_map)
            f = 0.5 + 0.5 * t.value / hi;
        else if (log)
            f = (std::log10(t.value) - std::log10(lo)) / (0.0 - std::log10(lo));
        else
            f = (t.value - lo) / (hi - lo);
        const float x = p0.x + bar_w * static_cast<float>(std::clamp(f, 0.0, 1.0));
        dl->AddLine(ImVec2(x, p0.y + bar_h), ImVec2(x, p0.y + bar_h + th.px(3)), th.text_dim);
        const float tw = ImGui::CalcTextSize(t.label.c_str()).x;
        const float tx = std::clamp(x - tw / 2, p0.x, p0.x + bar_w - tw);
        if (tx < last_right + th.px(4)) continue;  // never overlap two labels
        dl->AddText(ImVec2(tx, text_y + th.px(1)), th.text_dim, t.label.c_str());
        last_right = tx + tw;
    }
    if (!signed_map) {
        const float sx = p0.x + bar_w + th.px(8);
        const float sq = th.px(9);
        dl->AddRectFilled(ImVec2(sx, p0.y), ImVec2(sx + sq, p0.y + sq), th.mask);
        dl->PushClipRect(ImVec2(sx, p0.y), ImVec2(sx + sq, p0.y + sq), true);
        draw_mask_hatch(dl, ImVec2(sx, p0.y), ImVec2(sq, sq), -sq, th.mask_hatch, th.px(4));
        dl->PopClipRect();
        dl->AddText(ImVec2(sx + sq + th.px(4), p0.y - th.px(2)), th.text_dim, "masked");
        if (show_pruned) {
            const float y = p0.y + sq + th.px(5);
            dl->AddRectFilled(ImVec2(sx, y), ImVec2(sx + sq, y + sq), th.pruned);
            dl->AddText(ImVec2(sx + sq + th.px(4), y - th.px(2)), th.text_dim, "pruned");
        }
    }
    ImGui::PopFont();
    ImGui::Dummy(ImVec2(width, bar_h + th.px(16)));
}

}  // namespace attnscope::gui
