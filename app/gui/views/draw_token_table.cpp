// draw_token_table.cpp — exact values of Q, K, V and the labels; insert, delete and reorder tokens.
#include <algorithm>
#include <cstdio>

#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {

void draw_token_table(ViewContext& ctx) {
    const SceneTokens& t = *ctx.scene.tokens;
    const int n = t.n(), d = t.d(), dv = t.dv();
    const int shown_d = std::min(d, 32), shown_dv = std::min(dv, 32);  // beyond that: edit the scene file
    const int cols = 3 + 2 * shown_d + shown_dv;
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit |
                                  ImGuiTableFlags_Resizable;
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ctx.layout.panel("table", p0, ImVec2(p0.x + avail.x, p0.y + avail.y));
    if (cols > 64 || !ImGui::BeginTable("tokens", cols, flags, ImVec2(avail.x, std::max(avail.y, ctx.theme.px(80)))))
        return;
    const float num_w = ctx.theme.px(54);
    ImGui::TableSetupScrollFreeze(2, 1);
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, ctx.theme.px(30));
    ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed, ctx.theme.px(70));
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ctx.theme.px(96));
    char name[16];
    for (int c = 0; c < shown_d; ++c)
        std::snprintf(name, sizeof name, "q%d", c), ImGui::TableSetupColumn(name, 0, num_w);
    for (int c = 0; c < shown_d; ++c)
        std::snprintf(name, sizeof name, "k%d", c), ImGui::TableSetupColumn(name, 0, num_w);
    for (int c = 0; c < shown_dv; ++c)
        std::snprintf(name, sizeof name, "v%d", c), ImGui::TableSetupColumn(name, 0, num_w);
    ImGui::TableHeadersRow();

    ImGuiListClipper clipper;
    clipper.Begin(n);
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            ImGui::PushID(i);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const bool locked = i == ctx.view.locked_query;
            if (ImGui::Selectable(std::to_string(i).c_str(), locked || ctx.ui.hovered_token == i,
                                  ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
                ctx.view.locked_query = locked ? -1 : i;
            if (ImGui::IsItemHovered()) ctx.ui.hovered_token = i;
            ImGui::TableNextColumn();
            char label[64];
            std::snprintf(label, sizeof label, "%s", t.labels[static_cast<std::size_t>(i)].c_str());
            ImGui::SetNextItemWidth(-1);
            ImGui::InputText("##label", label, sizeof label);
            if (ImGui::IsItemDeactivatedAfterEdit())
                ctx.emit({edit::SetLabel{i, label}, 0, "Rename token " + std::to_string(i)});
            ImGui::TableNextColumn();
            if (ImGui::SmallButton("+")) ctx.emit({edit::InsertToken{i + 1, {}, {}, {}, {}}, 0, ""});
            item_tooltip("Insert a token after this one (made by the scene's generator).");
            ImGui::SameLine(0, 2);
            ImGui::BeginDisabled(n <= 1);
            if (ImGui::SmallButton("x")) ctx.emit({edit::EraseToken{i}, 0, ""});
            ImGui::EndDisabled();
            item_tooltip("Delete this token.");
            ImGui::SameLine(0, 2);
            ImGui::BeginDisabled(i == 0);
            if (ImGui::ArrowButton("##up", ImGuiDir_Up)) ctx.emit({edit::MoveToken{i, i - 1}, 0, ""});
            ImGui::EndDisabled();
            ImGui::SameLine(0, 2);
            ImGui::BeginDisabled(i + 1 >= n);
            if (ImGui::ArrowButton("##down", ImGuiDir_Down)) ctx.emit({edit::MoveToken{i, i + 1}, 0, ""});
            ImGui::EndDisabled();
            auto cells = [&](TokenField f, const MatD& m, int count) {
                for (int c = 0; c < count; ++c) {
                    ImGui::TableNextColumn();
                    ImGui::PushID(static_cast<int>(f) * 1000 + c);
                    double x = m(i, c);
                    ImGui::SetNextItemWidth(-1);
                    const bool changed =
                        ImGui::DragScalar("##v", ImGuiDataType_Double, &x, 0.01f, nullptr, nullptr, "%.3f");
                    if (ImGui::IsItemActivated()) ctx.ui.cell_gesture = new_gesture_id();
                    if (changed && std::isfinite(x))
                        ctx.emit({edit::SetCell{f, i, c, x}, ctx.ui.cell_gesture,
                                  "Edit " + std::string(token_field_name(f)) + "[" + std::to_string(i) + "][" +
                                      std::to_string(c) + "]"});
                    ImGui::PopID();
                }
            };
            cells(TokenField::Q, t.q, shown_d);
            cells(TokenField::K, t.k, shown_d);
            cells(TokenField::V, t.v, shown_dv);
            ImGui::PopID();
        }
    }
    ImGui::EndTable();
}

}  // namespace attnscope::gui
