// line_plot.cpp — the ImDrawList line plot the Train and Length views share.
#include "app/gui/views/line_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {

ImU32 variant_colour(VariantKind k) {
    switch (k) {
        case VariantKind::Dpa: return IM_COL32(0, 114, 178, 255);       // blue
        case VariantKind::Ssa: return IM_COL32(230, 159, 0, 255);       // orange
        case VariantKind::Selective: return IM_COL32(0, 158, 115, 255); // bluish green
        case VariantKind::Lssa: return IM_COL32(204, 121, 167, 255);    // reddish purple
        case VariantKind::Lssar: return IM_COL32(213, 94, 0, 255);      // vermillion
        case VariantKind::Ea: return IM_COL32(86, 180, 233, 255);       // sky blue
        default: return IM_COL32(160, 160, 160, 255);
    }
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
    std::vector<double> t;
    if (!(hi > lo) || target < 1) return t;
    const double raw = (hi - lo) / target;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    double step = p;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw) {
            step = m * p;
            break;
        }
    for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) t.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
    return t;
}

namespace {

std::string tick_text(double v, bool percent) {
    char buf[32];
    if (percent)
        std::snprintf(buf, sizeof buf, "%g%%", std::round(v * 1000.0) / 10.0);
    else
        std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

void draw_line_plot(ViewContext& ctx, const char* id, const std::string& panel, ImVec2 size, const PlotAxes& axes,
                    const std::vector<PlotSeries>& series) {
    const Theme& th = ctx.theme;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 p1(p0.x + size.x, p0.y + size.y);
    ImGui::InvisibleButton(id, size);
    const bool hovered = ImGui::IsItemHovered();
    if (!panel.empty()) ctx.layout.panel(panel, p0, p1);
    dl->AddRectFilled(p0, p1, th.strip_bg);

    const float fh = ImGui::GetFontSize();
    const float left = th.px(8) + ImGui::CalcTextSize("00.00%").x, bottom = fh * 2.2f, top = fh * 1.4f;
    const ImVec2 a0(p0.x + left, p0.y + top), a1(p1.x - th.px(10), p1.y - bottom);
    if (a1.x <= a0.x + 10 || a1.y <= a0.y + 10) return;
    dl->AddText(ImVec2(a0.x, p0.y + th.px(2)), th.text_strong, axes.title.c_str());

    const CurveRange& r = axes.range;
    auto fx = [&](double x) {
        double t = 0;
        if (axes.log2_x)
            t = (std::log2(std::max(x, 1e-300)) - std::log2(std::max(r.x0, 1e-300))) /
                std::max(std::log2(r.x1 / std::max(r.x0, 1e-300)), 1e-12);
        else
            t = (x - r.x0) / std::max(r.x1 - r.x0, 1e-300);
        return a0.x + static_cast<float>(t) * (a1.x - a0.x);
    };
    auto fy = [&](double y) {
        const double t = (y - r.y0) / std::max(r.y1 - r.y0, 1e-300);
        return a1.y - static_cast<float>(std::clamp(t, -0.02, 1.02)) * (a1.y - a0.y);
    };

    // Grid and ticks.
    std::vector<double> xt;
    if (axes.log2_x) {
        for (double v = std::exp2(std::ceil(std::log2(std::max(r.x0, 1e-300)))); v <= r.x1 * (1 + 1e-9); v *= 2)
            xt.push_back(v);
    } else {
        xt = nice_ticks(r.x0, r.x1, 5);
    }
    for (double v : xt) {
        const float x = fx(v);
        dl->AddLine(ImVec2(x, a0.y), ImVec2(x, a1.y), th.grid_line);
        const std::string s = tick_text(v, false);
        dl->AddText(ImVec2(x - ImGui::CalcTextSize(s.c_str()).x * 0.5f, a1.y + th.px(2)), th.text_dim, s.c_str());
    }
    for (double v : nice_ticks(r.y0, r.y1, 4)) {
        const float y = fy(v);
        dl->AddLine(ImVec2(a0.x, y), ImVec2(a1.x, y), th.grid_line);
        const std::string s = tick_text(v, axes.percent_y);
        dl->AddText(ImVec2(a0.x - ImGui::CalcTextSize(s.c_str()).x - th.px(4), y - fh * 0.5f), th.text_dim, s.c_str());
    }
    for (double v : axes.x_marks) {
        if (v < r.x0 || v > r.x1) continue;  // off this plot (it would be drawn over the neighbour)
        const float x = fx(v);
        for (float y = a0.y; y < a1.y; y += th.px(6))
            dl->AddLine(ImVec2(x, y), ImVec2(x, std::min(y + th.px(3), a1.y)), th.text_dim);
    }
    dl->AddRect(a0, a1, th.text_dim);
    const ImVec2 xl = ImGui::CalcTextSize(axes.x_label.c_str());
    dl->AddText(ImVec2((a0.x + a1.x - xl.x) * 0.5f, a1.y + fh + th.px(2)), th.text_dim, axes.x_label.c_str());
    if (!axes.y_label.empty()) dl->AddText(ImVec2(a0.x + th.px(4), a0.y + th.px(2)), th.text_dim, axes.y_label.c_str());

    // Series.
    dl->PushClipRect(ImVec2(a0.x - 3, a0.y - 3), ImVec2(a1.x + 3, a1.y + 3), true);
    std::vector<ImVec2> pts;
    for (const PlotSeries& s : series) {
        if (!s.curve) continue;
        pts.clear();
        for (std::size_t i = 0; i < s.curve->x.size(); ++i)
            if (std::isfinite(s.curve->y[i])) pts.emplace_back(fx(s.curve->x[i]), fy(s.curve->y[i]));
        if (s.dashed) {
            // Dashes along the polyline, the pattern carried across vertices (a short segment is not skipped).
            const float dash = th.px(6), gap = th.px(4);
            float phase = 0;  // distance into the current dash + gap period
            for (std::size_t i = 0; i + 1 < pts.size(); ++i) {
                const ImVec2 a = pts[i], b = pts[i + 1];
                const float len = std::hypot(b.x - a.x, b.y - a.y);
                float at = 0;
                while (at < len) {
                    const bool on = phase < dash;
                    const float step = std::min(len - at, on ? dash - phase : dash + gap - phase);
                    if (on) {
                        const float t0 = at / len, t1 = (at + step) / len;
                        dl->AddLine(ImVec2(a.x + (b.x - a.x) * t0, a.y + (b.y - a.y) * t0),
                                    ImVec2(a.x + (b.x - a.x) * t1, a.y + (b.y - a.y) * t1), s.colour, th.px(1.5f));
                    }
                    at += step;
                    phase = std::fmod(phase + step, dash + gap);
                }
            }
        } else if (pts.size() >= 2) {
            dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), s.colour, 0, th.px(1.8f));
        }
        if (s.markers || pts.size() == 1)
            for (const ImVec2& p : pts) dl->AddCircleFilled(p, th.px(3), s.colour);
    }
    dl->PopClipRect();

    // Hover: the nearest point of every series at the mouse's x.
    if (hovered && !series.empty()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        dl->AddLine(ImVec2(m.x, a0.y), ImVec2(m.x, a1.y), th.hover_outline);
        ImGui::BeginTooltip();
        bool any = false;
        for (const PlotSeries& s : series) {
            if (!s.curve || s.curve->x.empty()) continue;
            std::size_t best = 0;
            float bd = 1e30f;
            for (std::size_t i = 0; i < s.curve->x.size(); ++i) {
                const float d = std::abs(fx(s.curve->x[i]) - m.x);
                if (d < bd) bd = d, best = i;
            }
            const double y = s.curve->y[best];
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.colour), "%s", s.label.c_str());
            ImGui::SameLine();
            ImGui::Text("%s %g: %s", axes.x_label.c_str(), s.curve->x[best],
                        axes.percent_y ? (fmt_value(100 * y, 2) + " %").c_str() : fmt_value(y).c_str());
            any = true;
        }
        if (!any) ImGui::TextDisabled("no data yet");
        ImGui::EndTooltip();
    }
}

void draw_legend(const std::vector<std::pair<ImU32, std::string>>& items) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float fh = ImGui::GetFontSize();
    bool first = true;
    float right = 0;  // right edge of the previous item
    const float limit = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    for (const auto& [colour, label] : items) {
        const float w = fh * 1.5f + ImGui::CalcTextSize(label.c_str()).x;
        if (!first && right + fh + w <= limit) ImGui::SameLine(0, fh);  // else wrap to a new row
        first = false;
        const ImVec2 p = ImGui::GetCursorScreenPos();
        right = p.x + w;
        ImGui::Dummy(ImVec2(fh * 1.2f, fh));
        dl->AddRectFilled(ImVec2(p.x, p.y + fh * 0.35f), ImVec2(p.x + fh, p.y + fh * 0.65f), colour);
        ImGui::SameLine(0, fh * 0.3f);
        ImGui::TextUnformatted(label.c_str());
    }
}

}  // namespace attnscope::gui
