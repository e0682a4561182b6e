// draw_model.cpp — the Model view (issue 5, part 6): a trained checkpoint looked at from the inside.
//
// Open a checkpoint (a shipped one from the combo, or any path); type or generate a sequence of its task; pick layer
// and head. Left: the model's own map of that head, the layer's other heads, and the head's queries and keys in a
// plane, where dragging a point overrides that token's query or key. Right: the variant grid, one card per variant
// with the chosen layer's score function swapped for it (the rest of the model unchanged): that head's map, the
// next-token distribution and its KL divergence from the model's own. All numbers come from core/model/probe.hpp,
// computed by ModelSession's worker (app/gui/model_session.hpp); this file only draws and forwards input.
//
// Index: [SECTION] State · Toolbar · Own head and canvas · Variant grid · Entry point
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "app/gui/views/draw_model.hpp"
#include "app/gui/views/widgets.hpp"

namespace attnscope::gui {

// =====================================================================================================================
// [SECTION] State
// =====================================================================================================================

// UI-only state of the view, one per lab (UiState::model_view).
struct ModelViewState {
    ModelSession session;
    bool tried_default = false;
    std::vector<ShippedModel> shipped;
    std::string path_buf = std::string(1024, '\0');
    std::string text_buf = std::string(16384, '\0');
    std::uint64_t text_synced_revision = ~0ull;  // the sequence the text field shows
    std::vector<int> text_tokens;
    int gen_length = 64;
    int gen_seed = 1;
    MapViewport viewport;  // zoom of the view's maps (the lab's own viewport belongs to its scene)
    // Drag on the canvas.
    bool dragging = false;
    int drag_token = -1;
    bool drag_query = true;
    Eigen::VectorXd drag_start;
    ImVec2 drag_mouse0{0, 0};
    QkPlane plane, drag_plane;
    double half = 1.0, drag_half = 1.0;
    std::uint64_t plane_probe = 0;  // the probe the plane was computed from
    std::uint64_t gesture_counter = 0;
    // Where the dragged token's vector was before any override (drawn as a ghost).
    int ghost_token = -1;
    bool ghost_query = true;
    Eigen::VectorXd ghost;

    ModelViewState() : session(ModelSession::Mode::Async) {}
};

namespace {

constexpr int kKeyG = 71, kKeyH = 72, kKeyN = 78, kKeyR = 82, kKeyY = 89, kKeyZ = 90;

ImVec4 u32(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

void copy_to(std::string& buf, const std::string& s) {
    const std::size_t n = std::min(s.size(), buf.size() - 1);
    std::memcpy(buf.data(), s.data(), n);
    buf[n] = '\0';
}

std::string file_name(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Top-k token ids of a distribution, most probable first.
std::vector<int> top_k(const Vec<float>& p, int k) {
    std::vector<int> ids(static_cast<std::size_t>(p.size()));
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int>(i);
    k = std::min<int>(k, static_cast<int>(ids.size()));
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int a, int b) { return p(a) > p(b); });
    ids.resize(static_cast<std::size_t>(k));
    return ids;
}

// Horizontal probability bars for the top tokens of `p`; the expected token, when known, is outlined.
void probability_bars(ViewContext& ctx, const ModelSession& s, const Vec<float>& p, int k, float width, int expected) {
    const Theme& th = ctx.theme;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImGui::PushFont(th.small);
    const float line = ImGui::GetTextLineHeight() + th.px(2);
    const float label_w = th.px(58), num_w = th.px(42);
    const float bar_w = std::max(th.px(20), width - label_w - num_w);
    for (int id : top_k(p, k)) {
        const ImVec2 a = ImGui::GetCursorScreenPos();
        std::string name = s.token_name(id);
        if (name.size() > 8) name = name.substr(0, 7) + "\xE2\x80\xA6";
        dl->AddText(a, id == expected ? th.text_strong : th.text_dim, name.c_str());
        const ImVec2 b0(a.x + label_w, a.y + th.px(2)), b1(b0.x + bar_w, a.y + line - th.px(3));
        dl->AddRectFilled(b0, b1, th.strip_bg);
        dl->AddRectFilled(b0, ImVec2(b0.x + bar_w * std::clamp(p(id), 0.0f, 1.0f), b1.y),
                          id == expected ? th.accent : th.strip_bar);
        if (id == expected) dl->AddRect(b0, b1, th.accent);
        char num[16];
        std::snprintf(num, sizeof num, "%.3f", static_cast<double>(p(id)));
        dl->AddText(ImVec2(b1.x + th.px(4), a.y), th.text_dim, num);
        ImGui::Dummy(ImVec2(width, line));
    }
    ImGui::PopFont();
}

// A map through the shared heatmap panel, with the view's own zoom and read position standing in for the lab's.
HeatmapHit model_map(ViewContext& ctx, ModelViewState& st, const char* id, const std::string& slot,
                     const std::shared_ptr<const HeatmapImage>& image, int n, float side, const std::string& name) {
    if (image) ctx.textures.update(slot, image);
    HeatmapPanel hp;
    hp.id = id;
    hp.slot = slot;
    hp.panel_name = name;
    hp.image = image.get();
    hp.n = n;
    hp.causal = true;
    hp.size = ImVec2(side, side);
    hp.spec = base_display(ctx, nullptr);
    const MapViewport lab_viewport = std::exchange(ctx.ui.viewport, st.viewport);
    const int lab_locked = std::exchange(ctx.view.locked_query, st.session.query().position);
    const HeatmapHit hit = draw_heatmap(ctx, hp);
    st.viewport = std::exchange(ctx.ui.viewport, lab_viewport);
    const int clicked = std::exchange(ctx.view.locked_query, lab_locked);
    if (clicked != st.session.query().position) st.session.set_position(clicked);
    ctx.ui.displays.erase(slot);  // the view builds its own images; nothing for the lab's worker
    return hit;
}

void map_tooltip(ViewContext& ctx, const ModelSession& s, const ModelProbe& p, const MatF& w, const HeatmapHit& hit) {
    if (!hit.hovered || hit.row < 0 || hit.row >= w.rows() || hit.col < 0 || hit.col >= w.cols()) return;
    const auto tok = [&](int i) {
        return std::to_string(i) + " \xE2\x80\x98" + s.token_name(p.tokens[static_cast<std::size_t>(i)]) + "\xE2\x80\x99";
    };
    ImGui::BeginTooltip();
    ImGui::Text("query %s, key %s", tok(hit.row).c_str(), tok(hit.col).c_str());
    ImGui::PushFont(ctx.theme.mono);
    if (hit.col > hit.row)
        ImGui::TextUnformatted("masked (causal)");
    else
        ImGui::Text("weight %s", fmt_value(w(hit.row, hit.col), 5).c_str());
    ImGui::PopFont();
    ImGui::TextDisabled("click: read the prediction after this query; wheel: zoom");
    ImGui::EndTooltip();
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
    item_tooltip("Any checkpoint written by `attnscope train`. Enter opens it. A damaged file is refused with the "
                 "loader's message and the current model stays.");
    ImGui::SameLine();
    if (ImGui::Button("Open") || enter) open_model(ctx, st, st.path_buf.c_str());
    item_tooltip("Open the checkpoint at the path (Enter in the field does the same).");
    if (s.loaded()) {
        const model::ModelConfig& c = s.config();
        ImGui::SameLine();
        ImGui::TextDisabled("task %s \xC2\xB7 trained with %s \xC2\xB7 %d layers \xC3\x97 %d heads \xC2\xB7 d %d \xC2\xB7 %s "
                            "\xC2\xB7 length %d \xC2\xB7 %d steps",
                            s.checkpoint().task.c_str(), std::string(variant_name(c.variant)).c_str(), c.n_layers,
                            c.n_heads, c.d_model, std::string(model::position_kind_name(c.positions)).c_str(),
                            c.train_len, s.checkpoint().step);
    }
    if (!s.load_error().empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, u32(ctx.theme.error));
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
    const bool enter = ImGui::InputText("##tokens", st.text_buf.data(), st.text_buf.size(),
                                        ImGuiInputTextFlags_EnterReturnsTrue);
    item_tooltip("The sequence, as space-separated tokens of the model's task. Edit and press Enter (or Apply). "
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
    item_tooltip("Length of generated sequences (up to 16x the training length; past the training length shows "
                 "how each variant extrapolates).");
    if (ImGui::IsItemDeactivatedAfterEdit()) s.generate(st.gen_length, static_cast<std::uint64_t>(st.gen_seed));
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
        ImGui::PushStyleColor(ImGuiCol_Text, u32(th.error));
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
    if (ImGui::Button("Send Q, K, V to the lab") && p) {
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
    item_tooltip("Copy this head's Q, K, V (after RoPE, with the override) into the lab's scene, so the Variants, "
                 "Difference and Numerics tabs (strips, parameters, exports) work on them. Undo there restores the "
                 "previous scene.");
    ImGui::SameLine();
    const int pos = s.read_position();
    if (pos >= 0 && pos < static_cast<int>(s.tokens().size()))
        ImGui::TextDisabled("prediction after token %d \xE2\x80\x98%s\xE2\x80\x99%s", pos,
                            s.token_name(s.tokens()[static_cast<std::size_t>(pos)]).c_str(),
                            s.query().position < 0 ? " (the last)" : "  (Esc: back to the last)");
}

// =====================================================================================================================
// [SECTION] Own head and canvas
// =====================================================================================================================

double nice_half_range(double m) {
    if (!(m > 0)) return 1.0;
    const double e = std::pow(10.0, std::floor(std::log10(m)));
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (f * e >= m) return f * e;
    return 10 * e;
}

void qk_canvas(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float side) {
    const Theme& th = ctx.theme;
    ModelSession& s = st.session;
    const MatF& q = p.result.q;
    const MatF& k = p.result.k;
    const int n = static_cast<int>(q.rows());
    if (n == 0) return;
    if (!st.dragging && st.plane_probe != p.request_id) {
        st.plane = qk_plane(q, k);
        double m = 0;
        const Eigen::MatrixXd qd = q.cast<double>(), kd = k.cast<double>();
        for (const Eigen::MatrixXd* x : {&qd, &kd})
            for (int i = 0; i < n; ++i)
                m = std::max({m, std::abs(x->row(i).dot(st.plane.ex)), std::abs(x->row(i).dot(st.plane.ey))});
        st.half = nice_half_range(m * 1.08);
        st.plane_probe = p.request_id;
    }
    const QkPlane& plane = st.dragging ? st.drag_plane : st.plane;
    const double half = st.dragging ? st.drag_half : st.half;

    const ImVec2 p0 = ImGui::GetCursorScreenPos(), p1(p0.x + side, p0.y + side);
    ImGui::InvisibleButton("qk_canvas", ImVec2(side, side));
    const bool hovered = ImGui::IsItemHovered();
    ctx.layout.panel("model.canvas", p0, p1);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p0, p1, th.map_bg);
    const ImVec2 c((p0.x + p1.x) / 2, (p0.y + p1.y) / 2);
    const float ppu = static_cast<float>((side / 2 - th.px(6)) / half);
    auto to_px = [&](const Eigen::VectorXd& v) {
        return ImVec2(c.x + static_cast<float>(v.dot(plane.ex)) * ppu, c.y - static_cast<float>(v.dot(plane.ey)) * ppu);
    };
    dl->PushClipRect(p0, p1, true);
    for (int g = -4; g <= 4; ++g) {
        const float o = static_cast<float>(g * half / 4) * ppu;
        const ImU32 gc = g == 0 ? ImGui::GetColorU32(ImGuiCol_Border) : ImGui::GetColorU32(ImGuiCol_Border, 0.35f);
        dl->AddLine(ImVec2(c.x + o, p0.y), ImVec2(c.x + o, p1.y), gc);
        dl->AddLine(ImVec2(p0.x, c.y + o), ImVec2(p1.x, c.y + o), gc);
    }
    ImGui::PushFont(th.small);
    char buf[64];
    std::snprintf(buf, sizeof buf, "pc1  (\xC2\xB1%g)", half);
    dl->AddText(ImVec2(p1.x - ImGui::CalcTextSize(buf).x - th.px(4), c.y + th.px(2)), th.text_dim, buf);
    dl->AddText(ImVec2(c.x + th.px(4), p0.y + th.px(2)), th.text_dim, "pc2");

    const std::optional<model::ProbeOverride>& ov = s.query().override_qk;
    // The ghost: where the overridden vector was before the drag.
    if (ov && st.ghost_token == ov->token && st.ghost_query == ov->is_query && st.ghost.size() == q.cols()) {
        const ImVec2 g = to_px(st.ghost);
        const Eigen::VectorXd now = (ov->is_query ? q : k).row(ov->token).transpose().cast<double>();
        dl->AddLine(g, to_px(now), th.text_dim, 1.0f);
        dl->AddCircle(g, th.px(5), th.text_dim, 0, 1.0f);
    }
    const int read = s.read_position();
    const float r = n <= 64 ? th.px(4) : n <= 512 ? th.px(2.5f) : th.px(1.5f);
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    int hit = -1;
    bool hit_query = true;
    float best = th.px(9) * th.px(9);
    auto points = [&](const MatF& x, bool is_query, ImU32 col) {
        for (int i = 0; i < n; ++i) {
            const ImVec2 pt = to_px(x.row(i).transpose().cast<double>());
            const bool over = ov && ov->token == i && ov->is_query == is_query;
            const bool hot = ctx.ui.hovered_token == i || (st.dragging && st.drag_token == i && st.drag_query == is_query);
            if (is_query)
                dl->AddCircleFilled(pt, hot ? r * 1.6f : r, col);
            else
                dl->AddRectFilled(ImVec2(pt.x - r, pt.y - r), ImVec2(pt.x + r, pt.y + r), col);
            if (is_query && i == read) dl->AddCircle(pt, r * 2.2f, th.lock_outline, 0, 2.0f);
            if (over) dl->AddCircle(pt, r * 2.6f, th.accent, 0, 2.0f);
            if (hot) dl->AddCircle(pt, r * 2.0f, th.hover_outline, 0, 1.5f);
            const float dx = mouse.x - pt.x, dy = mouse.y - pt.y;
            if (hovered && dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                hit = i;
                hit_query = is_query;
            }
        }
    };
    points(k, false, th.key);
    points(q, true, th.query);
    ImGui::PopFont();
    dl->PopClipRect();
    dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));

    // Drag: the point follows the mouse within the frozen plane; every frame sends the override (one undo step).
    if (!st.dragging && hit >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
        st.dragging = true;
        st.drag_token = hit;
        st.drag_query = hit_query;
        st.drag_start = (hit_query ? q : k).row(hit).transpose().cast<double>();
        st.drag_mouse0 = mouse;
        st.drag_plane = st.plane;
        st.drag_half = st.half;
        ++st.gesture_counter;
        if (!(ov && ov->token == hit && ov->is_query == hit_query)) {
            st.ghost_token = hit;
            st.ghost_query = hit_query;
            st.ghost = st.drag_start;
        }
    }
    if (st.dragging) {
        if (ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
            const double dx = (mouse.x - st.drag_mouse0.x) / ppu, dy = -(mouse.y - st.drag_mouse0.y) / ppu;
            if (dx != 0.0 || dy != 0.0)
                s.set_override(dragged_override(st.drag_token, st.drag_query, st.drag_start, st.drag_plane, dx, dy),
                               0x4D0000000000ull + st.gesture_counter);
            ctx.ui.hovered_token = st.drag_token;
        } else {
            st.dragging = false;
        }
    } else if (hit >= 0) {
        ctx.ui.hovered_token = hit;
        ImGui::BeginTooltip();
        ImGui::Text("%s %d \xE2\x80\x98%s\xE2\x80\x99", hit_query ? "query" : "key", hit,
                    s.token_name(p.tokens[static_cast<std::size_t>(hit)]).c_str());
        ImGui::TextDisabled("drag to override this %s (layer %d, head %d) and watch the prediction",
                            hit_query ? "query" : "key", p.layer, p.head);
        ImGui::EndTooltip();
    }
    ImGui::PushFont(th.small);
    ImGui::TextColored(u32(th.query), "\xE2\x97\x8F query");
    ImGui::SameLine();
    ImGui::TextColored(u32(th.key), "\xE2\x96\xA0 key");
    ImGui::SameLine();
    ImGui::TextDisabled(ov ? "ring: overridden; R resets" : "drag a point to override it");
    ImGui::PopFont();
}

void own_panel(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float width, float height) {
    const Theme& th = ctx.theme;
    ModelSession& s = st.session;
    const int n = static_cast<int>(p.tokens.size());
    ImGui::BeginChild("model_own", ImVec2(width, height), false, ImGuiWindowFlags_NoScrollbar);
    const float side = std::min(width - th.px(4), (height - th.px(230)) * 0.5f);
    ImGui::Text("Model's own \xC2\xB7 layer %d head %d", p.layer, p.head);
    item_tooltip("The trained model's attention of the chosen head on this sequence.");
    const HeatmapHit hit =
        model_map(ctx, st, "own_map", "model:own", p.own_image, n, std::max(side, th.px(60)), "model.own");
    map_tooltip(ctx, s, p, p.result.own_weights, hit);
    // The layer's other heads: small maps, click one to choose it.
    const int heads = static_cast<int>(p.head_images.size());
    const float thumb = std::min(th.px(56), (width - th.px(6) * static_cast<float>(heads)) / std::max(heads, 1));
    for (int h = 0; h < heads; ++h) {
        if (h > 0) ImGui::SameLine(0, th.px(6));
        const std::string slot = "model:head:" + std::to_string(h);
        const auto& img = p.head_images[static_cast<std::size_t>(h)];
        if (img) ctx.textures.update(slot, img);
        const ImVec2 a = ImGui::GetCursorScreenPos();
        ImGui::PushID(h);
        if (ImGui::InvisibleButton("head", ImVec2(thumb, thumb))) s.set_head(h);
        ImGui::PopID();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        if (const ImTextureID tex = ctx.textures.get(slot); tex && img)
            dl->AddImage(tex, a, ImVec2(a.x + thumb, a.y + thumb));
        else
            dl->AddRectFilled(a, ImVec2(a.x + thumb, a.y + thumb), th.map_bg);
        dl->AddRect(a, ImVec2(a.x + thumb, a.y + thumb), h == p.head ? th.lock_outline : ImGui::GetColorU32(ImGuiCol_Border),
                    0.0f, 0, h == p.head ? 2.0f : 1.0f);
        char label[32];
        std::snprintf(label, sizeof label, "%d", h);
        dl->AddText(ImVec2(a.x + th.px(3), a.y + th.px(1)), IM_COL32(255, 255, 255, 220), label);
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::Text("head %d of layer %d: click to look at it (H)", h, p.layer);
            ImGui::EndTooltip();
        }
    }
    // The model's own prediction.
    ImGui::Spacing();
    const int expected = s.query().position < 0 ? s.expected_next() : -1;
    ImGui::Text("Next token (model)");
    if (expected >= 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("expected \xE2\x80\x98%s\xE2\x80\x99", s.token_name(expected).c_str());
        item_tooltip("The token the task puts here (known for generated sequences whose next token is an answer).");
    }
    probability_bars(ctx, s, p.result.own_probs, 4, width - th.px(8), expected);
    ImGui::Spacing();
    ImGui::Text("Queries and keys \xC2\xB7 head %d", p.head);
    item_tooltip("This head's queries (dots) and keys (squares) after RoPE, projected on the plane that holds most "
                 "of them. Drag one to override it in every pass; the maps and predictions follow.");
    const float canvas = std::min(width - th.px(4), ImGui::GetContentRegionAvail().y - th.px(24));
    if (canvas > th.px(60)) qk_canvas(ctx, st, p, canvas);
    ImGui::EndChild();
}

// =====================================================================================================================
// [SECTION] Variant grid
// =====================================================================================================================

void variant_grid(ViewContext& ctx, ModelViewState& st, const ModelProbe& p, float width, float height) {
    const Theme& th = ctx.theme;
    ModelSession& s = st.session;
    const int count = static_cast<int>(p.result.variants.size());
    ImGui::BeginChild("model_grid", ImVec2(width, height), false);
    if (count == 0) {
        ImGui::TextDisabled("No variant chosen: use the Variants button.");
        ImGui::EndChild();
        return;
    }
    const int n = static_cast<int>(p.tokens.size());
    const int expected = s.query().position < 0 ? s.expected_next() : -1;
    // The card layout whose maps are largest while every card fits the area (text below each map: ~5 lines).
    const float gap = th.px(10), text_h = th.px(26) + 3 * (ImGui::GetTextLineHeight() + th.px(2)) + th.px(20);
    int best_cols = 1;
    float best_side = 0;
    for (int cols = 1; cols <= count; ++cols) {
        const int rows = (count + cols - 1) / cols;
        const float w_side = (width - gap * static_cast<float>(cols) - th.px(12)) / static_cast<float>(cols);
        const float h_side = (height - gap * static_cast<float>(rows)) / static_cast<float>(rows) - text_h;
        const float side = std::min(w_side, h_side);
        if (side > best_side) {
            best_side = side;
            best_cols = cols;
        }
    }
    const float side = std::max(best_side, th.px(110));
    for (int i = 0; i < count; ++i) {
        const model::VariantProbe& v = p.result.variants[static_cast<std::size_t>(i)];
        if (i % best_cols != 0) ImGui::SameLine(0, gap);
        ImGui::BeginGroup();
        ImGui::PushID(i);
        const std::string name(variant_name(v.kind));
        // Title line: the variant's title, clipped so the KL on the right always stays readable.
        const ImVec2 title_pos = ImGui::GetCursorScreenPos();
        const float line_h = ImGui::GetTextLineHeight();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        float kl_w = 0;
        if (v.error.empty()) {
            char kl[48];
            std::snprintf(kl, sizeof kl, "KL %s", fmt_value(v.kl_from_own, 3).c_str());
            kl_w = ImGui::CalcTextSize(kl).x;
            dl->AddText(ImVec2(title_pos.x + side - kl_w, title_pos.y), v.kl_from_own > 0.1 ? th.error : th.text_dim, kl);
        }
        const std::string title = std::string(variant_title(v.kind));
        dl->PushClipRect(title_pos, ImVec2(title_pos.x + side - kl_w - th.px(8), title_pos.y + line_h), true);
        dl->AddText(title_pos, ImGui::GetColorU32(ImGuiCol_Text), title.c_str());
        dl->PopClipRect();
        ImGui::Dummy(ImVec2(side, line_h));
        if (ImGui::IsItemHovered()) {
            ImGui::BeginTooltip();
            ImGui::Text("%s (%s)", title.c_str(), name.c_str());
            if (v.error.empty()) {
                ImGui::Text("KL(model || %s) = %s nats", name.c_str(), fmt_value(v.kl_from_own, 5).c_str());
                ImGui::TextDisabled("how far the next-token distribution moves when layer %d uses %s", p.layer,
                                    name.c_str());
            }
            ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
            ImGui::TextDisabled("%s", std::string(variant_parameter_doc(v.kind)).c_str());
            ImGui::PopTextWrapPos();
            ImGui::EndTooltip();
        }
        if (!v.error.empty()) {
            ImGui::PushStyleColor(ImGuiCol_Text, u32(th.error));
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + side);
            ImGui::TextWrapped("%s refused this problem: %s", name.c_str(), v.error.c_str());
            ImGui::PopTextWrapPos();
            ImGui::PopStyleColor();
            ImGui::Dummy(ImVec2(side, side * 0.5f));
        } else {
            const std::string slot = "model:v:" + std::to_string(i);
            const HeatmapHit hit = model_map(ctx, st, "map", slot, p.variant_images[static_cast<std::size_t>(i)], n,
                                             side, "model." + name);
            if (hit.hovered) {
                map_tooltip(ctx, s, p, v.weights, hit);
            }
            ImGui::PushFont(th.small);
            const int own_top = top_k(p.result.own_probs, 1).front();
            ImGui::TextDisabled("p(model's \xE2\x80\x98%s\xE2\x80\x99) %.3f", s.token_name(own_top).c_str(),
                                static_cast<double>(v.next_probs(own_top)));
            ImGui::PopFont();
            probability_bars(ctx, s, v.next_probs, 3, side, expected);
        }
        ImGui::PopID();
        ImGui::EndGroup();
    }
    ImGui::EndChild();
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
        ImGui::TextWrapped("No model is open. Pick a shipped checkpoint above, or type the path of one made by "
                           "`attnscope train --out M.safetensors` and press Enter.");
        return;
    }
    shortcuts(ctx, st);
    sequence_row(ctx, st);
    std::shared_ptr<const ModelProbe> p = s.latest();
    probe_row(ctx, st, p.get());
    ImGui::Separator();

    s.set_display(base_display(ctx, nullptr));
    s.update();
    // A cheap probe is shown in the same frame (as the lab does); the first one after opening waits longer so a
    // screenshot or a render never shows an empty view for a model that takes a moment.
    const bool first = !p || p->tokens.empty();
    if (s.busy()) s.wait(first ? 3000.0 : (s.last_probe_ms() < 8.0 ? 8.0 : 0.0));
    p = s.latest();
    ctx.ui.view_busy |= s.busy();
    if (!p) return;
    if (!p->error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, u32(th.error));
        ImGui::TextWrapped("The probe refused this request: %s", p->error.c_str());
        ImGui::PopStyleColor();
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float status_h = ImGui::GetTextLineHeightWithSpacing();
    const float left_w = std::min(th.px(340), avail.x * 0.32f);
    const ImVec2 a = ImGui::GetCursorScreenPos();
    ctx.layout.panel("model", a, ImVec2(a.x + avail.x, a.y + avail.y));
    own_panel(ctx, st, *p, left_w, avail.y - status_h);
    ImGui::SameLine(0, th.px(12));
    variant_grid(ctx, st, *p, avail.x - left_w - th.px(12), avail.y - status_h);
    ImGui::TextDisabled("%d tokens \xC2\xB7 probe %.1f ms%s \xC2\xB7 click a map row: read the prediction there \xC2\xB7 "
                        "G: new sample \xC2\xB7 H / N: next head / layer \xC2\xB7 R: reset override",
                        static_cast<int>(p->tokens.size()), p->ms, s.busy() ? " \xC2\xB7 computing\xE2\x80\xA6" : "");
}

}  // namespace attnscope::gui
