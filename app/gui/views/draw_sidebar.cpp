// draw_sidebar.cpp — the sandbox: preset and its story, length, mask, dimensions, seed; then the canvas and table.
#include <algorithm>
#include <cstdio>

#include "app/gui/views/views.hpp"
#include "app/gui/views/widgets.hpp"
#include "core/scene_presets.hpp"

namespace attnscope::gui {
namespace {

void preset_picker(ViewContext& ctx) {
    const Scene& s = ctx.scene;
    const PresetInfo* current = find_preset(s.generator.preset);
    const std::string shown = current && s.name == current->title ? std::string(current->title) : s.name;
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##preset", shown.c_str())) {
        for (const PresetInfo& p : all_presets()) {
            if (ImGui::Selectable(std::string(p.title).c_str(), current == &p && s.name == p.title)) {
                auto scene = std::make_shared<Scene>(make_preset_scene(p.id, s.generator.seed));
                ctx.emit({edit::ReplaceScene{scene}, 0, "Load preset " + std::string(p.id)});
                ctx.ui.viewport = {};
                ctx.view.locked_query = -1;
            }
            if (ImGui::IsItemHovered()) {
                ImGui::BeginTooltip();
                ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24);
                ImGui::TextUnformatted(std::string(p.story).c_str());
                ImGui::TextDisabled("n = %d, d = %d, dv = %d", p.n, p.d, p.dv);
                ImGui::PopTextWrapPos();
                ImGui::EndTooltip();
            }
        }
        ImGui::EndCombo();
    }
    item_tooltip("Presets that tell a story. Loading one is undoable (Ctrl+Z).");
    if (!s.description.empty()) {
        // The story, wrapped in a tinted box (the wrap position is per window, so it is pushed inside the child).
        const float inner = ImGui::GetContentRegionAvail().x - ctx.theme.px(12);
        const float h = ImGui::CalcTextSize(s.description.c_str(), nullptr, false, inner).y;
        ImGui::PushStyleColor(ImGuiCol_ChildBg, ImGui::GetStyleColorVec4(ImGuiCol_FrameBg));
        ImGui::BeginChild("story", ImVec2(-1, h + ctx.theme.px(10)), false, ImGuiWindowFlags_NoScrollbar);
        ImGui::SetCursorPos(ImVec2(ctx.theme.px(6), ctx.theme.px(5)));
        ImGui::PushTextWrapPos(ctx.theme.px(6) + inner);
        ImGui::TextUnformatted(s.description.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndChild();
        ImGui::PopStyleColor();
    }
}

void length_and_shape(ViewContext& ctx) {
    const Scene& s = ctx.scene;
    int n = s.n();
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize("length").x - ctx.theme.px(8));
    const bool moved =
        ImGui::SliderInt("length", &n, 1, 4096, "n = %d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemActivated()) ctx.ui.length_gesture = new_gesture_id();
    if (moved && n != s.n()) ctx.emit({edit::SetLength{n}, ctx.ui.length_gesture, "Set length"});
    {
        const std::string tip = "Sequence length, 1 to 4096 (Ctrl+click to type). New tokens come from the \"" +
                                s.generator.preset + "\" generator with seed " + std::to_string(s.generator.seed) +
                                "; shrinking keeps your edits to the first tokens.";
        item_tooltip(tip.c_str());
    }
    bool causal = s.causal;
    if (ImGui::Checkbox("causal mask", &causal)) ctx.emit({edit::SetCausal{causal}, 0, ""});
    item_tooltip(
        "Causal: query i sees keys 0..i (masked cells are grey). Off: every query sees every key. Selective attention "
        "is causal only.");
    ImGui::SameLine();
    const float w = ctx.theme.px(78);
    int d = s.d(), dv = s.dv();
    ImGui::SetNextItemWidth(w);
    if (ImGui::InputInt("d", &d, 1, 4, ImGuiInputTextFlags_EnterReturnsTrue) && d != s.d())
        ctx.emit({edit::SetDims{std::clamp(d, 1, kSceneMaxDim), s.dv()}, 0, ""});
    item_tooltip(
        "Dimension of queries and keys. New coordinates start at 0, so dot products stay and only the 1/\xE2\x88\x9A"
        "d scale changes.");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    if (ImGui::InputInt("dv", &dv, 1, 4, ImGuiInputTextFlags_EnterReturnsTrue) && dv != s.dv())
        ctx.emit({edit::SetDims{s.d(), std::clamp(dv, 1, kSceneMaxDim)}, 0, ""});
    item_tooltip("Dimension of the value vectors (and of each output).");
    long long seed = static_cast<long long>(s.generator.seed);
    ImGui::SetNextItemWidth(ctx.theme.px(110));
    if (ImGui::InputScalar("seed", ImGuiDataType_S64, &seed, nullptr, nullptr, "%lld",
                           ImGuiInputTextFlags_EnterReturnsTrue)) {
        SceneGenerator g = s.generator;
        g.seed = static_cast<std::uint64_t>(std::max(0LL, seed));
        ctx.emit({edit::Regenerate{g}, 0, "New seed"});
    }
    item_tooltip("Seed of the token generator. Enter regenerates every token (undoable).");
    ImGui::SameLine();
    if (ImGui::Button("Regenerate")) {
        SceneGenerator g = s.generator;
        g.seed += 1;
        ctx.emit({edit::Regenerate{g}, 0, "New seed"});
    }
    item_tooltip("Next seed: fresh tokens from the same generator.");
}

}  // namespace

void draw_sidebar(ViewContext& ctx) {
    const ImVec2 p0 = ImGui::GetWindowPos();
    const ImVec2 size = ImGui::GetWindowSize();
    ctx.layout.panel("sandbox", p0, ImVec2(p0.x + size.x, p0.y + size.y));
    section("SCENE");
    preset_picker(ctx);
    length_and_shape(ctx);
    section("CANVAS");
    const float side = std::min(ImGui::GetContentRegionAvail().x, ImGui::GetContentRegionAvail().y * 0.55f);
    draw_canvas(ctx, side);
    section("TOKENS");
    draw_token_table(ctx);
}

}  // namespace attnscope::gui
