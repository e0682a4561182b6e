// draw_canvas.cpp — queries and keys as draggable points in a plane: exact for d = 2; for d > 2 the user picks two
// coordinates or the top two principal directions of [Q; K]. Dragging moves the vector within the plane (the other
// components stay), emits SetRow edits with one gesture id (one undo step), and every column follows.
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {
namespace {

struct Plane {
    Eigen::VectorXd ex, ey;  // orthonormal basis of the plane in R^d
    std::string name_x, name_y;
};

// Top-2 eigenvectors of the uncentred second moment of [Q; K]: the plane that keeps most of the dot products.
Plane principal_plane(const SceneTokens& t) {
    const int d = t.d();
    Eigen::MatrixXd g = t.q.transpose() * t.q + t.k.transpose() * t.k;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(g);
    Plane p;
    p.ex = es.eigenvectors().col(d - 1);
    p.ey = d > 1 ? Eigen::VectorXd(es.eigenvectors().col(d - 2)) : Eigen::VectorXd::Zero(d);
    // A deterministic sign: the largest component positive, so the picture does not flip between frames.
    for (Eigen::VectorXd* v : {&p.ex, &p.ey}) {
        Eigen::Index idx;
        v->cwiseAbs().maxCoeff(&idx);
        if ((*v)(idx) < 0) *v = -*v;
    }
    p.name_x = "pc1";
    p.name_y = "pc2";
    return p;
}

Plane coordinate_plane(int d, int ax, int ay) {
    Plane p;
    p.ex = Eigen::VectorXd::Zero(d);
    p.ey = Eigen::VectorXd::Zero(d);
    p.ex(std::clamp(ax, 0, d - 1)) = 1.0;
    if (d > 1) p.ey(std::clamp(ay, 0, d - 1)) = 1.0;
    p.name_x = "x" + std::to_string(std::clamp(ax, 0, d - 1));
    p.name_y = d > 1 ? "x" + std::to_string(std::clamp(ay, 0, d - 1)) : "-";
    return p;
}

double nice_half_range(double m) {
    if (!(m > 0)) return 1.0;
    const double e = std::pow(10.0, std::floor(std::log10(m)));
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (f * e >= m) return f * e;
    return 10 * e;
}

}  // namespace

void draw_canvas(ViewContext& ctx, float side) {
    const Theme& th = ctx.theme;
    const SceneTokens& t = *ctx.scene.tokens;
    const int d = t.d(), n = t.n();
    SceneView& view = ctx.view;

    // Plane choice.
    if (d > 2) {
        int kind = view.projection == ProjectionKind::Principal ? 1 : 0;
        ImGui::SetNextItemWidth(ctx.theme.px(150));
        if (ImGui::Combo("##plane", &kind, "coordinates\0principal plane\0"))
            view.projection = kind == 1 ? ProjectionKind::Principal : ProjectionKind::Coordinates;
        item_tooltip(
            "d > 2: the canvas shows a plane. Coordinates: two chosen axes (exact values). Principal plane: the "
            "two directions holding most of Q and K. Dragging moves a vector within the plane.");
        if (view.projection == ProjectionKind::Coordinates) {
            ImGui::SameLine();
            ImGui::SetNextItemWidth(ctx.theme.px(58));
            ImGui::SliderInt("##ax", &view.axis_x, 0, d - 1, "x%d");
            item_tooltip("The coordinate shown horizontally.");
            ImGui::SameLine();
            ImGui::SetNextItemWidth(ctx.theme.px(58));
            ImGui::SliderInt("##ay", &view.axis_y, 0, d - 1, "x%d");
            item_tooltip("The coordinate shown vertically.");
            view.axis_x = std::clamp(view.axis_x, 0, d - 1);
            view.axis_y = std::clamp(view.axis_y, 0, d - 1);
        }
    } else {
        ImGui::TextDisabled("d = %d: the canvas is exact", d);
    }
    CanvasDrag& g_drag = ctx.ui.canvas_drag;
    Plane plane;
    if (g_drag.active) {
        plane = {g_drag.ex, g_drag.ey, g_drag.name_x, g_drag.name_y};
    } else if (d > 2 && view.projection == ProjectionKind::Principal) {
        if (ctx.ui.pca_revision != ctx.scene.data_revision || ctx.ui.pca_x.size() != d) {
            const Plane p = principal_plane(t);
            ctx.ui.pca_x = p.ex;
            ctx.ui.pca_y = p.ey;
            ctx.ui.pca_revision = ctx.scene.data_revision;
        }
        plane = {ctx.ui.pca_x, ctx.ui.pca_y, "pc1", "pc2"};
    } else {
        plane = coordinate_plane(d, d > 2 ? view.axis_x : 0, d > 2 ? view.axis_y : 1);
    }

    // Projected points and the view's half-width (frozen while dragging).
    const Eigen::VectorXd qx = t.q * plane.ex, qy = t.q * plane.ey, kx = t.k * plane.ex, ky = t.k * plane.ey;
    double m = 0;
    for (int i = 0; i < n; ++i) m = std::max({m, std::abs(qx(i)), std::abs(qy(i)), std::abs(kx(i)), std::abs(ky(i))});
    const double half = g_drag.active ? g_drag.half : nice_half_range(m * 1.08);

    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const ImVec2 p1(p0.x + side, p0.y + side);
    ImGui::InvisibleButton("canvas", ImVec2(side, side));
    const bool hovered = ImGui::IsItemHovered();
    ctx.layout.panel("canvas", p0, p1);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p0, p1, th.map_bg);
    const ImVec2 c((p0.x + p1.x) / 2, (p0.y + p1.y) / 2);
    const float ppu = static_cast<float>((side / 2 - th.px(6)) / half);  // pixels per unit
    ctx.layout.canvas("canvas", c, ppu, plane.name_x, plane.name_y);
    auto to_px = [&](double x, double y) {
        return ImVec2(c.x + static_cast<float>(x) * ppu, c.y - static_cast<float>(y) * ppu);
    };
    dl->PushClipRect(p0, p1, true);
    ImGui::PushFont(th.small);
    draw_plane_grid(dl, th, p0, p1, c, ppu, half, plane.name_x.c_str(), plane.name_y.c_str());

    // The locked query's attention under the first column: lines to its keys, thickness by weight.
    const int focus = ctx.view.locked_query;
    if (focus >= 0 && focus < n && !ctx.scene.columns.empty()) {
        const ColumnSlot* slot = ctx.slot(ctx.scene.columns.front().id);
        if (slot && slot->compute && slot->compute->has_full_weights() && slot->compute->result.weights.rows() == n) {
            const MatF& w = slot->compute->result.weights;
            const ImVec2 q = to_px(qx(focus), qy(focus));
            for (int j = 0; j < n; ++j)
                if (w(focus, j) > 0.02f)
                    dl->AddLine(q, to_px(kx(j), ky(j)),
                                (th.lock_outline & 0x00FFFFFF) | (static_cast<ImU32>(60 + 195 * w(focus, j)) << 24),
                                1.0f + 5.0f * w(focus, j));
        }
    }
    // Points: arrows from the origin when few, dots when many; labels when they fit.
    const bool arrows = n <= 48;
    const bool labels = n <= 24;
    const float r = n <= 64 ? th.px(4.5f) : n <= 512 ? th.px(3) : th.px(1.6f);
    int hit_row = -1;
    TokenField hit_field = TokenField::K;
    float best = th.px(9) * th.px(9);
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    auto draw_points = [&](const Eigen::VectorXd& xs, const Eigen::VectorXd& ys, TokenField field, ImU32 col) {
        for (int i = 0; i < n; ++i) {
            const ImVec2 p = to_px(xs(i), ys(i));
            const bool hot = ctx.ui.hovered_token == i || (g_drag.active && g_drag.row == i && g_drag.field == field);
            if (arrows) dl->AddLine(c, p, (col & 0x00FFFFFF) | 0x70000000u, 1.0f);
            if (field == TokenField::Q)
                dl->AddCircleFilled(p, hot ? r * 1.6f : r, col);
            else
                dl->AddRectFilled(ImVec2(p.x - r, p.y - r), ImVec2(p.x + r, p.y + r), col);  // keys: squares
            if (i == focus && field == TokenField::Q) dl->AddCircle(p, r * 2.2f, th.lock_outline, 0, 2.0f);
            if (hot) dl->AddCircle(p, r * 2.0f, th.hover_outline, 0, 1.5f);
            if (labels) {
                const std::string& l = t.labels[static_cast<std::size_t>(i)];
                dl->AddText(ImVec2(p.x + r + th.px(2), p.y - th.px(7)), (col & 0x00FFFFFF) | 0xC0000000u, l.c_str());
            }
            const float dx = mouse.x - p.x, dy = mouse.y - p.y;
            if (hovered && dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                hit_row = i;
                hit_field = field;
            }
        }
    };
    draw_points(kx, ky, TokenField::K, th.key);
    draw_points(qx, qy, TokenField::Q, th.query);
    ImGui::PopFont();
    dl->PopClipRect();
    dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));

    // Legend line under the canvas.
    ImGui::PushFont(th.small);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(th.query), "\xE2\x97\x8F query");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(th.key), "\xE2\x96\xA0 key");
    ImGui::SameLine();
    ImGui::TextDisabled(focus >= 0 ? "lines: the locked query's weights (first column)"
                                   : "drag a point; click a map row to lock a query");
    ImGui::PopFont();

    // Interaction.
    if (hit_row >= 0 && !g_drag.active) {
        ctx.ui.hovered_token = hit_row;
        ImGui::BeginTooltip();
        ImGui::Text("%s of token %s", hit_field == TokenField::Q ? "query" : "key",
                    token_label(ctx.scene, hit_row).c_str());
        const MatD& mm = hit_field == TokenField::Q ? t.q : t.k;
        ImGui::PushFont(th.mono);
        std::string vals;
        for (int cc = 0; cc < std::min(d, 8); ++cc) vals += (cc ? ", " : "") + fmt_value(mm(hit_row, cc), 3);
        if (d > 8) vals += ", \xE2\x80\xA6";
        ImGui::Text("(%s)", vals.c_str());
        ImGui::PopFont();
        ImGui::TextDisabled("drag to move it in the %s-%s plane", plane.name_x.c_str(), plane.name_y.c_str());
        ImGui::EndTooltip();
        if (hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            g_drag.active = true;
            g_drag.field = hit_field;
            g_drag.row = hit_row;
            g_drag.gesture = new_gesture_id();
            g_drag.start = (hit_field == TokenField::Q ? t.q : t.k).row(hit_row).transpose();
            g_drag.mouse0 = mouse;
            g_drag.ex = plane.ex;
            g_drag.ey = plane.ey;
            g_drag.name_x = plane.name_x;
            g_drag.name_y = plane.name_y;
            g_drag.half = half;
            if (hit_field == TokenField::Q) ctx.view.locked_query = hit_row;
        }
    } else if (hovered && !g_drag.active) {
        ctx.ui.hovered_token = -1;
    }
    if (g_drag.active) {
        if (!ImGui::IsMouseDown(ImGuiMouseButton_Left) || g_drag.row >= n || g_drag.start.size() != d) {
            g_drag.active = false;
        } else {
            const ImVec2 now = ImGui::GetIO().MousePos;
            const double dxu = (now.x - g_drag.mouse0.x) / ppu, dyu = -(now.y - g_drag.mouse0.y) / ppu;
            const Eigen::VectorXd v = g_drag.start + dxu * g_drag.ex + dyu * g_drag.ey;
            const Eigen::VectorXd cur = (g_drag.field == TokenField::Q ? t.q : t.k).row(g_drag.row).transpose();
            if ((v - cur).cwiseAbs().maxCoeff() > 0.0) {
                std::vector<double> value(v.data(), v.data() + v.size());
                ctx.emit({edit::SetRow{g_drag.field, g_drag.row, std::move(value)}, g_drag.gesture,
                          std::string(g_drag.field == TokenField::Q ? "Move query " : "Move key ") +
                              std::to_string(g_drag.row)});
            }
            ctx.ui.hovered_token = g_drag.row;
        }
    }
}

}  // namespace attnscope::gui
