// draw_model.cpp — the Model view (issue 5, part 6): a trained checkpoint looked at from the inside.
//
// Open a checkpoint (a shipped one from the combo, or any path); type or generate a sequence of its task; pick layer
// and head. Left: the model's own map of that head, the layer's other heads, and the head's queries and keys in a
// plane, where dragging a point overrides that token's query or key. Right: the variant grid, one card per variant
// with the chosen layer's score function swapped for it (the rest of the model unchanged): that head's map, the
// next-token distribution and its KL divergence from the model's own. All numbers come from core/model/probe.hpp,
// computed by ModelSession's worker (app/gui/model_session.hpp); this file only draws and forwards input.
//
// Index: [SECTION] Toolbar · Entry point. The panels (own head, canvas, variant grid) are in draw_model_panels.cpp.
#include "app/gui/views/draw_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {

namespace {

constexpr int kKeyG = 71, kKeyH = 72, kKeyN = 78, kKeyR = 82, kKeyY = 89, kKeyZ = 90;

void copy_to(std::string& buf, const std::string& s) {
    const std::size_t n = std::min(s.size(), buf.size() - 1);
    std::memcpy(buf.data(), s.data(), n);
    buf[n] = '\0';
}

std::string file_name(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// =====================================================================================================================
// [SECTION] Toolbar
// =====================================================================================================================

void open_model(ViewContext& ctx, ModelViewState& st, const std::string& path) {
    if (st.session.open(path)) {
        copy_to(st.path_buf, path);
        st.gen_length = static_cast<int>(st.session.tokens().size());
        st.viewport = {};
        st.ghost_token = -1;
        ctx.set_status("Opened model " + path);
    } else {
        ctx.set_status("Could not open the model (the current one stays)");
    }
}

void checkpoint_row(ViewContext& ctx, ModelViewState& st) {
    ModelSession& s = st.session;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Model");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ctx.theme.px(230));
    const std::string preview = s.loaded() ? file_name(s.path()) : std::string("(none)");
    if (ImGui::BeginCombo("##shipped", preview.c_str())) {
        if (st.shipped.empty()) ImGui::TextDisabled("no shipped models found (set ATTNSCOPE_ASSETS)");
        for (const ShippedModel& m : st.shipped)
            if (ImGui::Selectable(m.name.c_str(), m.path == s.path())) open_model(ctx, st, m.path);
        ImGui::EndCombo();
    }
    item_tooltip("The checkpoints shipped in assets/models (assets/README.md says how each was trained).");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ctx.theme.px(300));
    const bool enter = ImGui::InputTextWithHint("##path", "path/to/model.safetensors", st.path_buf.data(),
                                                st.path_buf.size(), ImGuiInputTextFlags_EnterReturnsTrue);
    item_tooltip(
        "Any checkpoint written by `attnscope train`. Enter opens it. A damaged file is refused with the "
        "loader's message and the current model stays.");
    ImGui::SameLine();
    if (ImGui::Button("Open") || enter) open_model(ctx, st, st.path_buf.c_str());
    item_tooltip("Open the checkpoint at the path (Enter in the field does the same).");
    if (s.loaded()) {
        const model::ModelConfig& c = s.config();
        ImGui::SameLine();
        ImGui::TextDisabled(
            "task %s \xC2\xB7 trained with %s \xC2\xB7 %d layers \xC3\x97 %d heads \xC2\xB7 d %d \xC2\xB7 %s "
            "\xC2\xB7 length %d \xC2\xB7 %d steps",
            s.checkpoint().task.c_str(), std::string(variant_name(c.variant)).c_str(), c.n_layers, c.n_heads, c.d_model,
            std::string(model::position_kind_name(c.positions)).c_str(), c.train_len, s.checkpoint().step);
    }
    if (!s.load_error().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme_colour(ctx.theme.error));
        ImGui::TextWrapped("Could not open the model: %s", s.load_error().c_str());
        ImGui::PopStyleColor();
        if (s.loaded()) ImGui::TextDisabled("Still showing %s.", file_name(s.path()).c_str());
    }
}

void sequence_row(ViewContext& ctx, ModelViewState& st) {
    ModelSession& s = st.session;
    const Theme& th = ctx.theme;
    // The field follows the sequence unless the user is typing in it.
    if (!ImGui::IsAnyItemActive() || st.text_tokens != s.tokens()) {
        if (st.text_tokens != s.tokens()) {
            copy_to(st.text_buf, s.text());
            st.text_tokens = s.tokens();
        }
    }
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Tokens");
    ImGui::SameLine();
    const float right = th.px(470);
    ImGui::SetNextItemWidth(std::max(th.px(160), ImGui::GetContentRegionAvail().x - right));
    const bool enter =
        ImGui::InputText("##tokens", st.text_buf.data(), st.text_buf.size(), ImGuiInputTextFlags_EnterReturnsTrue);
    item_tooltip(
        "The sequence, as space-separated tokens of the model's task. Edit and press Enter (or Apply). "
        "The prediction shown is for the token after the read position (the last one unless a map row is "
        "clicked).");
    ImGui::SameLine();
    if (ImGui::Button("Apply") || enter) {
        if (s.set_text(st.text_buf.c_str())) st.text_tokens = s.tokens();
    }
    item_tooltip("Use the typed tokens (Enter in the field does the same).");
    ImGui::SameLine();
    if (ImGui::Button("Generate")) s.generate(st.gen_length, static_cast<std::uint64_t>(++st.gen_seed));
    item_tooltip("A new sample of the model's task at the chosen length, with the next seed (G).");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(th.px(90));
    const int lo = s.task() ? std::max(1, s.task()->min_length()) : 1;
    ImGui::SliderInt("##len", &st.gen_length, lo, std::max(lo, s.max_length()), "length %d",
                     ImGuiSliderFlags_AlwaysClamp);
    // Asked before the tooltip: a tooltip window replaces ImGui's "last item".
    if (ImGui::IsItemDeactivatedAfterEdit()) s.generate(st.gen_length, static_cast<std::uint64_t>(st.gen_seed));
    item_tooltip(
        "Length of generated sequences (up to 16x the training length; past the training length shows "
        "how each variant extrapolates).");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(th.px(70));
    if (ImGui::InputInt("##seed", &st.gen_seed, 0, 0)) {
        st.gen_seed = std::max(st.gen_seed, 0);
    }
    if (ImGui::IsItemDeactivatedAfterEdit()) s.generate(st.gen_length, static_cast<std::uint64_t>(st.gen_seed));
    item_tooltip("Seed of the generated sample (the same seed gives the same sequence).");
    ImGui::SameLine();
    ImGui::BeginDisabled(!s.can_undo());
    if (ImGui::Button("Undo")) s.undo();
    ImGui::EndDisabled();
    item_tooltip("Undo the last sequence edit or query/key override (Ctrl+Z while this tab is open).");
    ImGui::SameLine();
    ImGui::BeginDisabled(!s.can_redo());
    if (ImGui::Button("Redo")) s.redo();
    ImGui::EndDisabled();
    item_tooltip("Redo (Ctrl+Y or Ctrl+Shift+Z).");
    if (!s.input_error().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme_colour(th.error));
        ImGui::TextWrapped("%s", s.input_error().c_str());
        ImGui::PopStyleColor();
    }
}

void probe_row(ViewContext& ctx, ModelViewState& st, const ModelProbe* p) {
    ModelSession& s = st.session;
    const model::ModelConfig& c = s.config();
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Layer");
    for (int l = 0; l < c.n_layers; ++l) {
        ImGui::SameLine();
        char label[32];
        std::snprintf(label, sizeof label, "%d##layer", l);
        if (ImGui::RadioButton(label, s.query().layer == l)) s.set_layer(l);
        item_tooltip("The layer whose score function is swapped for every variant (N / Shift+N).");
    }
    ImGui::SameLine(0, ctx.theme.px(18));
    ImGui::TextUnformatted("Head");
    for (int h = 0; h < c.n_heads; ++h) {
        ImGui::SameLine();
        char label[32];
        std::snprintf(label, sizeof label, "%d##head", h);
        if (ImGui::RadioButton(label, s.query().head == h)) s.set_head(h);
        item_tooltip("The head whose maps are shown and whose query/key can be dragged (H / Shift+H).");
    }
    ImGui::SameLine(0, ctx.theme.px(18));
    if (ImGui::Button("Variants")) ImGui::OpenPopup("model_variants");
    item_tooltip("Choose the variants of the grid (each replaces the chosen layer's score function).");
    if (ImGui::BeginPopup("model_variants")) {
        std::vector<VariantKind> chosen = s.query().variants;
        for (VariantKind k : all_variant_kinds()) {
            bool on = std::find(chosen.begin(), chosen.end(), k) != chosen.end();
            const std::string label = std::string(variant_title(k)) + "  (" + std::string(variant_name(k)) + ")";
            if (ImGui::Checkbox(label.c_str(), &on)) {
                std::vector<VariantKind> next;
                for (VariantKind x : all_variant_kinds())
                    if (x == k ? on : std::find(chosen.begin(), chosen.end(), x) != chosen.end()) next.push_back(x);
                s.set_variants(next);
            }
            item_tooltip(std::string(variant_parameter_doc(k)).c_str());
        }
        ImGui::EndPopup();
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(!s.query().override_qk);
    if (ImGui::Button("Reset override")) s.clear_override();
    ImGui::EndDisabled();
    item_tooltip("Put the dragged query or key back to the model's own vector (R).");
    ImGui::SameLine();
    ImGui::BeginDisabled(!p || !p->error.empty() || p->result.q.rows() == 0);
    const bool send = ImGui::Button("Send Q, K, V to the lab");
    ctx.layout.panel("model.send_to_lab", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());  // tests click it
    if (send && p) {
        auto t = std::make_shared<SceneTokens>();
        t->q = p->result.q.cast<double>();
        t->k = p->result.k.cast<double>();
        t->v = p->result.v.cast<double>();
        for (int id : p->tokens) t->labels.push_back(s.token_name(id));
        ctx.emit({edit::RestoreTokens{t, true, ctx.scene.generator}, 0,
                  "Model layer " + std::to_string(p->layer) + " head " + std::to_string(p->head)});
        ctx.ui.main_tab = "variants";
    }
    ImGui::EndDisabled();
    item_tooltip(
        "Copy this head's Q, K, V (after RoPE, with the override) into the lab's scene, so the Variants, "
        "Difference and Numerics tabs (strips, parameters, exports) work on them. Undo there restores the "
        "previous scene.");
    ImGui::SameLine();
    const int pos = s.read_position();
    if (pos >= 0 && pos < static_cast<int>(s.tokens().size()))
        ImGui::TextDisabled("prediction after token %d \xE2\x80\x98%s\xE2\x80\x99%s", pos,
                            s.token_name(s.tokens()[static_cast<std::size_t>(pos)]).c_str(),
                            s.query().position < 0 ? " (the last)" : "  (Esc: back to the last)");
    if (s.busy()) {  // a long sequence takes a while: the maps below are the previous probe's until then
        ImGui::SameLine();
        ImGui::TextColored(theme_colour(ctx.theme.accent), "computing\xE2\x80\xA6");
        item_tooltip("The probe runs off the UI thread; the maps and predictions shown are the previous ones until "
                     "it finishes (about a second at 512 tokens).");
    }
}

// =====================================================================================================================
// [SECTION] Entry point
// =====================================================================================================================

void shortcuts(ViewContext& ctx, ModelViewState& st) {
    ModelSession& s = st.session;
    const ImGuiIO& io = ImGui::GetIO();
    // Ctrl+Z / Ctrl+Y: the lab's shell turned them into undo/redo requests before this view runs; while this tab is
    // open they belong to the model's sequence and override, not to the lab's scene.
    for (int i = ctx.edits.take_undo(); i > 0; --i) s.undo();
    for (int i = ctx.edits.take_redo(); i > 0; --i) s.redo();
    (void)kKeyY;
    (void)kKeyZ;
    if (io.WantTextInput || io.KeyCtrl || io.KeyAlt) return;
    auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
    const model::ModelConfig& c = s.config();
    if (pressed(kKeyH)) s.set_head((s.query().head + (io.KeyShift ? c.n_heads - 1 : 1)) % c.n_heads);
    if (pressed(kKeyN)) s.set_layer((s.query().layer + (io.KeyShift ? c.n_layers - 1 : 1)) % c.n_layers);
    if (pressed(kKeyG)) s.generate(st.gen_length, static_cast<std::uint64_t>(++st.gen_seed));
    if (pressed(kKeyR)) s.clear_override();
    if (pressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) s.set_position(-1);
}

}  // namespace

ModelSession& model_view_session(UiState& ui) {
    if (!ui.model_view) ui.model_view = std::make_shared<ModelViewState>();
    return ui.model_view->session;
}

void draw_model(ViewContext& ctx) {
    model_view_session(ctx.ui);
    ModelViewState& st = *ctx.ui.model_view;
    ModelSession& s = st.session;
    const Theme& th = ctx.theme;
    if (!st.tried_default) {
        st.tried_default = true;
        st.shipped = shipped_models();
        const std::string path = default_model_path();
        if (!path.empty()) open_model(ctx, st, path);
    }
    checkpoint_row(ctx, st);
    if (!s.loaded()) {
        ImGui::Spacing();
        ImGui::TextWrapped(
            "No model is open. Pick a shipped checkpoint above, or type the path of one made by "
            "`attnscope train --out M.safetensors` and press Enter.");
        return;
    }
    shortcuts(ctx, st);
    sequence_row(ctx, st);
    std::shared_ptr<const ModelProbe> p = s.latest();
    probe_row(ctx, st, p.get());
    ImGui::Separator();

    s.set_display(base_display(ctx, nullptr));
    s.set_image_sizes(st.own_px, st.card_px, st.thumb_px);
    s.update();
    // A cheap probe is shown in the same frame (as the lab does); the first one after opening waits longer so a
    // screenshot or a render never shows an empty view for a model that takes a moment.
    const bool first = !p || p->tokens.empty();
    if (s.busy()) s.wait(first ? 3000.0 : (s.last_probe_ms() < 8.0 ? 8.0 : 0.0));
    p = s.latest();
    ctx.ui.view_busy |= s.busy();
    if (!p) return;
    if (!p->error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, theme_colour(th.error));
        ImGui::TextWrapped("The probe refused this request: %s", p->error.c_str());
        ImGui::PopStyleColor();
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float status_h = ImGui::GetTextLineHeightWithSpacing();
    const float left_w = std::min(th.px(340), avail.x * 0.32f);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ctx.layout.panel("model", a, ImVec2(a.x + avail.x, a.y + avail.y));
    draw_model_own_panel(ctx, st, *p, left_w, avail.y - status_h);
    ImGui::SameLine(0, th.px(12));
    draw_model_grid(ctx, st, *p, avail.x - left_w - th.px(12), avail.y - status_h);
    ImGui::TextDisabled(
        "%d tokens \xC2\xB7 probe %.1f ms%s \xC2\xB7 click a map row: read the prediction there \xC2\xB7 "
        "G: new sample \xC2\xB7 H / N: next head / layer \xC2\xB7 R: reset override",
        static_cast<int>(p->tokens.size()), p->ms, s.busy() ? " \xC2\xB7 computing\xE2\x80\xA6" : "");
}

}  // namespace attnscope::gui
